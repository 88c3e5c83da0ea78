"""The built book as the tests see it: where the HTML is and which pages it has.

Shared by tests/test_offline.py and tests/test_browser.py. ``ASSOCMEM_HTML`` points the
tests at a build elsewhere (its screenshots then go next to it);
``ASSOCMEM_REQUIRE_BUILD=1`` (set by ``make browser``) turns "no built book" from a skip
into a failure.
"""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("ASSOCMEM_HTML", ROOT / "_build" / "html"))
SCREENS = Path(os.environ.get("ASSOCMEM_SCREENS", HTML.parent / "screens"))
# Sphinx's asset folders: copies of sources and theme files, not pages of the book.
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
CHAPTER = re.compile(r"^\d\d_")


def pages():
    """Every HTML page of the built book, sorted (empty when there is no build)."""
    if not HTML.is_dir():
        return []
    return sorted(
        p
        for p in HTML.rglob("*.html")
        if not SKIP_DIRS & set(p.relative_to(HTML).parts)
    )


def chapter_pages():
    """The chapter pages (``NN_*.html``) among `pages`."""
    return [p for p in pages() if CHAPTER.match(p.name)]


def page_id(page):
    """A page's path relative to the HTML root, e.g. ``book/01_memory_model.html``."""
    return str(page.relative_to(HTML))


def require_build():
    """Skip the calling test when the book is not built (fail with
    ``ASSOCMEM_REQUIRE_BUILD``)."""
    import pytest

    if not HTML.is_dir():
        if os.environ.get("ASSOCMEM_REQUIRE_BUILD"):
            pytest.fail(f"no built book at {HTML}: run `make book` first")
        pytest.skip(f"no built book at {HTML}: run `make book` first")
