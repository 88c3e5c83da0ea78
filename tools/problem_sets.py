"""The weekly problem sets (book/problems/weekN.ipynb), gathered from the chapters' core
exercises.

Each problem set copies, from the chapters, the statement of each auto-checked core
exercise of the week (relabelled ``psN-...``, with a link back) and its exercise cell
(solution between the markers, then the check call), after a setup cell that defines
what those cells use. The hand-graded core exercises are listed with links. Regenerate
after a chapter's exercise changes (tests/test_student.py fails while a problem set is
out of date)::

    python -m tools.problem_sets
"""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import notebooks

ROOT = Path(__file__).resolve().parents[1]
SETUP = """import math

import torch

import assocmem as am

torch.set_num_threads(1)
F64 = torch.float64"""

WEEKS = {
    "week1": {
        "title": "Problem set 1: memories, particles and logarithmic margins",
        "intro": "Core exercises of week 1 of the {doc}`../syllabus` (chapters 1-3).",
        "auto": [
            ("ex-ch1-margins", ""),
            ("ex-ch2-score-step", ""),
            ("ex-ch2-kernel", ""),
            (
                "ex-ch3-solve",
                "N, M = 20, 5\np = am.zipf(N, 1.0)  # chapter 3's running example",
            ),
        ],
        "by_hand": [
            "ex-ch1-shared",
            "ex-ch2-minnorm",
            "ex-ch3-huge-steps",
            "ex-ch3-zero",
        ],
    },
    "week2": {
        "title": "Problem set 2: interference, forgetting and the edge of stability",
        "intro": "Core exercises of week 2 of the {doc}`../syllabus` (chapters 4-6).",
        "auto": [
            (
                "ex-ch4-onset",
                "def pair_task(alpha, p1):\n"
                '    """Chapter 4\'s pair: e_1 = (1, 0), e_2 = (a, sqrt(1 - a^2)),'
                ' U = I."""\n'
                "    U = torch.eye(2, dtype=F64)\n"
                "    return am.Task(E=am.correlated_pair(alpha), U=U,\n"
                "                   p=[p1, 1 - p1], targets=[0, 1])",
            ),
            (
                "ex-ch6-three-margins",
                "def parity_task(N, seed, d=2, exponent=1.0):\n"
                '    """Chapter 6: N random unit vectors, f*(x) = x mod 2."""\n'
                "    return am.Task(E=am.random_embeddings(N, d, seed),\n"
                "                   U=torch.eye(2, d, dtype=F64),\n"
                "                   p=am.zipf(N, exponent),\n"
                "                   targets=torch.arange(N) % 2)",
            ),
            (
                "ex-ch5-threshold",
                "def task_2d(n_tokens, seed):\n"
                '    """Chapter 5: d = M = 2, U = I, f*(x) = x mod 2."""\n'
                "    return am.Task(E=am.random_embeddings(n_tokens, 2, seed),\n"
                "                   U=torch.eye(2, dtype=F64),\n"
                "                   p=am.zipf(n_tokens, 1.0),\n"
                "                   targets=torch.arange(n_tokens) % 2)",
            ),
        ],
        "by_hand": [
            "ex-ch4-bounds",
            "ex-ch4-helpful",
            "ex-ch4-sharpen",
            "ex-ch6-start",
        ],
    },
}


def _index(book_dir):
    """{label: (chapter notebook, exercise dict, directive lines)} of every chapter
    exercise.
    """
    found = {}
    for path in notebooks.chapters(book_dir):
        nb = notebooks.read(path)
        for ex in notebooks.exercises(nb):
            cell = nb.cells[ex["cell"]]
            for name, _, options, _, (start, end), _ in notebooks.directives(
                cell.source
            ):
                if name == "exercise" and options.get("label") == ex["label"]:
                    lines = cell.source.splitlines()[start : end + 1]
                    found[ex["label"]] = (path, nb, ex, lines)
    return found


def build(week, book_dir=ROOT / "book"):
    """The problem set notebook of ``week`` (a key of WEEKS), made from the current
    chapters.
    """
    spec, index = WEEKS[week], _index(book_dir)
    tag = "ps" + week[-1]
    first = notebooks.read(notebooks.chapters(book_dir)[0])
    colab = next(c.source for c in first.cells if "google.colab" in c.source)
    cells = [
        new_markdown_cell(
            f"# {spec['title']}\n\n{spec['intro']} Run the cells in order; each "
            "exercise cell checks your answer when it runs."
        ),
        new_code_cell(colab),  # the chapters' Colab install cell (same release)
        new_code_cell(SETUP),
    ]
    for label, setup in spec["auto"]:
        if label not in index:
            raise ValueError(f"{week}: no exercise labelled {label!r} in the chapters")
        path, nb, ex, lines = index[label]
        new_label = tag + "-" + label.split("-", 2)[-1]
        text = "\n".join(
            re.sub(r"^(\s*:label:\s*).*$", rf"\g<1>{new_label}", ln) for ln in lines
        )
        chapter = int(path.name[:2])
        cells.append(
            new_markdown_cell(f"{text}\n\n*From chapter {chapter}: {{ref}}`{label}`.*")
        )
        if setup:
            cells.append(new_code_cell(setup))
        cells += [new_code_cell(nb.cells[i].source) for i in ex["check_cells"]]
    items = []
    for label in spec["by_hand"]:
        if label not in index:
            raise ValueError(f"{week}: no exercise labelled {label!r} in the chapters")
        path = index[label][0]
        items.append(f"- {{ref}}`{label}` (chapter {int(path.name[:2])})")
    cells.append(
        new_markdown_cell(
            "## Graded by hand\n\nAlso hand in, on paper or in a markdown "
            "cell below, the exercises (each has a hint in its chapter):\n\n"
            + "\n".join(items)
        )
    )
    for k, cell in enumerate(cells):
        cell["id"] = f"{week}-{k:02d}"
    return new_notebook(
        cells=cells,
        metadata={
            k: first.metadata[k]
            for k in ("kernelspec", "language_info")
            if k in first.metadata
        },
    )


def write(week, path, book_dir=ROOT / "book"):
    """Write the problem set of ``week`` to ``path``, formatted by ruff (imports sorted,
    unused setup imports removed), as `make lint` expects."""
    nb = build(week, book_dir)
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check", "--fix", "-q", "--select", "I,F401"], ["format", "-q"]):
        config = ["--no-cache", "--config", str(ROOT / "pyproject.toml")]
        subprocess.run([str(ruff), *args, *config, str(path)], check=True, cwd=ROOT)
    return nbformat.read(str(path), as_version=4)


def main():
    out = ROOT / "book" / "problems"
    out.mkdir(exist_ok=True)
    for week in WEEKS:
        write(week, out / f"{week}.ipynb")
        print(
            f"problem set: {out / week}.ipynb "
            f"({len(WEEKS[week]['auto'])} auto-checked exercises)"
        )


if __name__ == "__main__":
    main()
