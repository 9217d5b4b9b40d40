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
  math nodes that MathJax typesets);
* shows the papers' own theorem numbering: sphinx-proof numbers its blocks across the whole book
  ("Lemma 7" for the paper's Lemma 1), so every ``prf:`` block is made unnumbered (as if it had
  ``:nonumber:``; the titles carry the paper's numbers) and a ``{prf:ref}`` to such a block shows
  its type and title ("Lemma (Zero-mean noise (Lemma 1))") instead of a bare "Lemma". Set
  ``optdyn_unnumbered_proofs: false`` (``sphinx.config`` in ``_config.yml``) for sphinx-proof's numbers;
* makes the repository URL (``repository.url`` in ``_config.yml``, the one setting behind the launch
  and repository buttons and the provenance box) available to the pages as MyST substitutions:
  ``{{ repository_url }}``, ``{{ repository_link }}`` (a link to it) and ``{{ repository_briefs }}``
  (a link to ``docs/briefs/`` on its default branch).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

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
    _repository_substitutions(config)


def _repository_substitutions(config) -> None:
    """``{{ repository_url }}``, ``{{ repository_link }}``, ``{{ repository_briefs }}`` from ``repository.url``
    (Jupyter Book passes it to the theme as ``html_theme_options.repository_url``)."""
    theme = dict(getattr(config, "html_theme_options", None) or {})
    url = str(theme.get("repository_url") or "").rstrip("/")
    branch = str(theme.get("repository_branch") or "main")
    subs = dict(getattr(config, "myst_substitutions", None) or {})
    if url:
        subs.setdefault("repository_url", url)
        subs.setdefault("repository_link", f"[{url}]({url})")
        subs.setdefault("repository_briefs", f"[`docs/briefs/`]({url}/tree/{branch}/docs/briefs)")
    else:
        subs.setdefault("repository_url", "the repository")
        subs.setdefault("repository_link", "the repository")
        subs.setdefault("repository_briefs", "`docs/briefs/`")
    config.myst_substitutions = subs


_DOLLAR = re.compile(r"\$([^$\n]+?)\$")


#: Where raw HTML holds ``$...$``: claim boxes, HTML cell outputs, the status tables. myst marks the
#: page ``mathjax_ignore`` and lists the classes MathJax may still process; these are added to them.
PROCESS_CLASSES = ("optdyn-claim", "text_html", "optdyn-status", "optdyn-dashboard", "optdyn-deviations", "optdyn-scroll")


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


# ---- Theorem numbering: the paper's own (in the titles), not sphinx-proof's book-wide counter. ----


def _unnumbered(cls):
    """A sphinx-proof directive class that behaves as if ``:nonumber:`` were given (when configured)."""

    class Unnumbered(cls):
        def run(self):
            if self.config.optdyn_unnumbered_proofs:
                self.options["nonumber"] = None  # a directives.flag option: present = set
            return super().run()

    Unnumbered.__name__ = Unnumbered.__qualname__ = f"Unnumbered{cls.__name__}"
    return Unnumbered


def _proof_nodes():
    from sphinx_proof.nodes import NODE_TYPES, unenumerable_node

    return (unenumerable_node, *NODE_TYPES.values())


def _collect_proof_titles(app, doctree) -> None:
    """Remember every prf block's type and title nodes (for references to unnumbered blocks)."""
    env = app.env
    store = env.__dict__.setdefault("optdyn_proof_titles", {})
    kinds = _proof_nodes()
    for node in doctree.findall(lambda n: isinstance(n, kinds)):
        label = node.get("label")
        if not label or not len(node.children) or not isinstance(node[0], nodes.title):
            continue
        store[label] = {"docname": env.docname, "realtype": node.get("realtype", ""),
                        "title": [c.deepcopy() for c in node[0].children]}


def _purge_proof_titles(app, env, docname) -> None:
    store = getattr(env, "optdyn_proof_titles", None)
    if store:
        env.optdyn_proof_titles = {k: v for k, v in store.items() if v["docname"] != docname}


def _merge_proof_titles(app, env, docnames, other) -> None:
    env.__dict__.setdefault("optdyn_proof_titles", {}).update(getattr(other, "optdyn_proof_titles", {}))


class ProofRefTitles(SphinxPostTransform):
    """``{prf:ref}`label``` to an unnumbered block: show "Type (title)", as in the block's header.

    sphinx-proof writes only the type ("Lemma ") for an unnumbered target; this runs just before the
    references are resolved (priority 10) and gives the reference its text, which sphinx-proof then
    keeps (a reference with text of its own, ``{prf:ref}`text <label>```, is left alone)."""

    default_priority = 5

    def run(self, **kwargs) -> None:
        titles = getattr(self.env, "optdyn_proof_titles", {})
        plist = getattr(self.env, "proof_list", {})
        if not titles:
            return
        from sphinx_proof.domain import translate

        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("refdomain") != "prf" or node.get("refexplicit"):
                continue
            target = node.get("reftarget", "")
            info = titles.get(target)
            if info is None or not plist.get(target, {}).get("nonumber"):
                continue
            text = nodes.inline("", "", nodes.Text(translate(info["realtype"].title())),
                                *[c.deepcopy() for c in info["title"]], classes=["optdyn-prf-ref"])
            # sphinx-proof uses the first child of the reference's content node as the link text.
            node.children = []
            node += nodes.inline("", "", text)


def setup(app):
    # MathJax on every page, not only on pages with Markdown math: the status page's tables hold
    # the claims' $...$ as raw HTML (MathJax is served locally, so this costs no network).
    app.setup_extension("sphinx_proof")
    from sphinx_proof.proof_type import PROOF_TYPES

    app.add_config_value("optdyn_unnumbered_proofs", True, "env", [bool])
    for name, cls in PROOF_TYPES.items():
        app.add_directive_to_domain("prf", name, _unnumbered(cls), override=True)
    app.connect("doctree-read", _collect_proof_titles)
    app.connect("env-purge-doc", _purge_proof_titles)
    app.connect("env-merge-info", _merge_proof_titles)
    app.add_post_transform(ProofRefTitles)
    app.set_html_assets_policy("always")
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("builder-inited", _builder_inited, priority=900)
    app.connect("doctree-resolved", _math_in_citations)
    app.connect("html-page-context", _page_context, priority=900)
    app.add_css_file("optdyn.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
