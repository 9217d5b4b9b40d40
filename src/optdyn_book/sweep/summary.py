"""Per-claim summaries of sweep records: how often each claim's verdict is its documented one, with a
Wilson interval, and a plain-text report. Pure functions of the records (no files, no processes).

A claim *holds* in a run when its verdict equals its documented ``expected`` verdict; a point whose
notebook raised counts as a run where it does not hold; crashed points (killed worker or kernel)
are not finished and do not count. A run outside a claim's theorem conditions (ledger v2: the claim
says *outside conditions*) is not a test of that claim: it is counted apart (``outside``), not in the
claim's pass rate.
"""
from __future__ import annotations

import json
import statistics
from typing import Sequence

__all__ = ["TARGET_PASS_RATE", "format_summary", "summarize", "wilson"]

TARGET_PASS_RATE = 0.95  # what a chapter aims for under random variants (README, "Robustness sweeps")


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a pass rate ``k / n`` at confidence ``level`` (``(0, 1)`` when n = 0)."""
    from optdyn.stats import wilson_interval

    return wilson_interval(k, n, level) if n else (0.0, 1.0)


def _fmt_point(ov: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in ov.items())


def summarize(records: Sequence[dict], *, n_points: int | None = None, rel_dir: str = "", level: float = 0.95,
              unit: str = "runs", by_parameter: bool = True) -> dict:
    """Per-claim summary of finished records (status ``ok`` or ``failed``).

    For each claim: runs ``n`` (finished points), ``k`` runs with verdict == expected, pass rate with
    a Wilson interval, verdict counts, worst (smallest) margin and where it occurred, value range,
    pass rate by value of each swept parameter (``by_parameter``), and the failing points. ``label``
    is what the status page shows, e.g. ``"reproduced in 19 of 20 runs"`` (``unit`` names the runs,
    e.g. ``"random variants"``).
    """
    done = [r for r in records if r.get("status") in ("ok", "failed")]
    errored = [r for r in done if r["status"] == "failed"]
    claim_ids: list[str] = []
    expected: dict[str, str] = {}
    for r in done:
        for c in r.get("claims", []):
            if c["id"] not in claim_ids:
                claim_ids.append(c["id"])
            if c["id"] not in expected and c.get("verdict") != "outside conditions":
                expected[c["id"]] = c.get("expected", "reproduced")  # the documented verdict inside the conditions
    total = n_points if n_points is not None else len(done)
    claims = {}
    for cid in claim_ids:
        exp = expected.get(cid, "outside conditions")
        verdicts: dict[str, int] = {}
        failing, margins, values = [], [], []
        by_param: dict[str, dict[str, list[int]]] = {}
        k = n = outside = 0
        for r in done:
            c = next((c for c in r.get("claims", []) if c["id"] == cid), None)
            v = c["verdict"] if c else ("error" if r["status"] == "failed" else "missing")
            verdicts[v] = verdicts.get(v, 0) + 1
            if v == "outside conditions":
                outside += 1
                continue
            n += 1
            ok = c is not None and v == exp
            k += ok
            if by_parameter:
                for p, val in r["overrides"].items():
                    cell = by_param.setdefault(p, {}).setdefault(json.dumps(val), [0, 0])
                    cell[0] += ok
                    cell[1] += 1
            if c is not None and c.get("margin") is not None:
                margins.append((c["margin"], r["point_id"], r["overrides"]))
            if c is not None and c.get("value") is not None:
                values.append(c["value"])
            if not ok:
                failing.append({
                    "point_id": r["point_id"], "overrides": r["overrides"], "verdict": v,
                    "measured": c.get("measured") if c else None, "error": r.get("error"),
                    "record": f"{rel_dir}/runs/{r['point_id']}.json" if rel_dir else f"runs/{r['point_id']}.json",
                })
        lo, hi = wilson(k, n, level)
        label = f"{exp} in {k} of {n} {unit}" + (f" inside its conditions ({outside} outside)" if outside else "")
        n_err = sum(1 for f in failing if f["verdict"] == "error")
        extras = []
        if failing:
            if len(failing) <= 3:
                extras.append("fails at " + "; ".join(_fmt_point(f["overrides"]) for f in failing))
            else:
                extras.append(f"fails at {len(failing)} points, see {rel_dir + '/' if rel_dir else ''}failures.csv")
        if n_err:
            extras.append(f"{n_err} run{'s' if n_err > 1 else ''} raised an error")
        if len(done) < total:
            extras.append(f"partial sweep: {len(done)} of {total} points")
        if extras:
            label += " (" + "; ".join(extras) + ")"
        worst = min(margins, key=lambda m: m[0]) if margins else None
        claims[cid] = {
            "label": label,
            "expected": exp,
            "runs": n,
            "outside_conditions": outside,
            "as_expected": k,
            "pass_rate": k / n if n else None,
            "wilson": {"level": level, "low": lo, "high": hi},
            "verdicts": verdicts,
            "worst_margin": worst[0] if worst else None,  # smallest margin (criterion's pass side > 0)
            "margin_max": max(m[0] for m in margins) if margins else None,
            "worst_margin_point": {"point_id": worst[1], "overrides": worst[2]} if worst else None,
            "value": {"min": min(values), "max": max(values), "median": statistics.median(values)} if values else None,
            "by_parameter": {p: {val: f"{a}/{b}" for val, (a, b) in d.items()} for p, d in by_param.items()},
            "failing_points": failing,
            "failures_csv": f"{rel_dir}/failures.csv" if rel_dir else "failures.csv",
        }
    return {
        "points": total,
        "finished": len(done),
        "errors": [{"point_id": r["point_id"], "overrides": r["overrides"], "error": r.get("error")} for r in errored],
        "claims": claims,
    }


def format_summary(res) -> str:
    """Plain-text report of a sweep (a :class:`~optdyn_book.sweep.driver.SweepResult`): one line per
    claim, its failing points, then errors and where the files are. A random-variant sweep marks the
    claims below :data:`TARGET_PASS_RATE`."""
    s = res.summary
    random = s.get("mode") == "random"
    what = f"{s['points']} random variants (draw seed {s.get('random_seed')})" if random else f"{s['points']} points"
    lines = [f"sweep {res.slug} [{s['profile']}]: {s['finished']} of {what} finished "
             f"({len(res.ran)} run now, {len(res.skipped)} reused) in {res.wall_s:.1f} s"
             + (f" with {res.executor} x{res.workers}" if res.ran else "")]
    w = max((len(c) for c in s["claims"]), default=0)
    for cid, c in s["claims"].items():
        lo, hi = c["wilson"]["low"], c["wilson"]["high"]
        wm = "" if c["worst_margin"] is None else f", margin {c['worst_margin']:.3g}..{c['margin_max']:.3g}"
        below = random and c["pass_rate"] is not None and c["pass_rate"] < TARGET_PASS_RATE
        out = c.get("outside_conditions") or 0
        if not c["runs"] and out:
            lines.append(f"  {cid:<{w}}  outside its theorem conditions in all {out} runs")
            continue
        lines.append(f"  {cid:<{w}}  {c['as_expected']:>3}/{c['runs']:<3} as expected ({c['expected']}; "
                     f"95% Wilson {lo:.2f}-{hi:.2f}{wm})" + (f"; {out} outside its conditions" if out else "")
                     + (f"   <-- below the {TARGET_PASS_RATE:.0%} target" if below else ""))
        for f in c["failing_points"][:5]:
            lines.append(f"  {'':<{w}}    fails at {_fmt_point(f['overrides'])}: {f['error'] or f['verdict'] + ', ' + str(f['measured'])}")
        if len(c["failing_points"]) > 5:
            lines.append(f"  {'':<{w}}    ... {len(c['failing_points']) - 5} more in failures.csv")
    crashed = [r for r in res.records.values() if r["status"] == "crashed"]
    if crashed:
        lines.append(f"  {len(crashed)} point(s) crashed (killed worker/kernel); run the sweep again to retry them")
    lines.append(f"  records: {res.sweep_dir / 'runs'}; summary: {res.sweep_dir / 'summary.json'} (+ summary.csv, runs.csv, failures.csv)")
    return "\n".join(lines)
