"""The student edition's stubs, tried in the chapters' one execution.

A pytest plugin used next to nbval (``pytest -p tools.student_check --student-check DIR
--nbval-lax book``). In every notebook that has auto-checked exercises, nbval runs the
book's cells in one fresh kernel; at each auto-checked cell this plugin also

1. runs the cell's student stub (``tools.notebooks.student_edition``) just before the
   cell, in the same kernel but in a copy of its namespace, with the random-number
   states saved and restored and any figure it opens closed, so that the book's own run
   is not changed by it. The stub must raise ``CheckError`` (its check says "no
   answer" or "wrong");
2. once the cell (the worked solution) has passed, reads the values of each check
   call's arguments as JSON with the grader's own encoder, and asks the grader for its
   verdict on them: the grader must agree with the book.

Numbers printed by the cells that check a solution are kept too. When the notebook has
run to its end with every cell passing, ``DIR/<stem>.json`` holds the number of stubs
tried, the problems found and the answers' numbers, with the hash of the notebook they
come from.
tests/test_student.py reads it: it fails on any problem and searches the student
edition for the answers. Executing the stubs here, instead of in a second kernel that
runs every chapter again, halves the chapters' compute in ``make test``.
"""

import hashlib
import json
from pathlib import Path

import pytest

from tools import grade, notebooks, student

# Runs in the kernel: exec(STUB_RUN, ns) defines ns["run"](source, user_namespace).
STUB_RUN = r"""
def run(source, user_ns):
    import json
    import random

    import matplotlib.pyplot as plt
    import numpy
    import torch

    ns = dict(user_ns)  # the stub cannot rebind the book's names
    states = torch.get_rng_state(), random.getstate(), numpy.random.get_state()
    figures = set(plt.get_fignums())
    raised = None
    try:
        exec(compile(source, "<student stub>", "exec"), ns)
    except BaseException as err:
        raised = [type(err).__name__, str(err)]
    finally:
        torch.set_rng_state(states[0])
        random.setstate(states[1])
        numpy.random.set_state(states[2])
        for number in set(plt.get_fignums()) - figures:
            plt.close(number)
    return json.dumps(raised)
"""
MARK = "\x1eSTUDENT-CHECK"


def pytest_addoption(parser):
    parser.addoption(
        "--student-check",
        metavar="DIR",
        help="run every auto-checked cell's student stub before the cell and write "
        "what was found into DIR/<notebook>.json (tools/student_check.py)",
    )


def source_hash(path):
    """The SHA-256 of a notebook file: a report is valid for that file only."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plain_numbers(value, limit=10):
    """The numbers of an answer a reader would write down: a scalar, or a tensor or list
    of at most ``limit`` numbers; [] for anything else."""
    import torch

    if isinstance(value, torch.Tensor) and value.numel() <= limit:
        value = value.tolist()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    if (
        isinstance(value, (list, tuple))
        and len(value) <= limit
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        return [list(map(float, value))]
    return []


class Plan:
    """What to do in one notebook: its stubs by cell id, the checked and the related
    cells (by id), and what was found so far."""

    def __init__(self, path):
        nb = notebooks.read(path)
        self.path = path
        self.stub = {c["id"]: c.source for c in notebooks.student_edition(nb).cells}
        exercises = notebooks.exercises(nb)
        self.checked = {nb.cells[i]["id"] for e in exercises for i in e["check_cells"]}
        self.related = {nb.cells[i]["id"] for i in notebooks.exercise_related(nb)}
        self.problems, self.values, self.ok, self.stubs = [], [], True, 0

    @property
    def active(self):
        return bool(self.checked or self.related)


def _quiet(kernel, code, timeout):
    """Execute ``code`` in nbval's kernel outside the book's history; its stdout."""
    msg_id = kernel.kc.execute(code, silent=False, store_history=False)
    kernel.await_reply(msg_id, timeout=timeout)
    text, error = [], None
    while True:
        msg = kernel.get_message(stream="iopub", timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            text.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            break
    if error is not None:
        raise RuntimeError(f"the student check's own code failed: {error}")
    return "".join(text).split(MARK, 1)[1]


def _plan(item):
    parent = item.parent
    if not hasattr(parent, "_am_student"):
        parent._am_student = Plan(Path(str(parent.fspath)))
    return parent._am_student


def _is_cell(item):
    return type(item).__name__ == "IPyNbCell" and item.config.getoption("student_check")


def _timeout(item):
    seconds = item.config.getoption("nbval_cell_timeout", default=None)
    return seconds if seconds and seconds > 0 else 600


def _try_stub(plan, item, cell_id):
    stub = plan.stub[cell_id]
    run = f"(lambda ns: exec({STUB_RUN!r}, ns) or ns['run']({stub!r}, globals()))({{}})"
    code = f"print({MARK!r} + {run})"
    raised = json.loads(_quiet(item.parent.kernel, code, _timeout(item)))
    plan.stubs += 1
    where = f"cell {cell_id}"
    if raised is None:
        plan.problems.append(f"{where}: the stub ran without error")
    elif raised[0] != "CheckError":
        plan.problems.append(f"{where}: the stub raised {raised[0]}: {raised[1]}")


def _read_answers(plan, item, cell_id):
    for call in notebooks.check_calls(item.cell.source):
        code = f"print({MARK!r} + {grade.capture_expression(call)})"
        value = json.loads(_quiet(item.parent.kernel, code, _timeout(item)))
        plan.values += plain_numbers(grade.decode(value["args"][0]))
        verdict = grade.verdict(call["checker"], value)
        if verdict[0] != "passed":
            plan.problems.append(f"cell {cell_id}: the grader says {verdict}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not _is_cell(item):
        yield
        return
    plan, cell_id = _plan(item), item.cell.get("id")
    if cell_id in plan.checked:
        _try_stub(plan, item, cell_id)
    outcome = yield
    if outcome.excinfo is not None:
        return
    if cell_id in plan.checked:
        _read_answers(plan, item, cell_id)
    if cell_id in plan.related:  # every number a solution check prints
        for out in getattr(item, "test_outputs", []):
            text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
            plan.values += student.numbers_in(text)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _is_cell(item) and (report.failed or report.skipped):
        _plan(item).ok = False


def pytest_runtest_teardown(item, nextitem):
    if not _is_cell(item) or (nextitem is not None and nextitem.parent is item.parent):
        return
    plan = _plan(item)
    target = Path(item.config.getoption("student_check")) / f"{plan.path.stem}.json"
    target.unlink(missing_ok=True)
    if plan.active and plan.ok:
        target.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "notebook": plan.path.name,
            "sha256": source_hash(plan.path),
            "stubs": plan.stubs,
            "problems": plan.problems,
            "values": plan.values,
        }
        target.write_text(json.dumps(report, indent=1))
