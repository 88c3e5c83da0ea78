"""tools/release.py: one repository address (_config.yml) and one release tag in every
notebook's Colab install cell and in the README."""

import shutil

import pytest

from tools import notebooks, release


def test_every_install_cell_uses_the_address_and_the_release():
    url = release.repository_url()
    recorded = release.current_release()
    ref = (
        recorded[1] if recorded else "main"
    )  # before the first release: the main branch
    if recorded:
        assert recorded[0] == url, "README's release block names another repository"
    expected = release.colab_cell(url, ref)
    wrong = []
    for path in release.release_notebooks():
        cells = release.install_cells(notebooks.read(path))
        if not cells or cells[0].source != expected:
            wrong.append(path.name)
    assert not wrong, (
        f"install cell not pinned to {url}@{ref} (run python -m tools.release): {wrong}"
    )


def test_release_rewrites_cells_and_readme(tmp_path):
    root = tmp_path
    shutil.copy("_config.yml", root / "_config.yml")
    (root / "README.md").write_text("# Book\n\nSome text.\n")
    (root / "book").mkdir()
    for path in notebooks.chapters("book")[:2]:
        shutil.copy(path, root / "book" / path.name)
    changed = release.release("v2027.1", root)
    assert "README.md" in changed and len(changed) == 3
    url = release.repository_url(root)
    for path in release.release_notebooks(root):
        cell = release.install_cells(notebooks.read(path))[0]
        assert cell.source == release.colab_cell(url, "v2027.1")
        assert f'"assocmem @ git+{url}@v2027.1"' in cell.source
    assert release.current_release(root) == (url, "v2027.1")
    assert release.release("v2027.1", root) == []  # idempotent
    assert release.release("v2027.2", root) == [
        p.name for p in release.release_notebooks(root)
    ] + ["README.md"]
    assert release.current_release(root) == (url, "v2027.2")


@pytest.mark.parametrize("tag", ["2027.1", "v2027.4", "v27.1", "main", "v2027.1-rc"])
def test_bad_tags_are_refused(tag, tmp_path):
    with pytest.raises(ValueError, match="vYYYY.T"):
        release.release(tag, tmp_path)
