"""Grade submitted student notebooks from their check results.

Each auto-checked exercise cell of the student edition carries the metadata
``{"assocmem": {"exercise": label, "checks": [...]}}`` (written by ``make student``). For every such cell of a
submission this reports one row:

    passed      the cell ran and its checker printed "Correct: ..."
    wrong       the checker raised CheckError; the hint is in the last column
    no answer   the checker raised CheckError saying "no answer yet": the stub was left as it was
    error       the cell raised something else (NameError, a shape error in the learner's own code...)
    not run     the cell has no output (pass --execute to run the submission first)

Usage:
    python scripts/grade.py [--execute] [--timeout 600] submission.ipynb [...] > grades.csv

With ``--execute`` each submission runs top to bottom in a fresh kernel (errors allowed, so one wrong exercise does
not hide the next) in the folder of the submission. Without it, the outputs saved in the submission are read.
"""
import argparse
import csv
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbtools  # noqa: E402

CORRECT = re.compile(r"^Correct: ", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def checked_cells(nb):
    """[(index, exercise label, [checker names])] of the auto-checked cells of a notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("assocmem", {})
        if "checks" in meta:
            found.append((index, meta.get("exercise"), list(meta["checks"])))
    if not found:  # not a student edition (e.g. the instructor's source): fall back on the check calls
        for ex in nbtools.exercises(nb):
            found += [(i, ex["label"], ex["checks"]) for i in ex["check_cells"]]
    return found


def status(cell):
    """(status, detail) of one executed exercise cell."""
    if not cell.get("outputs"):
        return "not run", ""
    for out in cell.outputs:
        if out.output_type == "error":
            detail = ANSI.sub("", f"{out.ename}: {out.evalue}")
            if out.ename != "CheckError":
                return "error", detail
            return ("no answer" if "no answer yet" in out.evalue else "wrong"), detail
    text = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
    if CORRECT.search(text):
        return "passed", ""
    return "error", "the check printed no confirmation"


def grade(nb):
    """[(label, checks, status, detail)] for each auto-checked cell of an executed notebook."""
    return [(label, " ".join(checks), *status(nb.cells[i])) for i, label, checks in checked_cells(nb)]


def execute(path, timeout):
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument("--execute", action="store_true", help="run each submission first")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell with --execute")
    args = parser.parse_args(argv)
    writer = csv.writer(sys.stdout)
    writer.writerow(["submission", "exercise", "checker", "status", "detail"])
    for path in args.submissions:
        nb = execute(path, args.timeout) if args.execute else nbformat.read(str(path), as_version=4)
        for row in grade(nb):
            writer.writerow([str(path), *row])


if __name__ == "__main__":
    main()
