"""Every page of the built book, opened from file:// in headless Chromium, with no network.

For each page: no JavaScript error or failed load in the console, no request leaves the machine, every math
element is typeset by MathJax (no raw TeX left in the text, no MathJax error box), every embedded widget view is
rendered, no image is broken. Chapters are also opened in dark mode (prefers-color-scheme: dark). Full-page
screenshots go to _build/screens/<page>.png and <page>-dark.png (long pages continue in <page>.2.png, ...).

Needs Debian's `chromium` (the Makefile installs it when missing) and a built book (`make book`). Chromium is
driven over the DevTools protocol by scripts/browser.py, with the standard library only.
"""
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("ASSOCMEM_HTML", ROOT / "_build" / "html"))
SCREENS = Path(os.environ.get("ASSOCMEM_SCREENS", HTML.parent / "screens"))
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
CHAPTER = re.compile(r"^\d\d_")

sys.path.insert(0, str(ROOT / "scripts"))
import browser  # noqa: E402


def pages():
    if not HTML.is_dir():
        return []
    return sorted(p for p in HTML.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(HTML).parts))


def page_id(page):
    return str(page.relative_to(HTML))


@pytest.fixture(scope="module")
def chromium():
    required = os.environ.get("ASSOCMEM_REQUIRE_BUILD")
    if not HTML.is_dir():
        (pytest.fail if required else pytest.skip)(f"no built book at {HTML}: run `make book` first")
    if browser.find_chromium() is None:
        (pytest.fail if required else pytest.skip)("chromium is not installed (apt-get install -y chromium)")
    with browser.Chromium() as b:
        yield b


def check(report, page):
    """The list of problems on one loaded page."""
    problems = []
    problems += [f"console: {e}" for e in report["errors"]]
    problems += [f"network request: {u}" for u in report["requests"]]
    if report["math"]:
        if not report["mathjax"]:
            problems.append(f"{report['math']} math elements but MathJax did not load")
        problems += [f"math not typeset: {t}" for t in report["untypeset"]]
    problems += [f"MathJax error: {e}" for e in report["merror"]]
    problems += [f"raw TeX in the text: {t!r}" for t in report["raw_tex"]]
    if report["views"] != report["views_rendered"]:
        problems.append(f"{report['views'] - report['views_rendered']} of {report['views']} widget views not rendered")
    if "application/vnd.jupyter.widget-state+json" in page.read_text(encoding="utf-8") and not report["views"]:
        problems.append("widget state embedded but no widget view on the page")
    problems += [f"broken image: {u}" for u in report["images_broken"]]
    return problems


@pytest.mark.parametrize("page", pages(), ids=page_id)
def test_page_renders(chromium, page):
    report = chromium.open(page.as_uri())
    name = page_id(page).removesuffix(".html").replace("/", "__")
    chromium.screenshot(SCREENS / f"{name}.png", report["height"])
    problems = check(report, page)
    assert not problems, f"{page_id(page)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", [p for p in pages() if CHAPTER.match(p.name)], ids=page_id)
def test_chapter_renders_in_dark_mode(chromium, page):
    report = chromium.open(page.as_uri(), dark=True)
    name = page_id(page).removesuffix(".html").replace("/", "__")
    chromium.screenshot(SCREENS / f"{name}-dark.png", report["height"])
    assert report["theme"] == "dark", "the theme did not switch to dark mode"
    problems = check(report, page)
    assert not problems, f"{page_id(page)} (dark):\n" + "\n".join(problems)


def test_every_chapter_page_was_checked():
    """The parametrized tests above ran on the chapters of the toc (none silently missing)."""
    if not HTML.is_dir() or "ASSOCMEM_HTML" in os.environ:
        pytest.skip("no built book of this repository")
    built = {p.stem for p in pages() if CHAPTER.match(p.name)}
    sources = {p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")}
    toc = (ROOT / "_toc.yml").read_text()
    in_toc = {s for s in sources if f"book/{s}" in toc}
    assert in_toc <= built, f"chapters in _toc.yml without a page: {sorted(in_toc - built)}"
