"""Print pages of the built book to PDF with Debian's chromium (Playwright page.pdf).

Each page is opened from file:// with the network blocked (tools/browser.py), after
MathJax has typeset it and every widget has rendered (the report the browser tool waits
for), so math is typeset and a precomputed explorer shows its initial frame. Extra print
CSS wraps long code lines instead of cutting them off, hides the navigation and the
download line, and keeps figures whole on a page. ``join`` makes the book PDF from the
chapter PDFs, with one bookmark per page.

    python -m tools.pdf OUT.pdf PAGE.html [PAGE.html ...]   (one PDF per page, joined)
"""

import argparse
import sys
from pathlib import Path

from tools import browser

PRINT_CSS = """
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html, body { font-size: 10.5pt; }
  .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
  .prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content,
  footer, .am-downloads, .headerlink, .skip-link, #pst-back-to-top {
    display: none !important; }
  .bd-main, .bd-content, .bd-article-container, .bd-article, .bd-page-width {
    max-width: 100% !important; width: 100% !important; margin: 0 !important;
    padding: 0 !important; flex: 1 1 100% !important; }
  pre, pre code, .highlight pre, div.output pre {
    white-space: pre-wrap !important; overflow-wrap: anywhere !important;
    word-break: break-word !important; overflow: visible !important;
    max-height: none !important; font-size: 8pt !important; }
  .cell_output, .cell_input, .output, .widget-subarea { overflow: visible !important; }
  img, figure, .am-explorer, mjx-container[display="true"] { break-inside: avoid; }
  img { max-width: 100% !important; height: auto !important; }
  .am-explorer .jupyter-widgets { max-width: 100% !important; }
}
"""


def print_page(chromium, page, out):
    """Print one built page to ``out`` (PDF); returns the page's browser report."""
    report = chromium.open(Path(page).resolve().as_uri())
    pw = chromium.page
    pw.add_style_tag(content=PRINT_CSS)
    pw.emulate_media(media="print")
    pw.wait_for_timeout(100)
    # code wider than the printed column would be cut off at the page edge
    wide = pw.evaluate(
        "() => [...document.querySelectorAll('pre')]"
        ".filter(p => p.checkVisibility() && p.scrollWidth > p.clientWidth + 1)"
        ".map(p => (p.textContent.trim().split('\\n')[0] || '').slice(0, 60))"
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pw.pdf(
        path=str(out),
        format="A4",
        print_background=True,
        prefer_css_page_size=True,
        outline=True,
        tagged=True,
    )
    problems = report["errors"] + [f"request: {u}" for u in report["requests"]]
    problems += [f"math not typeset: {t}" for t in report["untypeset"]]
    if report["views"] != report["views_rendered"]:
        problems.append(
            f"{report['views'] - report['views_rendered']} widget views not rendered"
        )
    problems += [f"code cut off in print: {line}" for line in wide]
    report["problems"] = problems
    return report


def join(parts, out):
    """Concatenate PDFs ``[(title, path)]`` into ``out`` with one bookmark each;
    returns the number of pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for title, path in parts:
        start = len(writer.pages)
        writer.append(str(path), import_outline=False)
        writer.add_outline_item(title, start)
    with open(out, "wb") as fh:
        writer.write(fh)
    return len(writer.pages)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("pages", type=Path, nargs="+")
    args = parser.parse_args(argv)
    parts = []
    with browser.Browser() as chromium:
        for page in args.pages:
            pdf = args.out.with_name(f"{page.stem}.pdf")
            report = print_page(chromium, page, pdf)
            for p in report["problems"]:
                print(f"{page}: {p}", file=sys.stderr)
            parts.append((report["title"], pdf))
    if len(parts) > 1:
        print(f"{args.out}: {join(parts, args.out)} pages")


if __name__ == "__main__":
    main()
