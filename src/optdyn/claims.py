"""The claims ledger: every empirical check of a paper's result is a :class:`Claim`.

A claim is stated (with its pass criterion) *before* the computation that tests it, then judged
once with the measured value, the verdict and a negative control judged by the same criterion.
Judging renders a visible verdict box in the notebook and stores a machine-readable copy in the
cell output under the MIME type :data:`CLAIM_MIME`, which :mod:`optdyn_book.collect` reads back.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

import numpy as np

__all__ = ["CLAIM_MIME", "VERDICTS", "Claim", "ClaimResult", "verdict_from"]

CLAIM_MIME = "application/vnd.optdyn.claim+json"
VERDICTS = ("reproduced", "not reproduced", "inconclusive")
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")
_STYLE = {
    "reproduced": ("#1b7837", "#e7f4e4", "\u2714"),
    "not reproduced": ("#b2182b", "#fbe3e1", "\u2718"),
    "inconclusive": ("#8c6d1f", "#fbf3dc", "?"),
}


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


@dataclass(frozen=True)
class ClaimResult:
    """The judged claim: what :func:`optdyn_book.collect` stores in ``claims.json``."""

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

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.expected

    def to_dict(self) -> dict:
        return _jsonable(asdict(self))

    @property
    def anchor(self) -> str:
        return "claim-" + self.id.replace(".", "-").replace("_", "-")

    def to_html(self) -> str:
        colour, bg, mark = _STYLE[self.verdict]
        e = html.escape
        ctrl = self.control
        ctrl_line = (
            f"<b>Negative control</b> ({e(str(ctrl.get('name', '')))}): {e(str(ctrl.get('measured', '')))} "
            f"&rarr; {'rejected' if ctrl.get('passed') is False else 'NOT rejected' if ctrl.get('passed') else 'not judged'}"
        )
        exp = "" if self.as_expected else (
            f"<div class='optdyn-claim-unexpected'><b>Differs from the documented verdict</b> "
            f"({e(self.expected)}).</div>"
        )
        note = f"<div><b>Note:</b> {e(self.note)}</div>" if self.note else ""
        return (
            f"<div class='optdyn-claim optdyn-{self.verdict.replace(' ', '-')}' id='{self.anchor}' "
            f"data-claim-id='{e(self.id)}' data-verdict='{e(self.verdict)}' "
            f"style='border-left:6px solid {colour};background:{bg};padding:0.6em 0.9em;margin:0.8em 0;'>"
            f"<div style='font-weight:bold;color:{colour}'>{mark} Claim <code>{e(self.id)}</code> "
            f"({e(self.result)}): <span class='optdyn-verdict'>{e(self.verdict.upper())}</span></div>"
            f"<div><b>Statement:</b> {e(self.statement)}</div>"
            f"<div><b>Criterion (stated before the run):</b> {e(self.criterion)}</div>"
            f"<div><b>Measured:</b> {e(self.measured)}</div>"
            f"<div>{ctrl_line}</div>{note}{exp}</div>"
        )

    def to_markdown(self) -> str:
        ctrl = self.control
        return (
            f"**Claim `{self.id}` ({self.result}): {self.verdict.upper()}**\n\n"
            f"- Statement: {self.statement}\n- Criterion: {self.criterion}\n"
            f"- Measured: {self.measured}\n"
            f"- Negative control ({ctrl.get('name', '')}): {ctrl.get('measured', '')}, "
            f"passed={ctrl.get('passed')}\n" + (f"- Note: {self.note}\n" if self.note else "")
        )

    def __str__(self) -> str:
        return f"[{self.verdict}] {self.id} ({self.result}): {self.measured}"

    def __repr__(self) -> str:  # short, so a cell ending in ``claim.judge(...)`` shows one line, not a second box
        return f"<ClaimResult {self.id}: {self.verdict}>"


@dataclass
class Claim:
    """A claim about a paper's result, stated with its pass criterion before it is tested.

    Parameters
    ----------
    id : ``"<chapter slug>.<short name>"``, e.g. ``"dropout_sgd.asgd_clt"``.
    result : the paper's result it tests, e.g. ``"Theorem 3"``.
    statement : one-line statement of what is claimed.
    criterion : the pre-stated pass criterion (what is measured, the band, the level).
    expected : the verdict the chapter documents as expected (one of :data:`VERDICTS`).
    """

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
        if self.expected not in VERDICTS:
            raise ValueError(f"expected must be one of {VERDICTS}, got {self.expected!r}")

    @property
    def chapter(self) -> str:
        return self.id.split(".", 1)[0]

    def judge(
        self,
        *,
        passed: bool | None,
        measured: str,
        control: Mapping[str, Any],
        value: float | None = None,
        margin: float | None = None,
        note: str = "",
        details: Mapping[str, Any] | None = None,
        display: bool = True,
    ) -> ClaimResult:
        """Record the verdict, render the verdict box and store the machine-readable copy.

        ``control`` is the negative control judged by the same criterion: a mapping with keys
        ``name``, ``measured`` and ``passed``. A control that passes makes the verdict
        ``inconclusive`` (the criterion could not tell the right answer from the wrong one).
        """
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
            id=self.id,
            chapter=self.chapter,
            result=self.result,
            statement=self.statement,
            criterion=self.criterion,
            expected=self.expected,
            verdict=verdict,
            measured=str(measured),
            value=None if value is None or not math.isfinite(float(value)) else float(value),
            margin=None if margin is None or not math.isfinite(float(margin)) else float(margin),
            control=_jsonable(ctrl),
            note=note,
            details=_jsonable(dict(details or {})),
        )
        self._judged = res
        if display:
            _display(res)
        return res

    @property
    def result_(self) -> ClaimResult | None:
        return self._judged


def _display(res: ClaimResult) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the book, not the core
        print(res)
        return
    if get_ipython() is None:
        print(res)
        return
    display(
        {
            "text/html": res.to_html(),
            "text/markdown": res.to_markdown(),
            "text/plain": str(res),
            CLAIM_MIME: json.loads(json.dumps(res.to_dict())),
        },
        raw=True,
    )
