"""Sphinx extension of the book (``local_extensions`` in _config.yml): generated pages.

Directives (each re-reads its inputs on every build, so the pages cannot go stale;
`make book` builds with ``--all``):

``{chapter-times}``
    One row per chapter of the table of contents: exercises (analytical/coding/
    auto-checked) and an estimated study time computed from the notebook (words, lines
    of code, exercises; the formula is printed).
``{exercise-table}``
    Every exercise of every chapter, with its kind and, for auto-checked ones, the
    ``am.checks`` function.
``{figure-thumb} fig-name``
    A thumbnail of the figure labelled ``fig-name`` anywhere in the book (a chapter's
    figure cell ``mystnb.figure.name``), linking to it. Resolved after all pages are
    read; an unknown name is a warning, so the strict build fails instead of showing a
    stale picture.
``{paper-figures}``
    The figure concordance: for each figure group of the paper (one content line each),
    the chapters' figures that redraw it, with thumbnails (see `chapter_figures` for how
    a figure is attributed to a group).
``{package-versions}``
    Python, platform and the installed version of every distribution pinned in
    requirements.txt (read from the running environment), plus the vendored browser
    assets.

It also removes duplicate ``<script>`` entries from every page (see `dedupe_scripts`)
and keeps the API pages that ``sphinx.ext.autosummary`` generates in the build although
the table of contents does not list them (see `keep_generated_pages`).

The notebook reading rules live in `tools.notebooks` (shared with ``make student``).
"""

import math
import os
import platform
import re
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from tools import kernel_wait
from tools import notebooks as nbtools

LOGGER = logging.getLogger(__name__)
CHAPTER_DOC = re.compile(r"(^|/)\d\d_[^/]*$")

# Study-time model (minutes), stated on the page. Technical prose with formulas reads
# slower than plain text.
WORDS_PER_MINUTE = 100
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_EXERCISE = {"analytical": 15, "coding": 20, None: 15}

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
# where autosummary writes the API pages (the :toctree: of book/api.md, relative to it)
GENERATED = "book/api"


def pinned_packages(path=REQUIREMENTS):
    """The distribution names pinned in a requirements file, in file order."""
    names = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)[0])
    return names


class SphinxPage(SphinxDirective):
    """A directive whose output is MyST text parsed in place."""

    def parse_myst(self, text, match_titles=False):
        container = nodes.container()
        lines = StringList(text.splitlines(), source=self.get_source_info()[0])
        self.state.nested_parse(
            lines, self.content_offset, container, match_titles=match_titles
        )
        return container.children

    def chapters(self):
        """[(docname, path)] of the chapter notebooks in the table of contents."""
        found = []
        for docname in sorted(self.env.found_docs):
            path = Path(self.env.doc2path(docname))
            if CHAPTER_DOC.search(docname) and path.suffix == ".ipynb":
                self.env.note_dependency(str(path))
                found.append((docname, path))
        return found


def _abs(docname):
    return "/" + docname


def list_table(header, rows, widths="auto"):
    def cell(text, first):
        lines = str(text).splitlines() or [""]
        head = "* - " if first else "  - "
        return [head + lines[0]] + ["    " + ln for ln in lines[1:]]

    out = ["````{list-table}", ":header-rows: 1", f":widths: {widths}", ""]
    for row in [header] + rows:
        for k, text in enumerate(row):
            out += cell(text, k == 0)
    out.append("````")
    return "\n".join(out)


def study_minutes(nb):
    exs = nbtools.exercises(nb)
    minutes = (
        nbtools.words(nb) / WORDS_PER_MINUTE
        + nbtools.code_lines(nb) / CODE_LINES_PER_MINUTE
        + sum(MINUTES_PER_EXERCISE[e["kind"]] for e in exs)
    )
    return 5 * math.ceil(minutes / 5)


class ChapterTimes(SphinxPage):
    def run(self):
        rows, total = [], 0
        for docname, path in self.chapters():
            nb = nbtools.read(path)
            exs = nbtools.exercises(nb)
            kinds = [e["kind"] for e in exs]
            minutes = study_minutes(nb)
            total += minutes
            rows.append(
                [
                    f"{{doc}}`{_abs(docname)}`",
                    str(kinds.count("analytical")),
                    str(kinds.count("coding")),
                    str(sum(bool(e["checks"]) for e in exs)),
                    f"{minutes} min",
                ]
            )
        if not rows:
            return self.parse_myst("*No chapter in the table of contents yet.*")
        rows.append(["**Total**", "", "", "", f"**{total / 60:.1f} h**"])
        header = [
            "Chapter",
            "Analytical exercises",
            "Coding exercises",
            "Auto-checked",
            "Estimated study time",
        ]
        note = (
            f"Estimated study time = words of prose / {WORDS_PER_MINUTE} per minute "
            f"+ lines of code / {CODE_LINES_PER_MINUTE} per minute "
            f"+ {MINUTES_PER_EXERCISE['analytical']} min per analytical "
            f"and {MINUTES_PER_EXERCISE['coding']} min per coding exercise, rounded up "
            "to 5 min. Counted from the notebooks by this build."
        )
        return self.parse_myst(list_table(header, rows) + "\n\n" + note)


class ExerciseTable(SphinxPage):
    def run(self):
        rows = []
        for docname, path in self.chapters():
            for ex in nbtools.exercises(nbtools.read(path)):
                name = re.sub(
                    r"\s*\([^()]*\b(analytical|coding)\b[^()]*\)\s*$",
                    "",
                    ex["title"],
                    flags=re.I,
                )
                ref = (
                    f"{{ref}}`{ex['label']}`" + (f": {name}" if name else "")
                    if ex["label"]
                    else ex["title"]
                )
                checks = (
                    ", ".join(f"`am.checks.{c}`" for c in ex["checks"])
                    or "no (graded by hand)"
                )
                rows.append(
                    [f"{{doc}}`{_abs(docname)}`", ref, ex["kind"] or "?", checks]
                )
        if not rows:
            return self.parse_myst("*No exercise in the chapters yet.*")
        return self.parse_myst(
            list_table(["Chapter", "Exercise", "Kind", "Auto-checked by"], rows)
        )


class PackageVersions(SphinxPage):
    def run(self):
        rows = [
            ["Python", platform.python_version()],
            [
                "Platform",
                f"{platform.system()} {platform.release()} ({platform.machine()})",
            ],
            ["CPU cores seen by the build", str(len(_affinity()))],
        ]
        self.env.note_dependency(str(REQUIREMENTS))
        for name in ["assocmem", *pinned_packages()]:
            try:
                rows.append([f"`{name}`", metadata.version(name)])
            except metadata.PackageNotFoundError:
                rows.append([f"`{name}`", "not installed"])
        vendored = Path(self.env.srcdir, "_vendor", ".complete")
        if vendored.exists():
            for line in vendored.read_text().split("\n"):
                if line.strip():
                    spec = line.split()[0]
                    name, version = spec.rsplit("@", 1)
                    rows.append([f"`{name}` (browser, vendored from npm)", version])
        rows.append(["Built (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")])
        return self.parse_myst(list_table(["Component", "Version"], rows))


def _affinity():
    try:
        return os.sched_getaffinity(0)
    except (AttributeError, OSError):
        return range(1)


GROUP_MENTION = re.compile(r"\bgroups?\s+([A-H](?:\s*(?:,|and|&)\s*[A-H])*)\b")


def _groups(text):
    return [g for m in GROUP_MENTION.finditer(text) for g in re.findall(r"[A-H]", m[1])]


def chapter_figures(nb):
    """[(figure name, caption, [paper groups])] of a chapter notebook, in order.

    A figure belongs to the paper's figure groups its cell metadata names
    (``"assocmem": {"paper_groups": ["B"]}``), else those its caption mentions ("figure
    group B"), else those the heading of its section mentions ("## 4.3 A benign loss
    spike (figure group B)").
    """
    found, heading_groups = [], []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if re.match(r"^#{1,4}\s", line):
                    heading_groups = _groups(line)
            continue
        fig = cell.metadata.get("mystnb", {}).get("figure", {})
        if cell.cell_type != "code" or not fig.get("name"):
            continue
        caption = fig.get("caption", "")
        groups = (
            cell.metadata.get("assocmem", {}).get("paper_groups")
            or _groups(caption)
            or heading_groups
        )
        found.append((fig["name"], caption, list(dict.fromkeys(groups))))
    return found


def _first_sentence(caption, limit=160):
    """The take-away sentence of a caption, without a leading "Figure group X."."""
    text = re.sub(
        r"^\s*(figure\s+)?groups?\s+[A-H][^.:]*[.:]\s*",
        "",
        " ".join(caption.split()),
        flags=re.I,
    )
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = m[1] if m else text
    if len(sentence) > limit:  # cut between words, outside math
        cut = sentence[:limit].rsplit(" ", 1)[0]
        sentence = cut + " ..." if cut.count("$") % 2 == 0 else sentence
    return sentence


class PaperFigures(SphinxPage):
    """The figure concordance: one section per paper figure group, listing the book's
    figures that redraw it (found in the chapters by `chapter_figures`) with a thumbnail
    each. Content: one line per group, ``X | title | what the paper's figure shows``."""

    has_content = True

    def run(self):
        figures = {}
        for docname, path in self.chapters():
            for name, caption, groups in chapter_figures(nbtools.read(path)):
                for g in groups:
                    figures.setdefault(g, []).append((docname, name, caption))
        lines = []
        for row in self.content:
            if not row.strip():
                continue
            group, title, about = (part.strip() for part in row.split("|", 2))
            lines += [f"## Group {group}: {title}", "", about, ""]
            ours = figures.get(group, [])
            if not ours:
                lines += ["*Not redrawn by any chapter of this build.*", ""]
                continue
            rows = [
                [
                    f"{{numref}}`{name}`: {_first_sentence(caption)}",
                    f"{{doc}}`{_abs(docname)}`",
                    f"```{{figure-thumb}} {name}\n```",
                ]
                for docname, name, caption in ours
            ]
            lines += [
                list_table(
                    ["Our figure", "Chapter", "Thumbnail"], rows, widths="20 40 40"
                ),
                "",
            ]
        return self.parse_myst("\n".join(lines), match_titles=True)


class thumb_placeholder(nodes.General, nodes.Element):
    """Replaced by a linked copy of a figure's image once every page is read."""


class FigureThumb(SphinxDirective):
    required_arguments = 1
    option_spec = {"width": directives.unchanged}

    def run(self):
        node = thumb_placeholder(
            target=self.arguments[0], width=self.options.get("width", "220px")
        )
        self.set_source_info(node)
        return [node]


def _find_image(doctree, labelid):
    for node in doctree.findall(nodes.Element):
        if labelid in node.get("ids", []):
            for img in node.findall(nodes.image):
                return img
    return None


def resolve_thumbs(app, doctree, fromdocname):
    labels = app.env.get_domain("std").labels
    for ph in list(doctree.findall(thumb_placeholder)):
        name = ph["target"]
        img = None
        if name in labels:
            docname, labelid, _ = labels[name]
            img = _find_image(app.env.get_doctree(docname), labelid)
        if img is None:
            LOGGER.warning(
                f"figure-thumb: no figure named {name!r} in the book", location=ph
            )
            ph.replace_self(nodes.inline(text=f"(missing figure {name})"))
            continue
        thumb = img.deepcopy()
        thumb["ids"] = []
        thumb["width"] = ph["width"]
        thumb["classes"] = [*thumb.get("classes", []), "figure-thumb"]
        thumb["alt"] = "Thumbnail: " + img.get("alt", name)
        uri = app.builder.get_relative_uri(fromdocname, docname) + "#" + labelid
        ref = nodes.reference(
            "", "", internal=True, refuri=uri, classes=["figure-thumb-link"]
        )
        ref += thumb
        ph.replace_self(ref)


def skip_placeholder(self, node):
    raise nodes.SkipNode


def dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated <script> entries. Under jupyter-book 1.0.4 the inline scripts of
    sphinx-thebe 0.3.1 and sphinx-togglebutton are registered twice (once with filename
    None, once with ""); the second "const THEBE_JS_URL" is a SyntaxError in the console
    of every page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = (
            str(js.filename or ""),
            tuple(sorted((k, str(v)) for k, v in js.attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def keep_generated_pages(app, config):
    """Build the autosummary pages under GENERATED although _toc.yml does not list them.

    ``only_build_toc_files`` (sphinx-external-toc) excludes every source file that the
    table of contents does not name; the API pages are reached through autosummary's own
    toctree instead. Runs after sphinx-external-toc's ``config-inited`` handler.
    """
    prefix = GENERATED.rstrip("/") + "/"
    config["exclude_patterns"] = [
        p for p in config["exclude_patterns"] if not str(p).startswith(prefix)
    ]


def setup(app):
    # A build that executes a notebook (a cache miss) uses nbclient: wait for replies in
    # slices, so a lost asyncio wake-up costs half a second, not a cell timeout.
    kernel_wait.install()
    app.connect("config-inited", keep_generated_pages, priority=900)
    app.add_directive("chapter-times", ChapterTimes)
    app.add_directive("exercise-table", ExerciseTable)
    app.add_directive("package-versions", PackageVersions)
    app.add_directive("figure-thumb", FigureThumb)
    app.add_directive("paper-figures", PaperFigures)
    app.add_node(
        thumb_placeholder,
        html=(skip_placeholder, None),
        latex=(skip_placeholder, None),
        text=(skip_placeholder, None),
    )
    app.connect("doctree-resolved", resolve_thumbs)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
