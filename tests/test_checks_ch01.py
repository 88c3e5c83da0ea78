"""Chapter 1 checkers: right answers pass, typical mistakes get their targeted hint."""

import pytest
import torch

import assocmem as am
from assocmem.checks import CheckError

S = torch.tensor(
    [[2.0, 1.0, 0.5], [0.0, 3.0, 1.0], [1.0, 1.0, -1.0]], dtype=torch.float64
)
targets = torch.tensor([0, 2, 1])
right = torch.tensor([1.0, -2.0, 0.0], dtype=torch.float64)


def test_margins_accepts_the_right_answer(capsys):
    am.checks.margins(right, S, targets)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (-right, "wrong sign"),
        (torch.tensor([0.0, -2.0, 0.0]), "includes the target's own score"),
        (torch.tensor([2.0, 1.0, 1.0]), "these are the target scores"),
        (S, "one margin per input token"),
        (..., "no answer yet"),
        (torch.tensor([1.0, 2.0, 3.0]), "wrong values"),
    ],
)
def test_margins_hints(answer, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.margins(answer, S, targets)


E = am.random_embeddings(4, 5, seed=0)
U = am.random_embeddings(3, 5, seed=1)
y = torch.tensor([2, 0, 0, 1])


def test_hebbian_memory_accepts_the_sum_of_outer_products(capsys):
    W = sum(torch.outer(U[y[x]], E[x]) for x in range(4))
    am.checks.hebbian_memory(W, E, U, y)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: (U[y].T @ E).T, "the transpose"),
        (lambda: U.T @ E[:3], "not with U\\[x\\]"),
        (lambda: torch.zeros(4, 4), "expected a \\(d, d\\)"),
        (lambda: None, "no answer yet"),
        (lambda: torch.ones(5, 5), "wrong values"),  # N > M: a hint, not a shape crash
    ],
)
def test_hebbian_memory_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.hebbian_memory(make(), E, U, y)
