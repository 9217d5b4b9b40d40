"""The example claim box of ``book/intro.md`` ("How to read a claim box"), made by the real renderer.

``python tests/book/intro_example.py`` prints the HTML to paste between the markers in the intro
(``--write`` puts it there);
``tests/book/test_intro_and_citation.py`` checks that the intro holds exactly this HTML, so the
example always looks like the boxes on the chapter pages.
"""
from __future__ import annotations

from optdyn.claims import ClaimSpec, Control, Outcome
from optdyn.validation import Condition

BEGIN = "<!-- example claim box: made by ClaimResult.to_html (tests/book/intro_example.py) -->"
END = "<!-- end of the example claim box -->"


def example_box() -> str:
    spec = ClaimSpec(
        id="chapter.clt_covariance",
        result="Theorem 3",
        statement="the averaged iterates are asymptotically normal with covariance Sigma_alpha / n",
        criterion=lambda P: (f"the coverage of the 95% confidence ellipsoid built from Sigma_alpha over {P['runs']} runs "
                             "lies in the binomial band [0.93, 0.97] (level 1%)"),
        kind="empirical",
        conditions=(
            Condition("step_size_small", "alpha < 2 / lambda_max", ("alpha",), lambda P: True),
            Condition("retain_prob_in_0_1", "0 < p < 1", ("p",), lambda P: True),
        ),
        controls=(
            Control("inflated_covariance", "near_miss", "Sigma_alpha x 1.25"),
            Control("no_dropout_covariance", "illustration", "the covariance of plain SGD (no dropout term)"),
            Control("gaussian_draws", "positive", "exact Gaussian draws with covariance Sigma_alpha"),
        ),
    )
    claim = spec.state({"runs": 400, "alpha": 0.01, "p": 0.8})
    res = claim.judge(
        Outcome(True, "coverage 0.948 (379 of 400 runs)"),
        controls={
            "inflated_covariance": Outcome(False, "coverage 0.991"),
            "no_dropout_covariance": Outcome(False, "coverage 0.612"),
            "gaussian_draws": Outcome(True, "coverage 0.951"),
        },
        display=False,
    )
    return res.to_html()


def write_intro(path) -> None:
    """Replace the example box between the markers of ``path`` (book/intro.md)."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(head + BEGIN + "\n" + example_box() + "\n" + END + tail)


if __name__ == "__main__":  # pragma: no cover
    import sys
    from pathlib import Path

    if "--write" in sys.argv:
        write_intro(Path(__file__).resolve().parents[2] / "book" / "intro.md")
    else:
        print(BEGIN)
        print(example_box())
        print(END)
