"""What nbval executed is what the build would have executed (tools/nbval_record.py).

A small notebook with the kinds of output the chapters make (a stream, a rich display,
an explorer-like Stack of widgets tied to a slider, a live ``interactive_output`` that
clears and redraws) is executed twice: by nbval with the recorder, and by nbclient as
the build used to execute it. The recording must equal nbclient's notebook, outputs and
embedded widget state included (widget model ids are random and are compared up to a
renaming). A notebook with a failing cell must not be recorded, and the cache step
refuses a recording that does not match the source.

The same run tries the student stubs (tools/student_check.py) without changing what the
book records: a notebook with two auto-checked exercises is recorded with and without
the student check. The first exercise's stub draws random numbers before its check
fails and counts its runs in a global, so a stub run that leaked into the book's state
(random-number state or names) would change what is printed after it; the second
exercise's stub is broken on purpose (its check passes with no answer), which the
report must name.
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

from tools import kernel_wait, nbval_record, student_check

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


def _record(tmp_path, nb, name="probe.ipynb", extra=()):
    """Run nbval with the recorder (and the ``extra`` arguments) on ``nb`` in a
    subprocess; the recording or None."""
    path = tmp_path / "nbs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    out = tmp_path / "recorded"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    cmd += ["-p", "tools.nbval_record", "--nbval-record", str(out), "--nbval-lax"]
    cmd += [*extra, "--rootdir", str(tmp_path), str(path)]
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
        if "outputs" in cell:  # the kernel's cuts between stream messages vary
            outputs = nbformat.from_dict(cell["outputs"])
            cell["outputs"] = json.loads(
                json.dumps(nbval_record.merge_streams(outputs))
            )
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


# ---- the student stubs, tried in the same run ---------------------------------

SETUP = (
    "import torch\nimport assocmem as am\ntorch.manual_seed(0)\n"
    "S = torch.tensor([[2.0, 0.5], [0.0, 1.5]], dtype=torch.float64)\n"
    "targets = torch.tensor([0, 1])"
)
HONEST = """noise = torch.rand(3)  # drawn by the stub as well
runs = globals().get("runs", 0) + 1  # 1 in the book, unless the stub's run leaks
margins = ...  # your answer
# BEGIN SOLUTION
rivals = S.clone()
rivals[torch.arange(2), targets] = -torch.inf
margins = S.gather(1, targets[:, None]).squeeze(1) - rivals.max(dim=1).values
# END SOLUTION
am.checks.margins(margins, S, targets)"""
BROKEN = """# BEGIN SOLUTION
unused = 1
# END SOLUTION
am.checks.margins(margins, S, targets)  # passes whatever the learner writes"""
AFTER = "print(runs, noise.tolist(), torch.rand(2).tolist())"


def _exercise(label):
    return nbformat.v4.new_markdown_cell(
        f"```{{exercise}} {label} (★, coding, auto-checked)\n:label: {label}\n"
        "Compute the margins.\n```"
    )


def _book():
    nb = _notebook([SETUP, HONEST, BROKEN, AFTER])
    nb.cells.insert(2, _exercise("ex-t-honest"))
    nb.cells.insert(4, _exercise("ex-t-broken"))
    nb.cells[-1].metadata["tags"] = ["solution-check"]
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k}"
    return nb


def test_stubs_are_tried_and_the_book_records_the_same_outputs(tmp_path):
    nb = _book()
    run, plain = _record(tmp_path / "plain", nb)
    assert run.returncode == 0, run.stdout + run.stderr
    checks = tmp_path / "checks"
    plugin = ["-p", "tools.student_check", "--student-check", str(checks)]
    run, checked = _record(tmp_path / "checked", nb, extra=plugin)
    assert run.returncode == 0, run.stdout + run.stderr
    assert _canonical(checked)["cells"] == _canonical(plain)["cells"]
    report = json.loads((checks / "probe.json").read_text())
    assert report["stubs"] == 2
    assert report["problems"] == ["cell cell-5: the stub ran without error"]
    assert report["values"][0] == [1.5, 1.5]  # the margins the solution computed
    source = tmp_path / "checked" / "nbs" / "probe.ipynb"
    assert report["sha256"] == student_check.source_hash(source)


def test_consecutive_stream_outputs_are_merged():
    out = nbformat.v4.new_output
    outputs = [
        out("stream", name="stdout", text="a\n"),
        out("stream", name="stdout", text="b"),
        out("stream", name="stderr", text="warning\n"),
        out("stream", name="stdout", text="c\n"),
        out("display_data", data={"text/plain": "d"}),
        out("stream", name="stdout", text="e\n"),
    ]
    merged = nbval_record.merge_streams(outputs)
    assert [(o.output_type, o.get("text")) for o in merged] == [
        ("stream", "a\nb"),
        ("stream", "warning\n"),
        ("stream", "c\n"),
        ("display_data", None),
        ("stream", "e\n"),
    ]
