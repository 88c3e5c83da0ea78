"""Every chapter's live explorer draws its precomputed frames' image.

A chapter hands one drawing function to ``explorers.static`` (the frames on the page)
and to ``explorers.live`` (the kernel explorer); the live image of a grid point is the
precomputed frame only if both calls render with the same ``dpi`` and ``tight``
(tests/test_canvas.py checks that they then agree pixel for pixel). This test reads the
calls in the chapters' code cells and compares them.
"""

import ast
from pathlib import Path

import nbformat
import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
DEFAULTS = {"static": {"dpi": 80, "tight": True}, "live": {"dpi": None, "tight": True}}


def explorer_calls(nb):
    """(kind, draw name, dpi, tight) of every explorers.static / explorers.live call
    in a notebook's code cells."""
    calls = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        code = "\n".join(  # an IPython magic becomes a pass at its indentation
            x[: len(x) - len(x.lstrip())] + "pass"
            if x.lstrip().startswith(("%", "!"))
            else x
            for x in lines
        )
        for node in ast.walk(ast.parse(code)):
            func = getattr(node, "func", None)
            if not (
                isinstance(func, ast.Attribute)
                and func.attr in DEFAULTS
                and getattr(func.value, "id", None) == "explorers"
            ):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            args = {**DEFAULTS[func.attr]}
            for name in args:
                if name in kw:
                    args[name] = ast.literal_eval(kw[name])
            draw = ast.unparse(node.args[0] if node.args else kw["draw"])
            calls.append((func.attr, draw, args["dpi"], args["tight"]))
    return calls


CALLS = {p.stem: explorer_calls(nbformat.read(p, as_version=4)) for p in CHAPTERS}


def test_chapters_1_and_3_to_7_have_both_explorers_of_each_draw():
    static = {k: {c[1] for c in v if c[0] == "static"} for k, v in CALLS.items()}
    live = {k: {c[1] for c in v if c[0] == "live"} for k, v in CALLS.items()}
    assert [k[:2] for k, v in static.items() if v] == [
        "01",
        "03",
        "04",
        "05",
        "06",
        "07",
    ]
    assert static == live


@pytest.mark.parametrize("name", [k for k, v in CALLS.items() if v])
def test_live_renders_as_static(name):
    static = {c[1]: c[2:] for c in CALLS[name] if c[0] == "static"}
    for _, draw, dpi, tight in (c for c in CALLS[name] if c[0] == "live"):
        assert (dpi, tight) == static[draw], (
            f"live({draw}) renders with dpi={dpi}, tight={tight}; "
            f"static with dpi={static[draw][0]}, tight={static[draw][1]}"
        )


def test_the_calls_are_read_with_their_dpi_and_tight():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("explorers.static(draw, grid, dpi=72, tight=False)"),
        nbformat.v4.new_code_cell("%matplotlib inline\nexplorers.live(draw, a=s)"),
    ]
    assert explorer_calls(nb) == [
        ("static", "draw", 72, False),
        ("live", "draw", None, True),  # the defaults: these two would not agree
    ]
