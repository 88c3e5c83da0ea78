"""Chapter 2 checkers: right answers pass, typical mistakes get their targeted hint."""

import pytest
import torch

import assocmem as am
from assocmem.checks import CheckError

task = am.Task(
    E=am.random_embeddings(5, 3, seed=10),
    U=am.random_embeddings(3, 3, seed=11),
    p=am.zipf(5, 1.0),
    targets=[0, 1, 2, 1, 0],
)
S = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(12))
lr = 0.7
K_e, K_u, p, Y = task.E @ task.E.T, task.U @ task.U.T, task.p[:, None], task.Y
P = torch.softmax(S, dim=-1)
R = p * (P - Y)


def test_score_step_accepts_the_recursion(capsys):
    am.checks.score_step(S - lr * K_e @ R @ K_u, task, S, lr)
    assert "Correct" in capsys.readouterr().out


def test_score_step_accepts_one_step_of_gradient_descent_on_W(capsys):
    """An independent route to the answer: step a memory W and read its scores."""
    W = torch.randn(
        3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(13)
    )
    am.checks.score_step(
        task.scores(W - lr * task.gradient(W)), task, task.scores(W), lr
    )
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (S + lr * K_e @ R @ K_u, "wrong sign"),
        (S - lr * K_e @ (P - Y) @ K_u, "frequencies are missing"),
        (S - lr * p * (K_e @ (P - Y)) @ K_u, "weights the wrong token"),
        (S - lr * K_e @ (p * (torch.softmax(S, dim=0) - Y)) @ K_u, "wrong axis"),
        (S - lr * R @ K_u, "K_e is missing"),
        (S - lr * K_e @ R, "K_u is missing"),
        (S - lr * R, "both Gram matrices are missing"),
        (-lr * K_e @ R @ K_u, "increment only"),
        (S, "equals S"),
        (S.T, "shape \\(N, M\\)"),
        (..., "no answer yet"),
        (torch.zeros(5, 3), "wrong values"),
    ],
)
def test_score_step_hints(answer, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.score_step(answer, task, S, lr)


def test_interaction_kernel_accepts_the_kernel(capsys):
    K = torch.stack(
        [
            torch.stack([task.p[j] * task.E[i] @ task.E[j] for j in range(5)])
            for i in range(5)
        ]
    )
    am.checks.interaction_kernel(K, task)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: (K_e * task.p).T, "transposed"),
        (lambda: K_e, "Gram matrix alone"),
        (lambda: K_e * task.p[:, None] * task.p, "p appears twice"),
        (lambda: task.E.T @ task.E, "E.T @ E is the \\(d, d\\)"),
        (lambda: torch.zeros(4, 4), "shape \\(N, N\\)"),
        (lambda: ..., "no answer yet"),
        (lambda: torch.ones(5, 5), "wrong values"),
    ],
)
def test_interaction_kernel_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.interaction_kernel(make(), task)
