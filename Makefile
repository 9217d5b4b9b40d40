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

.PHONY: book test venv quick clean pins bench

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

## Run the test suite (unit tests, every chapter under the quick profile and a second seed, the book build).
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q --durations=15

## The book at the quick profile (what the tests build).
quick:
	$(MAKE) book PROFILE=quick

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
