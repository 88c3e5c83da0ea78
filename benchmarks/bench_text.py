"""Time matplotlib's text rendering: the pinned version against another, in one run.

Labels are most of what a live explorer's redraw costs (tick labels, axis labels,
legends, a title). matplotlib 3.11 draws every glyph of a label in a Python loop;
3.10 draws a label in one call into FreeType. This script measures what that means
for figures like the book's explorers, on this machine, side by side:

- the pinned matplotlib, the one installed in the environment;
- ``--other`` (default 3.11.2), installed once by uv into ``_build/bench/`` without
  its dependencies and put in front of the environment's on ``PYTHONPATH``, so that
  both runs share every other package (numpy, Pillow, ...).

Each run is a child process that renders, with the Agg canvas at 72 dpi:

- ``labels``: a figure holding 40 labels of 18 characters at 7 pt, and nothing else;
- ``frame``: a frame shaped like chapter 3's explorer (three panels on log axes, 15
  lines of 60 points, three legends: 52 labels of 397 characters in all);
- ``frame, no text``: the same frame with every label hidden (what the lines and
  axes cost).

A child draws each figure once untimed, then times ``--draws`` draws and reports the
median. The two versions alternate, ``--rounds`` children each, and the script prints
each version's median over its rounds and the ratio other / pinned. Wall seconds, one
thread; load averages are printed. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_text [--other 3.11.2] [--rounds 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tools import pip_sources  # run as a module from the root: tools is importable

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / "bench"
FIGURES = ["labels", "frame", "frame, no text"]


def labels_figure(plt):
    fig = plt.figure(figsize=(10.5, 3.5), dpi=72)
    for i in range(40):
        fig.text(0.01 + 0.024 * i, 0.1 + 0.02 * (i % 30), "token 1, p = 0.278", size=7)
    return fig


def frame_figure(plt, np):
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.5), dpi=72)
    fig.subplots_adjust(left=0.09, right=0.985, bottom=0.36, top=0.9, wspace=0.3)
    fig.suptitle("N = 20, M = 5, step size 1, Zipf exponent 1", fontsize=9)
    t = np.unique(np.logspace(0, 3, 60).round())
    below = dict(loc="upper center", bbox_to_anchor=(0.5, -0.24), fontsize=7, ncol=2)
    for k, ax in enumerate(axes):
        for i in range(5):
            ax.plot(t, np.log1p((i + 1) * t) + k, lw=2, label=f"token {i + 1}, p = 0.1")
        ax.set_xscale("log")
        ax.set_xticks([1, 10, 100, 1000], ["1", "10", "100", "1000"])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        ax.set_xlabel("step t")
        ax.set_ylabel(["margin (log scale)", "loss x step size x t", "cosine"][k])
        ax.legend(**below)
    return fig


def child(draws):
    """One run: render each figure; print the medians as JSON."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def timed(fig):
        fig.canvas.draw()  # fonts loaded, caches warm
        times = []
        for _ in range(draws):
            t0 = time.perf_counter()
            fig.canvas.draw()
            fig.canvas.buffer_rgba()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    frame = frame_figure(plt, np)
    out = {"version": matplotlib.__version__, "labels": timed(labels_figure(plt))}
    out["frame"] = timed(frame)
    for text in frame.findobj(matplotlib.text.Text):
        text.set_visible(False)
    out["frame, no text"] = timed(frame)
    print(json.dumps(out))


def install(version):
    """matplotlib==version, without dependencies, in a folder of its own."""
    target = CACHE / f"matplotlib-{version}"
    if not (target / "matplotlib").is_dir():
        uv = Path(sys.executable).with_name("uv")
        sources = pip_sources.pip_options()  # pip's indexes and find-links, for uv
        cmd = [uv, "pip", "install", "-q", "--python", sys.executable, *sources]
        cmd += ["--index-strategy", "unsafe-best-match", "--no-deps"]
        subprocess.run([*cmd, "--target", target, f"matplotlib=={version}"], check=True)
    return target


def run(draws, overlay=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    if overlay:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(overlay), *filter(None, [env.get("PYTHONPATH")])]
        )
    cmd = [sys.executable, "-m", "benchmarks.bench_text", "--child", str(draws)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"child failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", default="3.11.2", help="matplotlib version")
    parser.add_argument("--rounds", type=int, default=5, help="children per version")
    parser.add_argument("--draws", type=int, default=20, help="timed draws per child")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    if args.rounds < 1 or args.draws < 1:
        parser.error("--rounds and --draws must be >= 1")
    overlay = install(args.other)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"bench_text: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, ", end=""
    )
    print(f"{os.cpu_count()} cores, load average at start {load}")
    runs = {"pinned": [], "other": []}
    for _ in range(args.rounds):  # alternate, so a slow phase hits both
        runs["pinned"].append(run(args.draws))
        runs["other"].append(run(args.draws, overlay))
    versions = {k: {r["version"] for r in v} for k, v in runs.items()}
    if versions["other"] != {args.other}:
        sys.exit(f"the overlay did not load matplotlib {args.other}: {versions}")
    pinned, other = versions["pinned"].pop(), args.other
    print(f"{args.rounds} rounds x {args.draws} draws; median over rounds, ms")
    print(f"{'figure':<16}{pinned:>10}{other:>10}{'ratio':>8}")
    for name in FIGURES:
        a = statistics.median(r[name] for r in runs["pinned"]) * 1e3
        b = statistics.median(r[name] for r in runs["other"]) * 1e3
        print(f"{name:<16}{a:>10.1f}{b:>10.1f}{b / a:>8.2f}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ratio: {other} / {pinned}; load average at end {load}")


if __name__ == "__main__":
    main()
