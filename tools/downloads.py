"""Post-build step of `make book`: downloads on every chapter page, page statistics.

Run after ``jupyter-book build`` (``python -m tools.downloads``). Into
``_build/html/_downloads/`` it writes, for every chapter ``book/NN_*.ipynb``:

- ``executed/NN_*.ipynb``: the notebook as it was executed for the build, with its
  outputs and widget state (from ``_build/executed/book/``: `make notebooks` records
  what nbval executed, tools/nbval_record.py; the build's own ``jupyter_execute/``
  copies have no outputs when it reads them from the cache);
- ``student/NN_*.ipynb``: the student edition (tools/student.py: solutions replaced by
  stubs, no outputs);
- ``pdf/NN_*.pdf``: the chapter page printed by Debian's chromium (tools/pdf.py);

and ``pdf/assocmem-book.pdf``, the whole book (the introduction, the notation page, the
chapters and the references, in the order of the table of contents), joined from the
page PDFs. Every chapter page gets a line "Download: notebook (executed) · student
notebook · PDF (chapter) · PDF (book)" under its title, and the theme's ``.ipynb``
download button, which serves the output-free source, points at the executed notebook.

It also names the sidebar's expand/collapse toggles on every page (`name_toc_toggles`).
The load of a chapter page that prints it also measures it (tools/page_stats.py); the
table goes into the built execution-statistics page and ``_downloads/page_stats.json``.

Any problem (a missing executed notebook, a page the browser reports errors on, a
chapter page without a title to put the line under) fails the step, so `make book`
fails instead of publishing a page with broken downloads.
"""

import html
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from tools import page_stats, pdf
from tools import student as student_tool

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
EXECUTED = BUILD / "executed" / "book"
DOWNLOADS = HTML / "_downloads"
BOOK_PDF = "assocmem-book.pdf"
# Pages of the book PDF besides the chapters (toc order: these, then chapters, then
# references).
FRONT = ["intro", "notation"]
BACK = ["references"]
BUDGET_BYTES = 4_000_000  # per chapter page, explorers included
MARK = '<p class="am-downloads">'
TITLE_END = re.compile(r"</h1>")
SOURCE_BUTTON = re.compile(
    r'href="(?P<href>[^"]*_sources/book/(?P<name>\d\d_[^"/]*)\.ipynb)"'
)


def chapters(html_dir=HTML):
    return sorted((html_dir / "book").glob("[0-9][0-9]_*.html"))


def link_line(stem):
    """The download line of a chapter page (links relative to ``book/``)."""
    links = [  # (href, text, file name of a download; None: open in the browser)
        (
            f"../_downloads/executed/{stem}.ipynb",
            "notebook (executed)",
            f"{stem}.ipynb",
        ),
        (
            f"../_downloads/student/{stem}.ipynb",
            "student notebook",
            f"{stem}-student.ipynb",
        ),
        (f"../_downloads/pdf/{stem}.pdf", "PDF (chapter)", None),
        (f"../_downloads/pdf/{BOOK_PDF}", "PDF (book)", None),
    ]
    parts = [
        f'<a class="reference download" href="{href}"'
        + (f' download="{html.escape(name)}"' if name else "")
        + f">{text}</a>"
        for href, text, name in links
    ]
    return f"{MARK}Download: " + " · ".join(parts) + "</p>"


def add_links(page):
    """Put the download line under the chapter's title and point the theme's source
    download button at the executed notebook. Returns the page's new text."""
    text = page.read_text(encoding="utf-8")
    if MARK in text:
        return text
    article = text.find('class="bd-article"')
    m = TITLE_END.search(text, article if article >= 0 else 0)
    if article < 0 or m is None:
        raise RuntimeError(f"{page}: no <h1> in the article to put the downloads under")
    text = text[: m.end()] + "\n" + link_line(page.stem) + text[m.end() :]
    text, n = SOURCE_BUTTON.subn(
        lambda m: f'href="../_downloads/executed/{m["name"]}.ipynb"', text
    )
    if n == 0:
        raise RuntimeError(f"{page}: the theme's .ipynb download button was not found")
    page.write_text(text, encoding="utf-8")
    return text


TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'
TOGGLE_NAMED = (
    '<summary aria-label="Show or hide the pages under this entry">'
    '<span class="toctree-toggle" role="presentation">'
)


def name_toc_toggles(html_dir=HTML):
    """Give the sidebar's expand/collapse toggles an accessible name on every page.

    The theme draws each toggle as a ``<summary>`` holding only an icon, so a screen
    reader finds a button with no name (axe summary-name, serious). Returns the number
    of pages changed.
    """
    changed = 0
    for page in html_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if TOGGLE in text:
            page.write_text(text.replace(TOGGLE, TOGGLE_NAMED), encoding="utf-8")
            changed += 1
    return changed


def copy_notebooks(stems):
    """The executed and the student notebooks into _downloads/."""
    (DOWNLOADS / "executed").mkdir(parents=True, exist_ok=True)
    for stem in stems:
        src = EXECUTED / f"{stem}.ipynb"
        if not src.is_file():
            raise RuntimeError(f"no executed notebook {src}: run `make notebooks`")
        nb = nbformat.read(src, as_version=4)
        if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            raise RuntimeError(f"{src} has no outputs")
        shutil.copyfile(src, DOWNLOADS / "executed" / src.name)
    sources = [ROOT / "book" / f"{stem}.ipynb" for stem in stems]
    student_tool.write_edition(sources, DOWNLOADS / "student")


def main():
    t0 = time.time()
    pages = chapters()
    if not pages:
        raise SystemExit(f"no chapter pages in {HTML}/book: run jupyter-book first")
    stems = [p.stem for p in pages]
    for page in pages:
        add_links(page)
    name_toc_toggles()
    book_pages = (
        [HTML / "book" / f"{n}.html" for n in FRONT]
        + pages
        + [HTML / "book" / f"{n}.html" for n in BACK]
    )
    outs = [DOWNLOADS / "pdf" / f"{page.stem}.pdf" for page in book_pages]
    # The notebooks are written while chromium prints (Python and the browser run on
    # different cores). One load of a page prints it and, for a chapter, measures it.
    with ThreadPoolExecutor(1) as pool:
        notebooks = pool.submit(copy_notebooks, stems)
        reports = pdf.print_pages(
            [(page, out, page in pages) for page, out in zip(book_pages, outs)]
        )
        notebooks.result()
    problems, parts = [], []
    for page, out, report in zip(book_pages, outs, reports):
        problems += [f"{page.name} (print): {p}" for p in report["problems"]]
        parts.append((report["title"].split(" — ")[0].split(" | ")[0], out))
    stats = [r["stats"] for r in reports if "stats" in r]
    page_stats.write(stats, DOWNLOADS / "page_stats.json")
    page_stats.fill(HTML / "book" / "execution_stats.html", stats, BUDGET_BYTES)
    n = pdf.join(parts, DOWNLOADS / "pdf" / BOOK_PDF)
    for page in [HTML / "book" / f"{x}.html" for x in FRONT + BACK]:
        (DOWNLOADS / "pdf" / f"{page.stem}.pdf").unlink()  # only in the book PDF
    if problems:
        raise SystemExit("downloads:\n" + "\n".join(problems))
    for s in stats:
        print(
            f"{s['page']}: {s['own_bytes'] / 1e6:.2f} MB own, "
            f"{s['weight_bytes'] / 1e6:.2f} MB first visit "
            f"({s['weight_compressed_bytes'] / 1e6:.2f} MB compressed), "
            f"{s['explorer_frames']} explorer frames, first figure "
            f"{s['first_figure_ms']} ms"
        )
    print(
        f"downloads: {len(pages)} chapters, book PDF {n} pages, "
        f"{time.time() - t0:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
