"""The downloads of every chapter page (written by tools/downloads.py in `make book`).

Each chapter page carries a line "Download: notebook (executed) · student notebook · PDF
(chapter) · PDF (book)". Every link must resolve, offline, to a non-empty file inside
the built site: the executed notebook has outputs, the student notebook has no solution
left, each PDF has at least one page. The theme's own .ipynb button must serve the
executed notebook, not the output-free source. The execution-statistics page shows the
measured page weight of every chapter.

Needs a built book (`make book`); run by `make browser`.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from tools import site

pytestmark = pytest.mark.integration

KINDS = ["notebook (executed)", "student notebook", "PDF (chapter)", "PDF (book)"]


class Links(HTMLParser):
    """The links of the download line, and the hrefs of every link on the page."""

    def __init__(self):
        super().__init__()
        self.line, self.hrefs, self._in, self._a = [], [], False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "p" and "am-downloads" in (a.get("class") or ""):
            self._in = True
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
            if self._in:
                self._a = {
                    "href": a.get("href"),
                    "download": a.get("download"),
                    "t": "",
                }

    def handle_data(self, data):
        if self._a is not None:
            self._a["t"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._a is not None:
            self.line.append(self._a)
            self._a = None
        if tag == "p":
            self._in = False


def parse(page):
    p = Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def target(page, href):
    return (page.parent / unquote(urlsplit(href).path)).resolve()


@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_chapter_downloads(page):
    name = site.page_id(page)
    links = parse(page)
    assert [a["t"].strip() for a in links.line] == KINDS, (
        f"{name}: download line {[a['t'] for a in links.line]}"
    )
    problems = []
    for a in links.line:
        path = target(page, a["href"])
        if not path.is_relative_to(site.HTML.resolve()):
            problems.append(f"{a['t']}: {a['href']} is outside the site")
        elif not path.is_file() or path.stat().st_size == 0:
            problems.append(f"{a['t']}: {a['href']} is missing or empty")
    assert not problems, f"{name}:\n" + "\n".join(problems)
    by = {a["t"].strip(): target(page, a["href"]) for a in links.line}

    executed = nbformat.read(by["notebook (executed)"], as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code"), (
        f"{name}: the executed notebook has no outputs"
    )
    assert by["notebook (executed)"].stem == page.stem

    student = by["student notebook"].read_text(encoding="utf-8")
    nbformat.reads(student, as_version=4)
    assert "# BEGIN SOLUTION" not in student, f"{name}: solution in the student copy"
    assert not any(
        c.get("outputs")
        for c in json.loads(student)["cells"]
        if c["cell_type"] == "code"
    ), f"{name}: the student notebook has outputs"
    for kind in ("notebook (executed)", "student notebook"):
        a = next(a for a in links.line if a["t"].strip() == kind)
        assert a["download"], f"{name}: the {kind} link would open JSON in the tab"

    from pypdf import PdfReader

    chapter = PdfReader(by["PDF (chapter)"])
    book = PdfReader(by["PDF (book)"])
    assert len(chapter.pages) >= 1, f"{name}: empty chapter PDF"
    assert len(book.pages) > len(chapter.pages), f"{name}: book PDF not longer"
    title = re.sub(r"\s+", " ", chapter.pages[0].extract_text() or "")
    assert title.strip(), f"{name}: the chapter PDF's first page has no text"

    sources = [h for h in links.hrefs if "_sources/" in h and h.endswith(".ipynb")]
    assert not sources, f"{name}: links to the output-free source remain: {sources}"


def test_book_pdf_has_every_chapter():
    site.require_build()
    from pypdf import PdfReader

    book = PdfReader(site.HTML / "_downloads" / "pdf" / "assocmem-book.pdf")
    chapters = site.chapter_pages()
    pages = sum(
        len(PdfReader(site.HTML / "_downloads" / "pdf" / f"{p.stem}.pdf").pages)
        for p in chapters
    )
    assert len(book.pages) > pages, "the book PDF is shorter than its chapters"
    titles = [o.title for o in book.outline if hasattr(o, "title")]
    assert len(titles) >= len(chapters) + 1, titles


def test_execution_stats_page_shows_page_weights():
    site.require_build()
    text = (site.HTML / "book" / "execution_stats.html").read_text(encoding="utf-8")
    m = re.search(r'<div id="am-page-stats">(.*?)</div>', text, re.S)
    assert m, "no page-statistics table"
    for page in site.chapter_pages():
        assert f'href="{page.name}"' in m[1], f"no row for {page.name}"
    assert "Filled in by the build" not in m[1]
    stats = json.loads((site.HTML / "_downloads" / "page_stats.json").read_text())
    for s in stats:
        assert (site.HTML / "book" / s["page"]).stat().st_size <= s["weight_bytes"]
        assert 0 < s["own_compressed_bytes"] < s["own_bytes"]
        assert s["own_compressed_bytes"] < s["weight_compressed_bytes"]
        assert s["weight_compressed_bytes"] < s["weight_bytes"]
        assert s["first_figure_ms"] > 0
