"""The Task: scores, losses, margins, and the closed-form gradient and Hessian against
autograd.
"""

import math

import pytest
import torch

import assocmem as am


def test_scores_follow_the_papers_orientation(random_task):
    W = torch.randn(
        4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    S = random_task.scores(W)
    x, y = 3, 2
    assert S.shape == (5, 3)
    assert torch.isclose(S[x, y], random_task.U[y] @ W @ random_task.E[x])


def test_loss_matches_weighted_torch_cross_entropy(random_task):
    W = torch.randn(
        4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1)
    )
    S = random_task.scores(W)
    ce = torch.nn.functional.cross_entropy(S, random_task.targets, reduction="none")
    assert torch.isclose(random_task.loss(W), (random_task.p * ce).sum())


def test_margins_are_zero_at_W_zero_and_ties_count_as_errors(random_task):
    W0 = random_task.zeros()
    assert torch.equal(random_task.margins(W0), torch.zeros(5, dtype=torch.float64))
    assert random_task.zero_one_loss(W0).item() == 1.0
    assert math.isclose(random_task.loss(W0).item(), math.log(3))


def test_margins_are_target_minus_best_rival():
    task = am.Task(E=torch.eye(2), U=torch.eye(3, 2), p=[0.5, 0.5], targets=[0, 2])
    W = torch.tensor([[3.0, 0.0], [1.0, 5.0]], dtype=torch.float64)  # S = E W^T U^T
    S = task.scores(W)
    assert torch.allclose(
        S, torch.tensor([[3.0, 1.0, 0.0], [0.0, 5.0, 0.0]], dtype=torch.float64)
    )
    assert task.margins(W).tolist() == [2.0, -5.0]
    assert task.zero_one_loss(W).item() == 0.5


def _autograd_loss(task):
    def f(W):
        S = task.E @ W.T @ task.U.T
        return (
            task.p
            * torch.nn.functional.cross_entropy(S, task.targets, reduction="none")
        ).sum()

    return f


def test_closed_form_gradient_matches_autograd(random_task):
    for seed in range(3):
        W = torch.randn(
            4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
        )
        expected = torch.func.grad(_autograd_loss(random_task))(W)
        assert torch.allclose(random_task.gradient(W), expected, atol=1e-12)


def test_closed_form_hessian_matches_autograd_and_is_psd(random_task):
    W = 2 * torch.randn(
        4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5)
    )
    expected = torch.autograd.functional.hessian(
        _autograd_loss(random_task), W
    ).reshape(16, 16)
    H = random_task.hessian(W)
    assert torch.allclose(H, expected, atol=1e-12)
    assert torch.allclose(H, H.T)
    assert torch.linalg.eigvalsh(H).min().item() > -1e-12


def test_task_methods_accept_a_batch_of_memories(random_task):
    Ws = torch.randn(
        2, 3, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2)
    )
    assert random_task.loss(Ws).shape == (2, 3)
    assert random_task.margins(Ws).shape == (2, 3, 5)
    assert random_task.hessian(Ws).shape == (2, 3, 16, 16)
    assert torch.isclose(random_task.loss(Ws)[1, 2], random_task.loss(Ws[1, 2]))
    assert torch.allclose(
        random_task.gradient(Ws)[0, 1], random_task.gradient(Ws[0, 1])
    )


def test_sharpness_at_zero_for_the_spike_task(spike_task):
    """The Fig. 2 setting: lambda_max(grad^2 L(0)) = 0.4907, so 2 / lambda_max =
    4.08.
    """
    lam = spike_task.sharpness(spike_task.zeros()).item()
    assert abs(lam - 0.4907) < 1e-4
    assert abs(2 / lam - 4.08) < 5e-3


def test_zipf_frequencies():
    p = am.zipf(5, 1.0)
    assert torch.isclose(p.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(
        p,
        torch.tensor([0.438, 0.219, 0.146, 0.109, 0.088], dtype=torch.float64),
        atol=1e-3,
    )
    assert torch.allclose(am.zipf(4, 0.0), torch.full((4,), 0.25, dtype=torch.float64))


def test_random_embeddings_are_unit_and_seeded():
    E = am.random_embeddings(7, 3, seed=4)
    assert torch.allclose(E.norm(dim=1), torch.ones(7, dtype=torch.float64))
    assert torch.equal(E, am.random_embeddings(7, 3, seed=4))
    assert not torch.equal(E, am.random_embeddings(7, 3, seed=5))


def test_correlated_pair_has_inner_product_alpha():
    for alpha in (-0.5, 0.0, 0.95, 1.0):
        e = am.correlated_pair(alpha)
        assert torch.allclose(e.norm(dim=1), torch.ones(2, dtype=torch.float64))
        assert math.isclose((e[0] @ e[1]).item(), alpha, abs_tol=1e-15)


def test_orthonormal_embeddings():
    assert torch.equal(
        am.orthonormal_embeddings(3, 5) @ am.orthonormal_embeddings(3, 5).T,
        torch.eye(3, dtype=torch.float64),
    )
    with pytest.raises(ValueError, match="d must be an int >= 4"):
        am.orthonormal_embeddings(4, 3)
