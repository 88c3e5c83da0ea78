"""Chapter 7 checkers: right answers pass, typical mistakes get their targeted hint."""

import pytest
import torch

import assocmem as am
import assocmem.transformer as tr
from assocmem.checks import CheckError

model = tr.MemoryTransformer(vocab_size=65, d=64, seed=0)
keys = torch.arange(5)
f = lambda t: t.detach().to(torch.float64)  # noqa: E731
Q = f(model.tok)[keys]
K = Q @ f(model.WV1).T @ f(model.WO1).T
p = torch.full((5,), 0.2, dtype=torch.float64)


def task_margins(E, U, W):
    return am.Task(E=E, U=U, p=p, targets=torch.arange(5)).margins(W)


def test_wk2_memory_accepts_the_task_margins(capsys):
    am.checks.wk2_memory(task_margins(Q, K, f(model.WK2).T), model, keys)
    assert "Correct" in capsys.readouterr().out


def test_wk2_memory_accepts_float32_inputs(capsys):
    E, U = model.tok[keys], model.tok[keys] @ model.WV1.T @ model.WO1.T
    answer = am.Task(E=E, U=U.detach(), p=p, targets=torch.arange(5)).margins(
        model.WK2.detach().T
    )
    am.checks.wk2_memory(answer, model, keys)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: task_margins(Q, K, f(model.WK2)), "W must be W_K2 transposed"),
        (
            lambda: task_margins(Q, Q, f(model.WK2).T),
            "previous token as written by layer 1",
        ),
        (lambda: task_margins(K, Q, f(model.WK2)), "queries and keys are swapped"),
        (lambda: -task_margins(Q, K, f(model.WK2).T), "wrong sign"),
        (lambda: tr.wk2_margins(model), r"shape \(5,\), got \(65,\). restrict E and U"),
        (lambda: ..., "no answer yet"),
        (lambda: torch.ones(5), "wrong values"),
    ],
)
def test_wk2_memory_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.wk2_memory(make(), model, keys)


# margins of 3 tokens over 6 steps: token 0 learns then forgets twice, token 1 hits a
# tie, token 2 never learns
M = torch.tensor(
    [
        [-1.0, -2.0, -1.0],
        [2.0, 1.0, -1.0],
        [-1.0, 0.0, -1.0],
        [3.0, 2.0, -1.0],
        [0.5, 1.0, -1.0],
        [-0.1, 1.0, -1.0],
    ],
    dtype=torch.float64,
)


def test_forget_events_accepts_the_right_counts(capsys):
    am.checks.forget_events(torch.tensor([2, 1, 0]), M)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (torch.tensor([4, 3, 0]), "counted every sign change"),
        (torch.tensor([2, 2, 0]), "recoveries"),
        (torch.tensor([2, 0, 0]), "tie"),
        (torch.tensor(3), r"one count per token.*sum over the steps only"),
        (..., "no answer yet"),
        (torch.tensor([1, 1, 1]), "wrong counts"),
    ],
)
def test_forget_events_hints(answer, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.forget_events(answer, M)
