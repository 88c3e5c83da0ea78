"""`make student`: write the student edition of every chapter (book/NN_*.ipynb ->
student/NN_*.ipynb).

Solution code between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` becomes ``...`` stubs
(the ``am.checks`` call stays, so a learner's run prints the checker's hint), every line
after the check call, ``solution-check`` cells, ``{solution}`` blocks and outputs are
removed. See `tools.notebooks.student_edition` for the exact rules.

Usage: python -m tools.student [BOOK_DIR] [OUT_DIR] [--keep-outputs] [--all-notebooks]
(defaults: book student). ``--keep-outputs`` keeps the outputs of unchanged cells (for
the student site, built from executed notebooks); ``--all-notebooks`` also converts
notebooks that are not chapters (the problem sets).

       python -m tools.student --site       (`make student-book`)
    builds the student site, _build/student-html/: the same book from the notebooks the
    main build was made from (_build/executed/book/), each passed through the student
    edition with the outputs of its unchanged cells kept, without executing anything;
    the instructors-only pages (`INSTRUCTOR_ONLY`) are left out.
"""

import re
import sys
from pathlib import Path

import nbformat

from tools import notebooks


def write_edition(paths, out_dir, keep_outputs=False):
    """Write the student edition of each notebook in ``paths`` into ``out_dir``; returns
    the written paths.
    """
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


ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR_ONLY = ["book/instructor_rubrics"]
_SRC = ROOT / "_build" / "student-src"
_HTML = ROOT / "_build" / "student-html"


def _without_pages(toc, pages):
    """The _toc.yml data without the given pages (docnames without suffix)."""
    if isinstance(toc, dict):
        return {k: _without_pages(v, pages) for k, v in toc.items()}
    if isinstance(toc, list):
        return [
            _without_pages(x, pages)
            for x in toc
            if not (
                isinstance(x, dict)
                and str(x.get("file", "")).rsplit(".", 1)[0] in pages
            )
        ]
    return toc


def build_site(strict=True, executed=None, src=None, html=None):
    """Build _build/student-html/ (or ``html``) from the executed notebooks of the main
    build (or of ``executed``), staged in ``src``; see the module docstring.
    """
    import shutil
    import subprocess

    import yaml

    executed = Path(executed or ROOT / "_build" / "executed")
    SITE_SRC, SITE_HTML = Path(src or _SRC), Path(html or _HTML)  # noqa: N806
    if not (executed / "book").is_dir():
        raise SystemExit(
            "student site: no executed notebooks in _build/executed/book: "
            "run `make book`"
        )
    shutil.rmtree(SITE_SRC, ignore_errors=True)
    SITE_SRC.mkdir(parents=True)
    for name in ("_assets", "binder"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, SITE_SRC / name)
    for name in ("_vendor", "tools", "assocmem"):
        if (ROOT / name).exists():
            (SITE_SRC / name).symlink_to(ROOT / name)
    skip = shutil.ignore_patterns("*.ipynb", "rubrics", "api", ".ipynb_checkpoints")
    shutil.copytree(ROOT / "book", SITE_SRC / "book", ignore=skip)
    for page in INSTRUCTOR_ONLY:
        for path in SITE_SRC.glob(page + ".*"):
            path.unlink()
        name = re.escape(page.split("/")[-1])
        link = re.compile(r"\{doc\}`(?:([^`<]+?)\s*<)?[^`<>]*" + name + r">?`")
        for path in (SITE_SRC / "book").rglob(
            "*.md"
        ):  # links to a page left out: plain text
            text = path.read_text()
            new = link.sub(
                lambda m: m[1] or "the instructors' rubrics (not on this site)", text
            )
            if new != text:
                path.write_text(new)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] = config.get("title", "") + " (student edition)"
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    (SITE_SRC / "_config.yml").write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )
    toc = _without_pages(
        yaml.safe_load((ROOT / "_toc.yml").read_text()), INSTRUCTOR_ONLY
    )
    (SITE_SRC / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    sources = sorted((ROOT / "book").rglob("*.ipynb"))
    missing = []
    for path in sources:
        rel = path.relative_to(ROOT)
        if ".ipynb_checkpoints" in rel.parts or "api" in rel.parts:
            continue
        done = executed / rel
        if not done.exists():
            missing.append(str(rel))
            continue
        nb = notebooks.student_edition(notebooks.read(done), keep_outputs=True)
        nb.metadata.setdefault("assocmem", {})["source"] = path.name
        (SITE_SRC / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(SITE_SRC / rel))
    if missing:
        raise SystemExit(
            f"student site: not executed by the main build: {missing}: run `make book`"
        )
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        "--all",
        str(SITE_SRC),
    ]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    subprocess.run(cmd, check=True, cwd=SITE_SRC)
    shutil.rmtree(SITE_HTML, ignore_errors=True)
    shutil.move(str(SITE_SRC / "_build" / "html"), SITE_HTML)
    print(f"student site: {SITE_HTML / 'index.html'}")


def main(book_dir="book", out_dir="student", *flags):
    if book_dir == "--site":
        return build_site(strict="--lax" not in (out_dir, *flags))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(
        notebooks.CHAPTER_GLOB
    ):  # a chapter renamed or removed must not linger
        old.unlink()
    paths = notebooks.chapters(book_dir)
    if "--all-notebooks" in flags:
        paths = notebooks.all_notebooks(book_dir)
    write_edition(paths, out, keep_outputs="--keep-outputs" in flags)
    if not paths:
        print(
            f"student edition: no chapters matching {book_dir}/{notebooks.CHAPTER_GLOB}"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])


# ---- finding answers by value ------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.\d+|\d{3,})(?![\w])")


def _significant(text):
    digits = text.replace("-", "").replace(".", "").lstrip("0")
    return len(digits)


def reader_forms(value):
    """The ways a reader would write a number (or a short list of numbers), e.g.
    -0.37402 -> {"0.374", "0.3740"} (the sign is dropped: a leak of -0.374 shows as "+
    0.374" too). Only forms with at least three significant digits, and integers of at
    least three digits: shorter ones ("0.5", "12") occur everywhere."""
    if isinstance(value, (list, tuple)):
        forms = set()
        if 2 <= len(value) <= 6 and all(isinstance(v, (int, float)) for v in value):
            for k in (2, 3, 4):
                forms.add(str([round(float(v), k) for v in value]))
        for v in value:
            forms |= reader_forms(v)
        return forms
    x = abs(float(value))
    if x != x or x in (float("inf"),):
        return set()
    if abs(x - round(x)) < 1e-9:
        return {str(int(round(x)))} if x >= 100 else set()
    forms = {f"{x:.{k}f}" for k in (2, 3, 4)} | {f"{x:.{g}g}" for g in (3, 4)}
    return {f for f in forms if "e" not in f and _significant(f) >= 3}


def numbers_in(text):
    """The numbers written in a text (decimals, and integers of at least three digits),
    as floats.
    """
    return [float(m) for m in NUMBER.findall(text)]


def find_leaks(forms, texts):
    """[(form, where, excerpt)] for every answer form found in ``texts`` ({where:
    text}).
    """
    found = []
    for form in sorted(forms):
        pattern = re.compile(r"(?<![\w.])" + re.escape(form) + r"(?!\d)")
        for where, text in texts.items():
            for m in pattern.finditer(text):
                excerpt = " ".join(text[max(0, m.start() - 60) : m.end() + 30].split())
                found.append((form, where, excerpt))
    return found
