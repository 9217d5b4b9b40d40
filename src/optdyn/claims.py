"""The claims ledger (v2): every check of a paper's result is a claim with an *earned* verdict.

A claim is declared in its paper package (:class:`ClaimSpec`, next to the criterion that judges it),
with what the ledger needs to trust its verdict:

* its **kind**: ``"exact"`` (deterministic: an identity, a closed form against a solver, an
  implementation-consistency check) or ``"empirical"`` (a statistical test on simulated data). Exact
  checks render as *verified (exact)* and are counted apart from the empirical claims;
* the **theorem conditions** under which the paper's statement applies, as predicates of the chapter
  parameters (:class:`optdyn.validation.Condition`). Outside them the verdict is *outside conditions*,
  naming the violated condition, never a silent *not reproduced*;
* its **controls** (:class:`Control`), each judged by the same criterion: *near-miss* controls, a
  wrong-but-plausible alternative that deviates from the paper's statement by a stated, modest amount
  (the criterion must reject it: that is the claim's measured power); *illustrations* (straw men,
  which show something but prove no power, and do not affect the verdict); and *positive* controls, a setting where the same
  criterion must say *reproduced* (required for a claim documented *not reproduced*).

In the notebook, ``claim = SPEC.state(P)`` fixes the criterion for the run's parameters before the
computation, and ``claim.judge(outcome, controls={...})`` records the verdict from the
:class:`Outcome` of the criterion (package code, unit-tested) on the experiment and on every control.
The verdict is earned:

* empirical, inside the conditions: *reproduced* / *not reproduced* from the criterion, but
  *inconclusive* when no near-miss control was rejected (the criterion has no power against any stated
  deviation) or when a positive control fails it (it could not have said *reproduced*). A near miss that
  is not rejected while another is shows the limit of the criterion's power and is reported; an
  illustration is shown with its outcome and never changes the verdict;
* exact: *verified (exact)* or *failed (exact)*;
* outside the conditions: *outside conditions* (the documented verdict is the one inside the conditions,
  so a run outside them is recorded as expected *outside conditions*).

Judging renders a verdict box and stores a machine-readable copy under :data:`CLAIM_MIME`, which the
book tooling collects into ``claims.json``. Each chapter also keeps a **deviation log**
(:class:`Deviation`, rendered by :func:`show_deviations`, stored under :data:`DEVIATIONS_MIME`): every
criterion, tolerance, budget, sample size or seed changed after a result was seen.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from optdyn.validation import Condition

__all__ = [
    "CLAIM_MIME",
    "DEVIATIONS_MIME",
    "KINDS",
    "ROLES",
    "VERDICTS",
    "all_finite",
    "Claim",
    "ClaimResult",
    "ClaimSpec",
    "Control",
    "Deviation",
    "Outcome",
    "StatedClaim",
    "show_deviations",
    "verdict_from",
]

CLAIM_MIME = "application/vnd.optdyn.claim+json"
DEVIATIONS_MIME = "application/vnd.optdyn.deviations+json"
KINDS = ("exact", "empirical")
ROLES = ("near_miss", "illustration", "positive")
VERDICTS = ("reproduced", "not reproduced", "inconclusive", "outside conditions", "verified (exact)", "failed (exact)")
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")
_STYLE = {
    "reproduced": ("#1b7837", "#e7f4e4", "\u2714"),
    "not reproduced": ("#b2182b", "#fbe3e1", "\u2718"),
    "inconclusive": ("#8c6d1f", "#fbf3dc", "?"),
    "outside conditions": ("#555555", "#eeeeee", "\u2205"),
    "verified (exact)": ("#2c5d8f", "#e4edf7", "="),
    "failed (exact)": ("#b2182b", "#fbe3e1", "\u2260"),
}
_ROLE_TEXT = {"near_miss": "near-miss control", "illustration": "illustration", "positive": "positive control"}


def verdict_from(passed: bool | None) -> str:
    """Map a criterion outcome to a verdict: True/False/None -> reproduced/not reproduced/inconclusive."""
    if passed is None:
        return "inconclusive"
    return "reproduced" if bool(passed) else "not reproduced"


def _jsonable(x: Any) -> Any:
    """Convert numpy scalars/arrays and nested containers to plain JSON values (NaN -> None)."""
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):
        return _jsonable(x.tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    return str(x)


def _finite_or_none(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def all_finite(*arrays) -> bool:
    """True when every entry of every array is finite: criteria return an undecided :class:`Outcome` otherwise
    (diverged or unfinished runs decide nothing)."""
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays)


@dataclass(frozen=True)
class Outcome:
    """What a criterion says about one experiment (the claim's run or one control).

    ``passed``: True / False, or None when the criterion cannot decide (e.g. too few finite runs);
    ``measured``: the measured value(s) as text, with uncertainty; ``value``: the main scalar (for
    sweeps); ``margin``: signed distance to the pass boundary (> 0 on the pass side).
    """

    passed: bool | None
    measured: str
    value: float | None = None
    margin: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.passed is not None and not isinstance(self.passed, (bool, np.bool_)):
            raise TypeError(f"passed must be True, False or None, got {type(self.passed).__name__}")
        object.__setattr__(self, "passed", None if self.passed is None else bool(self.passed))
        object.__setattr__(self, "measured", str(self.measured))


@dataclass(frozen=True)
class Control:
    """A control of a claim, judged by the claim's own criterion.

    ``role``: ``"near_miss"`` (a wrong-but-plausible alternative, deviating from the paper's statement by
    ``deviation``; the criterion must reject it), ``"illustration"`` (a straw man: shown, not counted as
    power) or ``"positive"`` (a setting where the criterion must say *reproduced*). ``deviation`` states
    what differs, e.g. ``"Sigma_alpha x 1.25"`` (near-miss) or ``"a saddle whose T* does not depend on
    L_max"`` (positive). Like a claim's criterion, it may be a callable ``P -> str``.
    """

    name: str
    role: str
    deviation: "Text"

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"control role must be one of {ROLES}, got {self.role!r}")
        if not self.name.strip() or not (callable(self.deviation) or str(self.deviation).strip()):
            raise ValueError("a control needs a name and a stated deviation")


Text = str | Callable[[Any], str]


def _render(text: Text, P) -> str:
    return text(P) if callable(text) else str(text)


@dataclass(frozen=True)
class ClaimSpec:
    """The declaration of a claim (in the paper package's ``checks`` module).

    ``statement`` and ``criterion`` are strings, or callables ``P -> str`` when they quote the run's
    parameters; ``conditions`` are the theorem conditions (from the chapter's schema);
    ``controls`` every control the chapter runs. ``expected`` is the documented verdict.
    """

    id: str
    result: str
    statement: Text
    criterion: Text
    kind: str
    expected: str = "reproduced"
    conditions: tuple[Condition, ...] = ()
    controls: tuple[Control, ...] = ()

    def __post_init__(self):
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"id must look like '<chapter_slug>.<short_name>' (lower case), got {self.id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.expected not in VERDICTS:
            raise ValueError(f"{self.id}: expected must be one of {VERDICTS}, got {self.expected!r}")
        if self.kind == "exact" and self.expected not in ("verified (exact)", "outside conditions"):
            raise ValueError(f"{self.id}: an exact claim is expected to be 'verified (exact)'")
        if self.kind == "empirical" and self.expected in ("verified (exact)", "failed (exact)"):
            raise ValueError(f"{self.id}: an empirical claim cannot be expected '{self.expected}'")
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: duplicate control names")
        if self.kind == "empirical" and not any(c.role == "near_miss" for c in self.controls):
            raise ValueError(f"{self.id}: an empirical claim needs at least one near-miss control")
        if self.expected == "not reproduced" and not any(c.role == "positive" for c in self.controls):
            raise ValueError(f"{self.id}: a claim documented 'not reproduced' needs a positive control")

    @property
    def chapter(self) -> str:
        return self.id.split(".", 1)[0]

    def state(self, P: Mapping[str, Any]) -> "StatedClaim":
        """The claim for one run: criterion and conditions fixed from the parameters ``P``, before the run."""
        return StatedClaim(self, P)


class StatedClaim:
    """A claim stated for one run (see :meth:`ClaimSpec.state`); judge it once."""

    def __init__(self, spec: ClaimSpec, P: Mapping[str, Any]):
        self.spec = spec
        self.P = P
        self.statement = _render(spec.statement, P)
        self.criterion = _render(spec.criterion, P)
        self.violated = [c.name for c in spec.conditions if not c.holds(P)]
        self.deviations = {c.name: _render(c.deviation, P) for c in spec.controls}
        self._judged: ClaimResult | None = None

    @property
    def applies(self) -> bool:
        """True when every theorem condition of the claim holds for the run's parameters."""
        return not self.violated

    def judge(self, outcome: Outcome | None, controls: Mapping[str, Outcome] | None = None, *, note: str = "",
              display: bool = True) -> "ClaimResult":
        """Record the verdict (rules in the module docstring), render the box, store the record.

        ``controls`` maps every declared control's name to its :class:`Outcome` under the same criterion.
        Outside the conditions ``outcome`` and ``controls`` may be None (the experiment was not run).
        """
        spec = self.spec
        if self._judged is not None:
            raise RuntimeError(f"claim {spec.id} was already judged")
        controls = dict(controls or {})
        declared = {c.name for c in spec.controls}
        if self.applies:
            if outcome is None:
                raise ValueError(f"claim {spec.id}: an outcome is required inside the conditions")
            if set(controls) != declared:
                raise ValueError(f"claim {spec.id}: controls judged {sorted(controls)} differ from those declared {sorted(declared)}")
        elif set(controls) - declared:
            raise ValueError(f"claim {spec.id}: undeclared controls {sorted(set(controls) - declared)}")
        ctrl_records = []
        for c in spec.controls:
            o = controls.get(c.name)
            ctrl_records.append({"name": c.name, "role": c.role, "deviation": self.deviations[c.name],
                                 "passed": None if o is None else o.passed,
                                 "measured": "not run" if o is None else o.measured})
        notes = [note] if note else []
        if not self.applies:
            verdict = "outside conditions"
            stmts = {c.name: c.statement for c in spec.conditions if c.name in self.violated}
            notes.append("Outside the theorem's conditions: " + "; ".join(f"{k} ({v})" for k, v in stmts.items()) + ".")
        elif spec.kind == "exact":
            if outcome.passed is None:
                raise ValueError(f"claim {spec.id}: an exact check must pass or fail")
            verdict = "verified (exact)" if outcome.passed else "failed (exact)"
        else:
            verdict = verdict_from(outcome.passed)
            missed = [r["name"] for r in ctrl_records if r["role"] == "near_miss" and r["passed"] is not False]
            rejected_near = [r for r in ctrl_records if r["role"] == "near_miss" and r["passed"] is False]
            bad_pos = [r["name"] for r in ctrl_records if r["role"] == "positive" and r["passed"] is not True]
            if not rejected_near:
                notes.append("No near-miss control was rejected (" + ", ".join(missed)
                             + " also meets the criterion): the criterion has no power here, so the verdict is inconclusive.")
            elif missed:
                notes.append("The criterion does not detect " + ", ".join(missed) + " (the limit of its power).")
            if bad_pos:
                notes.append("The positive control " + ", ".join(bad_pos)
                             + " did not meet the criterion, so the criterion could not say 'reproduced' and the verdict is inconclusive.")
            if bad_pos or not rejected_near:
                verdict = "inconclusive"
        o = outcome or Outcome(None, "not run (outside conditions)")
        res = ClaimResult(
            id=spec.id, chapter=spec.chapter, result=spec.result, statement=self.statement, criterion=self.criterion,
            expected=spec.expected if self.applies else "outside conditions", verdict=verdict, measured=o.measured, value=_finite_or_none(o.value),
            margin=_finite_or_none(o.margin), control={}, note=" ".join(notes), details=_jsonable(dict(o.details)),
            kind=spec.kind, conditions={"satisfied": self.applies, "violated": list(self.violated),
                                        "declared": [c.name for c in spec.conditions]},
            controls=_jsonable(ctrl_records),
        )
        self._judged = res
        if display:
            _display(res)
        return res


@dataclass(frozen=True)
class ClaimResult:
    """The judged claim: what the book tooling stores in ``claims.json``."""

    id: str
    chapter: str
    result: str
    statement: str
    criterion: str
    expected: str
    verdict: str
    measured: str
    value: float | None
    margin: float | None
    control: dict
    note: str = ""
    details: dict = field(default_factory=dict)
    kind: str | None = None
    conditions: dict | None = None
    controls: list = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.expected

    def to_dict(self) -> dict:
        d = _jsonable(asdict(self))
        if self.kind is not None:  # ledger v2 records carry the controls list, not the legacy field
            d.pop("control")
        return d

    @property
    def anchor(self) -> str:
        return "claim-" + self.id.replace(".", "-").replace("_", "-")

    def _control_lines(self) -> list[str]:
        e = html.escape
        if self.kind is None:  # legacy record: one negative control
            ctrl = self.control
            return [f"<b>Negative control</b> ({e(str(ctrl.get('name', '')))}): {e(str(ctrl.get('measured', '')))} "
                    f"&rarr; {'rejected' if ctrl.get('passed') is False else 'NOT rejected' if ctrl.get('passed') else 'not judged'}"]
        out = []
        for c in self.controls:
            if c["role"] == "positive":
                res = "meets the criterion" if c["passed"] is True else "does NOT meet the criterion" if c["passed"] is False else "not judged"
            else:
                res = "rejected" if c["passed"] is False else "NOT rejected" if c["passed"] is True else "not judged"
            detects = " (detects: " + e(c["deviation"]) + ")" if c["role"] == "near_miss" and c["passed"] is False else ""
            out.append(f"<b>{_ROLE_TEXT[c['role']].capitalize()}</b> ({e(c['name'])}; {e(c['deviation'])}): "
                       f"{e(str(c['measured']))} &rarr; {res}{detects}")
        return out

    def to_html(self) -> str:
        colour, bg, mark = _STYLE[self.verdict]
        e = html.escape
        exp = "" if self.as_expected else (
            f"<div class='optdyn-claim-unexpected'><b>Differs from the documented verdict</b> ({e(self.expected)}).</div>"
        )
        note = f"<div><b>Note:</b> {e(self.note)}</div>" if self.note else ""
        kind = f" [{e(self.kind)}]" if self.kind else ""
        conds = ""
        if self.conditions and self.conditions.get("declared"):
            conds = (f"<div><b>Theorem conditions:</b> {e(', '.join(self.conditions['declared']))} &rarr; "
                     + ("satisfied" if self.conditions["satisfied"] else "violated: " + e(", ".join(self.conditions["violated"])))
                     + "</div>")
        ctrl = "".join(f"<div class='optdyn-control'>{line}</div>" for line in self._control_lines())
        return (
            f"<div class='optdyn-claim optdyn-{self.verdict.replace(' ', '-').replace('(', '').replace(')', '')}' id='{self.anchor}' "
            f"data-claim-id='{e(self.id)}' data-verdict='{e(self.verdict)}' data-kind='{e(self.kind or '')}' "
            f"style='border-left:6px solid {colour};background:{bg};padding:0.6em 0.9em;margin:0.8em 0;'>"
            f"<div style='font-weight:bold;color:{colour}'>{mark} Claim <code>{e(self.id)}</code>{kind} "
            f"({e(self.result)}): <span class='optdyn-verdict'>{e(self.verdict.upper())}</span></div>"
            f"<div><b>Statement:</b> {e(self.statement)}</div>"
            f"<div><b>Criterion (stated before the run):</b> {e(self.criterion)}</div>{conds}"
            f"<div><b>Measured:</b> {e(self.measured)}</div>"
            f"{ctrl}{note}{exp}</div>"
        )

    def to_markdown(self) -> str:
        lines = [f"**Claim `{self.id}`{' [' + self.kind + ']' if self.kind else ''} ({self.result}): {self.verdict.upper()}**", "",
                 f"- Statement: {self.statement}", f"- Criterion: {self.criterion}", f"- Measured: {self.measured}"]
        if self.kind is None:
            c = self.control
            lines.append(f"- Negative control ({c.get('name', '')}): {c.get('measured', '')}, passed={c.get('passed')}")
        for c in self.controls:
            lines.append(f"- {_ROLE_TEXT[c['role']]} ({c['name']}; {c['deviation']}): {c['measured']}, passed={c['passed']}")
        if self.note:
            lines.append(f"- Note: {self.note}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return f"[{self.verdict}] {self.id} ({self.result}): {self.measured}"

    def __repr__(self) -> str:  # short, so a cell ending in ``claim.judge(...)`` shows one line, not a second box
        return f"<ClaimResult {self.id}: {self.verdict}>"


@dataclass(frozen=True)
class Deviation:
    """One entry of a chapter's deviation log: a criterion, tolerance, budget, sample size or seed that was
    changed after a result had been seen. ``before``/``after``: the verdict before and after the change."""

    what: str
    commit: str
    why: str
    before: str
    after: str

    def __post_init__(self):
        for k in ("what", "commit", "why", "before", "after"):
            if not str(getattr(self, k)).strip():
                raise ValueError(f"a deviation needs a non-empty {k!r}")


def show_deviations(chapter: str, deviations: Sequence[Deviation], *, display: bool = True) -> list[dict]:
    """Render the chapter's deviation log (a table) and store it under :data:`DEVIATIONS_MIME`."""
    records = [asdict(d) for d in deviations]
    if display:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(d['what'])}</td><td><code>{e(d['commit'])}</code></td><td>{e(d['why'])}</td>"
            f"<td>{e(d['before'])}</td><td>{e(d['after'])}</td></tr>" for d in records
        )
        table = ("<table class='optdyn-deviations'><thead><tr><th>what changed after a result was seen</th><th>commit</th>"
                 "<th>why</th><th>verdict before</th><th>verdict after</th></tr></thead><tbody>" + rows + "</tbody></table>"
                 if records else "<p>No criterion, tolerance, budget, sample size or seed was changed after a result was seen.</p>")
        md = "\n".join(f"- {d['what']} ({d['commit']}): {d['why']} Verdict {d['before']} -> {d['after']}." for d in records)
        _publish({"text/html": table, "text/markdown": md or "No deviations.", "text/plain": md or "No deviations.",
                  DEVIATIONS_MIME: {"chapter": chapter, "deviations": records}})
    return records


def _publish(bundle: dict) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the book, not the core
        print(bundle["text/plain"])
        return
    if get_ipython() is None:
        print(bundle["text/plain"])
        return
    display(bundle, raw=True)


def _display(res: ClaimResult) -> None:
    _publish({
        "text/html": res.to_html(),
        "text/markdown": res.to_markdown(),
        "text/plain": str(res),
        CLAIM_MIME: json.loads(json.dumps(res.to_dict())),
    })


@dataclass
class Claim:
    """Legacy (ledger v1) claim: stated with its criterion before the run, judged once with one negative
    control. Chapters move to :class:`ClaimSpec` (ledger v2); records of this class carry no kind,
    conditions or controls list."""

    id: str
    result: str
    statement: str
    criterion: str
    expected: str = "reproduced"
    _judged: ClaimResult | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(f"id must look like '<chapter_slug>.<short_name>' (lower case), got {self.id!r}")
        for name in ("result", "statement", "criterion"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"{name} must be a non-empty string")
        if self.expected not in VERDICTS[:3]:
            raise ValueError(f"expected must be one of {VERDICTS[:3]}, got {self.expected!r}")

    @property
    def chapter(self) -> str:
        return self.id.split(".", 1)[0]

    def judge(self, *, passed: bool | None, measured: str, control: Mapping[str, Any], value: float | None = None,
              margin: float | None = None, note: str = "", details: Mapping[str, Any] | None = None,
              display: bool = True) -> ClaimResult:
        """Record the verdict; a control that passes makes the verdict ``inconclusive``."""
        if self._judged is not None:
            raise RuntimeError(f"claim {self.id} was already judged")
        if passed is not None and not isinstance(passed, (bool, np.bool_)):
            raise TypeError(f"passed must be True, False or None, got {type(passed).__name__}")
        passed = None if passed is None else bool(passed)
        if not isinstance(control, Mapping) or not {"name", "measured", "passed"} <= set(control):
            raise ValueError("control must be a mapping with keys 'name', 'measured' and 'passed'")
        ctrl = dict(control)
        ctrl["passed"] = None if ctrl["passed"] is None else bool(ctrl["passed"])
        verdict = verdict_from(passed)
        if ctrl["passed"] is True and verdict != "inconclusive":
            verdict = "inconclusive"
            note = (note + " " if note else "") + (
                "The negative control also met the criterion, so the criterion cannot discriminate."
            )
        res = ClaimResult(
            id=self.id, chapter=self.chapter, result=self.result, statement=self.statement, criterion=self.criterion,
            expected=self.expected, verdict=verdict, measured=str(measured), value=_finite_or_none(value),
            margin=_finite_or_none(margin), control=_jsonable(ctrl), note=note, details=_jsonable(dict(details or {})),
        )
        self._judged = res
        if display:
            _display(res)
        return res
