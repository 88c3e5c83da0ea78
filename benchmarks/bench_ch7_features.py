"""Time the W_O2-only problem of chapter 7 (``tr.wo2_problem``): the loss-position
features computed by ``features_at`` against the full ``features`` then masked.

One batch of chapter 7's section 7.4 (512 sequences of 128 tokens, d = 64, float32).
``features_at`` computes layer 2 only at the masked query rows; ``features`` computes
every position and the mask is applied afterwards, as ``wo2_problem`` did before. The
script checks that both give the same numbers bit for bit, then prints the CPU time of
each (best of ``--repeats``, one thread) and their ratio. CPU time is the steadier
figure on a shared machine. Run from the repository root:

    .venv/bin/python benchmarks/bench_ch7_features.py [--repeats 7]
"""

import argparse
import time

import torch

import assocmem.transformer as tr


def best_cpu(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = tr.TriggerTask(vocab_size=65, k=5, seq_len=128, seed=0)
    model = tr.MemoryTransformer(vocab_size=65, d=64, max_len=128, seed=0)
    batch = task.sample(512, tr.data_generators(0)[0])
    m = batch.mask

    def full():
        with torch.no_grad():
            h1, z = model.features(batch.x)
            return h1[m], z[m]

    def masked():
        with torch.no_grad():
            return model.features_at(batch.x, m)

    same = all(torch.equal(a, b) for a, b in zip(full(), masked()))
    t_full, t_masked = best_cpu(full, args.repeats), best_cpu(masked, args.repeats)
    print(f"{int(m.sum())} loss positions of {m.numel()}; identical: {same}")
    print(
        f"features then mask {t_full * 1e3:.1f} ms, features_at {t_masked * 1e3:.1f} "
        f"ms (CPU, best of {args.repeats}); ratio {t_full / t_masked:.2f}"
    )


if __name__ == "__main__":
    main()
