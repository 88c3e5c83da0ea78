"""Pin the Colab install cells and the README to a release (see RELEASING.md).

    python -m tools.release vYYYY.T      e.g. v2027.1 for the first term of 2027

The repository address is read from one place, ``repository.url`` in _config.yml (the
launch buttons use it too). In the first install cell of every chapter and problem set,
the tool writes ``%pip install "assocmem @ git+<url>@<tag>"``, guarded by
``if "google.colab" in sys.modules``; it writes the same address and tag into the
release block of README.md (between the ``release`` comment markers), the record of the
current release. It changes nothing else: commit its changes, then tag that commit.

Tags are ``vYYYY.T``: the year and the term (1 = January to May, 2 = June to August,
3 = September to December); a fix during a term is ``vYYYY.T.N``.
"""

import re
import sys
from pathlib import Path

import nbformat
import yaml

from tools import notebooks

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"^v\d{4}\.[1-3](\.\d+)?$")
INSTALL = re.compile(
    r'%pip install -q "assocmem @ git\+(?P<url>[^@"]+)@(?P<ref>[^"]+)"'
)
README_BLOCK = re.compile(r"<!-- release -->.*?<!-- /release -->", re.S)


def repository_url(root=ROOT):
    """The repository address, from ``repository.url`` in _config.yml."""
    url = yaml.safe_load((Path(root) / "_config.yml").read_text())["repository"]["url"]
    return url.rstrip("/")


def colab_cell(url, ref):
    """The source of the install cell that every notebook starts with."""
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # Colab only: install the book\'s package\n'
        f'    %pip install -q "assocmem @ git+{url}@{ref}"'
    )


def readme_block(url, ref):
    return (
        "<!-- release -->\n"
        f"Current release: `{ref}`. Outside this repository, install its package with\n"
        f'`pip install "assocmem @ git+{url}@{ref}"`;\n'
        "every notebook's first cell does so on Colab. See RELEASING.md.\n"
        "<!-- /release -->"
    )


def release_notebooks(root=ROOT):
    """The notebooks whose first install cell the release pins: chapters and problem
    sets.
    """
    return notebooks.all_notebooks(Path(root) / "book")


def install_cells(nb):
    """The code cells that install the package on Colab."""
    return [c for c in nb.cells if c.cell_type == "code" and "google.colab" in c.source]


def current_release(root=ROOT):
    """(url, ref) recorded in the release block of README.md, or None."""
    m = README_BLOCK.search((Path(root) / "README.md").read_text())
    found = (
        INSTALL.search(m[0].replace("pip install", "%pip install -q")) if m else None
    )
    return (found["url"], found["ref"]) if found else None


def release(tag, root=ROOT):
    """Write the repository address and ``tag`` into install cells and the README."""
    if not TAG.match(tag):
        raise ValueError(
            f"tag must look like vYYYY.T or vYYYY.T.N (T = 1, 2 or 3), got {tag!r}"
        )
    url = repository_url(root)
    changed = []
    for path in release_notebooks(root):
        nb = notebooks.read(path)
        cells = install_cells(nb)
        if not cells:
            raise ValueError(f"{path.name}: no Colab install cell")
        new = colab_cell(url, tag)
        if cells[0].source != new:
            cells[0].source = new
            nbformat.write(nb, str(path))
            changed.append(path.name)
    readme = Path(root) / "README.md"
    text = readme.read_text()
    block = readme_block(url, tag)
    new_text = (
        README_BLOCK.sub(lambda _: block, text)
        if README_BLOCK.search(text)
        else (text.rstrip("\n") + "\n\n## Release\n\n" + block + "\n")
    )
    if new_text != text:
        readme.write_text(new_text)
        changed.append("README.md")
    return changed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit(__doc__)
    changed = release(argv[0])
    print(
        f"release {argv[0]} ({repository_url()}): "
        + (", ".join(changed) or "nothing to change")
    )


if __name__ == "__main__":
    main()
