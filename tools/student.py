"""`make student`: write the student edition of every chapter (book/NN_*.ipynb -> student/NN_*.ipynb).

Solution code between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` becomes ``...`` stubs (the ``am.checks`` call
stays, so a learner's run prints the checker's hint), every line after the check call, ``solution-check`` cells,
``{solution}`` blocks and outputs are removed. See `tools.notebooks.student_edition` for the exact rules.

Usage: python -m tools.student [BOOK_DIR] [OUT_DIR] [--keep-outputs] [--all-notebooks]
    (defaults: book student). ``--keep-outputs`` keeps the outputs of unchanged cells (for the student site,
    built from executed notebooks); ``--all-notebooks`` also converts notebooks that are not chapters
    (the problem sets).
"""
import sys
from pathlib import Path

import nbformat

from tools import notebooks


def write_edition(paths, out_dir, keep_outputs=False):
    """Write the student edition of each notebook in ``paths`` into ``out_dir``; returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = notebooks.read(path)
        student = notebooks.student_edition(nb, keep_outputs=keep_outputs)
        student.metadata.setdefault("assocmem", {})["source"] = Path(path).name
        nbformat.validate(student)
        nbformat.write(student, str(out / Path(path).name))
        n = sum(len(ex["checks"]) > 0 for ex in notebooks.exercises(nb))
        print(f"student edition: {out / Path(path).name} ({n} auto-checked exercises)")
        written.append(out / Path(path).name)
    return written


def main(book_dir="book", out_dir="student", *flags):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(notebooks.CHAPTER_GLOB):  # a chapter renamed or removed must not linger
        old.unlink()
    paths = notebooks.chapters(book_dir)
    if "--all-notebooks" in flags:
        paths = notebooks.all_notebooks(book_dir)
    write_edition(paths, out, keep_outputs="--keep-outputs" in flags)
    if not paths:
        print(f"student edition: no chapters matching {book_dir}/{notebooks.CHAPTER_GLOB}")


if __name__ == "__main__":
    main(*sys.argv[1:])
