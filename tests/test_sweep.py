"""am.sweep: many configurations in one batched loop, against separate runs and a plain
reference loop.
"""

import pytest
import torch

import assocmem as am

F64 = torch.float64


def _reference_gd(task, lr, steps, W0=None):
    """The textbook loop, one configuration at a time: W <- W - lr * grad L(W), logging
    every iterate.
    """
    W = task.zeros() if W0 is None else torch.as_tensor(W0, dtype=F64).clone()
    loss, zero_one, margins = [], [], []
    for t in range(steps + 1):
        loss.append(task.loss(W))
        zero_one.append(task.zero_one_loss(W))
        margins.append(task.margins(W))
        if t < steps:
            W = W - lr * task.gradient(W)
    return torch.stack(loss), torch.stack(zero_one), torch.stack(margins), W


def _pair_grid():
    """A small group-G-like grid: 2 frequencies x 3 correlations x 2 step sizes, axes
    (P, A, L).
    """
    p1 = torch.tensor([0.6, 0.9], dtype=F64)
    alpha = torch.tensor([-0.3, 0.5, 0.95], dtype=F64)
    lr = torch.tensor([0.5, 10.0], dtype=F64)
    E = am.correlated_pair(alpha)  # (A, 2, 2)
    p = torch.stack([p1, 1 - p1], -1)  # (P, 2)
    return p1, alpha, lr, E, p


def test_sweep_equals_separate_train_runs_for_every_configuration():
    p1, alpha, lr, E, p = _pair_grid()
    U = torch.eye(2, dtype=F64)
    h = am.sweep(E[:, None], U, p[:, None, None], [0, 1], lr, 60)
    assert (
        h.loss.shape == (2, 3, 2, 61)
        and h.margins.shape == (2, 3, 2, 61, 2)
        and h.W.shape == (2, 3, 2, 2, 2)
    )
    for i in range(2):
        for j in range(3):
            task = am.Task(E[j], U, p[i], [0, 1])
            for k in range(2):
                one = am.train(task, lr[k].item(), 60)
                torch.testing.assert_close(
                    h.loss[i, j, k], one.loss, rtol=0, atol=1e-12
                )
                torch.testing.assert_close(
                    h.margins[i, j, k], one.margins, rtol=0, atol=1e-12
                )
                torch.testing.assert_close(
                    h.zero_one[i, j, k], one.zero_one, rtol=0, atol=0
                )
                torch.testing.assert_close(h.W[i, j, k], one.W, rtol=0, atol=1e-12)


@pytest.mark.parametrize("N, M, d", [(5, 3, 4), (30, 3, 3), (4, 2, 6)])
def test_sweep_matches_the_textbook_loop_with_batched_embeddings_and_W0(N, M, d):
    """Random E, U and W0 per configuration; (30, 3, 3) has N >> d, where the loop
    steps W instead of S.
    """
    B = 3
    E = torch.stack([am.random_embeddings(N, d, seed=s) for s in range(B)])  # (B, N, d)
    U = torch.stack([am.random_embeddings(M, d, seed=10 + s) for s in range(B)])
    p = torch.stack([am.zipf(N, a) for a in (0.0, 1.0, 2.0)])
    targets = torch.arange(N) % M
    lr = torch.tensor([0.3, 2.0, 7.0], dtype=F64)
    W0 = 0.1 * torch.randn(
        B, d, d, dtype=F64, generator=torch.Generator().manual_seed(0)
    )
    h = am.sweep(E, U, p, targets, lr, 40, W0=W0)
    for b in range(B):
        task = am.Task(E[b], U[b], p[b], targets)
        loss, zero_one, margins, W = _reference_gd(task, lr[b].item(), 40, W0[b])
        torch.testing.assert_close(h.loss[b], loss, rtol=0, atol=1e-12)
        torch.testing.assert_close(h.zero_one[b], zero_one, rtol=0, atol=1e-12)
        torch.testing.assert_close(h.margins[b], margins, rtol=0, atol=1e-11)
        torch.testing.assert_close(h.W[b], W, rtol=0, atol=1e-11)


def test_long_runs_on_a_non_separable_task_keep_W_consistent_with_the_scores():
    """alpha = 1: the residuals never decay, so W_T sums ~1000 non-vanishing terms
    (compensated sum).
    """
    task = am.two_token_task(1.0, 0.7)
    h = am.train(task, 3.0, 1000)
    torch.testing.assert_close(task.margins(h.W), h.margins[-1], rtol=0, atol=1e-12)
    _, _, margins, W = _reference_gd(task, 3.0, 1000)
    torch.testing.assert_close(h.W, W, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "E_shape, p_shape, lr_shape, W0_shape, batch",
    [
        ((2, 2), (2,), (), None, ()),
        ((2, 2), (2,), (4,), None, (4,)),
        ((3, 1, 2, 2), (5, 2), (1,), None, (3, 5)),
        ((3, 1, 2, 2), (1, 5, 2), (7, 1, 1), (2, 2), (7, 3, 5)),
        ((2, 2), (2,), (), (6, 2, 2), (6,)),
    ],
)
def test_batch_dimensions_broadcast_like_numpy(
    E_shape, p_shape, lr_shape, W0_shape, batch
):
    E = am.correlated_pair(0.5).expand(*E_shape)
    p = torch.tensor([0.7, 0.3], dtype=F64).expand(*p_shape)
    lr = torch.full(lr_shape, 2.0, dtype=F64)
    W0 = None if W0_shape is None else torch.zeros(W0_shape, dtype=F64)
    h = am.sweep(E, torch.eye(2), p, [0, 1], lr, 5, W0=W0)
    assert h.loss.shape == (*batch, 6) and h.zero_one.shape == (*batch, 6)
    assert h.margins.shape == (*batch, 6, 2) and h.W.shape == (*batch, 2, 2)
    # every configuration is the same task here, so every entry equals the single run
    one = am.train(am.two_token_task(0.5, 0.7), 2.0, 5)
    torch.testing.assert_close(h.loss, one.loss.expand(*batch, 6), rtol=0, atol=1e-14)


def test_zero_steps_logs_only_the_start():
    h = am.sweep(
        am.correlated_pair(0.5), torch.eye(2), [0.7, 0.3], [0, 1], [1.0, 2.0], 0
    )
    assert h.loss.shape == (2, 1) and torch.allclose(
        h.loss, torch.log(torch.tensor(2.0, dtype=F64))
    )
    assert torch.equal(h.W, torch.zeros(2, 2, 2, dtype=F64))


def test_group_G_phase_diagram_of_the_paper():
    """The authors' lr grid (group G): first step with 100 % accuracy; -1 (their 999) =
    never.
    """
    p1 = torch.sigmoid(torch.logspace(-0.5, 0.5, 10, dtype=F64))
    alpha = torch.linspace(0.5, 1, 10, dtype=F64)
    lr = torch.logspace(-1, 1, 10, dtype=F64)
    E = am.correlated_pair(alpha)
    p = torch.stack([p1, 1 - p1], -1)
    h = am.sweep(E[:, None], torch.eye(2), p[:, None, None], [0, 1], lr, 1000)
    T = am.first_hit(h.zero_one == 0)  # (P, A, L)
    assert T[0, 8].tolist() == [112, 67, 41, 25, 15, 9, 6, 2, 10, 8]
    assert T[9, 0].tolist() == [519, 311, 187, 112, 67, 40, 24, 15, 9, 8]
    assert T[4, 0].tolist() == [15, 10, 6, 4, 3, 2, 2, 2, 2, 2]  # p1 = 0.707
    assert (T[0, alpha <= 0.723] == 1).all()
    assert (T[:, -1] == -1).all()  # alpha = 1: never


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(
                lr=torch.tensor([1.0, 2.0, 3.0]),
                p=torch.tensor([[0.5, 0.5], [0.7, 0.3]]),
            ),
            "do not broadcast",
        ),
        (dict(lr=torch.ones(0)), "empty"),
        (dict(lr=-1.0), "lr must be > 0"),
        (dict(lr=float("nan")), "lr contains NaN"),
        (dict(p=[0.5, 0.6]), "p must sum to 1"),
        (dict(p=[1.2, -0.2]), "p must be non-negative"),
        (dict(p=[1.0]), "p must have length N = 2"),
        (dict(targets=[0, 2]), r"targets must lie in \[0, M\)"),
        (dict(E=torch.ones(2, 3)), "share the embedding dimension"),
        (dict(E=torch.ones(2)), r"shapes \(\.\.\., N, d\)"),
        (
            dict(E=torch.tensor([[1.0, float("inf")], [0.0, 1.0]])),
            "E contains NaN or inf",
        ),
        (dict(U=torch.ones(1, 2)), "at least M = 2"),
        (dict(W0=torch.zeros(3, 3)), r"W0 must have shape \(d, d\)"),
        (dict(steps=-1), "steps must be an int >= 0"),
    ],
)
def test_bad_inputs_raise_value_errors_that_name_the_argument(kwargs, match):
    args = dict(
        E=am.correlated_pair(0.5),
        U=torch.eye(2),
        p=[0.7, 0.3],
        targets=[0, 1],
        lr=1.0,
        steps=3,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        am.sweep(**args)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(targets=[0.5, 1]), "targets must hold integers"),
        (dict(targets="01"), "targets must be an array-like"),
        (dict(steps=2.5), "steps must be an int"),
        (dict(lr="1"), "lr must be a tensor or array-like"),
    ],
)
def test_wrong_kinds_of_object_raise_type_errors_that_name_the_argument(kwargs, match):
    args = dict(
        E=am.correlated_pair(0.5),
        U=torch.eye(2),
        p=[0.7, 0.3],
        targets=[0, 1],
        lr=1.0,
        steps=3,
    )
    args.update(kwargs)
    with pytest.raises(TypeError, match=match):
        am.sweep(**args)
