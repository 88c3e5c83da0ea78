"""Chapter 3 checker: right answers pass, typical mistakes get their targeted hint."""

import math

import pytest
import torch

import assocmem as am
from assocmem.checks import CheckError

N, M = 20, 5
p = am.zipf(N, 1.0)
t = torch.tensor([0.0, 1.0, 10.0, 100.0, 1e4], dtype=torch.float64)[:, None]  # (5, 1)


def bisect(k, rhs, iters=200):
    """Root of e^m + k m = rhs by bisection on a bracket that always contains it."""
    lo = torch.full_like(rhs, -50.0)
    hi = torch.log(rhs.clamp(min=1e-300)) + 50.0
    for _ in range(iters):
        mid = (lo + hi) / 2
        small = torch.exp(mid) + k * mid < rhs
        lo, hi = torch.where(small, mid, lo), torch.where(small, hi, mid)
    return (lo + hi) / 2


right = bisect(M - 1, (1 + M * p * t).expand(5, N))


def test_gradient_flow_margin_accepts_a_bisection_root(capsys):
    am.checks.gradient_flow_margin(right, t, p, M)
    assert "Correct" in capsys.readouterr().out


def test_the_reference_solves_the_equation():
    """The checker's reference (am.theory.orthogonal_margin) against a brute-force
    bisection.
    """
    torch.testing.assert_close(
        am.theory.orthogonal_margin(t, p, M), right, atol=1e-12, rtol=1e-12
    )


def test_gradient_flow_margin_accepts_tiny_step_gd_only_approximately():
    """GD with a small step follows the flow, but not to the checker's precision."""
    task = am.Task(
        E=am.orthonormal_embeddings(N),
        U=am.orthonormal_embeddings(M, N),
        p=p,
        targets=torch.arange(N) % M,
    )
    m_gd = am.train(task, 0.01, 1000).margins[[0, 100, 1000]]  # times 0, 1, 10
    with pytest.raises(CheckError, match="not converged|wrong values"):
        am.checks.gradient_flow_margin(m_gd, t[:3], p, M)


@pytest.mark.parametrize(
    "make, hint",
    [
        (lambda: torch.log(M * p * t).expand(5, N), "asymptote"),
        (lambda: torch.log1p(M * p * t).expand(5, N), "dropped the \\(M - 1\\) m term"),
        (lambda: am.theory.orthogonal_margin(t, p, M + 1), "coefficient of m is M - 1"),
        (lambda: bisect(M - 1, (M * p * t).expand(5, N)), "drop the 1"),
        (lambda: right * (1 + 1e-6), "not converged"),
        (lambda: right.T, "broadcast shape"),
        (lambda: ..., "no answer yet"),
        (lambda: right + 1, "wrong values"),
    ],
)
def test_gradient_flow_margin_hints(make, hint):
    with pytest.raises(CheckError, match=hint):
        am.checks.gradient_flow_margin(make(), t, p, M)


def test_gradient_flow_margin_accepts_scalars(capsys):
    m = am.theory.orthogonal_margin(5.0, 0.3, 3)
    assert abs(math.exp(m) + 2 * m - (1 + 3 * 0.3 * 5.0)) < 1e-12
    am.checks.gradient_flow_margin(m, 5.0, 0.3, 3)
    assert "Correct" in capsys.readouterr().out
