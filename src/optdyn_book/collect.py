"""Collect claims from executed notebooks: ``claims.json``, Markdown export, the status page.

Claims are read back with nbformat from the outputs whose MIME type is
:data:`optdyn.claims.CLAIM_MIME`; run metadata (profile, parameters, runtime, versions) from the
notebook's ``metadata.optdyn`` written by :mod:`optdyn_book.runner`.
"""
from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path
from typing import Iterable

import nbformat

from optdyn.claims import VERDICTS
from optdyn_book.runner import claims_of

__all__ = ["VOLATILE_RUN_KEYS", "collect", "claims_markdown", "deterministic", "status_page", "write_claims_json"]


def collect(notebooks: Iterable[str | Path]) -> dict:
    """Read executed notebooks: ``{"chapters": [{slug, title, run, claims}], "summary": {...}}``."""
    chapters = []
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        run = dict(nb.metadata.get("optdyn", {}))
        slug = run.get("slug", Path(path).stem)
        title = slug
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "optdyn-provenance" not in cell.metadata.get("tags", []):
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        title = line[2:].strip()
                        break
                if title != slug:
                    break
        chapters.append({"slug": slug, "title": title, "run": run, "claims": claims_of(nb)})
    counts = Counter(c["verdict"] for ch in chapters for c in ch["claims"])
    unexpected = [c["id"] for ch in chapters for c in ch["claims"] if c["verdict"] != c["expected"]]
    return {
        "chapters": chapters,
        "summary": {
            "claims": sum(counts.values()),
            **{v: counts.get(v, 0) for v in VERDICTS},
            "unexpected": unexpected,
        },
    }


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


def claims_markdown(data: dict) -> str:
    """A plain Markdown table of every claim (for ``optdyn claims --format md``)."""
    rows = ["| claim | result | verdict | expected | measured |", "|---|---|---|---|---|"]
    for ch in data["chapters"]:
        for c in ch["claims"]:
            cells = [f"`{c['id']}`", c["result"], c["verdict"], c["expected"], c["measured"]]
            rows.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
    return "\n".join(rows) + "\n"


def _anchor(cid: str) -> str:
    return "claim-" + cid.replace(".", "-").replace("_", "-")


_BADGE = {"reproduced": "#1b7837", "not reproduced": "#b2182b", "inconclusive": "#8c6d1f"}


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


def _badge(verdict: str) -> str:
    return f"<span class='optdyn-verdict-badge {verdict.replace(' ', '-')}'>{html.escape(verdict)}</span>"


def _count_cell(n: int, verdict: str) -> str:
    cls = "optdyn-n-" + verdict.replace(" ", "-") + (" optdyn-zero" if n == 0 else "")
    return f"<td class='{cls}'>{n}</td>"


def status_page(data: dict, out_dir: str | Path, sweeps: dict | None = None) -> Path:
    """Write the *Reproduction status* page (``status.md``) and its runtime chart into ``out_dir``.

    A dashboard first (counts per chapter and verdict, runtimes), then one table per chapter whose
    rows link to the claim boxes (``<slug>.html#claim-...``).
    """
    out_dir = Path(out_dir)
    e = html.escape
    s = data["summary"]
    n_ch = len(data["chapters"])
    lines = [
        "# Reproduction status",
        "",
        "Every claim the book checks, with the criterion stated before the run, the measured value",
        "and the verdict. *Expected* is the verdict the chapter documents; a mismatch is flagged.",
        "This page is generated from the executed notebooks of this build; the same data is in the",
        "file `claims.json` at the root of the site.",
        "",
        "## Dashboard",
        "",
        f"**{s['claims']} claim{'s' if s['claims'] != 1 else ''}** in {n_ch} chapter{'s' if n_ch != 1 else ''}: "
        f"{s['reproduced']} reproduced, {s['not reproduced']} not reproduced, {s['inconclusive']} inconclusive "
        f"({', '.join(sorted({str(ch['run'].get('profile', '?')) for ch in data['chapters']})) or '?'} profile); "
        + (f"**{len(s['unexpected'])} differ from the documented verdict**." if s["unexpected"] else "every verdict is the documented one."),
        "",
        "<table class='optdyn-dashboard optdyn-status-summary'><thead><tr><th>chapter</th><th>\u2714 reproduced</th>"
        "<th>\u2718 not reproduced</th><th>? inconclusive</th><th>as documented</th><th>runtime (s)</th></tr></thead><tbody>",
    ]
    for ch in data["chapters"]:
        cnt = Counter(c["verdict"] for c in ch["claims"])
        ok = sum(c["verdict"] == c["expected"] for c in ch["claims"])
        run = ch["run"]
        rt = run.get("runtime_s")
        lines.append(
            f"<tr><td><a href='{e(ch['slug'])}.html'>{e(ch['title'])}</a></td>"
            + "".join(_count_cell(cnt.get(v, 0), v) for v in VERDICTS)
            + f"<td>{ok}/{len(ch['claims'])}</td>"
            f"<td>{'%.1f' % rt if isinstance(rt, (int, float)) else '?'}</td></tr>"
        )
    n_ok = s["claims"] - len(s["unexpected"])
    total_rt = sum(float(ch["run"].get("runtime_s") or 0) for ch in data["chapters"])
    lines.append(
        "<tr><td><b>all</b></td>" + "".join(_count_cell(s[v], v) for v in VERDICTS)
        + f"<td><b>{n_ok}/{s['claims']}</b></td><td><b>{total_rt:.1f}</b></td></tr></tbody></table>"
    )
    lines.append("")
    if s["unexpected"]:
        lines += ["```{warning}", "Claims whose verdict differs from the documented one: " + ", ".join(s["unexpected"]), "```", ""]
    if _runtime_figure(data, out_dir / "status_runtimes.png"):
        lines += [
            "```{figure} status_runtimes.png", ":alt: bar chart of the execution time of each chapter in seconds",
            ":width: 90%", ":name: status-runtimes", "", "Execution time of each chapter notebook in this build.", "```", "",
        ]
    lines += ["## Claims", "", "Each claim links to its verdict box in the chapter.", ""]
    for ch in data["chapters"]:
        lines += [f"### {ch['title']}", ""]
        lines.append(
            "<table class='optdyn-status'><thead><tr><th>claim</th><th>result</th><th>criterion</th><th>measured</th>"
            "<th>verdict</th><th>expected</th>" + ("<th>sweep</th>" if sweeps else "") + "</tr></thead><tbody>"
        )
        for c in ch["claims"]:
            sweep_cell = ""
            if sweeps:
                sw = sweeps.get(c["id"])
                if isinstance(sw, dict):
                    text = e(sw.get("label", ""))
                    if sw.get("link"):
                        text += f" (<a href='{e(sw['link'])}'>failing points</a>)"
                    sweep_cell = f"<td>{text or '&ndash;'}</td>"
                else:
                    sweep_cell = f"<td>{e(sw) if sw else '&ndash;'}</td>"
            unexpected = c["verdict"] != c["expected"]
            lines.append(
                f"<tr{' class=' + chr(39) + 'optdyn-unexpected' + chr(39) if unexpected else ''}>"
                f"<td><a href='{e(ch['slug'])}.html#{_anchor(c['id'])}'><code>{e(c['id'])}</code></a></td>"
                f"<td>{e(c['result'])}</td><td>{e(c['criterion'])}</td><td>{e(c['measured'])}</td>"
                f"<td>{_badge(c['verdict'])}</td><td>{e(c['expected'])}</td>{sweep_cell}</tr>"
            )
        lines += ["</tbody></table>", ""]
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
