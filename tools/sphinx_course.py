"""Sphinx extension for the course kit (``local_extensions`` in _config.yml, as
``tools.sphinx_course``).

- **Stubs on the page, the solution folded.** In an exercise code cell (solution lines
  between ``# BEGIN SOLUTION`` and ``# END SOLUTION``), the page shows the stub a
  learner starts from (`tools.notebooks.stub_code`), followed by a folded "Solution
  code" dropdown with the solution lines. Only the displayed source changes: the
  notebook executed, and its outputs are those of the solution.
- ``{course-exercises}``: every exercise of every chapter and problem set: difficulty
  (read from the ★ of its title), kind, hint, rubric, and its checker when it is
  auto-checked.
- ``{course-plan}``: the two-week syllabus, from lines ``name | sections | exercises``
  (see `CoursePlan`): the current title and an estimated reading time of every section,
  the assigned exercises with their difficulty, and the total per half-week. An unknown
  section or exercise label is a warning (the strict build fails), so the syllabus
  cannot drift from the chapters.
- ``{course-rubrics}``: the rubrics of the hand-graded exercises, one section per
  ``book/rubrics/NN.md`` (headings shifted below the page's own). The student site
  leaves this page out (``make student-book``).
"""

import re
import textwrap
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

from tools import notebooks

TITLE_KIND = re.compile(r"\s*\([^()]*\b(analytical|coding)\b[^()]*\)\s*$", re.I)
NOTEBOOK_DOC = re.compile(r"(^|/)(\d\d_[^/]*|problems/[^/]*)$")


class SolutionCodeFolded(SphinxTransform):
    """Show the stub in exercise code cells and put the solution lines in a folded
    dropdown after it.
    """

    default_priority = 400

    def apply(self):
        for cell_input in list(self.document.findall(nodes.container)):
            if cell_input.get("nb_element") != "cell_code_source":
                continue
            for block in list(cell_input.findall(nodes.literal_block)):
                source = block.astext()
                try:
                    solutions = notebooks.solution_blocks(source)
                except ValueError:
                    continue
                if not solutions:
                    continue
                stub = notebooks.stub_code(source)
                new = nodes.literal_block(
                    stub,
                    stub,
                    **{k: block.get(k) for k in ("language",) if block.get(k)},
                )
                new["classes"] = block.get("classes", [])
                block.replace_self(new)
                code = "\n\n".join(
                    textwrap.dedent("\n".join(lines)) for _, lines in solutions
                )
                fold = nodes.admonition(classes=["dropdown", "solution-code"])
                fold += nodes.title(text="Solution code")
                shown = nodes.literal_block(
                    code, code, language=block.get("language") or "ipython3"
                )
                fold += shown
                parent = cell_input.parent
                parent.insert(parent.index(cell_input) + 1, fold)


class CourseDirective(SphinxDirective):
    def parse_myst(self, text, titles=False):
        container = nodes.container()
        self.state.nested_parse(
            StringList(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            container,
            match_titles=titles,
        )
        return container.children

    def notebooks_in_toc(self):
        found = []
        for docname in sorted(self.env.found_docs):
            path = Path(self.env.doc2path(docname))
            if NOTEBOOK_DOC.search(docname) and path.suffix == ".ipynb":
                self.env.note_dependency(str(path))
                found.append((docname, path))
        return found


def _list_table(header, rows):
    out = ["````{list-table}", ":header-rows: 1", ""]
    for row in [header, *rows]:
        out += [
            ("* - " if k == 0 else "  - ") + str(text) for k, text in enumerate(row)
        ]
    return "\n".join(out + ["````"])


def hints(nb):
    """Labels of the exercises followed by a Hint dropdown before the next exercise."""
    found, current = set(), None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for name, _, options, _, _, _ in notebooks.directives(cell.source):
            if name in ("exercise", "exercise-start"):
                current = options.get("label")
            elif (
                name == "admonition"
                and "hint" in options.get("class", "").split()
                and current
            ):
                found.add(current)
    return found


def rubric_labels(rubric_dir):
    """Exercise labels with a ``## <label>`` heading in book/rubrics/*.md."""
    labels = set()
    for path in sorted(Path(rubric_dir).glob("*.md")):
        labels |= set(re.findall(r"^##\s+`?([\w-]+)`?\s*$", path.read_text(), re.M))
    return labels


class CourseExercises(CourseDirective):
    def run(self):
        rubric_dir = Path(self.env.srcdir, "book", "rubrics")
        rubrics = rubric_labels(rubric_dir)
        rows = []
        for docname, path in self.notebooks_in_toc():
            if "problems/" in docname:  # the problem sets reuse chapter exercises
                continue
            nb = notebooks.read(path)
            hinted = hints(nb)
            for ex in notebooks.exercises(nb):
                name = TITLE_KIND.sub("", ex["title"]).strip()
                ref = (
                    f"{{ref}}`{_plain(name)} <{ex['label']}>`" if ex["label"] else name
                )
                stars = "★" * ex["difficulty"] if ex["difficulty"] else "?"
                checks = ", ".join(f"`{c}`" for c in ex["checks"])
                graded = checks or ("rubric" if ex["label"] in rubrics else "by hand")
                hint = (
                    "yes" if ex["label"] in hinted else ("" if ex["checks"] else "no")
                )
                rows.append(
                    [
                        f"{{doc}}`{_chapter(docname)[8:]} </{docname}>`",
                        ref,
                        stars,
                        ex["kind"] or "?",
                        hint,
                        graded,
                    ]
                )
        if not rows:
            return self.parse_myst("*No exercise yet.*")
        header = [
            "Ch.",
            "Exercise",
            "Difficulty",
            "Kind",
            "Hint",
            "Graded by (am.checks)",
        ]
        return self.parse_myst(_list_table(header, rows))


def shifted(text, top=2):
    """The markdown text with its headings moved so that the highest one is at level
    ``top``.
    """
    levels = [len(m[1]) for m in re.finditer(r"^(#{1,6})\s", text, re.M)]
    if not levels:
        return text
    shift = top - min(levels)
    return re.sub(
        r"^(#{1,6})(?=\s)", lambda m: "#" * min(6, len(m[1]) + shift), text, flags=re.M
    )


class CourseRubrics(CourseDirective):
    def run(self):
        files = sorted(Path(self.env.srcdir, "book", "rubrics").glob("*.md"))
        if not files:
            return self.parse_myst("*No rubric yet.*")
        parts = []
        for path in files:
            self.env.note_dependency(str(path))
            body = path.read_text()
            if not re.search(r"^#\s", body, re.M):
                parts.append(f"## Chapter {path.stem}")
                body = shifted(body, top=3)
            else:
                body = shifted(body, top=2)
            parts.append(body)
        return self.parse_myst("\n\n".join(parts), titles=True)


# ---- the syllabus ------------------------------------------------------------------

WORDS_PER_MINUTE = 60  # technical prose with formulas
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_STARS = {1: 10, 2: 20, 3: 35, None: 20}
SECTION = re.compile(r"^##\s+(\d+)\.(\d+)\s+(.*)$", re.M)


def sections(nb):
    """{"N.M": (title, minutes)} of a chapter: reading time of the section's prose
    (without solutions) and of its visible code (cells not tagged hide-input /
    remove-cell / remove-input)."""
    found, current, words, lines = {}, None, 0, 0

    def close():
        if current:
            minutes = words / WORDS_PER_MINUTE + lines / CODE_LINES_PER_MINUTE
            found[current[0]] = (current[1], max(5, 5 * round(minutes / 5)))

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = notebooks.strip_solutions(cell.source)[0]
            for part in re.split(r"(?m)^(?=#{1,2}\s)", text):
                m = SECTION.match(part)
                if m or re.match(r"^#{1,2}\s", part):
                    close()
                    current, words, lines = (
                        ((f"{m[1]}.{m[2]}", m[3].strip()) if m else None),
                        0,
                        0,
                    )
                words += len(part.split())
        elif cell.cell_type == "code":
            tags = set(cell.metadata.get("tags", []))
            if not tags & {"hide-input", "remove-cell", "remove-input"}:
                lines += len([ln for ln in cell.source.splitlines() if ln.strip()])
    close()
    return found


def _expand(spec):
    """ "1.1-1.4, 2.3" -> ["1.1", "1.2", "1.3", "1.4", "2.3"]."""
    out = []
    for part in re.split(r"[,;]\s*", spec.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\.(\d+)(?:-(?:(\d+)\.)?(\d+))?", part.strip())
        if not m:
            raise ValueError(f"cannot read the section range {part!r}")
        chapter, first = int(m[1]), int(m[2])
        last = int(m[4]) if m[4] else first
        out += [f"{chapter}.{k}" for k in range(first, last + 1)]
    return out


def course_plan(lines, book_notebooks):
    """[(name, [(section, title, minutes)], [(label, title, stars, minutes, docname)])]
    and problems found.
    """
    secs, exs, problems = {}, {}, []
    for docname, path in book_notebooks:
        nb = notebooks.read(path)
        for number, (title, minutes) in sections(nb).items():
            secs[number] = (title, minutes, docname)
        for ex in notebooks.exercises(nb):
            if ex["label"]:
                exs.setdefault(
                    ex["label"],
                    (
                        TITLE_KIND.sub("", ex["title"]).strip(),
                        ex["difficulty"],
                        docname,
                    ),
                )
    plan = []
    for line in lines:
        if not line.strip():
            continue
        name, reading, assigned = (
            part.strip() for part in (line.split("|") + ["", ""])[:3]
        )
        rows, tasks = [], []
        for number in _expand(reading):
            if number not in secs:
                problems.append(f"course-plan: no section {number} in the chapters")
                continue
            rows.append((number, *secs[number]))
        for label in [x.strip() for x in assigned.split(",") if x.strip()]:
            if label not in exs:
                problems.append(f"course-plan: no exercise labelled {label!r}")
                continue
            title, stars, docname = exs[label]
            tasks.append(
                (label, title, stars, MINUTES_PER_STARS.get(stars, 20), docname)
            )
        plan.append((name, rows, tasks))
    return plan, problems


def core_and_optional(plan):
    """Move the sections a chapter titles "(optional)" out of the core blocks into the
    optional block (the chapters decide what is optional; the syllabus follows)."""
    moved, out = [], []
    for name, rows, tasks in plan:
        if name.lower().startswith("optional"):
            out.append((name, rows, tasks))
            continue
        keep = [r for r in rows if "optional" not in r[1].lower()]
        moved += [r for r in rows if r not in keep]
        out.append((name, keep, tasks))
    for k, (name, rows, tasks) in enumerate(out):
        if name.lower().startswith("optional"):
            known = {r[0] for r in rows}
            rows = rows + [r for r in moved if r[0] not in known]
            rows = sorted(rows, key=lambda r: tuple(map(int, r[0].split("."))))
            out[k] = (name, rows, tasks)
    return out


def _plain(title):
    """A title usable as the text of a reference: no markup characters that end the
    role.
    """
    return re.sub(r"[`<>]", "", title).strip() or "exercise"


def _chapter(docname):
    m = re.search(r"(\d\d)_", docname)
    return f"chapter {int(m[1])}" if m else docname.split("/")[-1]


def _hours(minutes):
    return f"{minutes / 60:.1f} h"


class CoursePlan(CourseDirective):
    """Content: one line per block, ``name | sections | exercise labels``; a block named
    "Optional" is listed without counting in the total. Sections are numbers and ranges
    (``1.1-1.5, 2.1``)."""

    has_content = True

    def run(self):
        from sphinx.util import logging

        book = [
            (d, p)
            for d, p in self.notebooks_in_toc()
            if not d.split("/")[-1].startswith("week")
        ]
        plan, problems = course_plan(list(self.content), book)
        plan = core_and_optional(plan)
        for problem in problems:
            logging.getLogger(__name__).warning(
                problem, location=self.get_source_info()
            )
        out, summary, total = [], [], 0
        for name, rows, tasks in plan:
            reading = sum(r[2] for r in rows)
            work = sum(t[3] for t in tasks)
            optional = name.lower().startswith("optional")
            out.append(
                f"### {name} ({'' if optional else 'about '}{_hours(reading + work)})"
            )
            table = [[f"[{n} {t}](/{d})", f"{m} min"] for n, t, m, d in rows]
            out += ["", _list_table(["Section", "Reading"], table), ""]
            if tasks:
                table = [
                    [
                        f"{{ref}}`{_plain(title)} <{label}>` ({_chapter(docname)})",
                        "★" * (stars or 0) or "?",
                        f"{m} min",
                    ]
                    for label, title, stars, m, docname in tasks
                ]
                out += [
                    "Assign:",
                    "",
                    _list_table(["Exercise", "Difficulty", "Time"], table),
                    "",
                ]
            if not optional:
                total += reading + work
                summary.append(
                    [name, f"{reading} min", f"{work} min", _hours(reading + work)]
                )
        summary.append(["**Core path**", "", "", f"**{_hours(total)}**"])
        head = ["Block", "Reading", "Exercises", "Total"]
        note = (
            f"Reading time = words of prose / {WORDS_PER_MINUTE} per minute + visible "
            f"lines of code / {CODE_LINES_PER_MINUTE} per minute, per section, "
            "rounded to 5 min (at least 5); exercises "
            + ", ".join(f"{'★' * k} {v} min" for k, v in MINUTES_PER_STARS.items() if k)
            + ". Computed from the notebooks by this build."
        )
        return self.parse_myst(
            _list_table(head, summary) + "\n\n" + note + "\n\n" + "\n".join(out),
            titles=True,
        )


def setup(app):
    app.add_directive("course-plan", CoursePlan)
    app.add_transform(SolutionCodeFolded)
    app.add_directive("course-exercises", CourseExercises)
    app.add_directive("course-rubrics", CourseRubrics)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
