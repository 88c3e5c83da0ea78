"""`make grade`: grade submitted student notebooks with checks the grader runs itself.

Usage::

    python -m tools.grade [--out grades.csv] [--book book] [--cell-timeout 300]
                          [--total-timeout 1800] [--jobs 1] submission.ipynb [...]

One CSV row per check call of every auto-checked exercise cell and submission, with the
columns ``submission, exercise, checker, status, detail``:

    passed      the grader's checker accepted the answer
    wrong       the grader's checker raised CheckError; its hint is the detail
    no answer   the answer is still the stub's ``...``
    error       the cell raised an exception, the answer could not be read, or the
                kernel died
    timeout     the cell, or the whole submission, ran out of time (the cells after it
                are not run)

How a verdict is reached (the same idea as otter-grader, without its dependency):

1. **What to check.** The student edition (`tools.notebooks.student_edition`) writes
   into each auto-checked cell the checkers it calls and the source text of their
   arguments (``calls``; the first argument is the answer). When the submission names
   its chapter (notebook metadata ``assocmem.source``) and that chapter is in
   ``--book``, the grader regenerates the student edition from the book and takes the
   calls from there, by cell id, for all submissions before any of them runs: a learner
   who edits the call or the metadata changes nothing.
2. **Running the submission.** Each submission is copied into a temporary folder of its
   own and run by a separate process (``python -m tools.grade --run-one``) in a fresh
   Jupyter kernel started in that folder, with a per-cell and a total time limit. The
   kernel's stdout and stderr are read from the kernel's messages and never reach the
   grader's output. Every code cell runs in order, errors allowed, up to the last
   auto-checked cell. In an auto-checked cell, the top-level statements that call a
   checker are removed; after the rest of the cell ran, the kernel evaluates the
   argument expressions and returns their values as JSON (as a ``user_expressions``
   result of the execute request, not as printed text): tensors as dtype/shape/values,
   numbers, strings, lists, ``am.Task`` as its E/U/p/targets, a torch module as its
   tensors. Anything else, including a function, is not sent: that check is an ``error``
   ("function answers are graded by hand"), since no function of the submission ever
   runs outside its kernel.
3. **The verdict.** This process imported ``assocmem`` and every one of its modules
   before any submission ran, and keeps its own references to the checkers. It rebuilds
   the values and calls its own checker on them. Text a submission prints never counts,
   and nothing a notebook does to ``am.checks`` or to the package in its kernel reaches
   this process.
4. **The inputs.** The checkers judge an answer against the inputs they are given (the
   other arguments of the call), so a learner could swap in trivial inputs. Unless
   ``--no-reference`` is given, the grader first runs each submission's source chapter,
   solutions included, with the same runner, and a check whose inputs differ from that
   run's is ``wrong`` ("the exercise's inputs were changed").

A submission that loops forever gets ``timeout`` rows, one that calls ``os._exit`` or
kills its kernel gets ``error`` rows, and the next submission is graded as usual. The
submission runs with the instructor's account: its code can read and write the
instructor's files. For a class whose code you do not trust, run ``make grade`` in a
container or a throw-away account.
"""

import argparse
import ast
import contextlib
import copy
import csv
import io
import json
import os
import pkgutil
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from tools import notebooks

STATUSES = ("passed", "wrong", "no answer", "error", "timeout")
HEADER = ["submission", "exercise", "checker", "status", "detail"]
MAX_VALUE_BYTES = 50_000_000
NO_ANSWER = "no answer yet"


# ---- the plan: which calls to check in which cells ---------------------------------


def _calls_of(cell):
    meta = cell.get("metadata", {}).get("assocmem", {})
    if "calls" in meta:
        return meta.get("exercise"), meta["calls"]
    if (
        "checks" in meta
    ):  # an older student edition: argument texts read from the cell's own call
        return meta.get("exercise"), [
            {k: c[k] for k in ("checker", "args", "keywords")}
            for c in notebooks.check_calls(cell.source)
        ]
    return None


def plan(nb, book_dir=None):
    """[(cell id, exercise label, [calls])] of the auto-checked cells of a submission,
    in order.

    Taken from the student edition of the submission's source chapter in ``book_dir``
    when there is one (a learner cannot change what is checked), else from the
    submission's own metadata, else (an instructor's notebook with solutions) from the
    check calls of its exercise cells.
    """
    source = nb.metadata.get("assocmem", {}).get("source")
    if book_dir and source:
        trusted = [
            p for p in notebooks.all_notebooks(book_dir) if p.name == Path(source).name
        ]
        if trusted:
            nb = notebooks.student_edition(notebooks.read(trusted[0]))
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and _calls_of(cell):
            label, calls = _calls_of(cell)
            found.append((cell.get("id"), label, calls))
    if not found:
        for ex in notebooks.exercises(nb):
            for i in ex["check_cells"]:
                calls = [
                    {k: c[k] for k in ("checker", "args", "keywords")}
                    for c in notebooks.check_calls(nb.cells[i].source)
                ]
                found.append((nb.cells[i].get("id"), ex["label"], calls))
    return found


def without_check_calls(source):
    """The cell's code without its top-level statements that call a checker."""
    calls = notebooks.check_calls(source)
    drop = {k for c in calls for k in range(c["line"], c["end_line"] + 1)}
    return "\n".join(ln for k, ln in enumerate(source.splitlines(), 1) if k not in drop)


# ---- inside the kernel: the values of the checker's arguments as JSON --------------

# Runs in the submission's kernel, in a namespace of its own (tools/grade_kernel.py,
# sent as text). What it returns is only ever data.
KERNEL_DUMP = (Path(__file__).parent / "grade_kernel.py").read_text()


def capture_expression(call):
    """The user expression that makes the kernel return the JSON of a call's argument
    values.
    """
    args = ", ".join(f"({a})" for a in call["args"])
    kwargs = ", ".join(f"{k!r}: ({v})" for k, v in call["keywords"].items())
    dump = f"ns['dump']([{args}], {{{kwargs}}})"
    return f"(lambda ns: exec({KERNEL_DUMP!r}, ns) or {dump})({{}})"


# ---- the runner: one submission, one kernel (python -m tools.grade --run-one) ------


class CellTimeout(Exception):
    pass


class KernelDied(Exception):
    pass


def _next_msg(get, deadline, km):
    """The next message of a channel (``kc.get_iopub_msg`` or ``kc.get_shell_msg``),
    polled in 0.2 s slices. Raises CellTimeout past the deadline, KernelDied when the
    kernel is gone."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CellTimeout
        if not km.is_alive():
            raise KernelDied
        try:
            return get(timeout=min(0.2, remaining))
        except queue.Empty:
            continue


def _execute(km, kc, code, timeout, user_expressions=None):
    """Run code in the kernel: (reply content, error "Name: value" or None). Raises
    CellTimeout, KernelDied.
    """
    msg_id = kc.execute(
        code,
        store_history=False,
        allow_stdin=False,
        stop_on_error=False,
        user_expressions=user_expressions or {},
    )
    deadline, error, idle = time.monotonic() + timeout, None, False
    while not idle:
        msg = _next_msg(kc.get_iopub_msg, deadline, km)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        idle = kind == "status" and content["execution_state"] == "idle"
    while True:
        reply = _next_msg(kc.get_shell_msg, deadline, km)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"], error


def run_one(submission, results, cell_timeout, total_timeout, pid_file=None):
    """Run a submission in a fresh kernel (cwd: the submission's folder) and write one
    JSON line per check call to ``results``: {"cell", "call", "status": "value" |
    "error" | "timeout", "value" | "detail"}."""
    from jupyter_client import KernelManager

    start = time.monotonic()
    nb = nbformat.read(str(submission), as_version=4)
    checked = {cid: calls for cid, _, calls in plan(nb)}
    ids = [c.get("id") for c in nb.cells if c.cell_type == "code"]
    last = max((k for k, cid in enumerate(ids) if cid in checked), default=-1)
    env = dict(
        os.environ,
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    km = KernelManager(kernel_name="python3")
    out = open(results, "w")  # noqa: SIM115 - closed in the finally below

    def emit(**row):
        out.write(json.dumps(row) + "\n")
        out.flush()

    km.start_kernel(cwd=str(Path(submission).parent), env=env)
    if pid_file:
        Path(pid_file).write_text(str(km.provisioner.pid))
    kc = km.client()
    kc.start_channels()
    stop = None  # (status, detail) for every call not reached
    try:
        kc.wait_for_ready(timeout=min(60, total_timeout))
        code_cells = [c for c in nb.cells if c.cell_type == "code"][: last + 1]
        for k, cell in enumerate(code_cells):
            calls = checked.get(cell.get("id"))
            if stop:
                for j, _ in enumerate(calls or []):
                    emit(cell=cell.get("id"), call=j, status=stop[0], detail=stop[1])
                continue
            timeout = min(cell_timeout, total_timeout - (time.monotonic() - start))
            try:
                if not calls:
                    _execute(km, kc, cell.source, timeout)
                    continue
                exprs = {f"call{j}": capture_expression(c) for j, c in enumerate(calls)}
                reply, error = _execute(
                    km, kc, without_check_calls(cell.source), timeout, exprs
                )
            except (CellTimeout, KernelDied) as err:
                if isinstance(err, CellTimeout):
                    limit = "cell" if timeout == cell_timeout else "total"
                    here = (
                        "timeout",
                        f"this cell hit the {limit} time limit ({timeout:.0f} s)",
                    )
                    stop = (
                        "timeout",
                        f"not run: code cell {k + 1} hit the {limit} time limit",
                    )
                else:
                    here = (
                        "error",
                        f"the kernel died in this cell (code cell {k + 1})",
                    )
                    stop = ("error", f"not run: the kernel died in code cell {k + 1}")
                for j, _ in enumerate(calls or []):
                    emit(cell=cell.get("id"), call=j, status=here[0], detail=here[1])
                continue
            for j, _ in enumerate(calls):
                if reply.get("status") != "ok":
                    emit(
                        cell=cell.get("id"),
                        call=j,
                        status="error",
                        detail=error or "the cell failed",
                    )
                    continue
                value = reply.get("user_expressions", {}).get(f"call{j}", {})
                if value.get("status") != "ok":
                    detail = f"{value.get('ename', 'Error')}: {value.get('evalue', '')}"
                    emit(cell=cell.get("id"), call=j, status="error", detail=detail)
                    continue
                text = value.get("data", {}).get("text/plain", "")
                emit(
                    cell=cell.get("id"),
                    call=j,
                    status="value",
                    value=json.loads(ast.literal_eval(text)),
                )
    finally:
        out.close()
        with contextlib.suppress(Exception):
            kc.stop_channels()
        with contextlib.suppress(Exception):
            km.shutdown_kernel(now=True)


# ---- the verdict, in this process --------------------------------------------------


def _import_everything():
    """Import assocmem and every submodule now, before any submission runs, and keep the
    checkers.
    """
    import assocmem

    for info in pkgutil.walk_packages(assocmem.__path__, "assocmem."):
        __import__(info.name)
    import assocmem.checks as checks

    names = {
        n: getattr(checks, n)
        for n in dir(checks)
        if not n.startswith("_") and callable(getattr(checks, n)) and n[0].islower()
    }
    core = sys.modules.get("assocmem.checks._core")
    passed = getattr(core, "PASSED", "Correct: ")
    return assocmem, names, checks.CheckError, passed


_GRADER = {}


def _grader():
    """(assocmem, checkers, CheckError, PASSED), imported once, before the first
    submission runs.
    """
    if not _GRADER:
        _GRADER["v"] = _import_everything()
    return _GRADER["v"]


_DTYPES = {
    "float64",
    "float32",
    "float16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
}


def decode(v):
    """The value sent by the kernel, rebuilt from plain data (nothing in it is
    executed).
    """
    import torch

    if not isinstance(v, dict):
        return v
    kind = v.get("__kind__")
    if kind == "ellipsis":
        return Ellipsis
    if kind == "tensor":
        dtype = v["dtype"].replace("numpy.", "")
        if dtype not in _DTYPES:
            raise TypeError(f"tensors of dtype {dtype} are not accepted")
        return torch.tensor(v["data"], dtype=getattr(torch, dtype)).reshape(v["shape"])
    if kind in ("list", "tuple"):
        items = [decode(x) for x in v["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {k: decode(x) for k, x in v["items"].items()}
    if kind == "task":
        return _grader()[0].Task(**{k: decode(x) for k, x in v["fields"].items()})
    if kind == "module":
        tensors = {k: decode(x) for k, x in v["tensors"].items()}
        if v.get("class") == "MemoryTransformer":  # rebuilt by the grader's own class
            tok, pos = tensors["tok"], tensors["pos"]
            model = _grader()[0].transformer.MemoryTransformer(
                vocab_size=tok.shape[0],
                d=tok.shape[1],
                max_len=pos.shape[0],
                dtype=tok.dtype,
            )
            model.load_state_dict(tensors)
            return model
        attrs = {k: x for k, x in v["attrs"].items() if isinstance(x, (int, float))}
        return types.SimpleNamespace(**attrs, **tensors)
    raise TypeError(f"unknown value kind {kind!r}")


# A checker says "passed" on stdout; submissions are graded in threads (--jobs), and
# redirect_stdout swaps the one sys.stdout of the process: one verdict at a time.
_VERDICT = threading.Lock()


def verdict(checker, value):
    """(status, detail): the grader's own checker on the values a submission made."""
    _, checkers, check_error, passed = _grader()
    fn = checkers.get(checker)
    if fn is None:
        return "error", f"no checker named {checker!r} in assocmem.checks"
    try:
        args = [decode(a) for a in value["args"]]
        kwargs = {k: decode(x) for k, x in value["kwargs"].items()}
    except Exception as err:  # noqa: BLE001 - a malformed value is the submission's error
        return "error", f"the answer could not be read: {type(err).__name__}: {err}"
    printed = io.StringIO()
    try:
        with _VERDICT, contextlib.redirect_stdout(printed):
            fn(*args, **kwargs)
    except check_error as err:
        return ("no answer" if NO_ANSWER in str(err) else "wrong"), str(err)
    except Exception as err:  # noqa: BLE001 - the checker could not judge the values
        return "error", f"the checker raised {type(err).__name__}: {err}"
    if not printed.getvalue().startswith(passed):
        return "error", "the checker gave no verdict"
    return "passed", ""


def read_plans(paths, book_dir):
    """{path: (notebook, plan) or the exception}, all read before any submission runs (a
    submission could rewrite the book's files on disk)."""
    out = {}
    for path in paths:
        try:
            nb = nbformat.read(str(path), as_version=4)
            out[str(path)] = (nb, plan(nb, book_dir))
        except Exception as err:  # noqa: BLE001 - reported as the submission's error row
            out[str(path)] = err
    return out


def run_isolated(nb, name, data_dir, planned, cell_timeout, total_timeout):
    """Run a notebook in its own process, kernel and temporary folder (a copy of it and
    of the data files of ``data_dir``): ({(cell id, call): result}, failure or None).
    """
    results = {}
    with tempfile.TemporaryDirectory(prefix="assocmem-grade-") as tmp:
        work = Path(tmp, "work")
        work.mkdir()
        sub = copy.deepcopy(nb)
        trusted = {cid: calls for cid, _, calls in planned}
        # the trusted calls travel with the copy that the runner reads
        for cell in sub.cells:
            if cell.cell_type != "code":
                continue
            cell.metadata.pop("assocmem", None)
            if cell.get("id") in trusted:
                meta = {"exercise": "", "checks": [], "calls": trusted[cell.get("id")]}
                cell.metadata["assocmem"] = meta
        nbformat.write(sub, str(work / name))
        # data files next to the notebook, not other notebooks
        for extra in Path(data_dir).glob("*"):
            small = extra.is_file() and extra.stat().st_size < 50_000_000
            if small and extra.suffix != ".ipynb":
                shutil.copy(extra, work / extra.name)
        out, pid_file = Path(tmp, "results.jsonl"), Path(tmp, "kernel.pid")
        cmd = [sys.executable, "-m", "tools.grade", "--run-one", str(work / name)]
        cmd += ["--results", str(out), "--pid-file", str(pid_file)]
        cmd += [
            "--cell-timeout",
            str(cell_timeout),
            "--total-timeout",
            str(total_timeout),
        ]
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        proc = subprocess.Popen(
            cmd,
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
        failure = None
        try:
            _, err = proc.communicate(timeout=total_timeout + 90)
            if proc.returncode and err.strip():
                last = err.decode(errors="replace").strip().splitlines()[-1]
                failure = f"the grading runner failed: {last}"
        except subprocess.TimeoutExpired:
            for pid in (proc.pid, _read_pid(pid_file)):
                if pid:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pid, signal.SIGKILL)
            proc.communicate()
            failure = "timeout"
        if out.exists():
            for line in out.read_text().splitlines():
                with contextlib.suppress(json.JSONDecodeError):
                    r = json.loads(line)
                    results[(r["cell"], r["call"])] = r
    return results, failure


def _same(a, b, tol=1e-9):
    """Whether two values sent by kernels are equal (floats to a relative ``tol``)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        return (
            a == b
            or abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)
            or (a != a and b != b)
        )
    return a == b


def changed_inputs(call, value, reference):
    """The argument expressions (all but the answer) whose values differ from the
    instructor's run of the same exercise cell."""
    if reference is None:
        return []
    names = call["args"][1:] + list(call["keywords"])
    got = value["args"][1:] + [value["kwargs"].get(k) for k in call["keywords"]]
    ref = reference["args"][1:] + [reference["kwargs"].get(k) for k in call["keywords"]]
    return [n for n, x, y in zip(names, got, ref) if not _same(x, y)]


def reference_runs(plans, book_dir, cell_timeout, total_timeout):
    """{source notebook name: {(cell id, call): value}}: each source chapter of the
    submissions, with its solutions, run once by the same runner (the exercise inputs
    the checkers must receive)."""
    out = {}
    sources = {
        p[0].metadata.get("assocmem", {}).get("source")
        for p in plans.values()
        if not isinstance(p, Exception)
    }
    for source in sorted(s for s in sources if s):
        found = [
            p for p in notebooks.all_notebooks(book_dir) if p.name == Path(source).name
        ]
        if not found:
            continue
        nb = notebooks.read(found[0])
        planned = plan(notebooks.student_edition(nb))
        results, _ = run_isolated(
            nb, found[0].name, found[0].parent, planned, cell_timeout, total_timeout
        )
        out[source] = {
            k: r["value"] for k, r in results.items() if r["status"] == "value"
        }
    return out


def grade_submission(path, planned, cell_timeout, total_timeout, references=None):
    """[row] for one submission (``planned``: its entry of `read_plans`): run it in its
    own process and folder, then judge each check call here. ``references``: the values
    of the instructor's run of its chapter (`reference_runs`), if any.
    """
    path = Path(path)
    try:
        if isinstance(planned, Exception):
            raise planned
        nb, planned = planned
    except Exception as err:  # noqa: BLE001 - an unreadable notebook is one error row
        detail = f"cannot read the notebook: {type(err).__name__}: {err}"
        return [[str(path), "", "", "error", detail]]
    if not planned:
        return [[str(path), "", "", "error", "no auto-checked exercise cell found"]]
    present = {c.get("id") for c in nb.cells if c.cell_type == "code"}
    results, failure = run_isolated(
        nb, path.name, path.parent, planned, cell_timeout, total_timeout
    )
    rows = []
    for cid, label, calls in planned:
        for j, call in enumerate(calls):
            r = results.get((cid, j))
            if cid not in present:
                status, detail = (
                    "error",
                    "the exercise cell is missing from the submission",
                )
            elif r is None and failure == "timeout":
                status, detail = "timeout", "the submission hit the total time limit"
            elif r is None:
                status, detail = "error", failure or "the cell was not run"
            elif r["status"] != "value":
                status, detail = r["status"], r["detail"]
            elif len(json.dumps(r["value"])) > MAX_VALUE_BYTES:
                status, detail = "error", "the answer is too large"
            elif changed := changed_inputs(
                call, r["value"], (references or {}).get((cid, j))
            ):
                status = "wrong"
                detail = (
                    f"the exercise's inputs were changed ({', '.join(changed)}): "
                    "compute the answer for the inputs as handed out"
                )
            else:
                status, detail = verdict(call["checker"], r["value"])
            rows.append(
                [
                    str(path),
                    label or "",
                    call["checker"],
                    status,
                    " ".join(detail.split()),
                ]
            )
    return rows


def _read_pid(path):
    with contextlib.suppress(OSError, ValueError):
        return int(Path(path).read_text())
    return None


def grade(
    paths, book_dir="book", cell_timeout=300, total_timeout=1800, jobs=1, reference=True
):
    """Rows (without the header) for every submission, in the order given."""
    _grader()  # the grader's package and checkers, loaded before any submission runs
    plans = read_plans(paths, book_dir)
    refs = (
        reference_runs(plans, book_dir, cell_timeout, total_timeout)
        if reference
        else {}
    )

    def one(p):
        entry = plans[str(p)]
        source = None if isinstance(entry, Exception) else entry[0].metadata
        source = (source or {}).get("assocmem", {}).get("source")
        return grade_submission(p, entry, cell_timeout, total_timeout, refs.get(source))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [row for rows in pool.map(one, paths) for row in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="*", type=Path)
    parser.add_argument(
        "--out", type=Path, help="CSV file to write (default: standard output)"
    )
    parser.add_argument(
        "--book", default="book", help="folder of the source chapters (what to check)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=300, help="seconds per cell"
    )
    parser.add_argument(
        "--total-timeout", type=float, default=1800, help="seconds per submission"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="submissions graded at the same time"
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="do not run the book's chapters to compare the exercises' inputs",
    )
    parser.add_argument("--run-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pid-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        return run_one(
            args.run_one,
            args.results,
            args.cell_timeout,
            args.total_timeout,
            args.pid_file,
        )
    if not args.submissions:
        parser.error('no submission given (make grade SUBMISSIONS="a.ipynb b.ipynb")')
    rows = grade(
        args.submissions,
        args.book,
        args.cell_timeout,
        args.total_timeout,
        args.jobs,
        reference=not args.no_reference,
    )
    with (
        open(args.out, "w", newline="")
        if args.out
        else contextlib.nullcontext(sys.stdout)
    ) as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    if args.out:
        counts = {s: sum(r[3] == s for r in rows) for s in STATUSES}
        print(
            f"grades: {args.out} ({len(rows)} rows: "
            + ", ".join(f"{n} {s}" for s, n in counts.items())
            + ")"
        )


if __name__ == "__main__":
    main()
