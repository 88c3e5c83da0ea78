"""`make grade` (tools/grade.py): the verdict comes from the grader's own checkers, run
on
the values a submission computed; printed text, replaced checkers and a patched package
never pass; a submission that loops or kills its kernel does not stop the others.

The submissions are small notebooks made from chapter 1's student edition: its two
auto-checked exercise cells (margins, the outer-product memory), as handed out, after a
one-line setup cell, with the learner's edits below. The expected verdicts are written
here by hand, never computed by the grader.
"""

import csv
import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
import torch
from filelock import FileLock
from nbformat.v4 import new_code_cell

from tools import grade, notebooks

# executes notebooks in kernels: `make student-test`, not `make unit`
pytestmark = pytest.mark.integration
BOOK = notebooks.chapters("book")[0].parent
CHAPTER = next(p for p in notebooks.chapters(BOOK) if p.name.startswith("01_"))
MARGINS, HEBBIAN = "ex-ch1-margins", "ex-ch1-hebbian"

RIGHT_MARGINS = """
target_scores = S.gather(1, targets[:, None]).squeeze(1)
rivals = S.clone()
rivals[torch.arange(len(targets)), targets] = -torch.inf
margins = target_scores - rivals.max(dim=1).values
"""
RIGHT_W = "W = U[targets].T @ E"


def _student_cells():
    st = notebooks.student_edition(notebooks.read(CHAPTER))
    by_label = {
        c.metadata["assocmem"]["exercise"]: c
        for c in st.cells
        if "assocmem" in c.metadata
    }
    return st, by_label[MARGINS], by_label[HEBBIAN]


def submission(tmp_path, name, margins_code=None, hebbian_code=None, before=""):
    """A submission: setup, optional extra cell, then the two exercise cells with the
    stub line replaced.
    """
    st, m_cell, h_cell = _student_cells()
    cells = [new_code_cell("import torch\nimport assocmem as am")]
    if before:
        cells.append(new_code_cell(before))
    for cell, code in ((m_cell, margins_code), (h_cell, hebbian_code)):
        cell = nbformat.from_dict(dict(cell))
        if code is not None:
            lines = cell.source.splitlines()
            k = next(
                i
                for i, ln in enumerate(lines)
                if ln.startswith("...  # your code here")
            )
            cell.source = "\n".join(
                lines[:k] + code.strip("\n").splitlines() + lines[k + 1 :]
            )
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=st.metadata)
    nb.metadata["assocmem"] = {"source": CHAPTER.name}  # as `make student` writes it
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def trimmed_book(folder):
    """A book folder whose chapter 1 is the real one cut down to its text, a setup
    cell and the two exercise cells with their solutions: what to check, and the
    instructor's run that gives the exercises' inputs, in seconds, not minutes."""
    source = notebooks.read(CHAPTER)
    _, m_cell, h_cell = _student_cells()
    keep = {m_cell["id"], h_cell["id"]}
    cells = [new_code_cell("import torch\nimport assocmem as am")]
    cells += [
        c for c in source.cells if c.get("id") in keep or c.cell_type == "markdown"
    ]
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    folder.mkdir()
    nbformat.write(nb, str(folder / CHAPTER.name))
    return folder


def _grade_all(tmp):
    """Grade every made-up submission once: the rows of the grader's CSV."""
    book = trimmed_book(tmp / "book")
    subs = {
        # first, so that the other job grades the rest during its 30 s timeout; it
        # never ends, and sleeps rather than spins so as to leave the cores to the
        # other job (the grader kills the kernel either way)
        "loop": submission(
            tmp, "loop", "import time\nwhile True:\n    time.sleep(0.1)", RIGHT_W
        ),
        "after_loop": submission(tmp, "after_loop", RIGHT_MARGINS, RIGHT_W),
        "honest": submission(tmp, "honest", RIGHT_MARGINS, RIGHT_W),
        # wrong sign on margins; the outer-product stub left as handed out
        "wrong": submission(tmp, "wrong", RIGHT_MARGINS + "margins = -margins"),
        # no answer, but the confirmation line printed by hand
        "printed": submission(
            tmp,
            "printed",
            'print("Correct: margins checks out.")',
            'W = torch.zeros(256, 256)\nprint("Correct: hebbian checks out.")',
        ),
        # the checkers replaced in the notebook by ones that always pass
        "replaced": submission(
            tmp,
            "replaced",
            "margins = torch.zeros(4)",
            "W = torch.zeros(256, 256)",
            before="am.checks.margins = lambda *a, **k: print('Correct: margins')\n"
            "am.checks.hebbian_memory = lambda *a, **k: None",
        ),
        # the package patched: every comparison true, CheckError harmless, the checks
        # module swapped
        "patched": submission(
            tmp,
            "patched",
            "margins = torch.zeros(4)",
            "W = torch.zeros(256, 256)",
            before="import sys, types\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.equal = lambda *a, **k: True\n"
            "am.checks.CheckError = type('CheckError', (Exception,), {})\n"
            "fake = types.ModuleType('assocmem.checks')\n"
            "fake.__getattr__ = lambda name: (lambda *a, **k: print('Correct: ok'))\n"
            "sys.modules['assocmem.checks'] = am.checks = fake",
        ),
        # trivial inputs instead of the exercise's: the answers are right for them
        "inputs": submission(
            tmp,
            "inputs",
            "S = torch.zeros(4, 3)\nmargins = torch.zeros(4)",
            "E = torch.zeros(20, 256)\nW = torch.zeros(256, 256)",
        ),
        "exit": submission(tmp, "exit", "import os\nos._exit(1)", RIGHT_W),
    }
    out = tmp / "grades.csv"
    grade.main(
        [
            *map(str, subs.values()),
            "--out",
            str(out),
            "--book",
            str(book),
            # short enough that the looping submission costs little, long enough that
            # honest cells (torch's import included) finish on a loaded machine: at 15 s
            # they timed out at a load average of 8 on 2 cores
            "--cell-timeout",
            "30",
            "--total-timeout",
            "90",
            "--jobs",
            "2",
        ]
    )
    with open(out, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def graded(tmp_path_factory, worker_id):
    """The grades, computed once per test run: under pytest-xdist every worker has its
    own session, so the first worker to get here grades and writes the rows to a file
    that the others read (the pattern of pytest-xdist's documentation), instead of
    each worker grading again."""
    if worker_id == "master":  # no xdist
        rows = _grade_all(tmp_path_factory.mktemp("subs"))
    else:
        shared = tmp_path_factory.getbasetemp().parent / "grades.json"
        with FileLock(f"{shared}.lock"):
            if shared.is_file():
                rows = json.loads(shared.read_text())
            else:
                rows = _grade_all(tmp_path_factory.mktemp("subs"))
                shared.write_text(json.dumps(rows))
    by = {(r["submission"].rsplit("/", 1)[-1][:-6], r["exercise"]): r for r in rows}
    return rows, by


def _status(by, name, label):
    return by[(name, label)]["status"]


def test_csv_columns_and_one_row_per_check(graded):
    rows, by = graded
    assert list(rows[0]) == ["submission", "exercise", "checker", "status", "detail"]
    assert len(rows) == 9 * 2
    assert {r["status"] for r in rows} <= set(grade.STATUSES)
    assert by[("honest", MARGINS)]["checker"] == "margins"
    assert by[("honest", HEBBIAN)]["checker"] == "hebbian_memory"


def test_honest_answers_pass(graded):
    _, by = graded
    assert _status(by, "honest", MARGINS) == "passed"
    assert _status(by, "honest", HEBBIAN) == "passed"


def test_wrong_answer_gets_the_hint_and_the_stub_no_answer(graded):
    _, by = graded
    assert _status(by, "wrong", MARGINS) == "wrong"
    assert "sign" in by[("wrong", MARGINS)]["detail"]
    assert _status(by, "wrong", HEBBIAN) == "no answer"


def test_printed_confirmation_does_not_count(graded):
    _, by = graded
    assert _status(by, "printed", MARGINS) == "no answer"
    assert _status(by, "printed", HEBBIAN) != "passed"


@pytest.mark.parametrize("name", ["replaced", "patched"])
def test_replaced_checker_or_patched_package_does_not_pass(graded, name):
    _, by = graded
    assert _status(by, name, MARGINS) == "wrong"
    assert _status(by, name, HEBBIAN) != "passed"


def test_changed_inputs_do_not_pass(graded):
    _, by = graded
    assert _status(by, "inputs", MARGINS) == "wrong"
    assert "inputs were changed (S)" in by[("inputs", MARGINS)]["detail"]
    assert _status(by, "inputs", HEBBIAN) == "wrong"
    assert "inputs were changed (E)" in by[("inputs", HEBBIAN)]["detail"]


def test_infinite_loop_times_out_and_the_next_submission_is_graded(graded):
    _, by = graded
    assert _status(by, "loop", MARGINS) == "timeout"
    assert _status(by, "loop", HEBBIAN) == "timeout"
    assert _status(by, "after_loop", MARGINS) == "passed"
    assert _status(by, "after_loop", HEBBIAN) == "passed"


def test_a_dying_kernel_is_an_error(graded):
    _, by = graded
    assert _status(by, "exit", MARGINS) == "error"
    assert "kernel died" in by[("exit", MARGINS)]["detail"]
    assert _status(by, "exit", HEBBIAN) == "error"


def test_the_check_call_comes_from_the_book_not_the_submission(tmp_path):
    """A learner who edits the call (checking a value the grader does not expect)
    changes nothing.
    """
    path = submission(tmp_path, "edited", "margins = torch.zeros(4)")
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("assocmem", {}).get("exercise") == MARGINS:
            cell.metadata["assocmem"]["calls"][0]["args"] = [
                "margins",
                "torch.zeros(4, 3)",
                "targets",
            ]
    assert grade.plan(nb, BOOK)[0][2][0]["args"] == ["margins", "S", "targets"]


def test_function_answers_are_not_sent():
    """A callable never leaves the kernel: the value encoder refuses it."""
    ns = {}
    exec(grade.KERNEL_DUMP, ns)
    with pytest.raises(TypeError, match="graded by hand"):
        ns["dump"]([lambda x: x], {})


def test_verdicts_in_threads_each_see_their_own_pass_line():
    """`make grade --jobs N` judges submissions in threads; a checker's pass line must
    reach the verdict it belongs to (it once landed in another thread's capture)."""
    S = torch.tensor([[2.0, 0.5], [0.0, 1.5]], dtype=torch.float64)
    targets = torch.tensor([0, 1])
    ns = {}
    exec(grade.KERNEL_DUMP, ns)
    value = json.loads(ns["dump"]([torch.tensor([1.5, 1.5]), S, targets], {}))
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda _: grade.verdict("margins", value), range(400)))
    assert set(verdicts) == {("passed", "")}
