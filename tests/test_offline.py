"""The built book works offline: no page loads a script, stylesheet, font or image from
the network.

Reads every HTML page of _build/html (run `make book` first; `make test` does). MathJax,
require.js and the widget manager are vendored into _static/ by tools/vendor_js.sh; a
CDN URL here means that vendoring broke, and the page would show raw TeX and no widgets
without a network.
"""

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest

from tools.site import HTML, page_id, pages, require_build

pytestmark = pytest.mark.integration

EXTERNAL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE
)  # http://, https://, //cdn...
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class Resources(HTMLParser):
    """Every resource a page makes the browser load: (tag, url)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.found.append(("script", a["src"]))
        elif tag == "link" and a.get("href"):
            rel = set((a.get("rel") or "").lower().split())
            if rel & {
                "stylesheet",
                "preload",
                "modulepreload",
                "icon",
                "shortcut",
                "manifest",
                "prefetch",
            }:
                self.found.append((f"link[{' '.join(sorted(rel))}]", a["href"]))
        elif tag in ("img", "iframe", "source", "audio", "video", "embed") and a.get(
            "src"
        ):
            self.found.append((tag, a["src"]))
        elif tag == "object" and a.get("data"):
            self.found.append((tag, a["data"]))


def resources(page):
    parser = Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def local_target(page, url):
    path = unquote(urlsplit(url).path)
    return (page.parent / path).resolve()


def test_book_was_built():
    require_build()
    assert pages(), f"no HTML page under {HTML}"
    assert (HTML / "_static" / "mathjax" / "tex-mml-chtml.js").is_file(), (
        "MathJax is not vendored"
    )
    assert (HTML / "_static" / "html-manager" / "embed-amd.js").is_file(), (
        "the widget manager is not vendored"
    )
    assert (HTML / "_static" / "require.js").is_file(), "require.js is not vendored"


@pytest.mark.parametrize("page", pages(), ids=page_id)
def test_page_loads_nothing_from_the_network(page):
    found = resources(page)
    external = [f"<{tag}> {url}" for tag, url in found if EXTERNAL.match(url)]
    assert not external, (
        f"{page.relative_to(HTML)} loads from the network:\n" + "\n".join(external)
    )
    missing = [
        f"<{tag}> {url}"
        for tag, url in found
        if not url.startswith(("data:", "#")) and not local_target(page, url).is_file()
    ]
    assert not missing, (
        f"{page.relative_to(HTML)} references missing files:\n" + "\n".join(missing)
    )


def test_stylesheets_load_nothing_from_the_network():
    """Fonts and @imports inside the CSS the pages link (theme, extensions, our CSS)."""
    require_build()
    sheets = {
        local_target(page, url)
        for page in pages()
        for tag, url in resources(page)
        if tag.startswith("link") and "stylesheet" in tag and not EXTERNAL.match(url)
    }
    assert sheets
    external = []
    for sheet in sorted(sheets):
        for m in CSS_URL.finditer(sheet.read_text(encoding="utf-8", errors="replace")):
            url = m[1] or m[2]
            if EXTERNAL.match(url):
                external.append(f"{sheet.relative_to(HTML)}: {url}")
    assert not external, "stylesheets load from the network:\n" + "\n".join(external)


def test_mathjax_and_widgets_come_from_the_vendored_copy():
    """Pages with math load the vendored MathJax; pages with widgets load the vendored
    require.js and widget manager."""
    require_build()
    math_pages = widget_pages = 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        srcs = [url for tag, url in resources(page) if tag == "script"]
        if 'class="math' in text:
            math_pages += 1
            assert any(
                urlsplit(u).path.endswith("_static/mathjax/tex-mml-chtml.js")
                for u in srcs
            ), page
        if "application/vnd.jupyter.widget-view+json" in text:
            widget_pages += 1
            for needed in ("_static/require.js", "_static/html-manager/embed-amd.js"):
                assert any(urlsplit(u).path.endswith(needed) for u in srcs), (
                    page,
                    needed,
                )
    assert math_pages > 0, "no page has math: is dollarmath enabled?"
