"""Accessibility of the chapter pages: axe-core in headless Chromium.

Every chapter page of the built book is opened from file:// (tools/browser.py: Debian's
chromium, network blocked), in the light and the dark colour scheme, after MathJax and
the widgets have rendered. axe-core 4.14.1 (vendored from npm by tools/vendor_js.sh into
_vendor/axe/; injected here only, never loaded by the book's pages) checks it against
WCAG 2.0 A and AA and WCAG 2.1 AA. A serious or critical violation fails the test,
unless it is in ``ALLOWED`` with the reason it cannot be fixed in the book's own CSS or
JavaScript.

Needs a built book (`make book`) and Debian's chromium; run by `make browser`.
"""

import os

import pytest

from tools import browser, site

pytestmark = pytest.mark.integration

AXE = site.ROOT / "_vendor" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
FAILING = {"serious", "critical"}
# (rule id, CSS selector substring of the node) -> why it stays.
ALLOWED = {}

RUN_JS = """
async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                              html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 200)}))}));
}
"""


@pytest.fixture(scope="module")
def chromium():
    site.require_build()
    if browser.find_chromium() is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        (pytest.fail if os.environ.get("ASSOCMEM_REQUIRE_BUILD") else pytest.skip)(
            message
        )
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make vendor` (tools/vendor_js.sh)")
    with browser.Browser(width=1280) as b:
        yield b


def allowed(rule, target):
    return any(rule == r and part in target for r, part in ALLOWED)


def violations(chromium, page, dark):
    report = chromium.open(page.as_uri(), dark=dark)
    chromium.page.add_script_tag(path=str(AXE))
    found = chromium.page.evaluate(RUN_JS, TAGS)
    return report, found


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_has_no_serious_axe_violation(chromium, page, dark):
    report, found = violations(chromium, page, dark)
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
    assert not report["requests"], f"{where}: network requests {report['requests']}"
