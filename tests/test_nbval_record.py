"""What nbval executed is what the build would have executed (tools/nbval_record.py).

A small notebook with the kinds of output the chapters make (a stream, a rich display,
an explorer-like Stack of widgets tied to a slider, a live ``interactive_output`` that
clears and redraws) is executed twice: by nbval with the recorder, and by nbclient as
the build used to execute it. The recording must equal nbclient's notebook, outputs and
embedded widget state included (widget model ids are random and are compared up to a
renaming). A notebook with a failing cell must not be recorded, and the cache step
refuses a recording that does not match the source.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools import kernel_wait, nbval_record

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
CELLS = [
    "print('a stream')\nimport sys\nprint('stderr too', file=sys.stderr)",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>rich</b>'))\n6 * 7",
    "import ipywidgets as widgets\n"
    "frames = [widgets.HTML(f'<img alt=\"frame {k}\">') for k in range(3)]\n"
    "stack = widgets.Stack(frames, selected_index=0)\n"
    "slider = widgets.IntSlider(min=0, max=2, description='k')\n"
    "widgets.jslink((slider, 'value'), (stack, 'selected_index'))\n"
    "widgets.VBox([slider, stack])",
    "def show(k):\n    print('frame', k)\n"
    "out = widgets.interactive_output(show, {'k': slider})\n"
    "slider.value = 2\ndisplay(widgets.VBox([slider, out]))",
]


def _notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A test notebook")]
    nb.cells += [nbformat.v4.new_code_cell(src, metadata={"tags": []}) for src in cells]
    return nb


def _record(tmp_path, nb, name="probe.ipynb"):
    """Run nbval with the recorder on ``nb`` in a subprocess; the recording or None."""
    path = tmp_path / "nbs" / name
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    out = tmp_path / "recorded"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    cmd += ["-p", "tools.nbval_record", "--nbval-record", str(out), "--nbval-lax"]
    cmd += ["--rootdir", str(tmp_path), str(path)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    recorded = out / "nbs" / name
    return run, (nbformat.read(recorded, as_version=4) if recorded.exists() else None)


def _nbclient(nb, cwd):
    kernel_wait.install()
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    client = NotebookClient(
        nb, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return nb


def _canonical(nb):
    """The notebook as plain JSON without what differs between two honest runs: widget
    model ids (random: each becomes "ID", and the widget state becomes the sorted list
    of its models), timing metadata, the recorder's own metadata, cell ids."""
    nb = json.loads(json.dumps(nb))
    for state in nb["metadata"].get("widgets", {}).values():
        state["state"] = list(state["state"].values())
    nb = json.loads(re.sub(r"[0-9a-f]{32}", "ID", json.dumps(nb)))
    for state in nb["metadata"].get("widgets", {}).values():
        state["state"] = sorted(json.dumps(m, sort_keys=True) for m in state["state"])
    nb["metadata"].pop("assocmem", None)
    nb["metadata"].pop("language_info", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        cell.pop("id", None)
    return nb


def test_recording_equals_the_builds_execution(tmp_path):
    nb = _notebook(CELLS)
    run, recorded = _record(tmp_path, nb)
    assert run.returncode == 0, run.stdout + run.stderr
    assert recorded is not None, "nbval passed but nothing was recorded"
    reference = _nbclient(nb, tmp_path / "nbs")
    got, want = _canonical(recorded), _canonical(reference)
    assert got["cells"] == want["cells"]
    assert got["metadata"] == want["metadata"]
    state = got["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    names = [json.loads(m)["model_name"] for m in state["state"]]
    assert names.count("StackModel") == 1 and names.count("OutputModel") == 1
    assert recorded.metadata["assocmem"]["execution_seconds"] > 0


def test_a_notebook_with_a_failing_cell_is_not_recorded(tmp_path):
    _, recorded = _record(tmp_path, _notebook(CELLS[:1]))
    assert recorded is not None
    run, recorded = _record(tmp_path, _notebook(CELLS[:1] + ["1 / 0"]))
    assert run.returncode != 0
    assert recorded is None, "the older, passing recording must be removed too"


def test_the_cache_refuses_a_recording_of_other_code(tmp_path):
    book = tmp_path / "book"
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    book.mkdir()
    source = _notebook(["x = 1"])
    nbformat.write(source, book / "intro.ipynb")
    stale = _notebook(["x = 2"])
    (tmp_path / "rec" / "book").mkdir(parents=True)
    nbformat.write(stale, tmp_path / "rec" / "book" / "intro.ipynb")
    with pytest.raises(SystemExit, match="does not match the source"):
        nbval_record.fill_cache(tmp_path / "rec", tmp_path / "cache", root=tmp_path)
    (tmp_path / "rec" / "book" / "intro.ipynb").unlink()
    with pytest.raises(SystemExit, match="no recording"):
        nbval_record.fill_cache(tmp_path / "rec", tmp_path / "cache", root=tmp_path)
    nbformat.write(source, tmp_path / "rec" / "book" / "intro.ipynb")
    assert nbval_record.fill_cache(tmp_path / "rec", tmp_path / "cache", root=tmp_path)
