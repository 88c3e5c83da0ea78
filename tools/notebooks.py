"""Reading the chapter notebooks: exercises, auto-checked cells, solutions, and the student edition.

Shared by `scripts/student.py` (`make student`), the Sphinx extension `scripts/bookext.py` (the generated tables
of the instructors page) and `tests/test_student.py`, so that all three agree on what a solution is.

Conventions (common brief, "Exercises"):
- an exercise is a MyST ``{exercise}`` directive in a markdown cell, with a ``:label:``; its title or text says
  "analytical" or "coding";
- its solution is a ``{solution}`` directive (any fence: backticks or colons, any length), or a gated
  ``{solution-start}`` ... ``{solution-end}`` pair that may span cells;
- an auto-checked coding exercise is a code cell whose solution lines sit between ``# BEGIN SOLUTION`` and
  ``# END SOLUTION`` comment lines, followed by a call ``am.checks.<name>(...)`` in the same cell.
"""
import ast
import copy
import re
import textwrap
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#+\s*END SOLUTION\s*$")
CHECK_CALL = re.compile(r"\bam\.checks\.(?P<name>[a-z]\w*)\s*\(")  # checkers are lowercase; CheckError is not one
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
KIND = re.compile(r"\b(analytical|coding)\b", re.IGNORECASE)
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_DIRECTIVES = {"solution"}
STUB_COMMENT = "  # your code here"


def chapters(book_dir):
    """The chapter notebooks of the book, in order (book/NN_name.ipynb)."""
    return sorted(Path(book_dir).glob(CHAPTER_GLOB))


def read(path):
    return nbformat.read(str(path), as_version=4)


# ---- code cells ---------------------------------------------------------------------------------------------

def solution_blocks(source):
    """[(indent, [lines])] for each BEGIN/END SOLUTION block of a code cell's source (markers excluded)."""
    blocks, current, indent = [], None, ""
    for line in source.splitlines():
        if current is None:
            m = BEGIN.match(line)
            if m:
                current, indent = [], m["indent"]
        elif END.match(line):
            blocks.append((indent, current))
            current = None
        else:
            current.append(line)
    if current is not None:
        raise ValueError("# BEGIN SOLUTION without a matching # END SOLUTION")
    return blocks


def _bound_names(target):
    """Names a target binds: ``a``, ``a, (b, *c)``; not the names inside ``x[i]`` or ``obj.attr``."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_names(elt)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def _assigned(lines):
    """(names bound at the top level of the code, whether it returns), or None if it does not parse."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(lines)))
    except SyntaxError:
        return None
    names, returns = [], False
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            bound = [n for t in stmt.targets for n in _bound_names(t)]
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            bound = _bound_names(stmt.target)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = [stmt.name]
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            bound = [(a.asname or a.name).split(".")[0] for a in stmt.names]
        else:
            bound = []
        returns |= isinstance(stmt, ast.Return)
        names += [n for n in bound if n not in names]
    return names, returns


def stub_lines(indent, lines, before=(), after=()):
    """What replaces a solution block in the student edition: ``...`` at the block's indentation, so that the
    cell still runs and the check call after it receives ``...`` ("no answer yet").

    - the block returns (it is a function body): ``return ...``;
    - the block binds names that the rest of the cell uses (``answer`` in ``am.checks.f(answer)``) and that the
      cell has not set before the block (the usual ``answer = ...  # your answer`` line above it): one
      ``name = ...`` each; intermediate names of the solution stay hidden;
    - otherwise a bare ``...``.
    """
    parsed = _assigned(lines)
    if parsed is None:  # a fragment, e.g. inside parentheses: a bare ellipsis keeps the cell valid
        return [f"{indent}...{STUB_COMMENT}"]
    names, returns = parsed
    if returns:
        return [f"{indent}return ...{STUB_COMMENT}"]
    rest = "\n".join(after)
    set_before = set((_assigned([ln for ln in before if ln.strip() and not ln.startswith((" ", "\t"))]) or ([],))[0])
    needed = [n for n in names if re.search(rf"\b{re.escape(n)}\b", rest) and n not in set_before]
    if needed:
        return [f"{indent}{n} = ...{STUB_COMMENT}" for n in needed]
    return [f"{indent}...{STUB_COMMENT}"]


def stub_code(source):
    """The code cell's source with each solution block replaced by its stub (see `stub_lines`)."""
    lines = source.splitlines()
    out, block, indent, start = [], None, "", 0
    for k, line in enumerate(lines):
        if block is None:
            m = BEGIN.match(line)
            if m:
                block, indent, start = [], m["indent"], k
            else:
                out.append(line)
        elif END.match(line):
            out.extend(stub_lines(indent, block, before=lines[:start], after=lines[k + 1:]))
            block = None
        else:
            block.append(line)
    if block is not None:
        raise ValueError("# BEGIN SOLUTION without a matching # END SOLUTION")
    return "\n".join(out)


def is_autochecked(cell):
    return cell.cell_type == "code" and bool(solution_blocks(cell.source)) and bool(CHECK_CALL.search(cell.source))


# ---- markdown cells -----------------------------------------------------------------------------------------

def directives(md):
    """[(name, arg, options, body_lines, (start, end), fence)] of the top-level MyST directives of a markdown text.

    A block closes at the first line made of the same fence character, at least as long as the opening fence.
    Nested directives inside a longer fence are part of their parent's body.
    """
    lines, found, i = md.splitlines(), [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m["fence"]
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = lines[i + 1:j]
        options = {}
        for b in body:
            o = OPTION.match(b)
            if not o:
                break
            options[o["key"]] = o["value"].strip()
        found.append((m["name"], m["arg"].strip(), options, body, (i, min(j, len(lines) - 1)), fence))
        i = j + 1
    return found


def strip_solutions(md):
    """The markdown text without its ``{solution}`` blocks: (new_text, removed_lines)."""
    lines = md.splitlines()
    drop = set()
    for name, _, _, _, (start, end), _ in directives(md):
        if name in SOLUTION_DIRECTIVES:
            drop.update(range(start, end + 1))
    kept = [line for k, line in enumerate(lines) if k not in drop]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    return text, [lines[k] for k in sorted(drop)]


# ---- whole notebooks ----------------------------------------------------------------------------------------

def student_edition(nb):
    """A copy of the notebook with solutions removed and outputs cleared.

    Code cells: solution blocks become stubs. Markdown: ``{solution}`` blocks are removed; a gated
    ``{solution-start}`` ... ``{solution-end}`` pair is removed with every cell between them. Cell ids are kept,
    so a student cell can be matched with its source cell; auto-checked cells get the metadata
    ``{"assocmem": {"exercise": label, "checks": [names]}}``.
    """
    nb = copy.deepcopy(nb)
    checked = {i: ex for ex in exercises(nb) for i in ex["check_cells"]}
    cells, gated = [], False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            names = [d[0] for d in directives(cell.source)]
            if gated:
                if "solution-end" in names:
                    gated = False
                continue
            if "solution-start" in names:
                gated = "solution-end" not in names
                continue
            cell.source, _ = strip_solutions(cell.source)
            if not cell.source.strip():
                continue
        elif gated:
            continue
        elif cell.cell_type == "code":
            cell.source = stub_code(cell.source)
            cell.outputs, cell.execution_count = [], None
            if index in checked:  # survives the learner's edits: scripts/grade.py finds the exercise by it
                names = list(dict.fromkeys(m["name"] for m in CHECK_CALL.finditer(cell.source)))
                cell.metadata["assocmem"] = {"exercise": checked[index]["label"], "checks": names}
        cells.append(cell)
    nb.cells = cells
    return nb


def solution_text(nb):
    """Every line the student edition must not contain: solution-block lines of code cells, {solution} bodies
    and gated solution cells. Lines that also occur outside the solutions (a blank line, ``return out``, a
    closing fence) are left out: their presence in the student edition proves nothing."""
    sol, rest, gated = [], [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            names = [d[0] for d in directives(cell.source)]
            if gated or "solution-start" in names:
                sol += cell.source.splitlines()
                gated = "solution-end" not in names
                continue
            kept, removed = strip_solutions(cell.source)
            sol += removed
            rest += kept.splitlines()
        elif gated:
            sol += cell.source.splitlines()
        else:
            inside = {ln for _, block in solution_blocks(cell.source) for ln in block}
            sol += [ln for _, block in solution_blocks(cell.source) for ln in block]
            rest += [ln for ln in cell.source.splitlines() if ln not in inside]
    rest = {ln.strip() for ln in rest}
    return [ln for ln in dict.fromkeys(sol) if ln.strip() and ln.strip() not in rest
            and not FENCE_OPEN.match(ln) and not re.fullmatch(r"[`:~]{3,}[\w-]*|:\w+:.*|[()\[\]{},]+", ln.strip())]


def exercises(nb):
    """[dict(label, title, kind, checks=[names], cell=index, check_cells=[indices])] of a chapter, in order.

    Auto-checked code cells are attributed to the closest exercise above them.
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for name, arg, options, body, _, _ in directives(cell.source):
                if name in ("exercise", "exercise-start"):
                    text = arg + " " + " ".join(body)
                    kind = KIND.search(arg) or KIND.search(text)
                    found.append({"label": options.get("label"), "title": arg,
                                  "kind": kind[1].lower() if kind else None, "checks": [], "cell": index,
                                  "check_cells": []})
        elif is_autochecked(cell):
            names = list(dict.fromkeys(m["name"] for m in CHECK_CALL.finditer(cell.source)))
            if not found:
                found.append({"label": None, "title": "(exercise before any {exercise} block)",
                              "kind": "coding", "checks": [], "cell": index, "check_cells": []})
            found[-1]["checks"] += names
            found[-1]["check_cells"].append(index)
            found[-1]["kind"] = found[-1]["kind"] or "coding"
    return found


def words(nb):
    """Words of prose a reader reads (markdown cells without solutions)."""
    return sum(len(strip_solutions(c.source)[0].split()) for c in nb.cells if c.cell_type == "markdown")


def code_lines(nb):
    return sum(len([ln for ln in c.source.splitlines() if ln.strip()]) for c in nb.cells if c.cell_type == "code")


def title(nb):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None
