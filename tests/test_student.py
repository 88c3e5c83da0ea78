"""The student edition (`make student`, tools/student.py) contains no answer, and every
auto-checked exercise's stub fails its check with am.checks.CheckError.

Works for whatever chapters exist (book/NN_*.ipynb). The chapters execute once, in
`make notebooks`: there tools/student_check.py runs, at every auto-checked cell, the
student stub (which must raise CheckError) just before the worked solution (which the
grader must pass), and writes what it found to _build/student-check/. The per-chapter
test here reads that report, then looks for the answers BY VALUE: the answer each
auto-checked exercise computed (the first argument of its check call), every number
printed or asserted by the cells that check a solution (``solution-check`` cells), and
the numbers the worked solutions of hand-graded exercises state, each written as a
reader would write it (`tools.student.reader_forms`), are searched for in the student
edition. The values are saved in _build/answers/ for the test of the student site
(tests/test_student_site.py).
"""

import ast
import contextlib
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import notebooks, student, student_check

nbtools = notebooks
# reads what `make notebooks` found: `make student-test`, not `make unit`
pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = nbtools.all_notebooks(BOOK)
ANSWERS = ROOT / "_build" / "answers"
# what tools/student_check.py found in `make notebooks`
CHECKS = ROOT / "_build" / "student-check"
REQUIRED = os.environ.get("ASSOCMEM_REQUIRE_BUILD") == "1"


def _ids(path):
    return path.stem


def _student_lines(nb):
    return {
        ln.strip() for cell in nb.cells for ln in cell.source.splitlines() if ln.strip()
    }


# ---- the transformation, on small made-up notebooks --------------------------------


def synthetic():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "# 9. Made up\n\n```{exercise} Square (coding, auto-checked)\n"
                ":label: ex-x-square\n"
                "Square `x`.\n```"
            ),
            new_code_cell(
                "x = 3\nanswer = ...  # your answer\n# BEGIN SOLUTION\n"
                "secret_helper = x * x\n"
                "answer = secret_helper\n# END SOLUTION\nam.checks.square(answer, x)"
            ),
            new_markdown_cell(
                "````{solution} ex-x-square\n:class: dropdown\n```python\n"
                "secret_helper = x * x\n```\n"
                "````\n\nText after the solution stays.\n\n"
                "```{exercise} Why (analytical)\n"
                ":label: ex-x-why\nExplain.\n```\n:::{solution} ex-x-why\n"
                ":class: dropdown\n"
                "Because of the hidden analytical argument.\n:::"
            ),
            new_code_cell(
                "def double(v):\n    # BEGIN SOLUTION\n    hidden_out = 2 * v\n"
                "    return hidden_out\n"
                "    # END SOLUTION\nam.checks.double(double)"
            ),
            new_code_cell(
                "# BEGIN SOLUTION\ny_solution = x + 1\n# END SOLUTION\n"
                "am.checks.plus_one(y_solution)"
            ),
            new_markdown_cell(
                "```{exercise} Shares a cell with a gate (analytical)\n"
                ":label: ex-x-gate\n"
                "Stated before the gate.\n```\n\n"
                "```{solution-start} ex-x-why\n```\nGated solution text, hidden."
            ),
            new_code_cell("gated_solution_code = 1"),
            new_markdown_cell("```{solution-end}\n```\n\nAfter the gate, kept."),
            new_markdown_cell("Closing remarks stay."),
        ]
    )
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k}"
    return nb


def test_stubs_keep_indentation_and_the_check_call():
    st = nbtools.student_edition(synthetic())
    code = [c.source for c in st.cells if c.cell_type == "code"]
    assert code[0].splitlines() == [
        "x = 3",
        "answer = ...  # your answer",
        "...  # your code here",
        "am.checks.square(answer, x)",
    ]
    assert code[1].splitlines() == [
        "def double(v):",
        "    return ...  # your code here",
        "am.checks.double(double)",
    ]
    assert code[2].splitlines() == [
        "y_solution = ...  # your code here",
        "am.checks.plus_one(y_solution)",
    ]
    for source in code:
        compile(source, "<stub>", "exec")  # still valid Python


def test_solutions_are_removed_and_the_rest_kept():
    nb = synthetic()
    st = nbtools.student_edition(nb)
    text = "\n".join(c.source for c in st.cells)
    for gone in (
        "secret_helper",
        "hidden_out",
        "hidden analytical argument",
        "Gated solution",
        "gated_solution_code",
        "{solution",
        "BEGIN SOLUTION",
        "END SOLUTION",
    ):
        assert gone not in text, gone
    for kept in (
        "Stated before the gate.",
        "After the gate, kept.",
        "Text after the solution stays.",
        "Closing remarks stay.",
        ":label: ex-x-why",
        "{exercise}",
    ):
        assert kept in text, kept
    assert [
        {k: c.metadata["assocmem"][k] for k in ("exercise", "checks")}
        for c in st.cells
        if c.cell_type == "code"
    ] == [
        {"exercise": "ex-x-square", "checks": ["square"]},
        {"exercise": "ex-x-why", "checks": ["double"]},
        {"exercise": "ex-x-why", "checks": ["plus_one"]},
    ]
    assert not _student_lines(st) & {ln.strip() for ln in nbtools.solution_text(nb)}


def test_exercise_inventory():
    exs = nbtools.exercises(synthetic())
    assert [(e["label"], e["kind"], e["checks"]) for e in exs] == [
        ("ex-x-square", "coding", ["square"]),
        ("ex-x-why", "analytical", ["double", "plus_one"]),
        ("ex-x-gate", "analytical", []),
    ]


def test_unbalanced_markers_are_an_error():
    with pytest.raises(ValueError, match="END SOLUTION"):
        nbtools.stub_code("# BEGIN SOLUTION\nx = 1\n")


def test_lines_after_the_check_call_and_solution_checks_are_dropped():
    nb = synthetic()
    nb.cells[1].source += "\nassert answer == 9  # the answer, given away"
    nb.cells.insert(
        2,
        new_code_cell(
            "print(f'answer: {answer:.3f}')", metadata={"tags": ["solution-check"]}
        ),
    )
    nb.cells.insert(
        3,
        new_code_cell(
            "hidden = 0.618  # verifies a claim of a solution",
            metadata={"tags": ["remove-cell"]},
        ),
    )
    nb.cells.insert(
        0, new_code_cell("setup = 1", metadata={"tags": ["remove-cell"]})
    )  # not exercise-related
    text = "\n".join(c.source for c in nbtools.student_edition(nb).cells)
    assert "answer == 9" not in text and "answer:" not in text and "0.618" not in text
    assert "setup = 1" in text


def test_calls_are_recorded_for_the_grader():
    st = nbtools.student_edition(synthetic())
    meta = [c.metadata["assocmem"] for c in st.cells if "assocmem" in c.metadata]
    assert meta[0]["calls"] == [
        {"checker": "square", "args": ["answer", "x"], "keywords": {}}
    ]
    assert meta[1]["calls"] == [
        {"checker": "double", "args": ["double"], "keywords": {}}
    ]


def test_reader_forms():
    assert {"0.374", "0.3740"} <= student.reader_forms(-0.37402)
    assert "0.37" not in student.reader_forms(
        -0.37402
    )  # two digits: too common to search for
    assert (
        student.reader_forms(2409.0) == {"2409"} and student.reader_forms(12) == set()
    )
    assert "[0.5, 0.95]" in student.reader_forms([0.5, 0.95])
    assert student.find_leaks(
        {"0.374"}, {"a": "x = 0.3741", "b": "K + 0.374) < 5e-4"}
    ) == [("0.374", "b", "K + 0.374) < 5e-4")]


# ---- the real chapters -------------------------------------------------------------


def test_problem_sets_are_up_to_date(tmp_path):
    """book/problems/ is what `python -m tools.problem_sets` makes from the current
    chapters.
    """
    from tools import problem_sets

    for week in problem_sets.WEEKS:
        stored = nbtools.read(BOOK / "problems" / f"{week}.ipynb")
        fresh = problem_sets.write(week, tmp_path / f"{week}.ipynb", BOOK)
        assert [c.source for c in stored.cells] == [c.source for c in fresh.cells], (
            f"book/problems/{week}.ipynb is out of date: "
            "run python -m tools.problem_sets"
        )


def test_make_student_writes_every_chapter(tmp_path):
    student.main(BOOK, tmp_path, "--all-notebooks")
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == sorted(p.name for p in CHAPTERS)
    for path in tmp_path.glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
            path.name
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids)
def test_no_solution_survives(path):
    nb = nbtools.read(path)
    st = nbtools.student_edition(nb)
    leaked = [
        ln for ln in nbtools.solution_text(nb) if ln.strip() in _student_lines(st)
    ]
    assert not leaked, f"{path.name}: solution lines in the student edition: {leaked}"
    for cell in st.cells:
        assert "BEGIN SOLUTION" not in cell.source and "END SOLUTION" not in cell.source
        if cell.cell_type == "markdown":
            assert not [
                d
                for d in nbtools.directives(cell.source)
                if d[0].startswith("solution")
            ], cell.source
    for ex in nbtools.exercises(nb):
        assert ex["label"], (
            f"{path.name}: an auto-checked cell comes before any {{exercise}} block"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids)
def test_directive_fences_are_nested_properly(path):
    """A ``` code block inside a ``` {solution} closes the solution early: the rest of
    the
    answer then shows in the page and in the student edition. The outer fence must be
    longer (````{solution} ... ````)."""
    bad = []
    for cell in nbtools.read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for name, arg, _, body, _, fence in nbtools.directives(cell.source):
            for ln in body:
                inner = re.match(r"^[ \t]*(`{3,}|:{3,})\S", ln)
                if inner and inner[1][0] == fence[0] and len(inner[1]) >= len(fence):
                    bad.append(
                        f"{{{name}}} {arg}: {ln.strip()!r} inside a {fence!r} fence "
                        "ends the block early"
                    )
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


CHECKED = [
    p
    for p in CHAPTERS
    if any(e["check_cells"] for e in nbtools.exercises(nbtools.read(p)))
    or nbtools.exercise_related(nbtools.read(p))
]


def _stated_numbers(nb, related):
    """Numbers that cells checking a solution assert (literals, not tolerances), and the
    decimals that the worked solutions of exercises state, minus those the exercise
    statements give."""
    found, given = [], set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for name, _, _, body, _, _ in nbtools.directives(cell.source):
                text = "\n".join(body)
                if name in ("exercise", "exercise-start"):
                    given |= set(student.numbers_in(text))
                elif (
                    name in nbtools.SOLUTION_DIRECTIVES
                ):  # decimals only: integers there are mostly data
                    found += [
                        float(m) for m in student.NUMBER.findall(text) if "." in m
                    ]
        elif index in related:
            with contextlib.suppress(SyntaxError):
                for node in ast.walk(ast.parse(cell.source)):
                    if isinstance(node, ast.Constant) and isinstance(node.value, float):
                        literal = ast.get_source_segment(cell.source, node) or ""
                        if "e" not in literal.lower():
                            found.append(node.value)
    return [x for x in found if x not in given]


@pytest.mark.parametrize("path", CHECKED, ids=_ids)
def test_stubs_fail_their_checks_and_no_answer_leaks(path):
    """What tools/student_check.py found while `make notebooks` executed the chapter:
    every stub raised CheckError, the grader passed every worked solution; then the
    answers it read are searched for in the student edition."""
    report_path = CHECKS / f"{path.stem}.json"
    if not report_path.exists():
        (pytest.fail if REQUIRED else pytest.skip)(
            f"no {report_path.relative_to(ROOT)}: `make notebooks` writes it when "
            "every cell of the notebook passes"
        )
    report = json.loads(report_path.read_text())
    assert report["sha256"] == student_check.source_hash(path), (
        f"{report_path.name} was made from another version of {path.name}: "
        "run `make notebooks`"
    )
    assert not report["problems"], f"{path.name}:\n" + "\n".join(report["problems"])
    nb = nbtools.read(path)
    checked = {i for ex in nbtools.exercises(nb) for i in ex["check_cells"]}
    assert report["stubs"] == len(checked), "not every auto-checked stub was tried"
    related = nbtools.exercise_related(nb)
    st = nbtools.student_edition(nb)
    values = report["values"]
    values += _stated_numbers(nb, related)
    forms = set().union(*(student.reader_forms(v) for v in values)) if values else set()
    # Numbers the main text (before the first exercise) states are data, not answers ...
    first = min((e["cell"] for e in nbtools.exercises(nb)), default=len(nb.cells))
    main_ids = {c["id"] for c in nb.cells[:first]}
    given = {f"main {c['id']}": c.source for c in st.cells if c["id"] in main_ids}
    # ... and so are those an exercise's statement gives
    given |= {
        f"statement {k}": arg + "\n" + "\n".join(body)
        for k, c in enumerate(st.cells)
        if c.cell_type == "markdown"
        for name, arg, _, body, _, _ in nbtools.directives(c.source)
        if name in ("exercise", "exercise-start")
    }
    forms -= {form for form, _, _ in student.find_leaks(forms, given)}
    texts = {
        f"{path.name} cell {k} ({c['id']})": c.source for k, c in enumerate(st.cells)
    }
    leaks = student.find_leaks(forms, texts)
    ANSWERS.mkdir(parents=True, exist_ok=True)
    (ANSWERS / f"{path.stem}.json").write_text(json.dumps(sorted(forms), indent=0))
    assert not leaks, f"{path.name}: answers in the student edition:\n" + "\n".join(
        map(str, leaks)
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids)
def test_cells_checking_a_solution_are_dropped(path):
    nb = nbtools.read(path)
    kept = {c["id"] for c in nbtools.student_edition(nb).cells}
    dropped = {nb.cells[i]["id"] for i in nbtools.exercise_related(nb)}
    assert not kept & dropped


# ---- the course pages (tools/sphinx_course.py) ---------------------------------------


def test_course_plan_reads_sections_and_flags_unknown_ones():
    from tools import sphinx_course

    assert sphinx_course._expand("1.1-1.3, 2.4") == ["1.1", "1.2", "1.3", "2.4"]
    book = [(p.stem, p) for p in nbtools.chapters(BOOK)]
    plan, problems = sphinx_course.course_plan(
        ["Block | 1.1-1.2, 99.1 | ex-ch1-margins, ex-nowhere"], book
    )
    assert [r[0] for r in plan[0][1]] == ["1.1", "1.2"]
    assert [t[0] for t in plan[0][2]] == ["ex-ch1-margins"]
    assert problems == [
        "course-plan: no section 99.1 in the chapters",
        "course-plan: no exercise labelled 'ex-nowhere'",
    ]


def test_the_syllabus_names_only_existing_sections_and_exercises():
    from tools import sphinx_course

    text = (BOOK / "syllabus.md").read_text()
    lines = text.split("```{course-plan}", 1)[1].split("```", 1)[0].strip().splitlines()
    book = [(p.stem, p) for p in nbtools.chapters(BOOK)]
    plan, problems = sphinx_course.course_plan(lines, book)
    assert not problems
    core = sum(
        sum(r[2] for r in rows) + sum(t[3] for t in tasks)
        for name, rows, tasks in sphinx_course.core_and_optional(plan)
        if not name.startswith("Optional")
    )
    assert 8 * 60 <= core <= 12 * 60, (
        f"core path {core / 60:.1f} h, not about ten hours"
    )


def test_rubric_headings_shift_below_the_page():
    from tools import sphinx_course

    assert sphinx_course.shifted("# R\n\n## ex-a\ntext\n### sub", top=2) == (
        "## R\n\n### ex-a\ntext\n#### sub"
    )


def test_every_exercise_has_a_difficulty():
    missing = [
        f"{p.name}: {e['label']}"
        for p in nbtools.chapters(BOOK)
        for e in nbtools.exercises(nbtools.read(p))
        if e["difficulty"] is None
    ]
    assert not missing, f"exercise titles without a difficulty (★ to ★★★): {missing}"
