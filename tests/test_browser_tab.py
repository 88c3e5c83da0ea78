"""tools.browser reuses one tab from page to page: each page's report still holds only
its own console errors and blocked requests, in the colour scheme it asked for."""

import pytest

from tools import browser, site

pytestmark = pytest.mark.integration

NOISY = """<!doctype html><title>noisy</title><body>
<script>
console.error("boom from the noisy page");
fetch("http://127.0.0.1:9/never").catch(() => {});
</script>"""
QUIET = """<!doctype html><title>quiet</title><body>
<p id="scheme"></p>
<script>
document.getElementById("scheme").textContent =
  matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
</script>"""


@pytest.fixture(scope="module")
def chromium():
    if browser.find_chromium() is None:
        pytest.skip("chromium is not installed")
    with browser.Browser() as b:
        yield b


def _scheme(b):
    return b.page.evaluate("document.getElementById('scheme').textContent")


def test_each_report_has_only_its_own_errors_and_requests(chromium, tmp_path):
    noisy, quiet = tmp_path / "noisy.html", tmp_path / "quiet.html"
    noisy.write_text(NOISY)
    quiet.write_text(QUIET)
    chromium.open(noisy.as_uri())
    chromium.page.wait_for_timeout(200)  # the blocked fetch reports asynchronously
    first = chromium.report()
    assert any("boom from the noisy page" in e for e in first["errors"])
    assert any("127.0.0.1:9/never" in u for u in first["requests"])
    second = chromium.open(quiet.as_uri())
    assert second["errors"] == [] and second["requests"] == []
    chromium.open(noisy.as_uri())
    chromium.page.wait_for_timeout(200)
    again = chromium.report()
    assert any("boom from the noisy page" in e for e in again["errors"])


def test_each_page_opens_in_the_colour_scheme_it_asks_for(chromium, tmp_path):
    quiet = tmp_path / "quiet.html"
    quiet.write_text(QUIET)
    chromium.open(quiet.as_uri(), dark=True)
    assert _scheme(chromium) == "dark"
    chromium.open(quiet.as_uri())
    assert _scheme(chromium) == "light"
    chromium.color_scheme(True)  # a step switched it, as the dark-mode checks do
    chromium.open(quiet.as_uri())
    assert _scheme(chromium) == "light"


STYLED = """<!doctype html><html lang="en"><title>styled</title>
<link rel="stylesheet" href="style.css"><body><main><p>Text.</p></main>
<script>setTimeout(() => console.error("late error of the page"), 400);</script>"""


def test_axe_reading_the_stylesheets_is_not_a_page_error(chromium, tmp_path):
    """axe reads the stylesheets with XMLHttpRequest, which file:// pages may not: the
    errors that causes, some after axe returns, are not the page's; the page's are."""
    axe = site.ROOT / "_vendor" / "axe" / "axe.min.js"
    if not axe.is_file():
        pytest.skip("axe-core is not vendored (make vendor)")
    (tmp_path / "style.css").write_text("p { color: #222; }")
    page = tmp_path / "styled.html"
    page.write_text(STYLED)
    chromium.open(page.as_uri())
    chromium.axe(axe, ["wcag2a"])
    chromium.page.wait_for_timeout(800)
    chromium.page.evaluate("0")
    assert [e for e in chromium.errors if "style.css" in e] == []
    assert any("late error of the page" in e for e in chromium.errors)
