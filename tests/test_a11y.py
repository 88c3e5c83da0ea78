"""Accessibility of the chapter pages: axe-core in headless Chromium.

Every chapter page of the built book is opened from file:// (tools/browser.py: Debian's
chromium, network blocked), in the light and the dark colour scheme (the loaded page
switched to prefers-color-scheme: dark), after MathJax and the widgets have rendered.
axe-core 4.14.1 (vendored from npm by tools/vendor_js.sh into _vendor/axe/; injected
here only, never loaded by the book's pages) checks the whole page against WCAG 2.0 A
and AA and WCAG 2.1 AA, once per colour scheme. A serious or critical violation fails
the test, unless it is in ``ALLOWED`` with the reason it cannot be fixed in the book's
own CSS or JavaScript.

Each page is loaded once for all the browser tests (the ``book`` fixture of
tests/conftest.py). Needs a built book (`make book`) and Debian's chromium; run by
`make browser`.
"""

import pytest

from tools import browser, site

pytestmark = pytest.mark.integration

AXE = site.ROOT / "_vendor" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
FAILING = {"serious", "critical"}
# (rule id, CSS selector substring of the node) -> why it stays.
ALLOWED = {}


def _axe(chromium, page, report):
    """axe's violations on the open page, and the requests it has made so far."""
    return chromium.axe(AXE, TAGS), list(chromium.requests)


def _is_chapter(page):
    return bool(site.CHAPTER.match(page.name))


# Run on the one load of each chapter page (tests/conftest.py), in each colour scheme.
BROWSER_STEPS = [
    browser.Step("axe-light", 20, _axe, applies=_is_chapter),
    browser.Step("axe-dark", 40, _axe, applies=_is_chapter, dark=True),
]


@pytest.fixture(scope="module")
def axe_book(book):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make vendor` (tools/vendor_js.sh)")
    return book


def allowed(rule, target):
    return any(rule == r and part in target for r, part in ALLOWED)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_has_no_serious_axe_violation(axe_book, page, dark):
    found, requests = axe_book.result(page, "axe-dark" if dark else "axe-light")
    where = f"{site.page_id(page)} ({'dark' if dark else 'light'})"
    bad = []
    for v in found:
        if v["impact"] not in FAILING:
            continue
        for n in v["nodes"]:
            if not allowed(v["id"], n["target"]):
                bad.append(
                    f"{v['impact']} {v['id']} ({v['help']}): {n['target']}\n"
                    f"    {n['html']}\n    {n['summary']}"
                )
    assert not bad, f"{where}: {len(bad)} axe violations:\n" + "\n".join(bad)
    assert not requests, f"{where}: network requests {requests}"
