"""Data helpers: the two-token task, broadcasting correlated pairs."""

import pytest
import torch

import assocmem as am


def test_correlated_pair_broadcasts_over_a_tensor_of_correlations():
    alpha = torch.linspace(-1, 1, 7, dtype=torch.float64).reshape(7, 1) * torch.ones(
        1, 3
    )
    E = am.correlated_pair(alpha)
    assert E.shape == (7, 3, 2, 2)
    for a, pair in zip(alpha.flatten().tolist(), E.reshape(-1, 2, 2)):
        expected = torch.tensor(
            [[1.0, 0.0], [a, (1 - a * a) ** 0.5]], dtype=torch.float64
        )
        assert torch.allclose(pair, expected, atol=1e-15)
    assert torch.allclose(E.norm(dim=-1), torch.ones(7, 3, 2, dtype=torch.float64))
    assert torch.allclose((E[..., 0, :] * E[..., 1, :]).sum(-1), alpha, atol=1e-15)


def test_correlated_pair_of_a_number_is_two_by_two():
    assert am.correlated_pair(0.6).tolist() == [[1.0, 0.0], [0.6, 0.8]]


def test_two_token_task_is_the_hand_built_task():
    task = am.two_token_task(0.95, 0.75)
    assert torch.equal(task.E, am.correlated_pair(0.95))
    assert torch.equal(task.U, torch.eye(2, dtype=torch.float64))
    assert task.p.tolist() == [0.75, 0.25] and task.targets.tolist() == [0, 1]
    U = am.random_embeddings(2, 2, seed=3)
    assert torch.equal(am.two_token_task(0.5, 0.6, U=U).U, U)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((1.5, 0.5), ValueError, "alpha must lie in"),
        ((0.5, 1.5), ValueError, "p1 must lie in"),
        (("0.5", 0.5), TypeError, "alpha must be a real number"),
        ((0.5, None), TypeError, "p1 must be a real number"),
    ],
)
def test_two_token_task_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        am.two_token_task(*args)
