"""Time what moving a slider of a chapter's live explorer costs a reader.

For every chapter whose code calls ``explorers.live(draw, ...)``, the chapter is
executed top to bottom in a fresh kernel (nbclient, one thread). A first cell, added
before the chapter's own, records each call of ``assocmem.explorers.live``: its
controls, its other arguments, and the callback that ``live`` hands to
``ipywidgets.interactive_output`` (the function that runs when a slider moves), and it
gives ``live`` a wrapper of ``draw`` that times each call. The chapter then runs as
usual. After its last cell, in the same kernel, the script calls that callback: it
draws, renders the figure to PNG and displays it exactly as ``live`` does, except that
``display`` only formats the image (what the kernel would send) and sends nothing.

Slider values come from the live controls: the chapter's starting values, then each
control in turn moved to ``--values`` values spread over its range (numeric sliders:
evenly between min and max, on the slider's step; selection sliders and dropdowns:
evenly spread options), the other controls at their start. At each point the first call
is timed on its own (a draw may cache its computation, and the first move to a value is
what a reader waits for), then ``--repeats`` more calls. The chapter has already drawn
its start point (and, with a cache, its static explorer's grid) when it executed, as it
has for a reader in a running notebook, so those points are warm on their first call.

The baseline, measured in the same run and interleaved with the draws: the same
callback with ``draw`` replaced by an empty figure of the size and dpi of the chapter's
figure, so it is rendered, displayed and closed exactly the same way (the floor
matplotlib alone costs). Per chapter the script prints the median and maximum of the
first calls (wall time and the kernel's CPU time), the medians of the repeated calls,
the baseline, the ratio of first-call to baseline CPU medians, the share of a first
call spent outside ``draw`` (rendering), the longest time Python's garbage collector ran
within one call (first or repeated), and whether every first call met the redraw
budget of 0.15 s. Wall times depend on the machine's load: the load average is printed
at the start and the end. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_redraw [--chapters 3 7] [--repeats 3]
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

# Runs before the chapter's first cell. Every call of explorers.live is recorded: the
# controls, the other arguments (dpi, tight), and the callback ``show`` that live hands
# to ipywidgets.interactive_output, which is what runs when a slider moves. live gets a
# wrapper of ``draw`` that times each call and, when asked, returns an empty figure of
# the size and dpi of the last real one (the baseline, shown by the same ``show``).
RECORD = """\
import functools as _bench_functools
import time as _bench_time

import matplotlib.pyplot as _bench_plt

import assocmem.explorers as _bench_explorers

_bench_live = []
_bench_real_live = _bench_explorers.live
_bench_real_output = _bench_explorers.widgets.interactive_output


def _bench_recording_live(draw, *args, **kwargs):
    entry = {"name": getattr(draw, "__name__", repr(draw)), "blank": False}

    @_bench_functools.wraps(draw)
    def timed(**params):
        if entry["blank"]:
            return _bench_plt.figure(figsize=entry["figsize"], dpi=entry["dpi"])
        t0 = _bench_time.perf_counter()
        fig = draw(**params)
        entry["draw_s"] = _bench_time.perf_counter() - t0
        entry["figsize"], entry["dpi"] = tuple(fig.get_size_inches()), fig.dpi
        return fig

    def capture(show, controls):
        entry["show"], entry["controls"] = show, dict(controls)
        return _bench_real_output(show, controls)

    _bench_explorers.widgets.interactive_output = capture
    try:
        box = _bench_real_live(timed, *args, **kwargs)
    finally:
        _bench_explorers.widgets.interactive_output = _bench_real_output
    entry["options"] = {
        k: v for k, v in kwargs.items() if k not in entry.get("controls", {})
    }
    _bench_live.append(entry)
    return box


_bench_explorers.live = _bench_recording_live

# seconds the cyclic garbage collector spends, summed (any generation)
import gc as _bench_gc

_bench_gc_s = [0.0, 0.0]  # total, start of the collection running


def _bench_gc_clock(phase, info):
    now = _bench_time.perf_counter()
    if phase == "start":
        _bench_gc_s[1] = now
    else:
        _bench_gc_s[0] += now - _bench_gc_s[1]


_bench_gc.callbacks.append(_bench_gc_clock)
"""

# Runs after the chapter's last cell, in the same kernel. CONFIG is filled in.
TIME = """\
import json as _json
import os as _os
import sys as _sys
import time as _time

import ipywidgets as _widgets
import matplotlib.pyplot as _plt
import numpy as _np
from IPython import get_ipython as _get_ipython

import assocmem as _assocmem

_bench_config = _json.loads(CONFIG)
_bench_format = _get_ipython().display_formatter.format
_bench_real_display = _bench_explorers.display


def _bench_display(obj):
    # what display(obj) computes (the formatted image), without sending it
    data, _ = _bench_format(obj)
    if "image/png" not in data:
        raise RuntimeError(f"live showed no PNG: {sorted(data)}")


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


def _bench_move(entry, params, blank=False):
    # one slider move: live's own callback; returns wall s, cpu s, draw s, leaks
    entry["blank"], entry["draw_s"] = blank, 0.0
    g0 = _bench_gc_s[0]
    w0, c0 = _time.perf_counter(), _time.process_time()
    entry["show"](**params)
    w1, c1 = _time.perf_counter(), _time.process_time()
    gc_s = _bench_gc_s[0] - g0
    entry["blank"] = False
    leaked = _plt.get_fignums()
    if leaked:
        _plt.close("all")
    times = {"wall": w1 - w0, "cpu": c1 - c0, "draw": entry["draw_s"], "gc": gc_s}
    return times, len(leaked)


def _bench_run(entry, k, repeats):
    first, repeat, base, leaks = [], [], [], 0
    for p in _bench_points(entry["controls"], k):
        t, leak = _bench_move(entry, p)
        first.append(dict(t, params=p))
        base.append(_bench_move(entry, p, blank=True)[0])
        leaks += leak
        for _ in range(repeats):
            t, leak = _bench_move(entry, p)
            repeat.append(t)
            base.append(_bench_move(entry, p, blank=True)[0])
            leaks += leak
    return {
        "draw": entry["name"],
        "controls": list(entry["controls"]),
        "options": {k: repr(v) for k, v in entry["options"].items()},
        "figsize": list(entry["figsize"]),
        "dpi": entry["dpi"],
        "first": first,
        "repeat": repeat,
        "baseline": base,
        "leaked_figures": leaks,
    }


_bench_explorers.display = _bench_display
try:
    _bench_out = {
        "python": _sys.executable,
        "assocmem": _assocmem.__file__,
        "omp_threads": _os.environ.get("OMP_NUM_THREADS"),
        "explorers": [
            _bench_run(e, _bench_config["values"], _bench_config["repeats"])
            for e in _bench_live
        ],
    }
finally:
    _bench_explorers.display = _bench_real_display
print("MARK" + _json.dumps(_bench_out, default=str))
"""


LEGEND = """\
Seconds. 1st: the first call at each point (wall med(ian), max; cpu: CPU time of the
kernel). rep: the repeated calls. empty: the baseline, an empty figure of the same size
shown the same way. ratio: first-call CPU median / baseline CPU median. render: median
share of a first call's wall time spent outside draw (rendering the PNG). gc max: the
longest time the garbage collector ran within one call. budget: yes
if every first call took <= 0.15 s wall, "cpu only" if only its CPU time did (a loaded
machine), NO otherwise."""


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
        "gc_max": top(first + repeat, "gc"),
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
    from tools import kernel_wait  # run as a module from the root: tools is importable

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
        ("gc max", "gc_max", ".3f"),
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
            opts = "".join(f"{k}={v}, " for k, v in ex["options"].items())
            w, h = ex["figsize"]
            leak = (
                f"; {ex['leaked_figures']} figures left open by draw"
                if ex["leaked_figures"]
                else ""
            )
            print(
                f"{name[:-6]}: live({ex['draw']}, {opts}{', '.join(ex['controls'])}), "
                f"figure {w:g}x{h:g} in at {ex['dpi']:g} dpi; "
                f"slowest first call {s['first_wall_max']:.3f} s at "
                f"{s['slowest']}{leak}"
            )
    print(LEGEND)
    print(f"load average at end {load()}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
