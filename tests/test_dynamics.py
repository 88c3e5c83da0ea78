"""Training loops against independent references, the particle recursion, and the
paper's numbers.
"""

import math

import torch

import assocmem as am


def _sgd_reference(task, lr, steps):
    """What a user would write: nn.Parameter, torch.optim.SGD, autograd. Returns the
    loss of each iterate.
    """
    W = torch.nn.Parameter(torch.zeros(task.d, task.d, dtype=torch.float64))
    opt = torch.optim.SGD([W], lr=lr)
    losses = []
    for t in range(steps + 1):
        S = task.E @ W.T @ task.U.T
        loss = (
            task.p
            * torch.nn.functional.cross_entropy(S, task.targets, reduction="none")
        ).sum()
        losses.append(loss.item())
        if t < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return torch.tensor(losses, dtype=torch.float64), W.detach()


def test_train_matches_torch_sgd_with_autograd(random_task):
    h = am.train(random_task, 0.7, 25)
    ref_loss, ref_W = _sgd_reference(random_task, 0.7, 25)
    assert torch.allclose(h.loss, ref_loss, atol=1e-12)
    assert torch.allclose(h.W, ref_W, atol=1e-12)
    assert (
        h.loss.shape == (26,)
        and h.margins.shape == (26, 5)
        and h.zero_one.shape == (26,)
    )


def test_history_logs_the_iterates_metrics(random_task):
    h = am.train(random_task, 2.0, 7)
    assert torch.allclose(h.margins[-1], random_task.margins(h.W))
    assert torch.isclose(h.zero_one[-1], random_task.zero_one_loss(h.W))


def test_particle_recursion_matches_gd(random_task):
    S = am.particles.simulate(random_task, 1.3, 30)
    W = random_task.zeros()
    for t in range(31):
        assert torch.allclose(S[t], random_task.scores(W), atol=1e-10), t
        W = W - 1.3 * random_task.gradient(W)


def test_particle_recursion_from_a_nonzero_start(random_task):
    W0 = torch.randn(
        4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3)
    )
    S = am.particles.simulate(random_task, 0.5, 10, S0=random_task.scores(W0))
    h = am.train(random_task, 0.5, 10, W0=W0)
    assert torch.allclose(S[-1], random_task.scores(h.W), atol=1e-10)


def test_batched_lr_matches_separate_runs(random_task):
    lrs = torch.tensor([0.1, 1.0, 10.0], dtype=torch.float64)
    hb = am.train(random_task, lrs, 20)
    assert (
        hb.loss.shape == (3, 21)
        and hb.margins.shape == (3, 21, 5)
        and hb.W.shape == (3, 4, 4)
    )
    for i, lr in enumerate(lrs.tolist()):
        h = am.train(random_task, lr, 20)
        assert torch.allclose(hb.loss[i], h.loss, atol=1e-12)
        assert torch.allclose(hb.margins[i], h.margins, atol=1e-12)
        assert torch.allclose(hb.W[i], h.W, atol=1e-12)
    Sb = am.particles.simulate(random_task, lrs, 5)
    assert Sb.shape == (3, 6, 5, 3)
    assert torch.allclose(Sb[2], am.particles.simulate(random_task, 10.0, 5))


def _rk4_orthogonal_margin(t_end, p, M, n=20000):
    """Integrate dm/dt = M p / (e^m + M - 1) from m = 0 with classical Runge-Kutta."""
    f = lambda m: M * p / (math.exp(m) + M - 1)  # noqa: E731
    m, h = 0.0, t_end / n
    for _ in range(n):
        k1 = f(m)
        k2 = f(m + h * k1 / 2)
        k3 = f(m + h * k2 / 2)
        k4 = f(m + h * k3)  # noqa: E702
        m += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return m


def test_orthogonal_margin_matches_ode_solution():
    for t, p, M in [(0.5, 0.3, 2), (10.0, 0.2, 5), (300.0, 0.05, 3)]:
        expected = _rk4_orthogonal_margin(t, p, M)
        assert abs(am.theory.orthogonal_margin(t, p, M).item() - expected) < 1e-9


def test_orthogonal_margin_solves_its_equation_and_stays_finite_for_huge_t():
    t = torch.tensor([0.0, 1e-3, 1.0, 1e4, 1e12, 1e100, 1e300], dtype=torch.float64)
    m = am.theory.orthogonal_margin(t, 0.25, 5)
    assert torch.isfinite(m).all() and m[0] == 0 and (m.diff() > 0).all()
    lhs = m + torch.log1p(4 * m * torch.exp(-m))  # log(e^m + (M-1) m)
    assert torch.allclose(lhs, torch.log1p(5 * 0.25 * t), rtol=1e-14, atol=1e-14)
    assert (
        abs(m[-1].item() - math.log(1.25e300)) < 1e-9
    )  # m ~ log(M p t) once e^m dominates


def test_orthogonal_gd_first_step_margin_is_lr_times_p():
    N = M = 6
    task = am.Task(
        am.orthonormal_embeddings(N),
        am.orthonormal_embeddings(M),
        am.zipf(N, 1.0),
        range(N),
    )
    for lr in (0.1, 3.0, 100.0):
        h = am.train(task, lr, 1)
        assert torch.allclose(h.margins[1], lr * task.p, atol=1e-12)


def test_orthogonal_gd_follows_log_margin_theory():
    """Orthogonal log-margins (chapter 3): N = 20, M = 5, Zipf(1), E = U = I, lr t =
    1e4.
    """
    N, M = 20, 5
    p = am.zipf(N, 1.0)
    task = am.Task(torch.eye(N, 20), torch.eye(M, 20), p, torch.arange(N) % M)
    h = am.train(task, 10.0, 1000)
    assert abs(h.margins[-1, 0].item() - 9.537) < 2e-2
    assert abs(h.margins[-1, -1].item() - 6.507) < 2e-2
    assert abs(h.loss[-1].item() - 0.00163) < 2e-5
    assert (h.loss.diff() < 0).all()


def test_spike_sequence_of_the_paper(spike_task):
    """The benign spike of the paper's Fig. 2: alpha = 0.95, p1 = 0.75, lr = 10."""
    h = am.train(spike_task, 10.0, 34)
    expected = torch.tensor(
        [0.693, 1.163, 0.498, 0.753, 0.644, 1.349], dtype=torch.float64
    )
    assert torch.allclose(h.loss[:6], expected, atol=5e-4)
    assert h.loss[:10].argmax().item() == 5
    assert (h.zero_one[15:] == 0).all() and h.zero_one[14] > 0
    assert abs(h.loss[34].item() - 0.054) < 1e-3
    slow = am.train(spike_task, 1.0, 34)
    assert (slow.loss.diff() < 0).all() and abs(slow.loss[34].item() - 0.372) < 1e-3
    assert (
        slow.margins[34, 1] < 0 and abs(slow.margins[:, 1].min().item() + 0.89) < 1e-2
    )


def test_first_binary_step(spike_task):
    """By hand, m_1 = lr (p1 - alpha p2, p2 - alpha p1) = (5.125, -4.625), L(W_1) =
    1.163.
    """
    h = am.train(spike_task, 10.0, 1)
    assert torch.allclose(
        h.margins[1], torch.tensor([5.125, -4.625], dtype=torch.float64), atol=1e-12
    )


def test_huge_step_sizes_stay_finite(random_task, spike_task):
    for task in (random_task, spike_task):
        h = am.train(task, 1e6, 50)
        assert (
            torch.isfinite(h.loss).all()
            and torch.isfinite(h.margins).all()
            and torch.isfinite(h.W).all()
        )
        assert torch.isfinite(am.particles.simulate(task, 1e6, 50)).all()


def test_first_hit():
    flags = torch.tensor([[False, True, True], [False, False, False]])
    assert am.first_hit(flags).tolist() == [1, -1]


def test_sgd_with_batch_covering_p_exactly_is_gd_in_expectation(spike_task):
    h = am.train_sgd(spike_task, 1.0, 200, batch_size=10, seed=0)
    assert h.loss.shape == (201,)
    assert h.loss[-1] < h.loss[0]
    again = am.train_sgd(spike_task, 1.0, 200, batch_size=10, seed=0)
    assert torch.equal(h.loss, again.loss)


def _gd_loop(task, lr, steps):
    W = [task.zeros()]
    for _ in range(steps):
        W.append(W[-1] - lr * task.gradient(W[-1]))
    return torch.stack(W)


def test_keep_W_returns_every_iterate_in_both_stepping_modes():
    pair = am.two_token_task(0.95, 0.75)  # N = d = 2: steps the scores
    many = am.Task(
        am.random_embeddings(30, 3, 0),
        am.random_embeddings(3, 3, 1),
        am.zipf(30),
        torch.arange(30) % 3,
    )  # N >> d: steps W
    for task, lr in [(pair, 10.0), (many, 2.0)]:
        h = am.train(task, torch.tensor([lr, lr / 2]), 120, keep_W=True)
        assert h.W_path.shape == (2, 121, task.d, task.d)
        assert torch.allclose(h.W_path[0], _gd_loop(task, lr, 120), atol=1e-12)
        assert torch.allclose(h.W_path[:, -1], h.W, atol=1e-13)
        assert torch.allclose(task.margins(h.W_path), h.margins, atol=1e-12)
    assert am.train(pair, 1.0, 5).W_path is None


def test_sweep_keeps_W_with_batch_dimensions():
    E = am.correlated_pair(torch.tensor([0.5, 0.9]))  # (2, 2, 2)
    h = am.sweep(
        E[:, None],
        torch.eye(2),
        [0.7, 0.3],
        [0, 1],
        torch.tensor([1.0, 5.0]),
        4,
        keep_W=True,
    )
    assert h.W_path.shape == (2, 2, 5, 2, 2)
    ref = _gd_loop(am.two_token_task(0.9, 0.7), 5.0, 4)
    assert torch.allclose(h.W_path[1, 1], ref, atol=1e-13)
