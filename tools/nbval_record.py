"""Execute every chapter once: keep what nbval executed and build the book from it.

nbval runs each notebook in a fresh kernel and fails on any error; the book build used
to execute every notebook a second time to get its outputs. This module closes the gap:

- As a pytest plugin (``pytest -p tools.nbval_record --nbval-record DIR ...``), it
  watches the kernel messages nbval reads for each cell and feeds them to an
  ``nbclient.NotebookClient`` that has no kernel of its own. That client turns them into
  cell outputs and widget state exactly as it would in the build (display ids,
  ``clear_output``, output widgets, the embedded widget state of the static explorers).
  When every cell of a notebook has passed, the executed notebook is written to
  ``DIR/<path relative to the rootdir>``. A notebook with a failed or skipped cell is
  not written (an older copy is removed), so nothing half-executed reaches the book.
- As a command (``python -m tools.nbval_record DIR CACHE``), it adds those notebooks to
  the jupyter-cache at ``CACHE``, which the build reads (``execute_notebooks: cache`` in
  ``_config.yml``): a notebook whose code matches a cached one is not executed again.
  It fails if a notebook of the table of contents has no recording.

Only the outputs come from this run; cells, tags and metadata are the source's.
"""

import argparse
import contextlib
import copy
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption(
        "--nbval-record",
        metavar="DIR",
        help="write every notebook nbval executed without failure, with its outputs "
        "and widget state, into DIR (tools/nbval_record.py)",
    )


class Recording:
    """The executed copy of one notebook, filled cell by cell from nbval's messages."""

    def __init__(self, nb, path):
        self.path = path
        self.client = NotebookClient(
            copy.deepcopy(nb), store_widget_state=True, record_timing=False
        )
        self.client.reset_execution_trackers()  # what execute() sets up, minus a kernel
        self.code_cells = [
            i for i, c in enumerate(self.client.nb.cells) if c.cell_type == "code"
        ]
        self.ok = True
        self.started = time.perf_counter()
        self.msg_id = None
        self.index = None

    def start_cell(self, cell_num, msg_id):
        """A new execute request: its messages go to the cell's fresh outputs."""
        self.index = self.code_cells[cell_num]
        cell = self.client.nb.cells[self.index]
        cell.outputs, cell.execution_count = [], None
        self.client.clear_before_next_output = False
        self.client.clear_display_id_mapping(self.index)
        self.msg_id = msg_id

    def message(self, msg):
        """One iopub message, processed as nbclient processes the build's."""
        if self.msg_id is None or msg["parent_header"].get("msg_id") != self.msg_id:
            return
        cell = self.client.nb.cells[self.index]
        with contextlib.suppress(CellExecutionComplete):  # the idle message: done
            self.client.process_message(msg, cell, self.index)

    def notebook(self):
        self.client.set_widgets_metadata()
        nb = self.client.nb
        # nbval executes without history, so every cell reports the same count: number
        # them as a top-to-bottom run in a fresh kernel does
        for k, i in enumerate(self.code_cells, start=1):
            nb.cells[i].execution_count = k if nb.cells[i].source.strip() else None
            nb.cells[i].outputs = merge_streams(nb.cells[i].outputs)
            for out in nb.cells[i].outputs:
                if out.output_type == "execute_result":
                    out.execution_count = k
        seconds = round(time.perf_counter() - self.started, 2)
        nb.metadata["assocmem"] = {"execution_seconds": seconds}
        return nb


def merge_streams(outputs):
    """Consecutive stream outputs of one name (stdout, stderr) merged into one: where
    the kernel cuts its output into messages depends on timing (two runs of a chapter
    split the same printed lines differently), the text does not."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and out.output_type == last.output_type == "stream"
            and out.name == last.name
        ):
            last.text += out.text
        else:
            merged.append(out)
    return merged


def _recording(item):
    """The item's notebook's Recording, created (and nbval's kernel tapped) once."""
    parent = item.parent
    rec = getattr(parent, "_am_recording", None)
    if rec is None:
        rec = parent._am_recording = Recording(parent.nb, Path(str(parent.fspath)))
        kernel = parent.kernel
        # nbclient's stand-in for an Output widget syncs its outputs back to the kernel,
        # as the build's client does: through nbval's connection
        rec.client.kc = kernel.kc
        execute, get_message = kernel.execute_cell_input, parent.get_kernel_message

        def execute_cell_input(source, allow_stdin=None):
            msg_id = execute(source, allow_stdin=allow_stdin)
            rec.start_cell(parent._am_cell_num, msg_id)
            return msg_id

        def get_kernel_message(timeout=None, stream="iopub"):
            msg = get_message(timeout=timeout, stream=stream)
            if stream == "iopub":
                rec.message(msg)
            return msg

        kernel.execute_cell_input = execute_cell_input
        parent.get_kernel_message = get_kernel_message
    return rec


def _target(config, path):
    out = Path(config.getoption("nbval_record"))
    return out / path.resolve().relative_to(Path(str(config.rootpath)).resolve())


def _is_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item.parent, "nb")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if _is_cell(item) and item.config.getoption("nbval_record"):
        item.parent._am_cell_num = item.cell_num
        _recording(item)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (_is_cell(item) and item.config.getoption("nbval_record")):
        return
    if report.failed or report.skipped:  # this notebook will not be recorded
        parent = item.parent
        if getattr(parent, "_am_recording", None) is None:
            parent._am_recording = Recording(parent.nb, Path(str(parent.fspath)))
        parent._am_recording.ok = False


def pytest_runtest_teardown(item, nextitem):
    if not (_is_cell(item) and item.config.getoption("nbval_record")):
        return
    if nextitem is not None and nextitem.parent is item.parent:
        return
    rec = getattr(item.parent, "_am_recording", None)
    target = _target(item.config, Path(str(item.parent.fspath)))
    target.unlink(missing_ok=True)
    if rec is not None and rec.ok:
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(rec.notebook(), target)


# ---- the build's side: the recordings into jupyter-cache ---------------------------


def toc_notebooks(root=ROOT):
    """Every notebook of the table of contents, as paths relative to ``root`` (the
    table read by sphinx-external-toc, the parser the book build uses)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    docnames = parse_toc_yaml(root / "_toc.yml")  # a SiteMap: its keys are docnames
    return [
        Path(f"{name}.ipynb") for name in docnames if (root / f"{name}.ipynb").exists()
    ]


def fill_cache(recorded, cache_path, root=ROOT):
    """Add the recorded notebooks to the jupyter-cache at ``cache_path``.

    The build finds a recording by the hash of the source's code cells (their source
    and metadata); a recording the source does not match, or a missing one, is an
    error naming the notebook, so the build never executes a notebook on its own.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_path))
    problems = []
    for rel in toc_notebooks(root):
        source = nbformat.read(root / rel, as_version=4)
        path = Path(recorded) / rel
        if not path.exists():
            problems.append(f"{rel}: no recording in {recorded} (did nbval run it?)")
            continue
        nb = nbformat.read(path, as_version=4)
        seconds = nb.metadata.get("assocmem", {}).get("execution_seconds")
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str(root / rel), data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )
        try:  # the build looks the source up by the hash of its code cells
            cache.match_cache_notebook(source)
        except KeyError:
            problems.append(f"{rel}: its recording does not match the source's code")
    if problems:
        raise SystemExit("nbval_record: " + "\n".join(problems))
    return len(toc_notebooks(root))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recorded", help="the --nbval-record directory")
    parser.add_argument("cache", help="the jupyter-cache the build reads")
    args = parser.parse_args(argv)
    n = fill_cache(args.recorded, args.cache)
    print(f"nbval_record: {n} executed notebooks cached in {args.cache}")


if __name__ == "__main__":
    sys.exit(main())
