# The two commands of the README: `make book` and `make test`. Both bootstrap .venv from the pins
# (constraints.txt) and only reinstall when the pins or pyproject.toml change.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.optdyn-installed
PROFILE ?= book
JOBS ?= 2
PYTEST_WORKERS ?= 2

# System packages (Debian) the browser test needs: a test tool's own browser download fails
# without network, so the system chromium and its matching driver are used.
APT_PACKAGES := chromium chromium-driver fonts-dejavu-core

.PHONY: book test venv quick full clean pins bench sysdeps site-check repository

$(STAMP): constraints.txt pyproject.toml requirements/top-level.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "optdyn needs Python 3.11 (set PYTHON=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==24.3.1
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements/top-level.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name optdyn --display-name "Python 3 (optdyn)"
	touch $(STAMP)

venv: $(STAMP)

## Build the book: execute every chapter (book profile, cached) and build _build/html.
book: $(STAMP)
	$(BIN)/optdyn build --profile $(PROFILE) --jobs $(JOBS)

## Debian's chromium + chromium-driver for the browser test, installed (apt-get) only when missing.
sysdeps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else \
	    echo "error: the browser test needs: apt-get install $(APT_PACKAGES) (run as root)" >&2; exit 1; fi; \
	  echo "installing $(APT_PACKAGES) (apt-get)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@chromium --version 2>/dev/null | head -1; chromedriver --version | head -1

## Run the test suite (unit tests, every chapter under the quick profile and a second seed, the book
## build, the built site in headless Chromium offline; screenshots in _build/artifacts/screenshots).
test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q --durations=15

## The book at the quick profile (what the tests build).
quick:
	$(MAKE) book PROFILE=quick

## The book at paper scale: every chapter at its `full` profile (minutes to over half an hour per
## chapter), then the site. The status page shows each claim's verdict at quick, book and full side by
## side wherever those runs exist (cached in _build/executed/<profile>/; stale runs are marked).
full:
	$(MAKE) book PROFILE=full

## Set the repository URL (launch buttons, repository button, provenance box, intro links, CITATION.cff):
## make repository URL=https://github.com/OWNER/NAME   (without URL: check _config.yml and CITATION.cff agree)
repository: $(STAMP)
	$(BIN)/python -m optdyn_book.site.repository $(URL)

## Open every page of the built site (_build/html) in headless Chromium, offline; report problems.
site-check: $(STAMP) sysdeps
	$(BIN)/python -m optdyn_book.site.check _build/html --screenshots _build/artifacts/screenshots

bench: $(STAMP)
	$(BIN)/optdyn bench --profile quick book

## Regenerate the pins from requirements/top-level.txt (needs network to the registry).
pins:
	rm -rf .venv-pins && $(PYTHON) -m venv .venv-pins
	.venv-pins/bin/pip install --quiet -r requirements/top-level.txt
	{ echo "# The one pinned constraints file: Makefile, pyproject extras and environment.yml all use it."; \
	  echo "# Regenerate with: make pins (after changing requirements/top-level.txt)."; \
	  .venv-pins/bin/pip freeze --exclude-editable | grep -v '^optdyn'; } > constraints.txt
	rm -rf .venv-pins

clean:
	rm -rf _build
