"""Collect claims from executed notebooks: ``claims.json``, Markdown export, the status page.

Claims are read back with nbformat from the outputs whose MIME type is
:data:`optdyn.claims.CLAIM_MIME`, and each chapter's deviation log from the output under
:data:`optdyn.claims.DEVIATIONS_MIME` (``show_deviations``); run metadata (profile, parameters,
runtime, versions) from the notebook's ``metadata.optdyn`` written by :mod:`optdyn_book.runner`.

Ledger v2 claims carry a ``kind`` (``"empirical"`` or ``"exact"``), their theorem ``conditions`` and a
list of ``controls``; legacy (ledger v1) claims have none of these but one ``control``. Counts are kept
per kind: the headline (:func:`headline`, printed by ``optdyn build``, ``optdyn claims`` and shown on
the status page) is about the **empirical** claims, with the exact checks and the not yet classified
ledger-v1 claims counted apart.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import nbformat

from optdyn.claims import DEVIATIONS_MIME, VERDICTS
from optdyn_book.runner import claims_of, mime_payloads

__all__ = [
    "KIND_GROUPS",
    "VOLATILE_RUN_KEYS",
    "claim_kind",
    "claims_markdown",
    "claims_table",
    "collect",
    "deterministic",
    "deviations_of",
    "headline",
    "profile_runs",
    "random_sweeps",
    "status_page",
    "summarize",
    "write_claims_json",
]

#: How claims are counted: ledger-v2 kinds, then the legacy claims that carry no kind yet.
KIND_GROUPS = ("empirical", "exact", "v1")
EMPIRICAL_VERDICTS = ("reproduced", "not reproduced", "inconclusive", "outside conditions")
EXACT_VERDICTS = ("verified (exact)", "failed (exact)", "outside conditions")
_SYMBOL = {
    "reproduced": "\u2714", "not reproduced": "\u2718", "inconclusive": "?", "outside conditions": "\u2205",
    "verified (exact)": "=", "failed (exact)": "\u2260",
}


def claim_kind(c: Mapping) -> str:
    """``"empirical"`` / ``"exact"`` for ledger-v2 claims, ``"v1"`` for legacy ones (no kind recorded)."""
    k = c.get("kind")
    return k if k in ("empirical", "exact") else "v1"


def deviations_of(nb) -> list[dict] | None:
    """The chapter's deviation log (every ``show_deviations`` output, in order), or None when the
    notebook emitted none (a chapter still on ledger v1)."""
    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    found: list[dict] | None = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for payload in mime_payloads(cell.get("outputs", []), DEVIATIONS_MIME):
            found = (found or []) + [dict(d) for d in payload.get("deviations", [])]
    return found


def _title_of(nb, slug: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "optdyn-provenance" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return slug


def collect(notebooks: Iterable[str | Path]) -> dict:
    """Read executed notebooks: ``{"chapters": [{slug, title, run, claims[, deviations]}], "summary": {...}}``.

    ``deviations`` is present (possibly empty) only for chapters whose notebook emitted a deviation log.
    """
    chapters = []
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        run = dict(nb.metadata.get("optdyn", {}))
        slug = run.get("slug", Path(path).stem)
        ch = {"slug": slug, "title": _title_of(nb, slug), "run": run, "claims": claims_of(nb)}
        devs = deviations_of(nb)
        if devs is not None:
            ch["deviations"] = devs
        chapters.append(ch)
    return {"chapters": chapters, "summary": summarize(chapters)}


def _kind_counts(claims: Sequence[Mapping]) -> dict:
    out = {}
    for kind in KIND_GROUPS:
        cs = [c for c in claims if claim_kind(c) == kind]
        cnt = Counter(c["verdict"] for c in cs)
        out[kind] = {
            "claims": len(cs),
            "verdicts": {v: cnt.get(v, 0) for v in VERDICTS},
            "not_reproduced_documented": sum(1 for c in cs if c["verdict"] == "not reproduced" and c.get("expected") == "not reproduced"),
            "unexpected": sum(1 for c in cs if c["verdict"] != c.get("expected")),
        }
    return out


def summarize(chapters: Sequence[Mapping]) -> dict:
    """Counts over every claim: by verdict (all kinds: the v1 keys ``reproduced`` ... stay), by kind and
    verdict (``by_kind``), the claims whose verdict differs from the documented one, and the headline."""
    claims = [c for ch in chapters for c in ch.get("claims", [])]
    counts = Counter(c["verdict"] for c in claims)
    by_kind = _kind_counts(claims)
    return {
        "claims": len(claims),
        **{v: counts.get(v, 0) for v in VERDICTS},
        "unexpected": [c["id"] for c in claims if c["verdict"] != c.get("expected")],
        "by_kind": by_kind,
        "headline": headline(by_kind),
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(by_kind: Mapping | Sequence[Mapping], *, compact: bool = False) -> str:
    """One line about the ledger, empirical claims first, e.g. ``"42 empirical claims: 35 reproduced, 4 not
    reproduced (documented), 1 inconclusive, 2 outside conditions; 12 exact checks verified"``.

    ``by_kind`` is ``summary["by_kind"]`` or a list of claims. Claims still on ledger v1 (no kind) are
    counted apart at the end. ``compact`` (one chapter's line) leaves out the kinds it has none of.
    """
    if not isinstance(by_kind, Mapping):
        by_kind = _kind_counts(list(by_kind))
    emp, ex, v1 = by_kind["empirical"], by_kind["exact"], by_kind["v1"]
    ev = emp["verdicts"]
    nr, doc = ev["not reproduced"], emp["not_reproduced_documented"]
    nr_text = f"{nr} not reproduced" + ("" if nr == 0 else " (documented)" if doc == nr else f" ({doc} documented)")
    parts = []
    if emp["claims"] or not compact:
        parts.append(f"{_plural(emp['claims'], 'empirical claim')}: {ev['reproduced']} reproduced, {nr_text}, "
                     f"{ev['inconclusive']} inconclusive, {ev['outside conditions']} outside conditions")
    xv = ex["verdicts"]
    if ex["claims"] == 0:
        if not compact:
            parts.append("no exact checks")
    elif xv["verified (exact)"] == ex["claims"]:
        parts.append(f"{_plural(ex['claims'], 'exact check')} verified")
    else:
        extra = [f"{xv['verified (exact)']} verified", f"{xv['failed (exact)']} failed"]
        if xv["outside conditions"]:
            extra.append(f"{xv['outside conditions']} outside conditions")
        parts.append(f"{_plural(ex['claims'], 'exact check')}: " + ", ".join(extra))
    if v1["claims"]:
        vv = v1["verdicts"]
        parts.append(f"{_plural(v1['claims'], 'claim')} still on ledger v1 (kind not recorded): {vv['reproduced']} reproduced, "
                     f"{vv['not reproduced']} not reproduced, {vv['inconclusive']} inconclusive")
    return "; ".join(parts) or "no claims"


#: Run fields that change from one execution to the next (timings); kept out of ``claims.json`` so
#: that two builds of the same commit write identical claims JSON.
VOLATILE_RUN_KEYS = ("runtime_s", "peak_rss_mb", "cached")


def deterministic(data: dict) -> dict:
    """``data`` without timings: what two builds of the same commit must agree on."""
    out = {k: v for k, v in data.items() if k != "build_seconds"}
    out["chapters"] = [
        {**ch, "run": {k: v for k, v in ch.get("run", {}).items() if k not in VOLATILE_RUN_KEYS}}
        for ch in data.get("chapters", [])
    ]
    return out


def write_claims_json(data: dict, path: str | Path, *, timings: bool = False) -> Path:
    """Write ``data`` as pretty, key-sorted JSON, atomically.

    Timings (:data:`VOLATILE_RUN_KEYS`) are dropped unless ``timings=True``, so the file is
    byte-identical across builds of the same commit.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_text(json.dumps(data if timings else deterministic(data), indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def _detects(c: Mapping) -> list[str]:
    """The deviations the claim's criterion detects: every rejected near-miss control."""
    return [str(x.get("deviation", "")) for x in c.get("controls") or [] if x.get("role") == "near_miss" and x.get("passed") is False]


def claims_markdown(data: dict) -> str:
    """A plain Markdown table of every claim (for ``optdyn claims --format md``), then the headline."""
    rows = ["| claim | result | verdict | expected | measured | kind | detects |", "|---|---|---|---|---|---|---|"]
    for ch in data["chapters"]:
        for c in ch["claims"]:
            cells = [f"`{c['id']}`", c["result"], c["verdict"], c["expected"], c["measured"],
                     c.get("kind") or "v1", "; ".join(_detects(c))]
            rows.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    return "\n".join(rows) + "\n\n" + summarize(data["chapters"])["headline"] + "\n"


def claims_table(data: dict) -> str:
    """The claims as a plain-text table per chapter, then the headline (``optdyn claims``)."""
    lines = []
    for ch in data["chapters"]:
        claims = ch.get("claims", [])
        lines.append(f"{ch.get('slug', '?')}: {headline(claims, compact=True)}")
        if not claims:
            lines.append("  (no claims recorded)")
        w = max((len(c["id"]) for c in claims), default=0)
        for c in claims:
            flag = "" if c["verdict"] == c["expected"] else f"   <-- expected {c['expected']}"
            lines.append(f"  {c['id']:<{w}}  {claim_kind(c):<9} {c['verdict']:<18} {c['measured']}{flag}")
        if "deviations" in ch:
            n = len(ch["deviations"])
            lines.append(f"  deviation log: {n} {'entry' if n == 1 else 'entries'}")
    lines.append(summarize(data["chapters"])["headline"])
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Other runs shown on the status page: the same chapters at other profiles, random-variant sweeps.


def profile_runs(root: str | Path, slugs: Sequence[str], profiles: Sequence[str] | None = None) -> dict:
    """Executed runs of each chapter at each profile: ``{slug: {profile: {"current", "verdicts", "commit"}}}``.

    A run counts when ``_build/executed/<profile>/<slug>.ipynb`` and its sidecar ``<slug>.run.json``
    exist and the sidecar says it succeeded; ``current`` is False (a *stale* run) when its cache key
    no longer matches the chapter's code and that profile's parameters.
    """
    from optdyn_book.chapters import PROFILES, ParameterError, chapter, resolve_parameters
    from optdyn_book.runner import cache_key, default_out_dir

    root = Path(root)
    out: dict = {}
    for slug in slugs:
        try:
            ch = chapter(slug, root)
        except (ParameterError, FileNotFoundError):
            continue
        for prof in profiles or PROFILES:
            d = default_out_dir(prof, root)
            nb, side = d / f"{slug}.ipynb", d / f"{slug}.run.json"
            if not (nb.is_file() and side.is_file()):
                continue
            try:
                rec = json.loads(side.read_text())
            except (OSError, ValueError):
                continue
            if not rec.get("ok"):
                continue
            try:
                key = cache_key(ch, resolve_parameters(ch, prof), root)
            except Exception:  # a profile that no longer resolves: whatever ran is stale
                key = None
            claims = rec.get("claims")
            if not isinstance(claims, list):
                try:
                    claims = claims_of(nb)
                except Exception:
                    continue
            out.setdefault(slug, {})[prof] = {
                "current": key is not None and rec.get("key") == key,
                "verdicts": {c["id"]: c["verdict"] for c in claims if isinstance(c, dict) and "id" in c},
                "commit": rec.get("commit"),
            }
    return out


def random_sweeps(root: str | Path) -> dict:
    """Random-variant robustness per claim id, from ``_build/sweeps/<slug>/random/summary.json``:
    ``{id: {"k", "n", "variants", "wilson", "link", "label"}}`` (``k`` of ``n`` variants at the documented
    verdict)."""
    base = Path(root) / "_build" / "sweeps"
    out: dict = {}
    for f in sorted(base.glob("*/random/summary.json")) if base.is_dir() else []:
        try:
            summ = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        slug = f.parent.parent.name
        variants = summ.get("variants")
        for cid, s in (summ.get("claims") or {}).items():
            if not isinstance(s, dict):
                continue
            n = s.get("runs") if isinstance(s.get("runs"), int) else variants
            rate = s.get("pass_rate")
            if isinstance(s.get("as_expected"), int):
                k = s["as_expected"]
            elif isinstance(rate, (int, float)) and isinstance(n, int):
                k = int(round(rate * n))
            else:
                k = None
            link = None
            if (f.parent / "failures.csv").is_file() and (s.get("failing_points") or summ.get("errors")):
                link = f"../sweeps/{slug}/random/failures.csv"
            out[cid] = {"k": k, "n": n, "variants": variants if isinstance(variants, int) else n,
                        "wilson": s.get("wilson"), "link": link, "label": s.get("label", "")}
    return out


def random_label(r: Mapping) -> str:
    """``"stays at its documented verdict in k of N random variants"`` (plus the Wilson interval)."""
    k, n, total = r.get("k"), r.get("n"), r.get("variants")
    if k is None or not n:
        return str(r.get("label") or "")
    text = f"stays at its documented verdict in {k} of {n} random variants"
    if isinstance(total, int) and total > n:
        text += f" ({n} of {total} finished)"
    w = r.get("wilson") or {}
    if isinstance(w.get("low"), (int, float)) and isinstance(w.get("high"), (int, float)):
        text += f" (95% Wilson interval {100 * w['low']:.0f}\u2013{100 * w['high']:.0f}%)"
    return text


# ----------------------------------------------------------------------------------------------
# The status page.


def _anchor(cid: str) -> str:
    return "claim-" + cid.replace(".", "-").replace("_", "-")


def _slug(verdict: str) -> str:
    """A CSS-safe class name for a verdict (``verified (exact)`` -> ``verified-exact``)."""
    return re.sub(r"[^a-z]+", "-", verdict.lower()).strip("-")


def _runtime_figure(data: dict, path: Path) -> bool:
    """Horizontal bar chart of chapter runtimes, labelled with the seconds (deterministic PNG)."""
    rows = [(ch["title"], ch["slug"], ch["run"].get("runtime_s")) for ch in data["chapters"] if ch["run"].get("runtime_s") is not None]
    if not rows:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optdyn.plotting import PALETTE

    labels = [t if len(t) <= 38 else t[:36] + "…" for t, _, _ in rows][::-1]
    secs = [float(r) for _, _, r in rows][::-1]
    with matplotlib.rc_context({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "optdyn"}):
        fig, ax = plt.subplots(figsize=(7.0, 0.9 + 0.42 * len(rows)))
        bars = ax.barh(labels, secs, color=PALETTE[0], edgecolor="black", linewidth=0.6)
        for b, v in zip(bars, secs):
            ax.text(b.get_width(), b.get_y() + b.get_height() / 2, f" {v:.1f} s", va="center", fontsize=9)
        ax.set_xlim(0, max(secs) * 1.18 + 1e-9)
        ax.set_xlabel("execution time of the chapter notebook (s)")
        profiles = sorted({str(ch["run"].get("profile", "?")) for ch in data["chapters"]})
        ax.set_title(f"Chapter runtimes ({', '.join(profiles)} profile)")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
    return True


def _badge(verdict: str, text: str | None = None, title: str | None = None) -> str:
    t = f" title='{html.escape(title)}'" if title else ""
    return f"<span class='optdyn-verdict-badge {_slug(verdict)}'{t}>{html.escape(text if text is not None else verdict)}</span>"


def _count_cell(n: int, verdict: str) -> str:
    cls = "optdyn-n-" + _slug(verdict) + (" optdyn-zero" if n == 0 else "")
    return f"<td class='{cls}'>{n}</td>"


def _wbr(text: str) -> str:
    """Escaped ``text`` with break opportunities after ``.`` and ``_`` (claim ids, condition names)."""
    return re.sub(r"([._])", r"\1<wbr>", html.escape(text))


#: Header words with soft hyphens, so that narrow columns break them at a hyphen, not anywhere.
_SHY = {"reproduced": "repro&shy;duced", "inconclusive": "incon&shy;clusive", "conditions": "con&shy;ditions",
        "verified": "veri&shy;fied", "documented": "docu&shy;mented", "deviations": "devia&shy;tions",
        "robustness": "robust&shy;ness", "controls": "con&shy;trols", "theorem": "theo&shy;rem"}


def _shy(text: str) -> str:
    return " ".join(_SHY.get(w, w) for w in text.split(" "))


def _scroll(table: str) -> str:
    """A wide table inside a horizontal scroll area of the page column (it never widens the page)."""
    return f"<div class='optdyn-scroll'>{table}</div>"


def _controls_cells(c: Mapping) -> tuple[str, str]:
    """(what the criterion detects, positive controls) as HTML for one claim."""
    e = html.escape
    if claim_kind(c) == "v1":
        ctrl = c.get("control") or {}
        if not ctrl:
            return "&ndash;", "&ndash;"
        res = "rejected" if ctrl.get("passed") is False else "NOT rejected" if ctrl.get("passed") else "not judged"
        cls = "optdyn-ok" if ctrl.get("passed") is False else "optdyn-bad"
        return (f"<span class='optdyn-v1-control {cls}'>negative control ({e(str(ctrl.get('name', '')))}): {res}</span>", "&ndash;")
    det, pos = [], []
    for x in c.get("controls") or []:
        dev = e(str(x.get("deviation", "")))
        name = e(str(x.get("name", "")))
        if x.get("role") == "near_miss":
            if x.get("passed") is False:
                det.append(f"<li class='optdyn-ok' title='near-miss control {name}: rejected'>detects: {dev}</li>")
            elif x.get("passed") is None:  # not run (outside the conditions) or undecided
                det.append(f"<li class='optdyn-muted' title='near-miss control {name}: not judged'>near miss not judged: {dev}</li>")
            else:
                det.append(f"<li class='optdyn-bad' title='near-miss control {name}: passed the criterion'>misses: {dev} (NOT rejected)</li>")
        elif x.get("role") == "illustration":
            res = "rejected" if x.get("passed") is False else "NOT rejected" if x.get("passed") else "not run"
            det.append(f"<li class='optdyn-illustration' title='illustration {name} (no power)'>illustration: {dev} ({res})</li>")
        elif x.get("role") == "positive":
            ok = x.get("passed") is True
            res = "meets the criterion" if ok else "does NOT meet the criterion" if x.get("passed") is False else "not run"
            pos.append(f"<li class='{'optdyn-ok' if ok else 'optdyn-bad'}' title='positive control {name}'>{dev}: {res}</li>")
    as_list = lambda items: f"<ul class='optdyn-cell-list'>{''.join(items)}</ul>" if items else "&ndash;"  # noqa: E731
    return as_list(det), as_list(pos)


def _conditions_cell(c: Mapping) -> str:
    cond = c.get("conditions")
    if not isinstance(cond, Mapping):
        return "&ndash;"
    declared = list(cond.get("declared") or [])
    if not declared:
        return "<span class='optdyn-muted'>none declared</span>"
    if cond.get("satisfied"):
        return f"<span class='optdyn-ok'>satisfied:</span> {_wbr(', '.join(declared))}"
    violated = list(cond.get("violated") or [])
    rest = [d for d in declared if d not in violated]
    return (f"<span class='optdyn-bad'>violated: {_wbr(', '.join(violated))}</span>"
            + (f"<br><span class='optdyn-muted'>holds: {_wbr(', '.join(rest))}</span>" if rest else ""))


def _robustness_cell(cid: str, sweeps: Mapping | None, random: Mapping | None) -> str:
    e = html.escape
    parts = []
    sw = (sweeps or {}).get(cid)
    if isinstance(sw, Mapping):
        text = e(sw.get("label", ""))
        if sw.get("link"):
            text += f" (<a href='{e(sw['link'])}'>failing points</a>)"
        if text:
            parts.append(f"<div class='optdyn-sweep'>grid sweep: {text}</div>")
    elif sw:
        parts.append(f"<div class='optdyn-sweep'>grid sweep: {e(str(sw))}</div>")
    rv = (random or {}).get(cid)
    if isinstance(rv, Mapping):
        text = e(random_label(rv))
        if rv.get("link"):
            text += f" (<a href='{e(rv['link'])}'>failing variants</a>)"
        parts.append(f"<div class='optdyn-random'>{text}</div>")
    return "".join(parts) or "&ndash;"


def _profile_cell(cid: str, profile: str, run: Mapping | None) -> str:
    """The claim's verdict in the run at ``profile``: a verdict symbol (the legend is above the table),
    the verdict in words as its tooltip and for screen readers; a stale run is marked."""
    if not run:
        return "<span class='optdyn-muted' title='no run at this profile'>&ndash;</span>"
    v = run["verdicts"].get(cid)
    if v is None:
        return "<span class='optdyn-muted' title='not in that run'>&ndash;</span>"
    if run.get("current"):
        return (_badge(v, _SYMBOL.get(v, "?"), title=f"{profile}: {v}")
                + f"<span class='optdyn-sr' data-profile-verdict='{html.escape(v)}'>{html.escape(v)}</span>")
    commit = html.escape(str(run.get("commit") or "unknown"))
    return (f"<span class='optdyn-stale' title='{profile}: {html.escape(v)}; stale: executed from older code (commit {commit})'>"
            f"{_badge(v, _SYMBOL.get(v, '?'))}<span class='optdyn-sr' data-profile-verdict='{html.escape(v)}'>{html.escape(v)}</span>"
            f" stale</span>")


def _chapter_counts(claims: Sequence[Mapping]) -> str:
    return headline(claims, compact=True)


def _deviation_table(devs: Sequence[Mapping]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(str(d.get('what', '')))}</td><td><code>{e(str(d.get('commit', '')))}</code></td><td>{e(str(d.get('why', '')))}</td>"
        f"<td>{e(str(d.get('before', '')))}</td><td>{e(str(d.get('after', '')))}</td></tr>"
        for d in devs
    )
    return _scroll(
        "<table class='optdyn-deviations optdyn-status-deviations'><thead><tr><th>what changed after a result was seen</th>"
        "<th>commit</th><th>why</th><th>verdict before</th><th>verdict after</th></tr></thead><tbody>" + rows + "</tbody></table>"
    )


def status_page(data: dict, out_dir: str | Path, sweeps: dict | None = None, *, random: dict | None = None,
                profiles: dict | None = None) -> Path:
    """Write the *Reproduction status* page (``status.md``) and its runtime chart into ``out_dir``.

    A dashboard first (counts per chapter, kind and verdict; runtimes), then per chapter: its counts,
    one table whose rows link to the claim boxes (``<slug>.html#claim-...``) with each claim's kind,
    verdict, expected verdict, the deviations its criterion detects (rejected near-miss controls), its
    positive controls, theorem conditions, robustness (grid sweep pass rate, random variants) and,
    where runs at other profiles exist (``profiles``, see :func:`profile_runs`), its verdict at
    ``quick``, ``book`` and ``full`` side by side; then the chapter's deviation log.
    """
    from optdyn_book.chapters import PROFILES

    out_dir = Path(out_dir)
    e = html.escape
    chapters = data["chapters"]
    s = summarize(chapters)
    n_ch = len(chapters)
    build_profiles = sorted({str(ch.get("run", {}).get("profile", "?")) for ch in chapters})
    has_v1 = s["by_kind"]["v1"]["claims"] > 0
    lines = [
        "---",
        "html_theme.sidebar_secondary.remove: true",  # the page column gets the width of the tables
        "---",
        "",
        "# Reproduction status",
        "",
        "Every claim the book checks, with its verdict and what stands behind it. *Empirical* claims are",
        "statistical tests on simulated data; *exact* checks are deterministic (an identity, a closed form,",
        "an implementation check) and are counted apart. *Expected* is the verdict the chapter documents; a",
        "mismatch is flagged. *Detects* lists the near-miss controls (wrong but plausible alternatives) that",
        "the claim's own criterion rejected: the deviations it has the power to see. See",
        "{ref}`how to read a claim box <how-to-read-a-claim-box>`.",
        "This page is generated from the executed notebooks of this build; the same data is in the",
        "file `claims.json` at the root of the site.",
        "",
        "## Dashboard",
        "",
        f"<p class='optdyn-headline'><b>{e(s['headline'])}</b> ({n_ch} chapter{'s' if n_ch != 1 else ''}, "
        f"{e(', '.join(build_profiles) or '?')} profile); "
        + (f"<b>{len(s['unexpected'])} differ from the documented verdict</b>.</p>" if s["unexpected"] else "every verdict is the documented one.</p>"),
        "",
    ]
    head = ("<table class='optdyn-dashboard optdyn-status-summary'><thead>"
            "<tr><th rowspan='2'>chapter</th><th colspan='4' class='optdyn-group'>empirical claims</th>"
            "<th colspan='2' class='optdyn-group'>exact checks</th>"
            + ("<th rowspan='2' title='claims without a kind: reproduced, not reproduced, inconclusive'>ledger v1</th>" if has_v1 else "")
            + f"<th rowspan='2'>{_shy('as documented')}</th><th rowspan='2'>{_shy('deviations logged')}</th></tr><tr>"
            + "".join(f"<th title='{v}'>{_SYMBOL[v]}<br>{_shy(v)}</th>" for v in EMPIRICAL_VERDICTS)
            + f"<th title='verified (exact)'>=<br>{_shy('verified')}</th><th title='failed (exact)'>\u2260<br>failed</th>"
            "</tr></thead><tbody>")
    rows = []

    def _row(label: str, claims: list, devs) -> str:
        k = _kind_counts(claims)
        emp, ex, v1 = k["empirical"]["verdicts"], k["exact"]["verdicts"], k["v1"]
        ok = sum(c["verdict"] == c["expected"] for c in claims)
        v1_cell = ""
        if has_v1:
            vv = v1["verdicts"]
            v1_cell = (f"<td class='optdyn-v1{' optdyn-zero' if not v1['claims'] else ''}' "
                       f"title='claims without a kind: reproduced / not reproduced / inconclusive'>{v1['claims']}"
                       + (f" <span class='optdyn-v1-split'>({vv['reproduced']}\u2714&nbsp;{vv['not reproduced']}\u2718&nbsp;{vv['inconclusive']}?)</span>"
                          if v1["claims"] else "") + "</td>")
        return (f"<tr><td>{label}</td>"
                + "".join(_count_cell(emp[v], v) for v in EMPIRICAL_VERDICTS)
                + _count_cell(ex["verified (exact)"], "verified (exact)") + _count_cell(ex["failed (exact)"], "failed (exact)")
                + v1_cell + f"<td>{ok}/{len(claims)}</td><td>{devs}</td></tr>")

    total_rt = sum(float(ch.get("run", {}).get("runtime_s") or 0) for ch in chapters)
    for ch in chapters:
        devs = len(ch["deviations"]) if "deviations" in ch else "&ndash;"
        rows.append(_row(f"<a href='{e(ch['slug'])}.html'>{e(ch['title'])}</a>", ch["claims"], devs))
    all_devs = sum(len(ch.get("deviations", [])) for ch in chapters)
    rows.append(_row("<b>all</b>", [c for ch in chapters for c in ch["claims"]], all_devs))
    lines += [_scroll(head + "".join(rows) + "</tbody></table>"), ""]
    if s["unexpected"]:
        lines += ["```{warning}", "Claims whose verdict differs from the documented one: " + ", ".join(s["unexpected"]), "```", ""]
    if _runtime_figure(data, out_dir / "status_runtimes.png"):
        lines += [
            "```{figure} status_runtimes.png", ":alt: bar chart of the execution time of each chapter in seconds",
            ":width: 90%", ":name: status-runtimes", "", f"Execution time of each chapter notebook in this build ({total_rt:.1f} s in all).",
            "```", "",
        ]
    lines += ["## Claims", "",
              "Each claim links to its verdict box in the chapter. *Robustness*: the claim's pass rate over the",
              "chapter's grid sweep (`optdyn sweep`) and how often it stays at its documented verdict over random",
              "variants of the parameters inside the theorem conditions, where those sweeps were run.", ""]
    if profiles:
        lines += ["Where the chapters were also executed at other profiles (`quick` for the tests, `book` for this",
                  "site, `full` at paper scale: `make full`), the verdict at each profile is shown side by side; a run",
                  "executed from older code than this build's is marked *stale*.", ""]
    for ch in chapters:
        slug = ch["slug"]
        runs = (profiles or {}).get(slug) or {}
        own = str(ch.get("run", {}).get("profile", ""))
        shown_profiles = [p for p in PROFILES if p in runs]
        if not any(p != own for p in shown_profiles):
            shown_profiles = []  # only this build's own run: the verdict column says it all
        lines += [f"### {ch['title']}", "", f"<p class='optdyn-chapter-counts'>{e(_chapter_counts(ch['claims']))}</p>", ""]
        if shown_profiles:
            lines += ["<p class='optdyn-legend'>Verdict at each profile: " + " &middot; ".join(
                f"{_badge(v, _SYMBOL[v])} {e(v)}" for v in VERDICTS) + "; <i>stale</i>: executed from older code.</p>", ""]
        hdr = ("<table class='optdyn-status'><thead><tr><th data-col='claim'>claim, result, kind</th>"
               "<th data-col='verdict'>verdict (expected)</th>"
               "<th data-col='detects'>criterion detects</th><th data-col='positive'>positive con&shy;trols</th>"
               f"<th data-col='conditions'>{_shy('theorem conditions')}</th><th data-col='robustness'>{_shy('robustness')}</th>"
               + "".join(f"<th data-col='profile-{p}' class='optdyn-profile'>{p}</th>" for p in shown_profiles)
               + "</tr></thead><tbody>")
        body = []
        for c in ch["claims"]:
            unexpected = c["verdict"] != c["expected"]
            det, pos = _controls_cells(c)
            kind = claim_kind(c)
            kind_text = "ledger v1" if kind == "v1" else kind
            details = (f"<details class='optdyn-claim-details'><summary>criterion, measured</summary>"
                       f"<div><b>Criterion:</b> {e(c.get('criterion', ''))}</div><div><b>Measured:</b> {e(c.get('measured', ''))}</div>"
                       + (f"<div><b>Note:</b> {e(c['note'])}</div>" if c.get("note") else "") + "</details>")
            body.append(
                f"<tr{' class=' + chr(39) + 'optdyn-unexpected' + chr(39) if unexpected else ''} data-claim='{e(c['id'])}'>"
                f"<td><a href='{e(slug)}.html#{_anchor(c['id'])}'><code>{_wbr(c['id'])}</code></a>"
                f"<div class='optdyn-result'>{e(c.get('result', ''))} "
                f"<span class='optdyn-kind optdyn-kind-{kind}' data-field='kind'>{kind_text}</span></div>{details}</td>"
                f"<td><span data-field='verdict'>{_badge(c['verdict'])}</span><div class='optdyn-expected{' optdyn-bad' if unexpected else ''}' data-field='expected'>"
                f"{'differs from the documented: ' if unexpected else 'expected: '}{e(c['expected'])}</div></td>"
                f"<td>{det}</td><td>{pos}</td><td>{_conditions_cell(c)}</td>"
                f"<td>{_robustness_cell(c['id'], sweeps, random)}</td>"
                + "".join(f"<td class='optdyn-profile'>{_profile_cell(c['id'], p, runs.get(p))}</td>" for p in shown_profiles)
                + "</tr>"
            )
        lines += [_scroll(hdr + "".join(body) + "</tbody></table>"), ""]
        if "deviations" in ch:
            lines += [f"<p class='optdyn-deviation-title'><b>Deviation log</b> of this chapter: every criterion, tolerance, "
                      "budget, sample size or seed changed after a result had been seen.</p>", ""]
            if ch["deviations"]:
                lines += [_deviation_table(ch["deviations"]), ""]
            else:
                lines += ["<p class='optdyn-deviations-empty'>None: no criterion, tolerance, budget, sample size or seed "
                          "was changed after a result was seen.</p>", ""]
        else:
            lines += ["<p class='optdyn-deviations-missing optdyn-muted'>No deviation log recorded (the chapter is still on "
                      "ledger v1).</p>", ""]
        run = ch["run"]
        params = run.get("parameters", {})
        lines += [
            f"Profile `{run.get('profile', '?')}`, runtime {run.get('runtime_s', '?')} s, "
            f"commit `{run.get('commit') or 'unknown'}`.",
            "",
            "```{code-block} text",
            "parameters: " + json.dumps(params, sort_keys=True),
            "versions:   " + json.dumps(run.get("versions", {}), sort_keys=True),
            "```",
            "",
        ]
    path = out_dir / "status.md"
    path.write_text("\n".join(lines) + "\n")
    return path
