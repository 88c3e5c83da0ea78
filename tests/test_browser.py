"""Every page of the built book, opened from file:// in headless Chromium, offline.

For each page: no JavaScript error or failed load in the console, no request leaves the
machine, every math element is typeset by MathJax (no raw TeX left in the text, no
MathJax error box), every embedded widget view is rendered, no image is broken. Chapters
are also checked in dark mode (the loaded page switched to prefers-color-scheme: dark,
as a reader's system setting would), and at 1280 px a chapter shows a reader at most 3
``assert`` statements (code in folded cells does not count) and no code block that
scrolls sideways. `make screens` adds full-page screenshots, in
_build/screens/<page>.png and <page>-dark.png (long pages continue in <page>.2.png).

Each page is loaded once for all the browser tests (the ``book`` fixture of
tests/conftest.py); the tests stay one per page and check.

Needs Debian's `chromium` (the Makefile installs it when missing) and a built book
(`make book`). Playwright drives the browser (tools/browser.py).
"""

import os

import pytest

from tools import browser, site

pytestmark = pytest.mark.integration

MAX_VISIBLE_ASSERTS = 3


def _shot(page, dark):
    name = site.page_id(page).removesuffix(".html").replace("/", "__")
    return site.SCREENS / f"{name}{'-dark' if dark else ''}.png"


def _dark(chromium, page, report):
    report = chromium.report()
    if PAGE_SHOTS:
        chromium.screenshot(_shot(page, True), report["height"])
    return report


def _is_chapter(page):
    return bool(site.CHAPTER.match(page.name))


# Full-page screenshots of every page (and of the chapters in dark mode too), for a
# person to look at: `make screens`. A full-page capture lays a page out again at its
# whole height (a chapter is 20 000-30 000 px: 5-7 s of Chromium's time each), about a
# fifth of this step, so `make test` leaves them out.
PAGE_SHOTS = os.environ.get("ASSOCMEM_PAGE_SHOTS") == "1"

# Run on the one load of each page (tests/conftest.py): chapters are switched to the
# dark colour scheme and reported on again; with PAGE_SHOTS, screenshots before that.
BROWSER_STEPS = [browser.Step("dark", 30, _dark, applies=_is_chapter, dark=True)]
if PAGE_SHOTS:
    BROWSER_STEPS.append(
        browser.Step(
            "screenshot",
            10,
            lambda chromium, page, report: chromium.screenshot(
                _shot(page, False), report["height"]
            ),
        )
    )


def problems(report, page):
    """The list of problems on one loaded page."""
    found = [f"console: {e}" for e in report["errors"]]
    found += [f"network request: {u}" for u in report["requests"]]
    if report["math"]:
        if not report["mathjax"]:
            found.append(f"{report['math']} math elements but MathJax did not load")
        found += [f"math not typeset: {t}" for t in report["untypeset"]]
    found += [f"MathJax error: {e}" for e in report["merror"]]
    found += [f"raw TeX in the text: {t!r}" for t in report["raw_tex"]]
    if report["views"] != report["views_rendered"]:
        missing = report["views"] - report["views_rendered"]
        found.append(f"{missing} of {report['views']} widget views not rendered")
    state = "application/vnd.jupyter.widget-state+json"
    if state in page.read_text(encoding="utf-8") and not report["views"]:
        found.append("widget state embedded but no widget view on the page")
    found += [f"broken image: {u}" for u in report["images_broken"]]
    return found


@pytest.mark.parametrize("page", site.pages(), ids=site.page_id)
def test_page_renders(book, page):
    report = book.result(page, "report")
    if PAGE_SHOTS:  # a failed screenshot fails the page
        book.result(page, "screenshot")
    found = problems(report, page)
    assert not found, f"{site.page_id(page)}:\n" + "\n".join(found)


@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_renders_in_dark_mode(book, page):
    report = book.result(page, "dark")
    assert report["theme"] == "dark", "the theme did not switch to dark mode"
    found = problems(report, page)
    assert not found, f"{site.page_id(page)} (dark):\n" + "\n".join(found)


@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_shows_at_most_3_asserts(book, page):
    """Verification belongs in folded (hide-input) cells; a reader sees few asserts."""
    shown = book.result(page, "report")["visible_asserts"]
    assert len(shown) <= MAX_VISIBLE_ASSERTS, (
        f"{site.page_id(page)} shows {len(shown)} assert statements in unfolded code "
        f"cells (at most {MAX_VISIBLE_ASSERTS}):\n" + "\n".join(shown)
    )


@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_code_does_not_scroll_sideways(book, page):
    """At 1280 px, no visible code block (input, output, text) is wider than its box."""
    wide = book.result(page, "report")["wide_code"]
    lines = [f"{w['kind']}, {w['overflow']} px too wide: {w['line']}" for w in wide]
    assert not wide, (
        f"{site.page_id(page)}: {len(wide)} code blocks scroll sideways:\n"
        + "\n".join(lines)
    )


def test_every_chapter_page_was_checked():
    """The tests above ran on every chapter of the toc (none silently missing)."""
    site.require_build()
    if "ASSOCMEM_HTML" in os.environ:
        pytest.skip("not a build of this repository")
    built = {p.stem for p in site.chapter_pages()}
    sources = {p.stem for p in (site.ROOT / "book").glob("[0-9][0-9]_*.ipynb")}
    toc = (site.ROOT / "_toc.yml").read_text()
    in_toc = {s for s in sources if f"book/{s}" in toc}
    assert in_toc <= built, (
        f"chapters in _toc.yml without a page: {sorted(in_toc - built)}"
    )
