"""Time what moving a slider of a chapter's live explorer costs a reader.

For every chapter whose code calls ``explorers.live(draw, ...)``, the chapter is
executed top to bottom in a fresh kernel (nbclient, one thread). A first cell, added
before the chapter's own, records every ``(draw, controls)`` pair the chapter hands to
``assocmem.explorers.live`` (and then calls the real ``live``, so the chapter runs as
usual). After the chapter's last cell, in the same kernel, the script times one slider
move the way ``live`` shows it: ``fig = draw(**params)``, the figure formatted by the
kernel's display formatter (what ``display(fig)`` sends: the inline backend's PNG), and
``plt.close(fig)``.

Slider values come from the live controls: the chapter's starting values, then each
control in turn moved to ``--values`` values spread over its range (numeric sliders:
evenly between min and max, on the slider's step; selection sliders and dropdowns:
evenly spread options), the other controls at their start. At each point the first call
is timed on its own (a draw may cache its computation, and the first move to a value is
what a reader waits for), then ``--repeats`` more calls. The chapter has already drawn
its start point (and, with a cache, its static explorer's grid) when it executed, as it
has for a reader in a running notebook, so those points are warm on their first call.

The baseline, measured in the same run and interleaved with the draws: an empty figure
of the size and dpi of the chapter's figure, printed to PNG with the arguments the
inline backend uses (IPython's formatter skips a figure without axes, so the baseline
calls ``fig.canvas.print_figure`` with them itself) and closed: the floor matplotlib
alone costs. Per chapter the script prints the median and maximum of
the first calls and of the repeated calls, the ratio of the first-call median to the
baseline median, the median CPU time of the kernel on first calls, and whether every
first call met the redraw budget of 0.15 s. Wall times depend on the machine's load:
the load average is printed at the start and the end. Run from the repository root:

    .venv/bin/python benchmarks/bench_redraw.py [--chapters 3 7] [--repeats 3]
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
BUDGET_S = 0.15
LIVE_CALL = re.compile(r"\bexplorers\.live\(")
MARK = "BENCH_REDRAW_RESULT "

# Runs before the chapter's first cell: remember what the chapter gives live().
RECORD = """\
import assocmem.explorers as _bench_explorers

_bench_live = []
_bench_real_live = _bench_explorers.live


def _bench_recording_live(draw, **controls):
    _bench_live.append((draw, controls))
    return _bench_real_live(draw, **controls)


_bench_explorers.live = _bench_recording_live
"""

# Runs after the chapter's last cell, in the same kernel. CONFIG is filled in.
TIME = """\
import io as _io
import json as _json
import os as _os
import sys as _sys
import time as _time

import ipywidgets as _widgets
import matplotlib.pyplot as _plt
import numpy as _np
from IPython import get_ipython as _get_ipython
from matplotlib_inline.config import InlineBackend as _InlineBackend

import assocmem as _assocmem

_bench_config = _json.loads(CONFIG)
_bench_format = _get_ipython().display_formatter.format


def _bench_values(control, k):
    # the slider values to visit, from the control itself
    if isinstance(control, _widgets.widgets.widget_selection._Selection):
        options = list(control._options_values)
        index = _np.unique(_np.linspace(0, len(options) - 1, k).round().astype(int))
        return [options[i] for i in index]
    if hasattr(control, "min") and hasattr(control, "max"):
        lo, hi, step = control.min, control.max, control.step
        raw = _np.linspace(lo, hi, k)
        if step:
            raw = lo + _np.round((raw - lo) / step) * step
        raw = _np.clip(raw, lo, hi)
        if isinstance(control.value, int):
            return sorted({int(v) for v in raw})
        return sorted({round(float(v), 12) for v in raw})
    if isinstance(control.value, bool):
        return [False, True]
    return [control.value]


def _bench_points(controls, k):
    start = {name: c.value for name, c in controls.items()}
    points = [dict(start)]
    for name, c in controls.items():
        for v in _bench_values(c, k):
            p = dict(start, **{name: v})
            if p not in points:
                points.append(p)
    return points


_bench_inline = _InlineBackend.instance()
if set(_bench_inline.figure_formats) != {"png"}:
    raise RuntimeError(f"inline figure formats {_bench_inline.figure_formats}")


def _bench_print_empty(fig):
    # IPython's print_figure returns nothing for a figure without axes, so the
    # baseline calls the canvas with the keyword arguments print_figure would pass
    kw = {
        "format": "png",
        "facecolor": fig.get_facecolor(),
        "edgecolor": fig.get_edgecolor(),
        "dpi": fig.dpi,
        "bbox_inches": "tight",
    }
    kw.update(_bench_inline.print_figure_kwargs)
    buf = _io.BytesIO()
    fig.canvas.print_figure(buf, **kw)
    return {"image/png": buf.getvalue()}


def _bench_show(make, empty=False):
    # one redraw as live() shows it; returns (wall s, cpu s, draw-only wall s, size)
    w0, c0 = _time.perf_counter(), _time.process_time()
    fig = make()
    w1 = _time.perf_counter()
    data = _bench_print_empty(fig) if empty else _bench_format(fig)[0]
    _plt.close(fig)
    w2, c2 = _time.perf_counter(), _time.process_time()
    if "image/png" not in data:
        raise RuntimeError(f"the display formatter gave no PNG: {sorted(data)}")
    leaked = _plt.get_fignums()
    if leaked:
        _plt.close("all")
    size = (tuple(fig.get_size_inches()), fig.dpi)
    return w2 - w0, c2 - c0, w1 - w0, size, len(leaked)


def _bench_run(draw, controls, k, repeats):
    points = _bench_points(controls, k)
    first, repeat, base, leaks = [], [], [], 0
    size = None

    def blank():
        return _plt.figure(figsize=size[0], dpi=size[1])

    for p in points:
        w, c, d, size_p, leak = _bench_show(lambda: draw(**p))
        size = size or size_p
        leaks += leak
        first.append({"params": p, "wall": w, "cpu": c, "draw": d})
        base.append(_bench_show(blank, empty=True)[:2])
        for _ in range(repeats):
            w, c, d, _s, leak = _bench_show(lambda: draw(**p))
            leaks += leak
            repeat.append({"wall": w, "cpu": c, "draw": d})
            base.append(_bench_show(blank, empty=True)[:2])
    return {
        "draw": getattr(draw, "__name__", repr(draw)),
        "controls": list(controls),
        "figsize": list(size[0]),
        "dpi": size[1],
        "first": first,
        "repeat": repeat,
        "baseline": [{"wall": w, "cpu": c} for w, c in base],
        "leaked_figures": leaks,
    }


_bench_out = {
    "python": _sys.executable,
    "assocmem": _assocmem.__file__,
    "omp_threads": _os.environ.get("OMP_NUM_THREADS"),
    "print_figure_kwargs": dict(_bench_inline.print_figure_kwargs),
    "explorers": [
        _bench_run(draw, controls, _bench_config["values"], _bench_config["repeats"])
        for draw, controls in _bench_live
    ],
}
print("MARK" + _json.dumps(_bench_out, default=str))
"""


LEGEND = """\
Seconds. 1st: the first call at each point (wall med(ian), max; cpu: CPU time of the
kernel). rep: the repeated calls. empty: the baseline, an empty figure of the same size.
ratio: first-call CPU median / baseline CPU median. render: median share of a first
call's wall time spent formatting the PNG (the rest is draw). budget: yes if every
first call took <= 0.15 s wall, "cpu only" if only its CPU time did (a loaded machine),
NO otherwise."""


def live_chapters(numbers=None):
    """The chapters (paths) with a live explorer in a code cell, in order."""
    out = []
    for path in sorted(BOOK.glob("[0-9][0-9]_*.ipynb")):
        if numbers and int(path.name[:2]) not in numbers:
            continue
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and LIVE_CALL.search(c.source) for c in nb.cells):
            out.append(path)
    return out


def run_chapter(path, values, repeats, timeout):
    """Execute one chapter in a fresh kernel, then time its live explorers there."""
    nb = nbformat.read(path, as_version=4)
    record = nbformat.v4.new_code_cell(RECORD)
    config = json.dumps({"values": values, "repeats": repeats})
    timing = nbformat.v4.new_code_cell(
        TIME.replace("CONFIG", repr(config)).replace('"MARK"', repr(MARK))
    )
    nb.cells = [record, *nb.cells, timing]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.perf_counter()
    with client.setup_kernel(env=env):
        for index, cell in enumerate(nb.cells[:-1]):
            client.execute_cell(cell, index)
        executed = time.perf_counter() - t0
        client.execute_cell(timing, len(nb.cells) - 1)
    text = "".join(
        o.get("text", "") for o in timing.outputs if o.get("name") == "stdout"
    )
    lines = [x for x in text.splitlines() if x.startswith(MARK)]
    if not lines:
        raise RuntimeError(f"{path.name}: the timing cell printed no result: {text!r}")
    result = json.loads(lines[-1][len(MARK) :])
    if not result["explorers"]:
        raise RuntimeError(f"{path.name}: explorers.live was never called")
    result["execute_s"] = executed
    return result


def summary(ex):
    """The numbers printed for one explorer (seconds)."""

    def med(rows, key):
        return statistics.median(r[key] for r in rows) if rows else float("nan")

    def top(rows, key):
        return max(r[key] for r in rows) if rows else float("nan")

    first, repeat, base = ex["first"], ex["repeat"], ex["baseline"]
    wall_ok = top(first, "wall") <= BUDGET_S
    cpu_ok = top(first, "cpu") <= BUDGET_S
    return {
        "points": len(first),
        "first_wall": med(first, "wall"),
        "first_wall_max": top(first, "wall"),
        "first_cpu": med(first, "cpu"),
        "first_cpu_max": top(first, "cpu"),
        "repeat_wall": med(repeat, "wall"),
        "repeat_cpu": med(repeat, "cpu"),
        "empty_wall": med(base, "wall"),
        "empty_cpu": med(base, "cpu"),
        "ratio": med(first, "cpu") / med(base, "cpu"),
        "render_share": statistics.median(1 - f["draw"] / f["wall"] for f in first),
        "slowest": max(first, key=lambda f: f["wall"])["params"],
        "budget": "yes" if wall_ok else ("cpu only" if cpu_ok else "NO"),
    }


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--chapters", type=int, nargs="+", help="chapter numbers (default: all)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="calls after the first, per point"
    )
    parser.add_argument(
        "--values", type=int, default=5, help="values visited per control"
    )
    parser.add_argument("--timeout", type=int, default=600, help="per cell, seconds")
    parser.add_argument("--json", type=Path, help="also write every timing here")
    args = parser.parse_args(argv)
    if args.repeats < 0 or args.values < 2:
        parser.error("--repeats must be >= 0 and --values >= 2")
    sys.path.insert(0, str(ROOT))
    from tools import kernel_wait

    kernel_wait.install()  # a kernel reply whose wake-up is lost costs 0.5 s, not 600
    chapters = live_chapters(args.chapters)
    if not chapters:
        parser.error(f"no chapter with a live explorer among {args.chapters}")
    print(
        f"bench_redraw: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average at start {load()}"
    )
    print(
        f"{args.values} values per control, first call + {args.repeats} repeats per "
        f"point, budget {BUDGET_S} s per first call"
    )
    results, failed = {}, []
    for path in chapters:
        try:
            r = run_chapter(path, args.values, args.repeats, args.timeout)
        except Exception as exc:  # one broken chapter must not hide the others
            failed.append(path.name)
            print(f"  {path.name}: FAILED: {str(exc).strip().splitlines()[-1]}")
            continue
        results[path.name] = r
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
        print(
            f"  {path.name}: executed in {r['execute_s']:.0f} s, "
            f"{sum(len(e['first']) for e in r['explorers'])} points timed "
            f"(kernel {r['python']}, assocmem {r['assocmem']})"
        )
    cols = [
        ("pts", "points", "d"),
        ("1st med", "first_wall", ".3f"),
        ("1st max", "first_wall_max", ".3f"),
        ("cpu med", "first_cpu", ".3f"),
        ("cpu max", "first_cpu_max", ".3f"),
        ("rep med", "repeat_wall", ".3f"),
        ("rep cpu", "repeat_cpu", ".3f"),
        ("empty", "empty_wall", ".3f"),
        ("e. cpu", "empty_cpu", ".3f"),
        ("ratio", "ratio", ".1f"),
        ("render", "render_share", ".0%"),
    ]
    head = f"{'chapter':<22}" + "".join(f"{c[0]:>8}" for c in cols) + "  budget"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        for ex in r["explorers"]:
            s = summary(ex)
            row = "".join(f"{s[key]:>8{fmt}}" for _, key, fmt in cols)
            print(f"{name[:-6]:<22}{row}  {s['budget']}")
    print("-" * len(head))
    for name, r in results.items():
        for ex in r["explorers"]:
            s = summary(ex)
            leak = (
                f"; {ex['leaked_figures']} figures left open by draw"
                if ex["leaked_figures"]
                else ""
            )
            print(
                f"{name[:-6]}: {ex['draw']}({', '.join(ex['controls'])}), figure "
                f"{ex['figsize'][0]:g}x{ex['figsize'][1]:g} in at {ex['dpi']:g} dpi; "
                f"slowest first call {s['first_wall_max']:.3f} s at "
                f"{s['slowest']}{leak}"
            )
    print(LEGEND)
    print(f"load average at end {load()}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
