"""`make student`: write the student edition of every chapter (book/NN_*.ipynb -> student/NN_*.ipynb).

Solution code between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` becomes ``...`` stubs (the ``am.checks`` call
stays, so a learner's run prints the checker's hint), ``{solution}`` blocks are removed and outputs are cleared.
See scripts/nbtools.py for the exact rules.

Usage: python scripts/student.py [BOOK_DIR] [OUT_DIR]     (defaults: book student)
"""
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbtools  # noqa: E402


def main(book_dir="book", out_dir="student"):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(nbtools.CHAPTER_GLOB):  # a chapter renamed or removed must not linger
        old.unlink()
    chapters = nbtools.chapters(book_dir)
    for path in chapters:
        nb = nbtools.read(path)
        student = nbtools.student_edition(nb)
        nbformat.validate(student)
        nbformat.write(student, str(out / path.name))
        n = sum(len(ex["checks"]) > 0 for ex in nbtools.exercises(nb))
        print(f"student edition: {out / path.name} ({n} auto-checked exercises)")
    if not chapters:
        print(f"student edition: no chapters matching {book_dir}/{nbtools.CHAPTER_GLOB}")


if __name__ == "__main__":
    main(*sys.argv[1:])
