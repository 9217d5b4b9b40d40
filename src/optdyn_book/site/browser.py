"""Check the built site the way a reader sees it: headless Chromium, offline, page by page.

Pages are opened from disk (``file://``, exactly what a reader does with ``_build/html/index.html``)
in Debian's ``chromium`` driven by Selenium through the matching ``chromium-driver``. Every
``http(s)``/``ws(s)`` request is blocked and recorded, so a page that still needs a CDN fails.

For every page :func:`check_site` records: JavaScript errors (uncaught exceptions, rejected
promises, failed resource loads, console errors), requests that left the site, images that did not
load (``naturalWidth == 0``), math left untypeset (``$...$``, ``\\(`` in the text), claim boxes
missing or without their verdict, internal links to missing files or anchors, tables wider than the
page column (outside a scroll area) and a page that scrolls sideways, bookkeeping cells (parameters,
validation, imports) shown on a chapter page, and a full-page screenshot. :func:`check_search` types
a word into the search box and checks the chapter is found. :func:`check_status_page` checks the status
page's claim tables (a row per claim, every column, the deviation logs) and :func:`layout_at` that
its tables fit the page column at 1280 and 800 px wide (screenshots ``book__status@800.png``).
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["CHROME_FLAGS", "PageReport", "chrome", "check_page", "check_search", "check_site", "find_chromium", "site_pages"]

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    # Nothing resolves but the loopback (chromedriver talks to the browser over it).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)
BLOCKED_URLS = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
SCREENSHOT_MAX_HEIGHT = 14000

_ERROR_HOOK = r"""
window.__optdynErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  if (t && t !== window && (t.src || t.href)) {
    window.__optdynErrors.push('resource failed to load: ' + (t.src || t.href));
  } else {
    window.__optdynErrors.push('uncaught ' + (e.message || e) + ' at ' + e.filename + ':' + e.lineno);
  }
}, true);
window.addEventListener('unhandledrejection', function (e) {
  var r = e.reason;
  window.__optdynErrors.push('unhandled rejection: ' + (r && (r.stack || r.message) || r));
});
"""

_SETTLE = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
for (const img of document.images) { img.loading = 'eager'; }
const imgs = Promise.all(Array.from(document.images).map(
  (i) => (i.complete ? null : new Promise((r) => { i.addEventListener('load', r); i.addEventListener('error', r); }))));
const needsMath = document.querySelector('.math') !== null;
function mathReady() {
  return new Promise((resolve) => {
    (function poll() {
      if (!needsMath) return resolve('no math');
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        return MathJax.startup.promise.then(() => resolve('typeset'), (e) => resolve('mathjax error ' + e));
      }
      if (Date.now() - t0 > 20000) return resolve('mathjax never loaded');
      setTimeout(poll, 50);
    })();
  });
}
Promise.all([imgs, mathReady()]).then((r) => done(r[1]), (e) => done('settle error ' + e));
"""

_LAYOUT = r"""
function optdynLayout() {
  const main = document.querySelector('main') || document.body;
  const col = document.querySelector('.bd-article') || document.querySelector('article') || main;
  const colRect = col.getBoundingClientRect();
  const scrolls = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX; if (ox === 'auto' || ox === 'scroll') return p; } return null; };
  const tables = Array.from(col.querySelectorAll('table')).filter((t) => t.offsetParent !== null).map((t) => {
    const r = t.getBoundingClientRect(); const sp = scrolls(t); const spr = sp ? sp.getBoundingClientRect() : null;
    return {cls: t.className || t.parentElement.className, width: r.width, right: r.right, left: r.left,
            scroll_area: sp ? {right: spr.right, left: spr.left, width: sp.clientWidth, inner: sp.scrollWidth} : null};
  });
  return {inner_width: window.innerWidth, doc_width: document.documentElement.scrollWidth,
          col_left: colRect.left, col_right: colRect.right, col_width: colRect.width, tables: tables};
}
"""

_INSPECT = _LAYOUT + r"""
const VERDICTS = ['reproduced', 'not reproduced', 'inconclusive', 'outside conditions', 'verified (exact)', 'failed (exact)'];
const main = document.querySelector('main') || document.body;
const clone = main.cloneNode(true);
clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, .MathJax').forEach((n) => n.remove());
const text = clone.textContent;
const raw = [];
const pats = [/\\\(/g, /\\\)/g, /\\\[/g, /\\begin\{/g, /\$\$[^$]+\$\$/g, /(^|[^\w$\\])\$[^\s$][^$\n]{0,200}?[^\s$\\]\$(?![\w$])/g];
for (const p of pats) { const m = text.match(p); if (m) raw.push(...m.slice(0, 3).map((s) => s.trim().slice(0, 80))); }
const mathNodes = document.querySelectorAll('main .math').length;
const typeset = document.querySelectorAll('main mjx-container').length;
const mainWidth = main.getBoundingClientRect().width;
const images = Array.from(document.images).filter((i) => i.getAttribute('src')).map((i) => ({
  src: i.currentSrc || i.src, w: i.naturalWidth, h: i.naturalHeight, visible: i.offsetParent !== null,
  figure: i.closest('.cell_output') !== null, shown: i.getBoundingClientRect().width }));
const claims = Array.from(document.querySelectorAll('.optdyn-claim[data-claim-id]')).map((c) => ({
  id: c.dataset.claimId, anchor: c.id, verdict: c.dataset.verdict,
  shown: (c.querySelector('.optdyn-verdict') || {}).textContent || '', visible: c.offsetParent !== null }));
const links = Array.from(document.querySelectorAll('a[href]')).map((a) => a.href);
const prov = document.querySelector('.optdyn-provenance');
const downloads = Array.from(document.querySelectorAll('a[href$=".ipynb"]')).map((a) => a.href);
const fonts = Array.from(document.fonts || []).filter((f) => f.status === 'error').map((f) => f.family);
const shown = (el) => !!el && (el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null);
const bookkeeping = Array.from(document.querySelectorAll('.cell.tag_optdyn-bookkeeping, .cell.tag_parameters, .cell.tag_injected-parameters'));
const bkVisible = bookkeeping.filter((c) => shown(c.querySelector('.cell_input')))
  .map((c) => (c.querySelector('.cell_input') || c).textContent.trim().split('\n')[0].slice(0, 80));
return {main_width: mainWidth, layout: optdynLayout(), bookkeeping: bookkeeping.length, bookkeeping_visible: bkVisible, title: document.title, raw_math: raw, math_nodes: mathNodes, typeset: typeset, images: images,
        claims: claims, links: links, provenance: prov ? prov.textContent : null, downloads: downloads,
        failed_fonts: fonts, errors: window.__optdynErrors || [], verdicts_ok: VERDICTS};
"""


@dataclass
class PageReport:
    """What one page showed; ``problems`` is empty when the page is fine."""

    page: str
    title: str = ""
    problems: list[str] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    provenance: str | None = None
    downloads: list[str] = field(default_factory=list)
    images: int = 0
    math: int = 0
    screenshot: str | None = None
    seconds: float = 0.0


def find_chromium() -> tuple[str, str]:
    """(browser, driver) executables: ``$OPTDYN_CHROMIUM``/``$OPTDYN_CHROMEDRIVER`` or Debian's."""
    browser = os.environ.get("OPTDYN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver = os.environ.get("OPTDYN_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    missing = [p for p in (browser, driver) if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(
            f"headless Chromium not found ({', '.join(missing)}); `make venv` installs Debian's "
            "chromium and chromium-driver (apt-get), or set OPTDYN_CHROMIUM / OPTDYN_CHROMEDRIVER"
        )
    return browser, driver


@contextlib.contextmanager
def chrome(*, offline: bool = True, width: int = 1280, height: int = 900):
    """A headless Chromium (Selenium) with a fresh profile; external requests blocked if ``offline``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_exe = find_chromium()
    profile = tempfile.mkdtemp(prefix="optdyn-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=driver_exe), options=opts)
    try:
        drv.set_page_load_timeout(60)
        drv.set_script_timeout(60)
        drv.execute_cdp_cmd("Network.enable", {})
        if offline:
            drv.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED_URLS})
        drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _ERROR_HOOK})
        yield drv
    finally:
        with contextlib.suppress(Exception):
            drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _drain_logs(drv) -> tuple[list[str], list[str]]:
    """(console errors, URLs requested outside file:/data:/blob:) since the last call."""
    errors = []
    for entry in drv.get_log("browser"):
        if entry.get("level") == "SEVERE":
            errors.append("console: " + entry.get("message", "")[:300])
    external = []
    for entry in drv.get_log("performance"):
        try:
            msg = json.loads(entry["message"])["message"]
        except (KeyError, ValueError):
            continue
        if msg.get("method") == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
            if urlsplit(url).scheme not in ("file", "data", "blob", "about", "chrome", "devtools"):
                external.append(url)
    return errors, external


def _screenshot(drv, path: Path, width: int = 1280) -> None:
    """Full-page PNG: the viewport is stretched to the page height (capped), then captured."""
    h = drv.execute_script("return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)")
    h = int(min(max(h or 0, 600), SCREENSHOT_MAX_HEIGHT))
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": h, "deviceScaleFactor": 1, "mobile": False})
    try:
        drv.execute_script("window.scrollTo(0, 0)")
        shot = drv.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "fromSurface": True})
    finally:
        drv.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


_ID_CACHE: dict[Path, set[str]] = {}


def _ids(path: Path) -> set[str]:
    if path not in _ID_CACHE:
        text = path.read_text(errors="replace")
        _ID_CACHE[path] = set(re.findall(r"""\bid\s*=\s*["']([^"']+)["']""", text)) | set(
            re.findall(r"""\bname\s*=\s*["']([^"']+)["']""", text)
        )
    return _ID_CACHE[path]


def _check_link(url: str, html_dir: Path) -> str | None:
    """A problem with an internal link, or None. External links are only checked by scheme."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "mailto", "javascript", "data"):
        return None
    if parts.scheme != "file":
        return f"link with unexpected scheme: {url}"
    target = Path(unquote(parts.path))
    try:
        target.relative_to(html_dir)
    except ValueError:
        return f"link leaves the site: {url}"
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return f"broken link: {url} (no {target.relative_to(html_dir)})"
    frag = unquote(parts.fragment)
    if frag and target.suffix == ".html" and frag not in _ids(target):
        return f"broken anchor: {url} (no id {frag!r} in {target.relative_to(html_dir)})"
    return None


_REFRESH = re.compile(r"""<meta\s+http-equiv=["']Refresh["']\s+content=["']\d+;\s*url=([^"']+)["']""", re.I)


def redirect_target(page: Path) -> Path | None:
    """The target of a ``<meta http-equiv="Refresh">`` page (Jupyter Book's root ``index.html``)."""
    head = page.read_text(errors="replace")[:2000]
    m = _REFRESH.search(head)
    if m and "<body" not in head.lower():
        return (page.parent / unquote(m.group(1).split("#")[0])).resolve()
    return None


def check_page(drv, html_dir: Path, page: Path, *, claims: list[dict] | None = None, chapter: bool = False,
               screenshot: Path | None = None) -> PageReport:
    """Open ``page`` (a file under ``html_dir``) and record every problem a reader would see."""
    t0 = time.perf_counter()
    rel = page.relative_to(html_dir).as_posix()
    rep = PageReport(page=rel)
    target = redirect_target(page)
    if target is not None:  # a redirect: check where it goes, the target page is checked on its own
        rep.title = f"redirect to {target.relative_to(html_dir).as_posix() if target.is_relative_to(html_dir) else target}"
        if not target.is_file() or not target.is_relative_to(html_dir):
            rep.problems.append(f"redirect to a missing page: {target}")
        return rep
    _drain_logs(drv)
    drv.get(page.resolve().as_uri())
    state = drv.execute_async_script(_SETTLE)
    info = drv.execute_script(_INSPECT)
    console, external = _drain_logs(drv)
    rep.title = info["title"]
    p = rep.problems
    p += [f"JavaScript: {e}" for e in info["errors"]]
    p += [f"JavaScript {e}" for e in console if "net::ERR_BLOCKED_BY_CLIENT" not in e]
    p += [f"request outside the site (blocked): {u}" for u in sorted(set(external))]
    if state not in ("typeset", "no math"):
        p.append(f"math: {state}")
    if info["raw_math"]:
        p.append(f"math left untypeset in the text: {info['raw_math']}")
    if info["math_nodes"] and info["typeset"] < info["math_nodes"]:
        p.append(f"math: only {info['typeset']} of {info['math_nodes']} formulas typeset")
    p += [f"font failed to load: {f}" for f in info["failed_fonts"]]
    rep.images = len(info["images"])
    rep.math = info["typeset"]
    for im in info["images"]:
        if not im["w"] or not im["h"]:
            p.append(f"image not loaded (naturalWidth 0): {im['src']}")
        elif im["figure"] and im["shown"] > info["main_width"] + 2:
            p.append(f"figure wider than the page ({im['shown']:.0f} px > {info['main_width']:.0f} px): {im['src']}")
        elif im["figure"] and im["w"] < 200:
            p.append(f"figure too small to read ({im['w']} px wide): {im['src']}")
    rep.claims = info["claims"]
    ids = [c["id"] for c in info["claims"]]
    p += [f"claim box {i} appears {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]
    for c in info["claims"]:
        if c["verdict"] not in info["verdicts_ok"]:
            p.append(f"claim box {c['id']} without a valid verdict: {c['verdict']!r}")
        elif c["verdict"].upper() not in c["shown"].upper():
            p.append(f"claim box {c['id']} does not show its verdict ({c['verdict']})")
        if not c["visible"]:
            p.append(f"claim box {c['id']} is hidden")
    if claims is not None:
        shown = {c["id"]: c for c in info["claims"]}
        for c in claims:
            box = shown.get(c["id"])
            anchor = "claim-" + c["id"].replace(".", "-").replace("_", "-")
            if box is None:
                p.append(f"claim box {c['id']} missing")
            elif box["verdict"] != c["verdict"]:
                p.append(f"claim box {c['id']} shows {box['verdict']!r}, claims.json says {c['verdict']!r}")
            elif box["anchor"] != anchor:
                p.append(f"claim box {c['id']} has id {box['anchor']!r}, expected {anchor!r}")
    rep.provenance = info["provenance"]
    rep.downloads = info["downloads"]
    p += layout_problems(info["layout"])
    if chapter:
        if not info["provenance"]:
            p.append("no provenance box")
        if not info["downloads"]:
            p.append("no download link for the executed notebook")
        if not info["bookkeeping"]:
            p.append("no bookkeeping cell (parameters, validation) found: staging did not tag them")
        p += [f"bookkeeping cell shown on the page: {t!r}" for t in info["bookkeeping_visible"]]
    for url in sorted(set(info["links"])):
        problem = _check_link(url, html_dir)
        if problem:
            p.append(problem)
    if screenshot is not None:
        _screenshot(drv, screenshot)
        rep.screenshot = str(screenshot)
    rep.seconds = round(time.perf_counter() - t0, 2)
    return rep


def layout_problems(lay: dict, where: str = "") -> list[str]:
    """Tables wider than the page column outside a scroll area, scroll areas that leave the column, a
    page that scrolls sideways."""
    out = []
    at = f" at {lay['inner_width']} px" if where else ""
    if lay["doc_width"] > lay["inner_width"] + 1:
        out.append(f"page scrolls sideways{at} ({lay['doc_width']} px of content in a {lay['inner_width']} px window)")
    for t in lay["tables"]:
        sa = t["scroll_area"]
        if sa is None and (t["right"] > lay["col_right"] + 2 or t["left"] < lay["col_left"] - 2):
            out.append(f"table {t['cls']!r} wider than the page column{at} ({t['width']:.0f} px, column {lay['col_width']:.0f} px)")
        elif sa is not None and sa["right"] > lay["col_right"] + 2:
            out.append(f"scroll area of table {t['cls']!r} leaves the page column{at}")
    return out


def layout_at(drv, page: Path, width: int, *, screenshot: Path | None = None, height: int = 900) -> dict:
    """Open ``page`` in a ``width`` px wide window: the layout of its tables (see :func:`layout_problems`);
    ``needs_scroll``: tables wider than their scroll area (readable by scrolling inside the page column)."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        drv.get(page.resolve().as_uri())
        drv.execute_async_script(_SETTLE)
        lay = drv.execute_script(_LAYOUT + "\nreturn optdynLayout();")
        if screenshot is not None:
            h = drv.execute_script("return document.documentElement.scrollHeight")
            h = int(min(max(h or 0, 600), SCREENSHOT_MAX_HEIGHT))
            drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": h, "deviceScaleFactor": 1, "mobile": False})
            drv.execute_script("window.scrollTo(0, 0)")
            shot = drv.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "fromSurface": True})
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
    finally:
        drv.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    lay["problems"] = layout_problems(lay, where=str(width))
    lay["needs_scroll"] = [t["cls"] for t in lay["tables"] if t["scroll_area"] and t["scroll_area"]["inner"] > t["scroll_area"]["width"] + 1]
    return lay


_STATUS = r"""
const rows = {};
document.querySelectorAll('table.optdyn-status tr[data-claim]').forEach((tr) => {
  const field = (f) => ((tr.querySelector('[data-field="' + f + '"]') || {}).textContent || '').replace(/\u00ad/g, '').trim();
  rows[tr.dataset.claim] = {cells: tr.querySelectorAll('td').length, visible: tr.offsetParent !== null,
    kind: field('kind'), expected: field('expected'), verdict: field('verdict'),
    profiles: Array.from(tr.querySelectorAll('[data-profile-verdict]')).map((x) => x.dataset.profileVerdict),
    text: tr.textContent.replace(/\u00ad/g, '').replace(/\s+/g, ' ').trim()};
});
const cols = Array.from(new Set(Array.from(document.querySelectorAll('table.optdyn-status th[data-col]')).map((th) => th.dataset.col)));
const devs = Array.from(document.querySelectorAll('table.optdyn-status-deviations')).map((t) => t.querySelectorAll('tbody tr').length);
return {rows: rows, columns: cols, deviation_tables: devs,
        dashboard: document.querySelectorAll('table.optdyn-dashboard tbody tr').length,
        headline: (document.querySelector('.optdyn-headline') || {}).textContent || ''};
"""

#: Columns every claim table of the status page has (``th[data-col]``).
STATUS_COLUMNS = ("claim", "verdict", "detects", "positive", "conditions", "robustness")


def check_status_page(drv, page: Path, claims_data: dict) -> tuple[list[str], dict]:
    """The status page shows a row per claim with every column, the near-miss deviations each criterion
    detects, and a deviation log table for every chapter that logged deviations. Returns (problems, info)."""
    drv.get(page.resolve().as_uri())
    drv.execute_async_script(_SETTLE)
    info = drv.execute_script(_STATUS)
    problems = []
    missing = [c for c in STATUS_COLUMNS if c not in info["columns"]]
    if missing:
        problems.append(f"status page: claim tables lack the columns {missing}")
    n_cols = len(info["columns"])
    for ch in claims_data.get("chapters", []):
        for c in ch["claims"]:
            row = info["rows"].get(c["id"])
            if row is None or not row["visible"]:
                problems.append(f"status page: no row for claim {c['id']}")
                continue
            for x in c.get("controls") or []:
                if x.get("role") == "near_miss" and x.get("passed") is False and f"detects: {x['deviation']}" not in row["text"]:
                    problems.append(f"status page: {c['id']} does not show 'detects: {x['deviation']}'")
            if row["verdict"] != c["verdict"]:
                problems.append(f"status page: {c['id']} does not show its verdict {c['verdict']!r}")
            kind = c.get("kind") or "ledger v1"
            if row["kind"] != kind:
                problems.append(f"status page: {c['id']} shows kind {row['kind']!r}, not {kind!r}")
            if not row["expected"].endswith(c["expected"]):
                problems.append(f"status page: {c['id']} shows expected {row['expected']!r}, not {c['expected']!r}")
            cond = c.get("conditions") or {}
            for v in cond.get("violated") or []:
                if v not in row["text"].replace("\u200b", ""):
                    problems.append(f"status page: {c['id']} does not name its violated condition {v!r}")
    want = [len(ch["deviations"]) for ch in claims_data.get("chapters", []) if ch.get("deviations")]
    if sorted(want) != sorted(info["deviation_tables"]):
        problems.append(f"status page: deviation log tables with {info['deviation_tables']} rows, expected {want}")
    if "empirical claim" not in info["headline"]:
        problems.append(f"status page: headline about empirical claims missing ({info['headline']!r})")
    info["n_columns"] = n_cols
    return problems, info


def site_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the site (the generated ``_sources``/``_static`` trees excluded)."""
    out = []
    for p in sorted(html_dir.rglob("*.html")):
        rel = p.relative_to(html_dir).parts
        if rel[0] in ("_static", "_sources", "_downloads", "_images"):
            continue
        out.append(p)
    return out


def check_search(drv, html_dir: Path, word: str, slug: str) -> str | None:
    """Type ``word`` into the search box of the home page; None if a result links to ``slug``."""
    _drain_logs(drv)
    home = html_dir / "index.html"
    home = redirect_target(home) or home
    drv.get(home.as_uri())
    submitted = drv.execute_script(
        """
        const f = document.querySelector('form.bd-search') || document.querySelector('form[action$="search.html"]');
        if (!f) return false;
        const q = f.querySelector('input[name="q"]');
        q.value = arguments[0];
        f.submit();
        return true;""",
        word,
    )
    if not submitted:
        return "no search box on the home page"
    deadline = time.time() + 20
    hrefs: list[str] = []
    status = ""
    while time.time() < deadline:
        time.sleep(0.2)
        try:
            res = drv.execute_script(
                """const s = document.querySelector('#search-results');
                if (!s) return null;
                return {status: (s.querySelector('p.search-summary') || {}).textContent || '',
                        hrefs: Array.from(s.querySelectorAll('ul.search li a')).map((a) => a.href)};"""
            )
        except Exception:  # page still navigating
            continue
        if res is None:
            continue
        hrefs, status = res["hrefs"], res["status"]
        if status.strip() and ("found" in status or "did not match" in status):
            break
    errors, external = _drain_logs(drv)
    errors += drv.execute_script("return window.__optdynErrors || []")
    if errors or external:
        return f"search page errors: {errors + external}"
    if not any(urlsplit(h).path.endswith(f"/{slug}.html") for h in hrefs):
        return f"search for {word!r} did not find {slug}.html (status {status!r}, results {hrefs[:5]})"
    return None


def title_word(title: str) -> str:
    """The longest plain word (4+ letters) of a chapter title: what a reader would search for."""
    words = sorted(re.findall(r"[A-Za-z]{4,}", title), key=lambda w: (-len(w), w))
    return words[0] if words else title


#: Window widths at which the status page (and the first chapter page) must fit the page column.
WIDTHS = (1280, 800)


def check_site(html_dir: str | Path, claims_data: dict | None = None, *, screenshots: str | Path | None = None) -> dict:
    """Check every page of the built site in one browser; returns ``{"pages": [...], "search": {...},
    "status": {...}, "layout": {page: {width: layout}}}``."""
    html_dir = Path(html_dir).resolve()
    _ID_CACHE.clear()
    if claims_data is None and (html_dir / "claims.json").is_file():
        claims_data = json.loads((html_dir / "claims.json").read_text())
    chapters = {ch["slug"]: ch for ch in (claims_data or {}).get("chapters", [])}
    shots = Path(screenshots) if screenshots else None
    if shots is not None:
        shutil.rmtree(shots, ignore_errors=True)
    pages, search = [], {}
    with chrome() as drv:
        for page in site_pages(html_dir):
            slug = page.stem if page.parent.name == "book" else None
            ch = chapters.get(slug) if slug else None
            shot = shots / (page.relative_to(html_dir).as_posix().replace("/", "__").removesuffix(".html") + ".png") if shots else None
            pages.append(check_page(drv, html_dir, page, claims=ch["claims"] if ch else None, chapter=ch is not None, screenshot=shot))
        status_info, layout = {}, {}
        by_page = {p.page: p for p in pages}
        status = html_dir / "book" / "status.html"
        if status.is_file() and claims_data:
            probs, status_info = check_status_page(drv, status, claims_data)
            by_page["book/status.html"].problems += probs
        wide = [status] + [html_dir / "book" / f"{s}.html" for s in list(chapters)[:1]]
        for page in (p for p in wide if p.is_file()):
            rel = page.relative_to(html_dir).as_posix()
            layout[rel] = {}
            for w in WIDTHS:
                shot = shots / (rel.replace("/", "__").removesuffix(".html") + f"@{w}.png") if shots and w != 1280 else None
                lay = layout_at(drv, page, w, screenshot=shot)
                layout[rel][w] = lay
                if rel in by_page:
                    by_page[rel].problems += [pr for pr in lay["problems"] if pr not in by_page[rel].problems]
        for slug, ch in chapters.items():
            word = title_word(ch["title"])
            search[slug] = {"word": word, "problem": check_search(drv, html_dir, word, slug)}
    return {"pages": pages, "search": search, "status": status_info, "layout": layout}
