"""The student edition (`make student`, scripts/student.py) hides every solution, and every auto-checked
exercise's stub fails its check with am.checks.CheckError.

Works for whatever chapters exist (book/NN_*.ipynb). The per-chapter execution test runs each chapter in a
fresh kernel up to its last auto-checked cell: at every auto-checked cell it first runs the student stub (which
must raise CheckError), then the solution (which must pass), so the cells after it see the same state as in the
book. The grading script is checked on the outputs of that run.
"""
import contextlib
import copy
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import grade  # noqa: E402
import nbtools  # noqa: E402
import student  # noqa: E402

BOOK = ROOT / "book"
CHAPTERS = nbtools.chapters(BOOK)


def _ids(path):
    return path.stem


def _student_lines(nb):
    return {ln.strip() for cell in nb.cells for ln in cell.source.splitlines() if ln.strip()}


# ---- the transformation, on small made-up notebooks ----------------------------------------------------------

def synthetic():
    nb = new_notebook(cells=[
        new_markdown_cell("# 9. Made up\n\n```{exercise} Square (coding, auto-checked)\n:label: ex-x-square\n"
                          "Square `x`.\n```"),
        new_code_cell("x = 3\nanswer = ...  # your answer\n# BEGIN SOLUTION\nsecret_helper = x * x\n"
                      "answer = secret_helper\n# END SOLUTION\nam.checks.square(answer, x)"),
        new_markdown_cell("````{solution} ex-x-square\n:class: dropdown\n```python\nsecret_helper = x * x\n```\n"
                          "````\n\nText after the solution stays.\n\n```{exercise} Why (analytical)\n"
                          ":label: ex-x-why\nExplain.\n```\n:::{solution} ex-x-why\n:class: dropdown\n"
                          "Because of the hidden analytical argument.\n:::"),
        new_code_cell("def double(v):\n    # BEGIN SOLUTION\n    hidden_out = 2 * v\n    return hidden_out\n"
                      "    # END SOLUTION\nam.checks.double(double)"),
        new_code_cell("# BEGIN SOLUTION\ny_solution = x + 1\n# END SOLUTION\nam.checks.plus_one(y_solution)"),
        new_markdown_cell("```{solution-start} ex-x-why\n```\nGated solution text, hidden."),
        new_code_cell("gated_solution_code = 1"),
        new_markdown_cell("```{solution-end}\n```"),
        new_markdown_cell("Closing remarks stay."),
    ])
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k}"
    return nb


def test_stubs_keep_indentation_and_the_check_call():
    st = nbtools.student_edition(synthetic())
    code = [c.source for c in st.cells if c.cell_type == "code"]
    assert code[0].splitlines() == ["x = 3", "answer = ...  # your answer", "...  # your code here",
                                    "am.checks.square(answer, x)"]
    assert code[1].splitlines() == ["def double(v):", "    return ...  # your code here", "am.checks.double(double)"]
    assert code[2].splitlines() == ["y_solution = ...  # your code here", "am.checks.plus_one(y_solution)"]
    for source in code:
        compile(source, "<stub>", "exec")  # still valid Python


def test_solutions_are_removed_and_the_rest_kept():
    nb = synthetic()
    st = nbtools.student_edition(nb)
    text = "\n".join(c.source for c in st.cells)
    for gone in ("secret_helper", "hidden_out", "hidden analytical argument", "Gated solution", "gated_solution_code",
                 "{solution", "BEGIN SOLUTION", "END SOLUTION"):
        assert gone not in text, gone
    for kept in ("Text after the solution stays.", "Closing remarks stay.", ":label: ex-x-why", "{exercise}"):
        assert kept in text, kept
    assert [c.metadata.get("assocmem") for c in st.cells if c.cell_type == "code"] == [
        {"exercise": "ex-x-square", "checks": ["square"]},
        {"exercise": "ex-x-why", "checks": ["double"]},
        {"exercise": "ex-x-why", "checks": ["plus_one"]},
    ]
    assert not _student_lines(st) & {ln.strip() for ln in nbtools.solution_text(nb)}


def test_exercise_inventory():
    exs = nbtools.exercises(synthetic())
    assert [(e["label"], e["kind"], e["checks"]) for e in exs] == [
        ("ex-x-square", "coding", ["square"]), ("ex-x-why", "analytical", ["double", "plus_one"])]


def test_unbalanced_markers_are_an_error():
    with pytest.raises(ValueError, match="END SOLUTION"):
        nbtools.stub_code("# BEGIN SOLUTION\nx = 1\n")


def test_grading_reads_check_results():
    nb = nbtools.student_edition(synthetic())
    cells = [c for c in nb.cells if c.cell_type == "code"]
    cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Correct: square checks out.\n")]
    cells[1].outputs = [nbformat.v4.new_output("error", ename="CheckError", evalue="double: wrong sign",
                                               traceback=[])]
    cells[2].outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'z' is not defined",
                                               traceback=[])]
    assert [row[2:] for row in grade.grade(nb)] == [
        ("passed", ""), ("wrong", "CheckError: double: wrong sign"), ("error", "NameError: name 'z' is not defined")]
    cells[0].source = "answer = 9\nam.checks.square(answer, x)"  # the learner edits the cell: still found
    cells[0].outputs = []
    assert grade.grade(nb)[0] == ("ex-x-square", "square", "not run", "")


# ---- the real chapters -------------------------------------------------------------------------------------

def test_make_student_writes_every_chapter(tmp_path):
    student.main(BOOK, tmp_path)
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == [p.name for p in CHAPTERS]
    for path in tmp_path.glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids)
def test_no_solution_survives(path):
    nb = nbtools.read(path)
    st = nbtools.student_edition(nb)
    leaked = [ln for ln in nbtools.solution_text(nb) if ln.strip() in _student_lines(st)]
    assert not leaked, f"{path.name}: solution lines in the student edition: {leaked}"
    for cell in st.cells:
        assert "BEGIN SOLUTION" not in cell.source and "END SOLUTION" not in cell.source
        if cell.cell_type == "markdown":
            assert not [d for d in nbtools.directives(cell.source) if d[0].startswith("solution")], cell.source
    for ex in nbtools.exercises(nb):
        assert ex["label"], f"{path.name}: an auto-checked cell comes before any {{exercise}} block"


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids)
def test_directive_fences_are_nested_properly(path):
    """A ``` code block inside a ``` {solution} closes the solution early: the rest of the answer then shows in
    the page and in the student edition. The outer fence must be longer (````{solution} ... ````)."""
    bad = []
    for cell in nbtools.read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for name, arg, _, body, _, fence in nbtools.directives(cell.source):
            for ln in body:
                inner = re.match(r"^[ \t]*(`{3,}|:{3,})\S", ln)
                if inner and inner[1][0] == fence[0] and len(inner[1]) >= len(fence):
                    bad.append(f"{{{name}}} {arg}: {ln.strip()!r} inside a {fence!r} fence ends the block early")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


CHECKED = [p for p in CHAPTERS if any(e["check_cells"] for e in nbtools.exercises(nbtools.read(p)))]


@contextlib.contextmanager
def _kernel(client, attempts=3):
    """client.setup_kernel(), retried when the kernel dies while starting (seen once in CI with two xdist
    workers starting kernels at the same moment: "Kernel died before replying to kernel_info")."""
    for attempt in range(attempts):
        cm = client.setup_kernel()
        try:
            cm.__enter__()
        except RuntimeError:
            client.km = client.kc = None
            if attempt == attempts - 1:
                raise
            continue
        try:
            yield
        finally:
            cm.__exit__(None, None, None)
        return


@pytest.mark.parametrize("path", CHECKED, ids=_ids)
def test_stubs_fail_their_checks(path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbtools.read(path)
    st = nbtools.student_edition(nb)
    stub_of = {c["id"]: c for c in st.cells}
    checked = {i for ex in nbtools.exercises(nb) for i in ex["check_cells"]}
    nb.cells = nb.cells[:max(checked) + 1]  # nothing after the last exercise matters here
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}})
    failures = []
    with _kernel(client):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if index in checked:
                stub = stub_of[cell["id"]]
                try:
                    client.execute_cell(stub, index)
                    failures.append(f"cell {index}: the stub ran without error")
                except CellExecutionError as err:
                    if err.ename != "CheckError":
                        failures.append(f"cell {index}: the stub raised {err.ename}: {err.evalue}")
            client.execute_cell(cell, index)  # the solution: must pass, and sets the state for what follows
    assert not failures, f"{path.name}:\n" + "\n".join(failures)
    # the grading script sees the same: every stub "wrong" or "no answer", every solution "passed"
    st_checked = copy.deepcopy(st)
    st_checked.cells = [c for c in st_checked.cells if c.cell_type == "code" and "assocmem" in c.metadata]
    for c in st_checked.cells:
        c.outputs = stub_of[c["id"]].outputs
    assert {row[2] for row in grade.grade(st_checked)} <= {"wrong", "no answer"}
    assert {row[2] for row in grade.grade(nb)} == {"passed"}
