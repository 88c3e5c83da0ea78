"""The cross-entropy minimizer by Newton's method."""

import pytest
import torch

import assocmem as am


def parity_task(N, seed):
    return am.Task(
        am.random_embeddings(N, 2, seed),
        torch.eye(2),
        am.zipf(N, 1.0),
        torch.arange(N) % 2,
    )


def test_newton_minimizer_has_zero_gradient_and_matches_long_gd():
    task = parity_task(30, 9)
    r = am.solvers.minimize_loss(task)
    assert r.converged and r.grad_norm < 1e-10
    h = am.train(task, 5.0, 3000)
    assert abs(h.loss[-1].item() - r.loss) < 1e-10
    assert torch.allclose(task.scores(h.W), task.scores(r.W), atol=1e-4)


def test_newton_minimizer_is_a_minimum_along_random_directions():
    task = parity_task(3, 81)
    r = am.solvers.minimize_loss(task)
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        D = torch.randn(2, 2, dtype=torch.float64, generator=gen)
        assert task.loss(r.W + 1e-3 * D).item() >= r.loss - 1e-15


def test_newton_reports_separable_tasks():
    task = am.Task(torch.eye(2), torch.eye(2), [0.5, 0.5], [0, 1])
    r = am.solvers.minimize_loss(task)
    assert r.separable and not r.converged
    assert (task.margins(r.W) > 0).all()


def test_both_solvers_return_one_result_type_and_agree_on_separability():
    for seed in range(20):
        task = parity_task(3, seed)
        r = am.solvers.minimize_loss(task, tol=1e-10)
        V, p = am.zero_one.task_coordinates(task)
        g = am.zero_one.ce_minimizer(V, p)
        assert type(r) is type(g) is am.solvers.CEMinimum
        assert r.separable == bool(g.separable), seed


def test_newton_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_steps must be an int >= 1"):
        am.solvers.minimize_loss(parity_task(30, 9), max_steps=0)
    with pytest.raises(TypeError, match="max_steps must be an int"):
        am.solvers.minimize_loss(parity_task(30, 9), max_steps=2.0)
    with pytest.raises(TypeError, match="task must be an assocmem.Task"):
        am.solvers.minimize_loss(None)


def test_newton_converges_on_every_non_separable_three_token_draw():
    """Regression: round-off used to block the line search (seed 168 stalled at |grad|
    2e-10).
    """
    n_separable = 0
    for seed in range(200):
        task = parity_task(3, seed)
        r = am.solvers.minimize_loss(task, tol=1e-10)
        if r.separable:
            n_separable += 1
            continue
        assert r.converged and r.grad_norm < am.solvers.FLAT_GRAD, seed
    assert 0 < n_separable < 200
