"""Chapter 6 checkers: right answers pass, typical mistakes get their targeted hint."""

import math

import pytest
import torch

import assocmem as am
from assocmem import zero_one as zo
from assocmem.checks import CheckError


def parity_task(N, seed):
    return am.Task(
        am.random_embeddings(N, 2, seed),
        torch.eye(2, dtype=torch.float64),
        am.zipf(N, 1.0),
        torch.arange(N) % 2,
    )


TASK5 = parity_task(
    5, 2
)  # the exercise's task: its best sector is the one that wraps around 2 pi
V5, P5 = zo.task_coordinates(TASK5)
BEST = zo.optimum(V5, P5).loss.item()


def _boundary_directions(V):
    a = torch.atan2(V[:, 1], V[:, 0])
    lines = torch.cat([a + math.pi / 2, a - math.pi / 2]) % (2 * math.pi)
    return lines.sort().values


def test_zero_one_optimum_accepts_the_exact_value(capsys):
    am.checks.zero_one_optimum(BEST, TASK5)
    am.checks.zero_one_optimum(torch.tensor([BEST]), TASK5)
    assert "Correct" in capsys.readouterr().out


TASK10 = parity_task(
    5, 10
)  # evaluating ON the boundary lines gives a wrong value for this one
V10, P10 = zo.task_coordinates(TASK10)


def _on_boundaries():
    cuts = _boundary_directions(V10)
    m = torch.stack([cuts.cos(), cuts.sin()], -1) @ V10.T
    return ((m <= 0).double() @ P10).min().item()


def _without_wrap():
    cuts = _boundary_directions(V5)
    half = (cuts[:-1] + cuts[1:]) / 2
    return zo.zero_one(torch.stack([half.cos(), half.sin()], -1), V5, P5).min().item()


def _ce_error():
    ce = zo.ce_minimizer(V5, P5)
    return zo.zero_one(ce.gamma[None], V5, P5).item()


def test_the_hint_values_are_distinct_for_the_exercise_task():
    values = [BEST, 1 - BEST, _without_wrap(), _ce_error()]
    assert len({round(v, 9) for v in values}) == len(values)


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: 1 - BEST, "best ACCURACY"),
        (lambda: _without_wrap(), "wraps around"),
        (lambda: _ce_error(), "cross-entropy minimizer"),
        (lambda: BEST - 0.05, "no memory reaches"),
        (lambda: 0.9, "too high"),
        (lambda: [BEST, BEST], "expected one number"),
        (lambda: ..., "no answer yet"),
    ],
)
def test_zero_one_optimum_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.zero_one_optimum(make(), TASK5)


def test_zero_one_optimum_hint_for_evaluating_on_the_boundary_lines():
    value = _on_boundaries()
    assert abs(value - zo.optimum(V10, P10).loss.item()) > 1e-3
    with pytest.raises(CheckError, match="ON the boundary lines"):
        am.checks.zero_one_optimum(value, TASK10)


def test_zero_one_optimum_accepts_a_float32_answer(capsys):
    am.checks.zero_one_optimum(torch.tensor(BEST, dtype=torch.float32), TASK5)
    assert "Correct" in capsys.readouterr().out


TASK3 = parity_task(
    3, 10
)  # the exercise's task: cross-entropy gives up token 2, not the rarest
V3, P3 = zo.task_coordinates(TASK3)
LAM = torch.stack(
    [torch.linalg.det(V3[[j, k]]).abs() for j, k in [(1, 2), (2, 0), (0, 1)]]
)


def proposition_margins(lam, r):
    lo, hi = 0.0, 1 / r.max().item()
    for _ in range(200):
        c = (lo + hi) / 2
        if (lam * torch.log(1 / (c * r) - 1)).sum() > 0:
            lo = c
        else:
            hi = c
    return torch.log(1 / (c * r) - 1)


RIGHT = proposition_margins(LAM, LAM / P3)


def test_three_token_margins_accepts_the_proposition(capsys):
    am.checks.three_token_margins(RIGHT, TASK3)
    assert "Correct" in capsys.readouterr().out
    assert (RIGHT <= 0).tolist() == [False, True, False]


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: -RIGHT, "wrong sign"),
        (lambda: torch.tensor([float("inf"), -1.0, 0.5]), "infinite or NaN"),
        (lambda: proposition_margins(LAM, P3 / LAM), "r_i = lambda_i / p"),
        (lambda: proposition_margins(LAM[[2, 0, 1]], LAM[[2, 0, 1]] / P3), "violate"),
        (lambda: RIGHT[:2], "shape \\(3,\\)"),
        (lambda: ..., "no answer yet"),
    ],
)
def test_three_token_margins_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.three_token_margins(make(), TASK3)


def test_three_token_margins_refuses_a_separable_task():
    with pytest.raises(CheckError, match="separable"):
        am.checks.three_token_margins(RIGHT, parity_task(3, 0))
