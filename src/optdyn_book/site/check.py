"""``python -m optdyn_book.site.check [HTML_DIR] [--screenshots DIR]``: check a built site in headless
Chromium, offline (see :mod:`optdyn_book.site.browser`); exit 1 if any page has a problem."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from optdyn_book.site.browser import check_site


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m optdyn_book.site.check", description=__doc__)
    ap.add_argument("html", nargs="?", default="_build/html", help="the built site (default _build/html)")
    ap.add_argument("--screenshots", default=None, help="folder for full-page screenshots")
    args = ap.parse_args(argv)
    html = Path(args.html)
    if not (html / "index.html").is_file():
        print(f"no built site at {html} (run `make book` first)", file=sys.stderr)
        return 2
    report = check_site(html, screenshots=args.screenshots)
    bad = 0
    for p in report["pages"]:
        status = "ok" if not p.problems else f"{len(p.problems)} problem(s)"
        print(f"{p.page:<36} {status:<14} {p.images:3d} images {p.math:4d} formulas {len(p.claims):3d} claims {p.seconds:6.2f} s")
        for pr in p.problems:
            print(f"    - {pr}")
        bad += bool(p.problems)
    for page, widths in report.get("layout", {}).items():
        for w, lay in widths.items():
            scroll = f", scrolls inside the page: {', '.join(lay['needs_scroll'])}" if lay["needs_scroll"] else ""
            print(f"layout {page} at {w} px: page column {lay['col_width']:.0f} px, {len(lay['tables'])} tables, "
                  f"{'fits' if not lay['problems'] else '; '.join(lay['problems'])}{scroll}")
    st = report.get("status") or {}
    if st:
        print(f"status page: {len(st['rows'])} claim rows, columns {', '.join(st['columns'])}, "
              f"{len(st['deviation_tables'])} deviation log table(s)")
    for slug, r in report["search"].items():
        print(f"search {r['word']!r:<24} -> {slug}: {'found' if not r['problem'] else r['problem']}")
        bad += bool(r["problem"])
    if args.screenshots:
        print(f"screenshots in {args.screenshots}")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
