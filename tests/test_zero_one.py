"""The exact 0-1 optimum of two-output tasks and the batched cross-entropy minimizer
(assocmem.zero_one).
"""

import doctest
import math

import pytest
import torch

import assocmem as am
from assocmem import zero_one as zo


def parity_task(N, seed, d=2, exponent=1.0):
    return am.Task(
        am.random_embeddings(N, d, seed),
        torch.eye(2, d, dtype=torch.float64),
        am.zipf(N, exponent),
        torch.arange(N) % 2,
    )


def random_directions(n, d, seed):
    return torch.randn(
        n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
    )


def test_doctests_run():
    assert doctest.testmod(zo).failed == 0


def test_signed_embeddings_give_the_task_margins():
    task = parity_task(7, 3)
    V, _ = zo.task_coordinates(task)
    W = torch.randn(
        2, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    torch.testing.assert_close(task.margins(W), V @ am.plane.W_to_gamma(W, task.U))


def test_zero_one_counts_ties_as_errors():
    V = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    gamma = torch.tensor(
        [[1.0, 0.0]], dtype=torch.float64
    )  # margin 1 for token 0, a tie for token 1
    assert zo.zero_one(gamma, V, [0.75, 0.25]).item() == 0.25


def test_sectors_partition_the_circle():
    V, p = zo.task_coordinates(parity_task(6, 1))
    sec = zo.sectors(V, p)
    assert sec["start"].shape == (12,)
    torch.testing.assert_close(sec["end"][:-1], sec["start"][1:])
    assert abs((sec["end"] - sec["start"]).sum().item() - 2 * math.pi) < 1e-12
    mid = (sec["start"] + sec["end"]) / 2
    torch.testing.assert_close(sec["gamma"], torch.stack([mid.cos(), mid.sin()], -1))


@pytest.mark.parametrize("N", [3, 5, 10, 30])
def test_optimum_in_2d_is_never_beaten_by_a_dense_direction_search(N):
    V = zo.signed_embeddings(
        torch.stack([am.random_embeddings(N, 2, s) for s in range(40)]),
        torch.arange(N) % 2,
    )
    p = am.zipf(N, 1.0)
    opt = zo.optimum(V, p)
    theta = torch.arange(20000, dtype=torch.float64) * (2 * math.pi / 20000)
    dense = zo.zero_one(torch.stack([theta.cos(), theta.sin()], -1), V, p).amin(-1)
    assert (dense >= opt.loss - 1e-12).all()
    assert (
        (dense - opt.loss).abs() < 1e-12
    ).float().mean() >= 0.9  # a grid misses only very thin sectors


def test_the_returned_direction_reaches_the_returned_loss():
    for d in (2, 3, 4):
        V = zo.signed_embeddings(
            torch.stack([am.random_embeddings(9, d, s) for s in range(10)]),
            torch.arange(9) % 2,
        )
        p = am.zipf(9, 1.0)
        opt = zo.optimum(V, p)
        torch.testing.assert_close(
            opt.gamma.norm(dim=-1), torch.ones(10, dtype=torch.float64)
        )
        torch.testing.assert_close(
            zo.zero_one(opt.gamma.unsqueeze(-2), V, p).squeeze(-1), opt.loss
        )


def test_vertex_enumeration_agrees_with_the_sectors_in_2d():
    V = zo.signed_embeddings(
        torch.stack([am.random_embeddings(8, 2, s) for s in range(50)]),
        torch.arange(8) % 2,
    )
    p = am.zipf(8, 1.0)
    from_vertices = zo.zero_one(zo._vertex_candidates(V), V, p).amin(-1)
    torch.testing.assert_close(from_vertices, zo.optimum(V, p).loss)


@pytest.mark.parametrize("d, N", [(3, 5), (3, 10), (4, 8)])
def test_optimum_in_higher_d_matches_a_large_random_search(d, N):
    """Exact in general position: random directions never do better, and with few tokens
    (wide cones) they find the same value."""
    V = zo.signed_embeddings(
        torch.stack([am.random_embeddings(N, d, s) for s in range(20)]),
        torch.arange(N) % 2,
    )
    p = am.zipf(N, 1.0)
    opt = zo.optimum(V, p)
    search = zo.zero_one(random_directions(100000, d, 0), V, p).amin(-1)
    assert (search >= opt.loss - 1e-12).all()
    if d + 2 >= N:
        torch.testing.assert_close(search, opt.loss)


def test_separable_tasks_have_optimum_zero():
    V, p = zo.task_coordinates(
        am.Task(torch.eye(3), torch.eye(2, 3), [0.5, 0.3, 0.2], [0, 1, 0])
    )
    assert (
        zo.optimum(V, p).loss.item() == 0.0
    )  # N <= d: the least-squares direction works
    V2 = torch.tensor(
        [[1.0, 0.1], [1.0, -0.2], [1.0, 0.5], [0.9, 0.0]], dtype=torch.float64
    )
    assert zo.optimum(V2, [0.4, 0.3, 0.2, 0.1]).loss.item() == 0.0


def test_three_surrounding_tokens_sacrifice_exactly_the_rarest():
    V = torch.tensor([[1.0, 0.0], [-0.5, 0.8], [-0.4, -0.9]], dtype=torch.float64)
    for p in ([0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.1, 0.6]):
        assert abs(zo.optimum(V, p).loss.item() - min(p)) < 1e-12


def test_ce_minimizer_matches_newton_on_W():
    for task in (parity_task(30, 9), parity_task(3, 81), parity_task(10, 2, d=3)):
        V, p = zo.task_coordinates(task)
        ours = zo.ce_minimizer(V, p)
        ref = am.solvers.minimize_loss(task, tol=1e-10)
        assert bool(ours.converged) and not bool(ours.separable)
        torch.testing.assert_close(
            ours.gamma, am.plane.W_to_gamma(ref.W, task.U), atol=1e-8, rtol=0
        )
        assert abs(ours.loss.item() - ref.loss) < 1e-12


def test_ce_minimizer_is_batched_and_has_zero_gradient():
    V = zo.signed_embeddings(
        torch.stack([am.random_embeddings(30, 2, s) for s in range(64)]),
        torch.arange(30) % 2,
    )
    p = am.zipf(30, 1.0)
    ce = zo.ce_minimizer(V, p)
    assert ce.gamma.shape == (64, 2) and ce.converged.all()
    m = (ce.gamma.unsqueeze(-2) @ V.mT).squeeze(-2)
    grad = -((p * torch.sigmoid(-m)).unsqueeze(-2) @ V).squeeze(-2)
    assert grad.norm(dim=-1).max() < 1e-10


def test_ce_minimizer_flags_separable_tasks():
    V = torch.tensor([[1.0, 0.1], [1.0, -0.2], [0.9, 0.0]], dtype=torch.float64)
    ce = zo.ce_minimizer(V, [0.5, 0.3, 0.2])
    assert bool(ce.separable) and not bool(ce.converged)


def test_bad_inputs_raise_value_errors_that_say_why():
    with pytest.raises(ValueError, match="targets must lie in"):
        zo.signed_embeddings(torch.eye(2), [0, 2])
    with pytest.raises(ValueError, match="sectors needs d = 2"):
        zo.sectors(torch.eye(3), [0.5, 0.3, 0.2])
    with pytest.raises(ValueError, match="needs M = 2"):
        zo.task_coordinates(
            am.Task(torch.eye(3), torch.eye(3), [0.5, 0.3, 0.2], [0, 1, 2])
        )
    with pytest.raises(ValueError, match="p must sum to 1"):
        zo.optimum(torch.eye(2), [0.5, 0.6])
    with pytest.raises(ValueError, match="tol must be > 0"):
        zo.ce_minimizer(torch.eye(2), [0.5, 0.5], tol=0)
    with pytest.raises(ValueError, match="max_steps must be an int >= 1"):
        zo.ce_minimizer(torch.eye(2), [0.5, 0.5], max_steps=0)
