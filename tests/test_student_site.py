"""The student site (`make student-book`, _build/student-html/) has no solution and no
answer.

Needs the built site and the answer values that tests/test_student.py collects from
the solutions' run (_build/answers/NN.json, one list of reader-written forms per
notebook). Without a built site the tests skip, unless ASSOCMEM_REQUIRE_BUILD=1 (as
`make student-book` sets), which turns the skip into a failure.
"""

import html
import json
import os
import re
from pathlib import Path

import pytest

from tools import student

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("ASSOCMEM_STUDENT_HTML", ROOT / "_build" / "student-html"))
ANSWERS = ROOT / "_build" / "answers"
REQUIRED = os.environ.get("ASSOCMEM_REQUIRE_BUILD") == "1"
pytestmark = pytest.mark.integration


def _pages():
    if not (SITE / "index.html").exists():
        if REQUIRED:
            pytest.fail(
                "no student site in _build/student-html: run `make student-book`"
            )
        pytest.skip("no student site built (make student-book)")
    return sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts)


def _text(page, raw=None):
    """The page's text as a reader sees it (tags removed, entities decoded), scripts
    dropped.
    """
    raw = page.read_text(errors="replace") if raw is None else raw
    raw = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def test_no_solution_anywhere():
    found = []
    for page in _pages():
        raw = page.read_text(errors="replace")
        for marker in (
            "BEGIN SOLUTION",
            "END SOLUTION",
            "solution-code",
            'class="solution',
            "Solution to",
        ):
            if marker in raw:
                found.append(f"{page.relative_to(SITE)}: {marker!r}")
    assert not found, "\n".join(found)


def test_instructor_pages_are_left_out():
    for page in student.INSTRUCTOR_ONLY:
        assert not (SITE / f"{page}.html").exists(), page
    assert not list(SITE.rglob("rubrics*")), "rubric files in the student site"


def test_no_collected_answer_on_any_page():
    pages = _pages()
    if not list(ANSWERS.glob("*.json")):
        pytest.fail(
            "no collected answers in _build/answers/: run tests/test_student.py first"
        )
    texts = {str(p.relative_to(SITE)): p for p in pages}
    leaks = []
    for path in sorted(ANSWERS.glob("*.json")):
        forms = set(json.loads(path.read_text()))
        page = next((k for k in texts if Path(k).stem == path.stem), None)
        if page is None:
            continue
        # numbers the page's main text states before the exercises are data, not answers
        raw = texts[page].read_text(errors="replace")
        start = raw.find("<main")
        first = raw.find('id="exercises"')
        main = _text(None, raw[start:first]) if first > start >= 0 else ""
        forms -= {f for f, _, _ in student.find_leaks(forms, {"main": main})}
        leaks += student.find_leaks(forms, {page: _text(None, raw)})
    assert not leaks, "answers on the student site:\n" + "\n".join(map(str, leaks))


def test_public_site_shows_stubs_and_folds_the_solution_code():
    """The public site (`make book`): exercise cells show the stub, the solution code
    is in a folded "Solution code" dropdown, and no solution marker is visible."""
    public = Path(os.environ.get("ASSOCMEM_HTML", ROOT / "_build" / "html"))
    chapters = sorted((public / "book").glob("[0-9][0-9]_*.html"))
    if not chapters:
        if REQUIRED:
            pytest.fail("no public site in _build/html: run `make book`")
        pytest.skip("no public site built (make book)")
    folds = 0
    for page in chapters:
        raw = page.read_text(errors="replace")
        assert "BEGIN SOLUTION" not in raw and "END SOLUTION" not in raw, page.name
        folds += raw.count("solution-code")
    stubs = sum("# your code here" in p.read_text(errors="replace") for p in chapters)
    assert folds > 0 and stubs > 0
