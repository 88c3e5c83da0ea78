"""Chapter 4 checkers: right answers pass, typical mistakes get their targeted hint."""

import pytest
import torch

import assocmem as am
from assocmem.checks import CheckError

F64 = torch.float64
ALPHAS = torch.tensor([-0.5, 0.2, 0.6, 0.95], dtype=F64)
P1, P2, LR = 0.8, 0.2, 10.0
A = ALPHAS[:, None]
RIGHT = LR * torch.cat([P1 - A * P2, P2 - A * P1], -1)  # (4, 2)


def test_first_step_margins_accepts_the_closed_form(capsys):
    am.checks.first_step_margins(RIGHT, ALPHAS, P1, LR)
    assert "Correct" in capsys.readouterr().out


def test_first_step_margins_accepts_float32_and_lists(capsys):
    am.checks.first_step_margins(RIGHT.float(), ALPHAS.tolist(), P1, LR)
    am.checks.first_step_margins(RIGHT.tolist(), ALPHAS, P1, LR)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "answer, hint",
    [
        (RIGHT.flip(-1), "columns are swapped"),
        (RIGHT / LR, "multiply by lr"),
        (2 * RIGHT, "twice too large"),
        (RIGHT / 2, "half the right size"),
        (LR * torch.cat([P1 + A * P2, P2 + A * P1], -1), "wrong sign"),
        (LR * torch.cat([P1 - A * P1, P2 - A * P2], -1), "wrong frequency"),
        (RIGHT.T, "It looks transposed"),
        (RIGHT[:, 0], r"expected shape \(4, 2\)"),
        (..., "no answer yet"),
        (RIGHT + 0.1, "wrong values"),
    ],
)
def test_first_step_margins_hints(answer, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.first_step_margins(answer, ALPHAS, P1, LR)


def _root(alpha, p1):
    return am.theory.spike_onset(alpha, p1).item()


def test_spike_onset_accepts_the_root_and_matches_the_paper_setting(capsys):
    am.checks.spike_onset(_root(0.9, 0.8), 0.9, 0.8)
    am.checks.spike_onset(torch.tensor(_root(0.95, 0.75)), 0.95, 0.75)
    assert capsys.readouterr().out.count("Correct") == 2
    assert abs(_root(0.95, 0.75) - 5.4392) < 1e-3  # the onset quoted in chapter 4


def test_spike_onset_hints():
    task = am.two_token_task(0.9, 0.8)
    bound = 2 / task.sharpness(task.zeros()).item()
    root = _root(0.9, 0.8)
    for answer, hint in [
        (bound, "cannot increase at all"),
        (0.0, "must be positive"),
        (2 * root, "factor 2"),
        (root / 2, "factor 2"),
        (bound * 0.9, "too small"),
        (root * 1.05, "not the root"),
        ([root, root], "expected one number"),
        (..., "no answer yet"),
    ]:
        with pytest.raises(CheckError, match=hint):
            am.checks.spike_onset(answer, 0.9, 0.8)
