"""Sphinx extension for the optdyn site: every asset served from the built site, no CDN.

Enabled from ``_config.yml`` (``sphinx.extra_extensions: [optdyn_book.site]``). It

* serves MathJax 3 from ``_static/mathjax`` (the files ship in the pinned ``sphinx-mathjax-offline``
  wheel, so the pins flow covers them and nothing is fetched at build or read time) and points
  ``mathjax_path`` at it, so pages typeset their math when opened from disk without network;
* drops the widget-manager scripts myst-nb would load from a CDN (the book has no widgets);
* adds the book's stylesheet (claim boxes, provenance box, status dashboard);
* makes MathJax typeset ``$...$`` in raw HTML written by code (claim boxes, status tables) and
  loads it on every page;
* fixes what a browser would otherwise report on every page: inline scripts registered twice
  (``const THEBE_JS_URL`` declared twice is a SyntaxError), an empty colour mode (the theme logs an
  error on a reader's first visit), and ``$...$`` left raw in bibliography entries (turned into
  math nodes that MathJax typesets).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from docutils import nodes

__all__ = ["MATHJAX_PATH", "mathjax_dir", "setup"]

STATIC = Path(__file__).resolve().parent / "static"
#: ``mathjax_path`` relative to ``_static`` (TeX input, CommonHTML output, fonts served locally).
MATHJAX_PATH = "mathjax/tex-chtml.js"


def mathjax_dir() -> Path:
    """The folder holding ``mathjax/`` (MathJax 3.2 ``es5`` build) inside the installed wheel."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "MathJax for offline reading is missing: install the pinned 'sphinx-mathjax-offline' "
            "(make venv, or pip install -c constraints.txt -r requirements/top-level.txt)"
        )
    d = Path(list(spec.submodule_search_locations)[0]) / "static"
    if not (d / MATHJAX_PATH).is_file():
        raise RuntimeError(f"MathJax not found at {d / MATHJAX_PATH}")
    return d


def _config_inited(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(mathjax_dir()), *([str(STATIC)] if STATIC.is_dir() else [])]
    config.mathjax_path = MATHJAX_PATH
    # Markdown math becomes \(...\) (myst dollarmath); what still holds $...$ is raw HTML written by
    # code: claim boxes (statement, criterion, measured) and the status tables. Typeset those too.
    cfg = dict(config.mathjax3_config or {})
    tex = dict(cfg.get("tex") or {})
    tex.setdefault("inlineMath", [["\\(", "\\)"], ["$", "$"]])
    tex.setdefault("processEscapes", True)
    cfg["tex"] = tex
    config.mathjax3_config = cfg
    # myst-nb would add require.js and the widget manager from a CDN to pages with widget state.
    if "nb_ipywidgets_js" in config:
        config.nb_ipywidgets_js = {}


_DOLLAR = re.compile(r"\$([^$\n]+?)\$")


#: Where raw HTML holds ``$...$``: claim boxes, HTML cell outputs, the status tables. myst marks the
#: page ``mathjax_ignore`` and lists the classes MathJax may still process; these are added to them.
PROCESS_CLASSES = ("optdyn-claim", "text_html", "optdyn-status", "optdyn-dashboard")


def _builder_inited(app) -> None:
    """After myst-parser set ``processHtmlClass`` (builder-inited, default priority), extend it."""
    cfg = app.config.mathjax3_config
    if not isinstance(cfg, dict):
        return
    opts = cfg.setdefault("options", {})
    classes = [c for c in str(opts.get("processHtmlClass") or "").split("|") if c]
    opts["processHtmlClass"] = "|".join(classes + [c for c in PROCESS_CLASSES if c not in classes])


def _math_in_citations(app, doctree, docname) -> None:
    """``$...$`` in bibliography entries (BibTeX titles) -> inline math nodes."""
    for cit in list(doctree.findall(nodes.citation)):
        for text in list(cit.findall(nodes.Text)):
            s = str(text)
            if "$" not in s or isinstance(text.parent, (nodes.literal, nodes.math, nodes.raw)):
                continue
            parts, pos = [], 0
            for m in _DOLLAR.finditer(s):
                if m.start() > pos:
                    parts.append(nodes.Text(s[pos : m.start()]))
                latex = m.group(1)
                parts.append(nodes.math(latex, latex))
                pos = m.end()
            if not parts:
                continue
            if pos < len(s):
                parts.append(nodes.Text(s[pos:]))
            text.parent.replace(text, parts)
            # MathJax is only linked from pages known to have math: this one has now.
            app.env.get_domain("math").data.setdefault("has_equations", {})[docname] = True


def _page_context(app, pagename, templatename, context, doctree) -> None:
    # pydata-sphinx-theme writes `localStorage.mode || "{{ default_mode }}"`; empty -> console error.
    if not context.get("default_mode"):
        context["default_mode"] = "light"
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        seen, kept = set(), []
        for js in scripts:
            key = (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
            if key in seen:
                continue
            seen.add(key)
            kept.append(js)
        scripts[:] = kept


def setup(app):
    # MathJax on every page, not only on pages with Markdown math: the status page's tables hold
    # the claims' $...$ as raw HTML (MathJax is served locally, so this costs no network).
    app.set_html_assets_policy("always")
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("builder-inited", _builder_inited, priority=900)
    app.connect("doctree-resolved", _math_in_citations)
    app.connect("html-page-context", _page_context, priority=900)
    app.add_css_file("optdyn.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
