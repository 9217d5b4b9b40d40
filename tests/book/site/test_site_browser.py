"""The built site as a reader sees it: every page in headless Chromium, offline.

Uses the quick-profile book the session builds (``built_book`` in tests/conftest.py) when
``_toc.yml`` lists chapters, otherwise a toy project with one chapter (math, a claim, a figure).
Every http(s) request is blocked, so the site must carry MathJax and every other asset itself.
Screenshots of every page are kept under ``_build/artifacts/screenshots/``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from optdyn_book.chapters import chapters
from optdyn_book.site import browser

# One worker runs the whole module: the site is checked once, in one browser.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

SCREENSHOTS = ROOT / "_build" / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def site(request, tmp_path_factory, make_toy_site) -> Path:
    """The html folder of a built site (the real book if it has chapters, else the toy)."""
    if chapters(ROOT):
        request.getfixturevalue("built_book")
        return ROOT / "_build" / "html"
    from optdyn_book.build import build_book

    root = make_toy_site(tmp_path_factory.mktemp("site") / "toy")  # no chapter in _toc.yml yet
    build_book(profile="quick", root=root, log=lambda *_: None)
    return root / "_build" / "html"


@pytest.fixture(scope="session")
def claims(site) -> dict:
    return json.loads((site / "claims.json").read_text())


@pytest.fixture(scope="session")
def report(site, claims) -> dict:
    browser.find_chromium()  # a clear message if the bootstrap did not install it
    return browser.check_site(site, claims, screenshots=SCREENSHOTS)


def test_every_page_renders_without_problems(report):
    """No JS errors, no request leaving the site, images loaded, math typeset, links and anchors resolve."""
    bad = {p.page: p.problems for p in report["pages"] if p.problems}
    assert not bad, "\n".join(f"{page}:\n  " + "\n  ".join(pr) for page, pr in bad.items())
    assert len(report["pages"]) >= 6


def test_chapter_pages_show_claims_figures_math_provenance(report, claims):
    pages = {p.page: p for p in report["pages"]}
    for ch in claims["chapters"]:
        page = pages[f"book/{ch['slug']}.html"]
        shown = {c["id"]: c["verdict"] for c in page.claims}
        assert shown == {c["id"]: c["verdict"] for c in ch["claims"]}, ch["slug"]
        assert page.images >= 1, f"{ch['slug']}: no figure"
        prov = page.provenance or ""
        run = ch["run"]
        for needle in (run["src_hash"], f"optdyn run {ch['slug']} --profile {run['profile']}", "papermill", "numpy"):
            assert needle in prov, f"{ch['slug']}: provenance lacks {needle!r}"
        assert re.search(r"\bseed\b", prov), ch["slug"]


def test_chapter_math_is_typeset(report, claims):
    """Every chapter states its results with math; MathJax (served from the site) typeset it."""
    typeset = {p.page: p.math for p in report["pages"]}
    for ch in claims["chapters"]:
        assert typeset[f"book/{ch['slug']}.html"] >= 1, ch["slug"]


def test_executed_notebook_downloadable_from_each_chapter(report, claims, site):
    pages = {p.page: p for p in report["pages"]}
    for ch in claims["chapters"]:
        links = [u for u in pages[f"book/{ch['slug']}.html"].downloads if u.startswith("file://") and u.endswith(f"/{ch['slug']}.ipynb")]
        assert links, f"{ch['slug']}: no download link to the executed notebook"
        for url in links:
            path = Path(url.removeprefix("file://"))
            nb = nbformat.read(str(path), as_version=4)
            assert nb.metadata["optdyn"]["profile"] == ch["run"]["profile"]
            assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "download is not the executed copy"


def test_search_box_finds_each_chapter_by_a_title_word(report, claims):
    assert set(report["search"]) == {ch["slug"] for ch in claims["chapters"]}
    bad = {slug: r for slug, r in report["search"].items() if r["problem"]}
    assert not bad, bad


def test_screenshots_of_every_page_kept(report):
    for p in report["pages"]:
        if p.title.startswith("redirect"):
            continue
        assert p.screenshot and Path(p.screenshot).stat().st_size > 10_000, p.page
        assert Path(p.screenshot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_status_page_rows_link_to_claim_boxes(site, claims):
    status = (site / "book" / "status.html").read_text()
    for ch in claims["chapters"]:
        for c in ch["claims"]:
            anchor = "claim-" + c["id"].replace(".", "-").replace("_", "-")
            assert f"{ch['slug']}.html#{anchor}" in status, c["id"]


def test_no_asset_loaded_from_a_cdn(site):
    """Static check on top of the blocked network: no script, stylesheet, image or font from http(s)."""
    offenders = set()
    pat = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](https?://[^"']+)["']""", re.I)
    for page in site.rglob("*.html"):
        for m in pat.finditer(page.read_text(errors="replace")):
            tag = page.read_text(errors="replace")[m.start() : m.start() + 40]
            if tag.lower().startswith("<link") and not re.search(r"rel=[\"'](stylesheet|preload|icon)", m.group(0), re.I):
                continue
            offenders.add((page.relative_to(site).as_posix(), m.group(1)))
    assert not offenders, sorted(offenders)[:10]
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_launch_buttons_point_at_the_repository(site, claims):
    """Binder and Colab open this chapter's notebook from the repository named in _config.yml."""
    import yaml

    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    owner_name = repo.removeprefix("https://github.com/")
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"].get("branch", "main")
    for ch in claims["chapters"]:
        page = (site / "book" / f"{ch['slug']}.html").read_text()
        assert f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=tree/book/{ch['slug']}.ipynb" in page, ch["slug"]
        assert f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/book/{ch['slug']}.ipynb" in page, ch["slug"]
        assert f'href="{repo}"' in page


def test_checker_rejects_a_broken_page(tmp_path):
    """Negative control: the same checks flag a page with a CDN script, a JS error, a missing image,
    untypeset math, a broken link and a claim box whose verdict disagrees with the ledger."""
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "book" / "bad.html").write_text(
        "<!doctype html><html><head><title>bad</title>"
        "<script src='https://cdn.invalid/mathjax.js'></script>"
        "<script>undefinedFunction();</script></head><body><main>"
        "<p>Raw math: $x^2$ and \\(y\\).</p><img src='missing.png'>"
        "<a href='nowhere.html'>x</a><a href='#no-such-anchor'>y</a>"
        "<div class='optdyn-claim' id='claim-toy-a' data-claim-id='toy.a' data-verdict='reproduced'>"
        "<span class='optdyn-verdict'>REPRODUCED</span></div>"
        "</main></body></html>"
    )
    ledger = [{"id": "toy.a", "verdict": "not reproduced"}, {"id": "toy.b", "verdict": "reproduced"}]
    with browser.chrome() as drv:
        rep = browser.check_page(drv, html, html / "book" / "bad.html", claims=ledger, chapter=True)
    text = "\n".join(rep.problems)
    for needle in ("request outside the site (blocked): https://cdn.invalid/mathjax.js", "undefinedFunction",
                   "image not loaded", "math left untypeset", "broken link", "broken anchor",
                   "claim box toy.a shows 'reproduced'", "claim box toy.b missing", "no provenance box",
                   "no download link"):
        assert needle in text, f"{needle!r} not reported:\n{text}"


# ---- Ledger v2 on the site: status page columns and layout, hidden bookkeeping cells, theorem numbers ----

V2_SCREENSHOTS = ROOT / "_build" / "artifacts" / "screenshots-toy-v2"


def test_status_page_tables_render_and_fit_at_1280_and_800(report, claims):
    """Every claim has a row with every column; the dashboard, claim and deviation tables stay inside the
    page column (wrapping, or scrolling inside it) at 1280 and 800 px, and the page never scrolls sideways."""
    assert set(browser.STATUS_COLUMNS) <= set(report["status"]["columns"])
    assert report["status"]["dashboard"] == len(claims["chapters"]) + 1
    assert set(report["layout"]["book/status.html"]) == set(browser.WIDTHS)
    for width, lay in report["layout"]["book/status.html"].items():
        assert not lay["problems"], (width, lay["problems"])
        assert lay["doc_width"] <= lay["inner_width"], width
    assert (SCREENSHOTS / "book__status@800.png").stat().st_size > 10_000


def test_bookkeeping_cells_are_hidden_on_chapter_pages(report, claims, site):
    pages = {p.page: p for p in report["pages"]}
    for ch in claims["chapters"]:
        page = pages[f"book/{ch['slug']}.html"]
        assert not [p for p in page.problems if "bookkeeping" in p], ch["slug"]
        html = (site / "book" / f"{ch['slug']}.html").read_text()
        assert "tag_optdyn-bookkeeping" in html and "globals().update(SCHEMA.validate(globals()))" not in html, ch["slug"]


def test_theorem_blocks_carry_no_book_wide_number(site, claims):
    """sphinx-proof's book-wide counter ("Lemma 7" for the paper's Lemma 1) is gone; references to a block
    show its type and title."""
    for ch in claims["chapters"]:
        page = (site / "book" / f"{ch['slug']}.html").read_text()
        captions = re.findall(r'<span class="caption-number">([^<]*)</span>', page)
        assert not [c for c in captions if re.search(r"\d", c)], (ch["slug"], captions[:5])
        for m in re.finditer(r'<span class="optdyn-prf-ref">(.*?)</span></a>', page, re.S):
            assert re.search(r"\(.+\)", re.sub(r"<[^>]+>", "", m.group(1))), m.group(0)[:200]


@pytest.fixture(scope="session")
def v2_report(v2_site) -> dict:
    html = v2_site / "_build" / "html"
    return browser.check_site(html, json.loads((html / "claims.json").read_text()), screenshots=V2_SCREENSHOTS)


def test_ledger_v2_toy_site_in_the_browser(v2_report, v2_site, v2_expected):
    """The two-chapter toy book (ledger v2 + v1, runs at three profiles, sweeps): no page has a problem;
    the status page shows every column, the profile columns and the deviation log, its tables need no
    scrolling at 1280 px and stay inside the page column at 800 px; the bookkeeping cells are hidden."""
    bad = {p.page: p.problems for p in v2_report["pages"] if p.problems}
    assert not bad, bad
    st = v2_report["status"]
    assert {"profile-quick", "profile-book", "profile-full"} <= set(st["columns"]) and st["deviation_tables"] == [1]
    assert st["rows"]["toy.mean_band"]["profiles"] == ["reproduced"] * 3 and st["rows"]["toy.mean_band"]["kind"] == "empirical"
    assert v2_expected["headline"] in st["headline"]
    for width, lay in v2_report["layout"]["book/status.html"].items():
        assert not lay["problems"], (width, lay["problems"])
    assert v2_report["layout"]["book/status.html"][1280]["needs_scroll"] == []
    pages = {p.page: p for p in v2_report["pages"]}
    assert pages["book/toy.html"].claims and len(pages["book/toy.html"].claims) == 3
    assert (V2_SCREENSHOTS / "book__status@800.png").is_file() and (V2_SCREENSHOTS / "book__toy@800.png").is_file()
