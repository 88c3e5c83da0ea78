"""Regenerate the chapter-7 long runs shipped as ``assocmem/data/ch7_long_run.json``.

    python -m tools.regenerate_ch7 assocmem/data/ch7_long_run.json     # tens of minutes
    on one core
    python -m tools.regenerate_ch7 /tmp/head.json --steps 3 --parts d64 --seeds 0

``LONG_RUN`` is the configuration of every run: the trigger task, two full trainings
(``all_params``, d = 64 and d = 128, four step sizes each) and the W_O2-only runs over
five seeds, and the tokens whose margins are kept. Every run draws its batches in order
from its own seeded generator, so a shortened run (``--steps``) reproduces the first
steps of the full one: the tests use that.
"""

import argparse
import json
import math

import torch

from assocmem._validate import DTYPE
from assocmem.trajectory import forget_events
from assocmem.transformer import (
    PLOTTED_TOKENS,
    MemoryTransformer,
    TriggerTask,
    train_all,
    train_wo2_only,
)

# the configuration of the shipped runs (stored in the file as "config", compared by the
# tests)
LONG_RUN = {
    "task": {"vocab_size": 65, "k": 5, "exponent": 1.0, "sigma": 1.0, "seed": 0},
    "all_params": {
        "d64": {
            "d": 64,
            "lrs": [2, 5, 10, 20],
            "seq_len": 128,
            "batch_size": 64,
            "steps": 800,
            "eval_every": 10,
            "eval_size": 128,
            "model_seed": 0,
            "data_seed": 0,
            "margin_lrs": [2, 10],
            "margin_every": 2,
        },
        "d128": {
            "d": 128,
            "lrs": [2, 5, 10, 20],
            "seq_len": 128,
            "batch_size": 64,
            "steps": 800,
            "eval_every": 10,
            "eval_size": 128,
            "model_seed": 0,
            "data_seed": 0,
            "margin_lrs": [20],
            "margin_every": 2,
        },
    },
    "wo2_only": {
        "d": 64,
        "lrs": [20, 50, 100, 200],
        "seq_len": 256,
        "batch_size": 512,
        "steps": 50,
        "eval_size": 64,
        "sharpness_iters": 5,
        "seeds": [0, 1, 2, 3, 4],
    },
    "tokens": PLOTTED_TOKENS,
}
REGENERATE = "python -m tools.regenerate_ch7 assocmem/data/ch7_long_run.json"


def _json(x, digits):
    """Nested lists of rounded floats; NaN and inf become None (JSON has no NaN)."""
    x = torch.as_tensor(x, dtype=DTYPE)
    if x.ndim == 0:
        v = x.item()
        return round(v, digits) if math.isfinite(v) else None
    return [_json(r, digits) for r in x]


def _log_all_params(run, c, tokens):
    """What the shipped file keeps of a ``train_all`` run (it must stay under 200
    kB).
    """
    every = torch.arange(0, run.wo2.shape[1], c["margin_every"])
    sel = [run.lr.tolist().index(float(lr)) for lr in c["margin_lrs"]]
    return {
        "lr": run.lr.tolist(),
        "train_loss": _json(run.train_loss, 3),
        "eval_step": run.eval_step.tolist(),
        "eval_loss": _json(run.eval_loss, 4),
        "margin_step": every.tolist(),
        "margin_lr": [float(lr) for lr in c["margin_lrs"]],
        "wo2": _json(run.wo2[sel][:, every][:, :, tokens], 1),
        "wk2": _json(run.wk2[sel][:, every], 1),
        "wo2_npos": (run.wo2[:, every] > 0).sum(-1).tolist(),
        "wk2_npos": (run.wk2[:, every] > 0).sum(-1).tolist(),
        "wo2_forget_events": forget_events(run.wo2).sum(-1).tolist(),
        "norms": {n: _json(v[:, run.eval_step], 2) for n, v in run.norms.items()},
    }


def _log_wo2_only(run, tokens):
    return {
        "lr": run.lr.tolist(),
        "train_loss": _json(run.train_loss, 3),
        "eval_loss": _json(run.eval_loss, 4),
        "sharpness": _json(run.sharpness, 5),
        "wo2": _json(run.wo2[:, :, tokens], 1),
        "wo2_npos": (run.wo2 > 0).sum(-1).tolist(),
        "wo2_forget_events": forget_events(run.wo2).sum(-1).tolist(),
    }


def long_run(config=None, steps=None, parts=None, seeds=None):
    """Run the logged experiments of ``LONG_RUN`` and return them as a JSON-ready dict.

    ``steps`` (int) shortens every run, ``parts`` (e.g. ["d64", "wo2_only"]) and
    ``seeds`` select a subset: a shortened run reproduces the first steps of the full
    one, because every run draws its batches in order from its own seeded generator.
    """
    cfg = LONG_RUN if config is None else config
    tokens = cfg["tokens"]
    out = {
        "command": REGENERATE,
        "torch": torch.__version__,
        "config": cfg,
        "all_params": {},
        "wo2_only": {},
    }
    for name, c in cfg["all_params"].items():
        if parts is not None and name not in parts:
            continue
        task = TriggerTask(seq_len=c["seq_len"], **cfg["task"])
        run = train_all(
            task,
            c["lrs"],
            c["steps"] if steps is None else steps,
            c["batch_size"],
            d=c["d"],
            model_seed=c["model_seed"],
            data_seed=c["data_seed"],
            eval_every=c["eval_every"],
            eval_size=c["eval_size"],
        )
        out["all_params"][name] = _log_all_params(run, c, tokens)
    c = cfg["wo2_only"]
    if parts is None or "wo2_only" in parts:
        task = TriggerTask(seq_len=c["seq_len"], **cfg["task"])
        for s in c["seeds"] if seeds is None else seeds:
            model = MemoryTransformer(task.V, c["d"], c["seq_len"], seed=s)
            run = train_wo2_only(
                task,
                model,
                c["lrs"],
                c["steps"] if steps is None else steps,
                c["batch_size"],
                data_seed=s,
                eval_size=c["eval_size"],
                sharpness_iters=c["sharpness_iters"],
            )
            out["wo2_only"][f"seed{s}"] = _log_wo2_only(run, tokens)
    return out


def main(argv=None):
    """Command line: ``python -m tools.regenerate_ch7 PATH`` writes the logs to PATH."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.regenerate_ch7",
        description="Regenerate the logged chapter-7 runs (tens of minutes, one core).",
    )
    parser.add_argument("path", metavar="PATH", help="where to write the JSON logs")
    parser.add_argument(
        "--steps", type=int, default=None, help="shorten every run (the tests use 3)"
    )
    parser.add_argument(
        "--parts", nargs="+", default=None, help="subset of d64, d128, wo2_only"
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=None,
        help="subset of the W_O2-only seeds",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1 reproduces the shipped file)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    logs = long_run(steps=args.steps, parts=args.parts, seeds=args.seeds)
    with open(args.path, "w") as f:
        json.dump(logs, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
