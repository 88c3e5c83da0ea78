"""Time the learning-rate phase diagram (paper group G) through am.sweep against a plain
per-configuration loop.

The grid: 10 frequencies p_1 = sigmoid(logspace(-0.5, 0.5, 10)) x 10 correlations alpha
= linspace(0.5, 1, 10) x 10 step sizes eta = logspace(-1, 1, 10); N = d = 2, f*(x) = x,
U = I, W_0 = 0, 1000 full-batch GD steps, and for each configuration the first step at
which every token is classified correctly.

- ``am.sweep`` runs all 1000 configurations in one batched loop. Timed as the best of
``--repeats`` runs.
- The baseline is what a user would write: W an ``nn.Parameter``,
``torch.optim.SGD(lr)``, autograd on the
  p-weighted cross-entropy, logging loss and accuracy at every step, one configuration
  at a time. It is
  timed on ``--subset`` configurations spread over the grid and extrapolated linearly to
  all 1000.

Both run on one thread. Wall and CPU times are printed: on a machine shared with other
jobs the wall time is inflated and the CPU time of this process is the steadier figure.
The script also checks that the baseline and the sweep agree on the subset's first-hit
times. Run from the repository root:

    .venv/bin/python benchmarks/bench_sweep.py [--subset 20] [--repeats 5]
"""

import argparse
import os
import platform
import time

import torch
import torch.nn.functional as F

import assocmem as am

F64 = torch.float64
STEPS = 1000


def group_G_grid():
    """The (p_1, alpha, eta) axes and the batched sweep arguments, grid axes (P, A,
    L).
    """
    p1 = torch.sigmoid(torch.logspace(-0.5, 0.5, 10, dtype=F64))
    alpha = torch.linspace(0.5, 1, 10, dtype=F64)
    lr = torch.logspace(-1, 1, 10, dtype=F64)
    E = am.correlated_pair(alpha)  # (A, N, d)
    p = torch.stack([p1, 1 - p1], -1)  # (P, N)
    return p1, alpha, lr, E, p


def run_sweep(E, p, lr):
    h = am.sweep(
        E[:, None], torch.eye(2, dtype=F64), p[:, None, None], [0, 1], lr, STEPS
    )
    return am.first_hit(h.zero_one == 0)  # (P, A, L), -1 = never


def baseline_one(E, p, lr):
    """One configuration, the straightforward way. Returns the first step with 100 %
    accuracy, or -1.
    """
    U = torch.eye(2, dtype=F64)
    y = torch.tensor([0, 1])
    W = torch.nn.Parameter(torch.zeros(2, 2, dtype=F64))
    opt = torch.optim.SGD([W], lr=lr)
    losses, accuracies = [], []
    for t in range(STEPS + 1):
        S = E @ W.T @ U.T  # S[x, y] = u_y^T W e_x
        loss = (p * F.cross_entropy(S, y, reduction="none")).sum()
        losses.append(loss.item())
        accuracies.append((S.argmax(1) == y).all().item())
        if t < STEPS:
            opt.zero_grad()
            loss.backward()
            opt.step()
    # argmax breaks the tie at W_0 = 0 towards class 0, so token 2 is wrong there: t = 0
    # never counts, as
    # in the sweep, which counts ties as errors
    return accuracies.index(True) if True in accuracies else -1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--subset", type=int, default=20, help="configurations timed for the baseline"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="runs of the sweep (the best is reported)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)

    p1, alpha, lr, E, p = group_G_grid()
    n_total = p1.numel() * alpha.numel() * lr.numel()

    run_sweep(E, p, lr)  # warm-up
    sweep_wall, sweep_cpu = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        T = run_sweep(E, p, lr)
        sweep_wall.append(time.perf_counter() - wall)
        sweep_cpu.append(time.process_time() - cpu)
    t_sweep, c_sweep = min(sweep_wall), min(sweep_cpu)

    # an evenly spaced subset of the flattened (P, A, L) grid, covering all three axes
    flat = torch.linspace(0, n_total - 1, args.subset).round().to(torch.int64).tolist()
    wall, cpu = time.perf_counter(), time.process_time()
    hits = []
    for f in flat:
        i, j, k = f // 100, (f // 10) % 10, f % 10
        hits.append(baseline_one(E[j], p[i], lr[k].item()))
    t_subset, c_subset = time.perf_counter() - wall, time.process_time() - cpu
    scale = n_total / len(flat)
    t_base, c_base = t_subset * scale, c_subset * scale

    expected = [T[f // 100, (f // 10) % 10, f % 10].item() for f in flat]
    agree = hits == expected

    print(
        f"group G sweep: {n_total} configurations x {STEPS} GD steps, N = d = 2, "
        f"float64, 1 thread, {os.cpu_count()} cores visible ({platform.machine()})"
    )
    print(
        "                                        wall time    CPU time of this process"
    )
    print(
        f"am.sweep, one batched call (best of {args.repeats}): {t_sweep:9.3f} s  "
        f"{c_sweep:9.3f} s"
    )
    print(
        f"baseline on {len(flat)} configurations (measured) : {t_subset:9.1f} s  "
        f"{c_subset:9.1f} s"
    )
    print(
        f"baseline, extrapolated to {n_total} (x {scale:g})  : {t_base:9.1f} s  "
        f"{c_base:9.1f} s"
    )
    print(
        f"speed-up, extrapolated baseline / sweep  : {t_base / t_sweep:9,.0f}x  "
        f"{c_base / c_sweep:9,.0f}x"
    )
    print(f"sweep wall times: {', '.join(f'{t:.3f}' for t in sweep_wall)} s")
    print(
        f"first-hit times on the subset agree: {agree} (-1 = never within {STEPS} "
        "steps)"
    )
    print(f"  baseline: {hits}")
    print(f"  sweep   : {expected}")
    if not agree:
        raise SystemExit("the baseline and the sweep disagree")


if __name__ == "__main__":
    main()
