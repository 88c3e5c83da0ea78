"""Reading the chapter notebooks: exercises, auto-checked cells, solutions, and the
student edition.

Shared by `tools.student` (`make student`), `tools.grade` (`make grade`), the Sphinx
extensions (the tables of the instructors page, the stubs of the public site) and the
tests, so that all agree on what a solution is.

Conventions (common brief, "Exercises"):
- an exercise is a MyST ``{exercise}`` directive in a markdown cell, with a ``:label:``;
  its title or text says "analytical" or "coding";
- its solution is a ``{solution}`` directive (any fence: backticks or colons, any
  length), or a gated ``{solution-start}`` ... ``{solution-end}`` pair that may span
  cells;
- an auto-checked coding exercise is a code cell whose solution lines sit between ``#
  BEGIN SOLUTION`` and ``# END SOLUTION`` comment lines, followed by a call
  ``am.checks.<name>(...)`` in the same cell; the first argument of the call is the
  answer, the others are the exercise's inputs;
- its title carries a difficulty, ``★``, ``★★`` or ``★★★``;
- a cell that checks or uses a solution after the exercise is tagged ``solution-check``.

MyST directives are read with markdown-it-py and its colon-fence plugin (the parser MyST
itself uses).
"""

import ast
import copy
import re
import textwrap
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#+\s*END SOLUTION\s*$")
CHECK_CALL = re.compile(
    r"\bam\.checks\.(?P<name>[a-z]\w*)\s*\("
)  # checkers are lowercase; CheckError is not one
FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\s*"
    r"\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$"
)
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
KIND = re.compile(r"\b(analytical|coding)\b", re.IGNORECASE)
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_DIRECTIVES = {"solution"}
STUB_COMMENT = "  # your code here"
SOLUTION_CHECK = "solution-check"
STARS = re.compile(r"★+")
_MD = MarkdownIt("commonmark").use(colon_fence_plugin)


def chapters(book_dir):
    """The chapter notebooks of the book, in order (book/NN_name.ipynb)."""
    return sorted(Path(book_dir).glob(CHAPTER_GLOB))


def read(path):
    return nbformat.read(str(path), as_version=4)


# ---- code cells --------------------------------------------------------------------


def solution_blocks(source):
    """[(indent, [lines])] for each BEGIN/END SOLUTION block of a code cell's source
    (markers excluded).
    """
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
    """Names a target binds: ``a``, ``a, (b, *c)``; not the names inside ``x[i]`` or
    ``obj.attr``.
    """
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_names(elt)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []


def _assigned(lines):
    """(names bound at the top level of the code, whether it returns), or None if it
    does not parse.
    """
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
    """What replaces a solution block in the student edition: ``...`` at the block's
    indentation, so that the cell still runs and the check call after it receives
    ``...`` ("no answer yet").

    - the block returns (it is a function body): ``return ...``;
    - the block binds names that the rest of the cell uses (``answer`` in
      ``am.checks.f(answer)``) and that the cell has not set before the block (the usual
      ``answer = ...  # your answer`` line above it): one ``name = ...`` each;
      intermediate names of the solution stay hidden;
    - otherwise a bare ``...``.
    """
    parsed = _assigned(lines)
    if (
        parsed is None
    ):  # a fragment, e.g. inside parentheses: a bare ellipsis keeps the cell valid
        return [f"{indent}...{STUB_COMMENT}"]
    names, returns = parsed
    if returns:
        return [f"{indent}return ...{STUB_COMMENT}"]
    rest = "\n".join(after)
    set_before = set(
        (
            _assigned(
                [ln for ln in before if ln.strip() and not ln.startswith((" ", "\t"))]
            )
            or ([],)
        )[0]
    )
    needed = [
        n
        for n in names
        if re.search(rf"\b{re.escape(n)}\b", rest) and n not in set_before
    ]
    if needed:
        return [f"{indent}{n} = ...{STUB_COMMENT}" for n in needed]
    return [f"{indent}...{STUB_COMMENT}"]


def stub_code(source):
    """The code cell's source with each solution block replaced by its stub (see
    `stub_lines`).
    """
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
            out.extend(
                stub_lines(indent, block, before=lines[:start], after=lines[k + 1 :])
            )
            block = None
        else:
            block.append(line)
    if block is not None:
        raise ValueError("# BEGIN SOLUTION without a matching # END SOLUTION")
    return "\n".join(out)


def is_autochecked(cell):
    return (
        cell.cell_type == "code"
        and bool(solution_blocks(cell.source))
        and bool(CHECK_CALL.search(cell.source))
    )


def _is_check_call(node):
    """``am.checks.<name>(...)`` (or ``assocmem.checks.<name>(...)``): the checker's
    name, else None.
    """
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    owner = node.func.value
    if (
        isinstance(owner, ast.Attribute)
        and owner.attr == "checks"
        and isinstance(owner.value, ast.Name)
        and owner.value.id in ("am", "assocmem")
        and re.fullmatch(r"[a-z]\w*", node.func.attr)
    ):
        return node.func.attr
    return None


def check_calls(source):
    """[dict(checker, args, keywords, line, end_line)] of the top-level statements of a
    code cell that call a checker: ``args`` are the source texts of the positional
    arguments (the first one is the answer), ``keywords`` maps keyword names to source
    texts, lines are 1-based and inclusive. [] if the cell does not parse (a magic line,
    a learner's syntax error)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for stmt in tree.body:
        for node in ast.walk(stmt):
            name = _is_check_call(node)
            if name:
                found.append(
                    {
                        "checker": name,
                        "args": [ast.get_source_segment(source, a) for a in node.args],
                        "keywords": {
                            k.arg: ast.get_source_segment(source, k.value)
                            for k in node.keywords
                            if k.arg
                        },
                        "line": stmt.lineno,
                        "end_line": stmt.end_lineno,
                    }
                )
    return found


def drop_after_check(source):
    """The code up to and including the last top-level statement that calls a checker (a
    verification line after the check, such as ``assert answer == 0.5``, gives the
    answer away)."""
    calls = check_calls(source)
    if not calls:
        return source
    return "\n".join(source.splitlines()[: max(c["end_line"] for c in calls)])


# ---- markdown cells ----------------------------------------------------------------


def directives(md):
    """[(name, arg, options, body_lines, (start, end), fence)] of the top-level MyST
    directives of a markdown text.

    Parsed with markdown-it-py (backtick fences and colon fences, as MyST does): a block
    closes at the first line made of the same fence character, at least as long as the
    opening fence. Directives nested inside a longer fence are part of their parent's
    body. ``(start, end)`` are the 0-based first and last lines.
    """
    lines, found = md.splitlines(), []
    for token in _MD.parse(md):
        if token.type not in ("fence", "colon_fence") or not token.map:
            continue
        m = DIRECTIVE_INFO.match(token.info.strip())
        if not m:
            continue
        start, stop = token.map
        body = lines[start + 1 : stop]
        if body and re.fullmatch(
            r"[ \t]*" + re.escape(token.markup) + r"[`:]*[ \t]*", body[-1]
        ):
            body = body[
                :-1
            ]  # the closing fence (absent when the block runs to the end of the text)
        options = {}
        for b in body:
            o = OPTION.match(b)
            if not o:
                break
            options[o["key"]] = o["value"].strip()
        found.append(
            (
                m["name"],
                m["arg"].strip(),
                options,
                body,
                (start, max(start, stop - 1)),
                token.markup,
            )
        )
    return found


def strip_solutions(md):
    """The markdown without its ``{solution}`` blocks: (new_text, removed_lines)."""
    lines = md.splitlines()
    drop = set()
    for name, _, _, _, (start, end), _ in directives(md):
        if name in SOLUTION_DIRECTIVES:
            drop.update(range(start, end + 1))
    kept = [line for k, line in enumerate(lines) if k not in drop]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    return text, [lines[k] for k in sorted(drop)]


# ---- whole notebooks ---------------------------------------------------------------


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


EXERCISES_HEADING = re.compile(r"^#{1,3}\s+(?:[\d.]+\s+)?Exercises\b", re.M | re.I)
HEADING = re.compile(r"^(#{1,2})\s", re.M)
HIDDEN = {"hide-input", "remove-cell", "remove-input"}


def exercise_related(nb):
    """Indices of the cells the student edition drops besides solutions, because they
    check or use a solution:

    - every cell tagged ``solution-check``;
    - a ``remove-cell`` code cell that follows an exercise, its solution or its hint
      (before any other markdown);
    - in an "Exercises" section, every code cell that is not itself an exercise cell and
      either has hidden input (``hide-input``, ``remove-input``, ``remove-cell``: by the
      book's conventions, a verification) or comes right after a solution (the last
      directive of the markdown cell above is a solution).
    """
    drop, in_exercise, in_section, after_solution = set(), False, False, False
    for index, cell in enumerate(nb.cells):
        tags = _tags(cell)
        if cell.cell_type == "markdown":
            found = directives(cell.source)
            names = {d[0] for d in found} | {
                "hint"
                for d in found
                if d[0] == "admonition" and "hint" in d[2].get("class", "").split()
            }
            in_exercise = bool(
                names
                & {
                    "exercise",
                    "exercise-start",
                    "exercise-end",
                    "solution",
                    "solution-start",
                    "solution-end",
                    "hint",
                }
            )
            closing = SOLUTION_DIRECTIVES | {"solution-end"}
            after_solution = bool(found) and found[-1][0] in closing
            if EXERCISES_HEADING.search(cell.source):
                in_section = True
            elif HEADING.search(cell.source):
                in_section = False
        code = cell.cell_type == "code"
        verifies = (
            code
            and in_section
            and (tags & HIDDEN or after_solution)
            and not is_autochecked(cell)
            and not solution_blocks(cell.source)
        )
        if (
            SOLUTION_CHECK in tags
            or (code and "remove-cell" in tags and in_exercise)
            or verifies
        ):
            drop.add(index)
    return drop


def split_gated(md, gated):
    """(kept text, removed lines, gated after this cell) of a markdown cell around a
    gated ``{solution-start}`` ... ``{solution-end}`` solution: the text before a
    solution-start and after a solution-end stays (an exercise often shares a cell with
    the start of a gated solution); ``gated``: the cell starts inside one.
    """
    lines, kept, removed = md.splitlines(), [], []
    keep_from = None if gated else 0
    for name, _, _, _, (start, end), _ in directives(md):
        if name == "solution-start" and keep_from is not None:
            kept += lines[keep_from:start]
            removed += lines[start : end + 1]
            keep_from = None
        elif name == "solution-end" and keep_from is None:
            keep_from = end + 1
    if keep_from is not None:
        kept += lines[keep_from:]
    removed += [ln for ln in lines if ln not in kept and ln not in removed]
    return "\n".join(kept), removed, keep_from is None


def student_edition(nb, keep_outputs=False):
    """A copy of the notebook with every solution and every answer removed.

    - Code cells: solution blocks become stubs (`stub_code`); in an exercise cell, every
      line after the check call is dropped (`drop_after_check`); cells tagged
      ``solution-check``, and ``remove-cell`` cells that verify an exercise's solution,
      are dropped.
    - Markdown: ``{solution}`` blocks are removed; a gated ``{solution-start}`` ...
      ``{solution-end}`` pair is removed with every cell between them.
    - Outputs are cleared; with ``keep_outputs`` (the student site, built from executed
      notebooks) only the outputs of cells whose source changed are.

    Cell ids are kept, so a student cell can be matched with its source cell.
    Auto-checked cells get the metadata ``{"assocmem": {"exercise": label, "checks":
    [names], "calls": check_calls(stub)}}``, which the grader reads.
    """
    nb = copy.deepcopy(nb)
    checked = {i: ex for ex in exercises(nb) for i in ex["check_cells"]}
    related = exercise_related(nb)
    cells, gated = [], False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text, _, gated = split_gated(cell.source, gated)
            cell.source, _ = strip_solutions(text)
            if not cell.source.strip():
                continue
        elif gated or index in related:
            continue
        elif cell.cell_type == "code":
            source = stub_code(cell.source)
            if index in checked:
                source = drop_after_check(source)
            if source != cell.source or not keep_outputs or index in checked:
                cell.outputs, cell.execution_count = [], None
            cell.source = source
            if (
                index in checked
            ):  # survives the learner's edits: tools.grade finds the exercise by it
                calls = [
                    {k: c[k] for k in ("checker", "args", "keywords")}
                    for c in check_calls(source)
                ]
                names = list(dict.fromkeys(c["checker"] for c in calls))
                cell.metadata["assocmem"] = {
                    "exercise": checked[index]["label"],
                    "checks": names,
                    "calls": calls,
                }
        cells.append(cell)
    nb.cells = cells
    return nb


def solution_text(nb):
    """Every line the student edition must not contain: solution-block lines of code
    cells, {solution} bodies and gated solution cells. Lines that also occur outside the
    solutions (a blank line, ``return out``, a closing fence) are left out: their
    presence in the student edition proves nothing."""
    sol, rest, gated = [], [], False
    related = exercise_related(nb)
    for index, cell in enumerate(nb.cells):
        if index in related:
            sol += cell.source.splitlines()
        elif cell.cell_type == "markdown":
            text, gated_lines, gated = split_gated(cell.source, gated)
            kept, removed = strip_solutions(text)
            sol += gated_lines + removed
            rest += kept.splitlines()
        elif gated:
            sol += cell.source.splitlines()
        else:
            inside = {ln for _, block in solution_blocks(cell.source) for ln in block}
            sol += [ln for _, block in solution_blocks(cell.source) for ln in block]
            rest += [ln for ln in cell.source.splitlines() if ln not in inside]
    rest = {ln.strip() for ln in rest}
    return [
        ln
        for ln in dict.fromkeys(sol)
        if ln.strip()
        and ln.strip() not in rest
        and not FENCE_OPEN.match(ln)
        and not re.fullmatch(r"[`:~]{3,}[\w-]*|:\w+:.*|[()\[\]{},]+", ln.strip())
    ]


def exercises(nb):
    """[dict(label, title, kind, difficulty, checks=[names], cell=index,
    check_cells=[indices])] of a chapter.

    ``difficulty`` is the number of stars (★) in the title, or None.

    Auto-checked code cells are attributed to the closest exercise above them.
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for name, arg, options, body, _, _ in directives(cell.source):
                if name in ("exercise", "exercise-start"):
                    text = arg + " " + " ".join(body)
                    kind = KIND.search(arg) or KIND.search(text)
                    stars = STARS.search(arg)
                    found.append(
                        {
                            "label": options.get("label"),
                            "title": arg,
                            "kind": kind[1].lower() if kind else None,
                            "checks": [],
                            "cell": index,
                            "check_cells": [],
                            "difficulty": len(stars[0]) if stars else None,
                        }
                    )
        elif is_autochecked(cell):
            names = list(
                dict.fromkeys(m["name"] for m in CHECK_CALL.finditer(cell.source))
            )
            if not found:
                found.append(
                    {
                        "label": None,
                        "title": "(exercise before any {exercise} block)",
                        "kind": "coding",
                        "checks": [],
                        "cell": index,
                        "check_cells": [],
                        "difficulty": None,
                    }
                )
            found[-1]["checks"] += names
            found[-1]["check_cells"].append(index)
            found[-1]["kind"] = found[-1]["kind"] or "coding"
    return found


def words(nb):
    """Words of prose a reader reads (markdown cells without solutions)."""
    return sum(
        len(strip_solutions(c.source)[0].split())
        for c in nb.cells
        if c.cell_type == "markdown"
    )


def code_lines(nb):
    return sum(
        len([ln for ln in c.source.splitlines() if ln.strip()])
        for c in nb.cells
        if c.cell_type == "code"
    )


def all_notebooks(book_dir):
    """The chapters and the problem sets (book/problems/*.ipynb), in order."""
    return chapters(book_dir) + sorted(Path(book_dir).glob("problems/*.ipynb"))
