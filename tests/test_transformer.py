"""Chapter 7's small Transformer: the task sampler, the model, the memory probes, the
W_O2-only shortcut and the regeneration command of the shipped long run."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import assocmem as am
import assocmem.transformer as tr
import tools.regenerate_ch7 as regen

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def task():
    return tr.TriggerTask(vocab_size=65, k=5, seq_len=100, seed=3)


@pytest.fixture(scope="module")
def batch(task):
    return task.sample(16, torch.Generator().manual_seed(5))


# ---- the task sampler
# -----------------------------------------------------------------------------------


def test_sample_shapes_and_dtypes(task, batch):
    assert batch.x.shape == batch.y.shape == batch.count.shape == (16, 100)
    assert batch.outputs.shape == (16, 5)
    for t in (batch.x, batch.y, batch.count, batch.outputs):
        assert t.dtype == torch.int64
    assert batch.x.min() >= 0 and batch.x.max() < 65
    assert torch.equal(batch.x[:, 1:], batch.y[:, :-1])  # y is x shifted by one


def test_every_trigger_is_followed_by_its_sequence_output_in_every_sequence(
    task, batch
):
    for b in range(16):
        for t in range(100):
            x = int(batch.x[b, t])
            if x < task.k:
                assert int(batch.y[b, t]) == int(batch.outputs[b, x])
    assert (batch.x < task.k).any(dim=1).all()  # every sequence meets a trigger


def test_count_is_the_occurrence_number_of_the_trigger_and_mask_is_count_at_least_two(
    task, batch
):
    for b in range(16):
        seen = {}
        for t in range(100):
            x = int(batch.x[b, t])
            if x < task.k:
                seen[x] = seen.get(x, 0) + 1
            assert int(batch.count[b, t]) == (seen[x] if x < task.k else 0)
    assert torch.equal(batch.mask, batch.count >= 2)


def test_sampler_equals_a_sequential_reference_fed_the_same_random_draws(task, batch):
    """The tree evaluation must give exactly the chain a per-token loop gives with the
    same uniforms.
    """
    g = torch.Generator().manual_seed(5)
    outputs = torch.randint(
        task.V, (16, task.k), generator=g
    )  # the sampler's draw order
    x0 = torch.multinomial(task.pi, 16, replacement=True, generator=g)
    u = torch.rand(16, task.T, generator=g, dtype=torch.float64)
    cdf = task.cond.cumsum(1)
    cdf[:, -1] = 1.0
    for b in range(16):
        seq = [int(x0[b])]
        for t in range(task.T):
            c = seq[-1]
            seq.append(
                int(outputs[b, c]) if c < task.k else int((cdf[c] <= u[b, t]).sum())
            )
        assert seq[:-1] == batch.x[b].tolist() and seq[1:] == batch.y[b].tolist()


def test_sample_is_deterministic_given_the_seed_and_changes_with_it(task):
    a = task.sample(8, torch.Generator().manual_seed(11))
    b = task.sample(8, torch.Generator().manual_seed(11))
    c = task.sample(8, torch.Generator().manual_seed(12))
    assert torch.equal(a.x, b.x) and torch.equal(a.outputs, b.outputs)
    assert not torch.equal(a.x, c.x)
    assert torch.equal(tr.TriggerTask(seed=3).cond, tr.TriggerTask(seed=3).cond)
    assert not torch.equal(tr.TriggerTask(seed=3).cond, tr.TriggerTask(seed=4).cond)


@pytest.mark.parametrize("T", [1, 2, 3, 64, 129])
def test_sampler_handles_lengths_that_are_not_powers_of_two(T):
    b = tr.TriggerTask(seq_len=T).sample(4, torch.Generator().manual_seed(0))
    assert b.x.shape == (4, T) and torch.equal(b.x[:, 1:], b.y[:, :-1])


def test_non_trigger_transitions_follow_the_bigram_model():
    task = tr.TriggerTask(seq_len=256)
    b = task.sample(256, torch.Generator().manual_seed(0))
    keep = b.x >= task.k
    C = torch.zeros(task.V, task.V, dtype=torch.float64)
    C.index_put_(
        (b.x[keep], b.y[keep]),
        torch.ones(int(keep.sum()), dtype=torch.float64),
        accumulate=True,
    )
    rows = C.sum(1) > 1000
    assert rows.sum() >= 5
    emp = C[rows] / C[rows].sum(1, keepdim=True)
    assert (emp - task.cond[rows]).abs().max() < 0.03


def test_triggers_are_the_most_likely_tokens_and_bigram_rows_are_distributions():
    task = tr.TriggerTask(k=5)
    assert (
        task.triggers.tolist()
        == task.pi.argsort(descending=True)[:5].sort().values.tolist()
    )
    torch.testing.assert_close(
        task.cond.sum(1), torch.ones(task.V, dtype=torch.float64)
    )


def test_task_rejects_bad_arguments():
    with pytest.raises(ValueError, match="k must be smaller than vocab_size"):
        tr.TriggerTask(vocab_size=5, k=5)
    with pytest.raises(ValueError, match="vocab_size must be <= 256"):
        tr.TriggerTask(vocab_size=300)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        tr.TriggerTask().sample(0, torch.Generator())


# ---- the model -----------------------------------------------------------------------
# -------------------


@pytest.fixture(scope="module")
def model64():
    return tr.MemoryTransformer(
        vocab_size=65, d=16, max_len=100, seed=1, dtype=torch.float64
    )


def test_forward_and_features_shapes(batch):
    model = tr.MemoryTransformer(vocab_size=65, d=32, max_len=100, seed=0)
    logits = model(batch.x)
    h1, z = model.features(batch.x)
    assert logits.shape == (16, 100, 65) and logits.dtype == torch.float32
    assert h1.shape == z.shape == (16, 100, 32)
    A1, A2 = model.attention(batch.x[:3])
    assert A1.shape == A2.shape == (3, 100, 100)


def test_only_WK1_WK2_WO2_are_trainable():
    model = tr.MemoryTransformer(d=8, max_len=10)
    assert sorted(n for n, p in model.named_parameters() if p.requires_grad) == [
        "WK1",
        "WK2",
        "WO2",
    ]
    assert sorted(n for n, _ in model.named_buffers()) == [
        "WO1",
        "WU",
        "WV1",
        "WV2",
        "pos",
        "tok",
    ]


def test_model_init_is_seeded_and_follows_birth_scales():
    a, b = tr.MemoryTransformer(d=64, seed=4), tr.MemoryTransformer(d=64, seed=4)
    assert all(
        torch.equal(x, y)
        for x, y in zip(a.state_dict().values(), b.state_dict().values())
    )
    assert (
        a.WK1.abs().max() <= 1 / 8 and a.WU.abs().max() <= 1 / 8
    )  # U(-1/sqrt d, 1/sqrt d)
    assert abs(a.tok.std().item() - 1) < 0.05 and abs(a.pos.std().item() - 1) < 0.05


def test_explicit_attention_equals_the_sdpa_forward(model64, batch):
    A1, A2 = model64.attention(batch.x)
    causal = torch.ones(100, 100, dtype=torch.bool).tril()
    assert (A1[:, ~causal] == 0).all() and (A2[:, ~causal] == 0).all()
    torch.testing.assert_close(A1.sum(-1), torch.ones(16, 100, dtype=torch.float64))
    h0 = model64.tok[batch.x] + model64.pos[:100]
    h1 = h0 + A1 @ (h0 @ model64.WV1.T) @ model64.WO1.T
    logits = (h1 + A2 @ (h1 @ model64.WV2.T) @ model64.WO2.T) @ model64.WU.T
    torch.testing.assert_close(model64(batch.x), logits, rtol=1e-10, atol=1e-10)


# ---- memory probes = the book's margins
# -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_wo2_probe_equals_task_margins_of_the_extracted_memory(dtype):
    model = tr.MemoryTransformer(vocab_size=65, d=64, seed=2, dtype=dtype)
    with torch.no_grad():
        model.WO2.add_(
            0.3 * model.WV2.T @ model.WU.T[:, :64]
        )  # a memory with some structure
    f = lambda t: t.detach().to(torch.float64)  # noqa: E731
    E = f(model.tok) @ f(model.WV2).T  # e_x = W_V2 w_E(x)
    U = f(model.WU)  # u_y = w_U(y)
    task = am.Task(
        E=E,
        U=U,
        p=torch.full((65,), 1 / 65, dtype=torch.float64),
        targets=torch.arange(65),
    )
    torch.testing.assert_close(
        tr.wo2_margins(model), task.margins(f(model.WO2)), rtol=1e-10, atol=1e-10
    )
    stack = torch.stack([f(model.WO2), -f(model.WO2)])
    torch.testing.assert_close(
        tr.wo2_margins(model, stack), task.margins(stack), rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("keys", [None, [0, 1, 2, 3, 4], [7, 3, 30]])
def test_wk2_probe_equals_task_margins_of_the_extracted_memory(keys):
    model = tr.MemoryTransformer(vocab_size=65, d=64, seed=3, dtype=torch.float64)
    idx = torch.arange(65) if keys is None else torch.tensor(keys)
    Q = model.tok[idx]  # e_x = w_E(x), the query
    K = Q @ model.WV1.T @ model.WO1.T  # u_x' = W_O1 W_V1 w_E(x')
    n = len(idx)
    task = am.Task(
        E=Q,
        U=K,
        p=torch.full((n,), 1 / n, dtype=torch.float64),
        targets=torch.arange(n),
    )
    W = model.WK2.detach().T  # S[x, x'] = e_x^T W_K2 u_x'
    torch.testing.assert_close(
        tr.wk2_margins(model, keys), task.margins(W), rtol=1e-10, atol=1e-10
    )


def test_wk2_scores_are_layer_2_logits_of_a_clean_induction_pattern():
    """With h1 = w_E(x) at the query and h1 = W_O1 W_V1 w_E(x') at the key, the logit
    is the probe's score.
    """
    model = tr.MemoryTransformer(vocab_size=10, d=8, seed=0, dtype=torch.float64)
    q = model.tok[3]
    k = model.WO1 @ model.WV1 @ model.tok[6]
    logit = q @ (model.WK2 @ k)
    Q = model.tok
    S = Q @ model.WK2 @ (Q @ model.WV1.T @ model.WO1.T).T
    assert torch.isclose(logit, S[3, 6])


# ---- the W_O2-only shortcut
# -----------------------------------------------------------------------------


def test_wo2_closed_form_loss_and_gradient_match_autograd(model64, batch):
    loss = tr.head_loss(model64(batch.x), batch)
    (g,) = torch.autograd.grad(loss, [model64.WO2])
    L, G = tr.wo2_loss_grad(
        model64.WO2.detach()[None], *tr.wo2_problem(model64, batch), model64.WU
    )
    torch.testing.assert_close(L[0], loss.detach(), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(G[0], g, rtol=1e-9, atol=1e-12)


def testwo2_sharpness_is_the_top_eigenvalue_of_the_autograd_hessian():
    task = tr.TriggerTask(vocab_size=12, k=2, seq_len=20)
    model = tr.MemoryTransformer(
        vocab_size=12, d=4, max_len=20, seed=0, dtype=torch.float64
    )
    b = task.sample(8, torch.Generator().manual_seed(0))
    base, z, y = tr.wo2_problem(model, b)

    def loss(W):
        return torch.nn.functional.cross_entropy(base + z @ (model.WU @ W).T, y)

    H = torch.autograd.functional.hessian(loss, model.WO2.detach()).reshape(16, 16)
    v0 = torch.randn(
        1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    lam, _ = tr.wo2_sharpness(model.WO2.detach()[None], base, z, model.WU, v0, 500)
    torch.testing.assert_close(
        lam[0], torch.linalg.eigvalsh(H)[-1], rtol=1e-6, atol=1e-10
    )


def test_train_wo2_only_equals_plain_sgd_on_the_model_with_everything_else_frozen():
    task = tr.TriggerTask(seq_len=32)
    model = tr.MemoryTransformer(d=16, max_len=32, seed=0, dtype=torch.float64)
    run = tr.train_wo2_only(
        task, model, [3.0, 30.0], 3, batch_size=8, data_seed=2, eval_size=4
    )
    for i, lr in enumerate([3.0, 30.0]):
        m = tr.MemoryTransformer(d=16, max_len=32, seed=0, dtype=torch.float64)
        g, _ = tr.data_generators(2)
        for t in range(3):
            b = task.sample(8, g)
            loss = tr.head_loss(m(b.x), b)
            (grad,) = torch.autograd.grad(loss, [m.WO2])
            assert math.isclose(run.train_loss[i, t].item(), loss.item(), rel_tol=1e-10)
            with torch.no_grad():
                m.WO2.sub_(lr * grad)
        torch.testing.assert_close(
            run.wo2[i, -1], tr.wo2_margins(m), rtol=1e-9, atol=1e-9
        )
    assert torch.equal(
        model.WO2,
        tr.MemoryTransformer(d=16, max_len=32, seed=0, dtype=torch.float64).WO2,
    )


def test_train_all_runs_share_data_and_start_from_the_same_model():
    task = tr.TriggerTask(seq_len=16)
    run = tr.train_all(
        task, [1.0, 4.0], 4, batch_size=4, d=8, eval_every=2, eval_size=4
    )
    assert (
        run.train_loss.shape == (2, 4)
        and run.wo2.shape == (2, 5, 65)
        and run.wk2.shape == (2, 5, 5)
    )
    assert run.eval_step.tolist() == [0, 2, 4]
    assert run.train_loss[0, 0] == run.train_loss[1, 0]  # same batch, same init
    assert not torch.equal(run.wo2[0, -1], run.wo2[1, -1])


def test_forget_events_do_not_count_the_first_upward_crossing():
    m = torch.tensor(
        [[-1.0], [2.0], [-0.5], [1.0], [0.0], [3.0]]
    )  # + at 1, - at 2, + at 3, 0 at 4
    assert tr.forget_events(m).tolist() == [2]
    assert tr.forget_events(torch.stack([m, -m])).tolist() == [[2], [2]]


# ---- the shipped long run and its regeneration command
# ---------------------------------------------------


def test_shipped_long_run_is_small_and_complete():
    path = Path(am.__file__).parent / "data" / "ch7_long_run.json"
    assert path.stat().st_size < 200_000
    logs = tr.load_long_run()
    assert logs["config"] == json.loads(json.dumps(regen.LONG_RUN))
    assert set(logs["all_params"]) == set(regen.LONG_RUN["all_params"])
    assert set(logs["wo2_only"]) == {
        f"seed{s}" for s in regen.LONG_RUN["wo2_only"]["seeds"]
    }


def _close_lists(a, b, tol):
    """Nested lists equal up to one unit ``tol`` of the stored rounding (None = a
    non-finite value).

    One unit, not zero: float32 round-off may flip the last stored digit on another CPU
    or torch build."""
    if isinstance(a, list):
        return len(a) == len(b) and all(_close_lists(x, y, tol) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * (1 + 1e-9)


def test_regeneration_command_reproduces_the_first_steps_of_the_shipped_file(tmp_path):
    steps = 3
    out = tmp_path / "head.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.regenerate_ch7",
            str(out),
            "--steps",
            str(steps),
            "--parts",
            "d64",
            "d128",
            "wo2_only",
            "--seeds",
            "0",
        ],
        check=True,
        cwd=ROOT,
    )
    fresh, shipped = json.loads(out.read_text()), tr.load_long_run()
    for name, f in fresh["all_params"].items():
        s = shipped["all_params"][name]
        assert _close_lists(f["train_loss"], [r[:steps] for r in s["train_loss"]], 1e-3)
        assert _close_lists(
            [r[:1] for r in f["eval_loss"]], [r[:1] for r in s["eval_loss"]], 1e-4
        )
        n = len(f["margin_step"])
        assert f["margin_step"] == s["margin_step"][:n]
        assert _close_lists(f["wo2"], [r[:n] for r in s["wo2"]], 0.1)
        assert _close_lists(f["wk2"], [r[:n] for r in s["wk2"]], 0.1)
        assert _close_lists(f["wo2_npos"], [r[:n] for r in s["wo2_npos"]], 1)
    f, s = fresh["wo2_only"]["seed0"], shipped["wo2_only"]["seed0"]
    assert _close_lists(f["train_loss"], [r[:steps] for r in s["train_loss"]], 1e-3)
    assert _close_lists(f["eval_loss"], [r[: steps + 1] for r in s["eval_loss"]], 1e-4)
    assert _close_lists(f["sharpness"], [r[: steps + 1] for r in s["sharpness"]], 1e-5)
    assert _close_lists(f["wo2"], [r[: steps + 1] for r in s["wo2"]], 0.1)


def test_features_at_equals_features_on_the_mask():
    task = tr.TriggerTask(seq_len=40, seed=1)
    model = tr.MemoryTransformer(d=16, max_len=40, seed=3)
    b = task.sample(70, torch.Generator().manual_seed(5))  # 3 groups of 32 or fewer
    h1, z = model.features(b.x)
    h1_m, z_m = model.features_at(b.x, b.mask)
    assert b.mask.sum() > 0 and torch.equal(h1_m, h1[b.mask])
    assert torch.equal(z_m, z[b.mask])
    none = torch.zeros_like(b.mask)
    assert model.features_at(b.x, none)[1].shape == (0, 16)
