"""Closed forms derived in the book, each checked against simulation in the tests and chapters.

Orthonormal embeddings from W_0 = 0 decouple the particles, and every wrong-class score of particle x
stays equal. Its margin then obeys the gradient-flow ODE dm/dt = M p(x) / (e^m + M - 1), whose solution
is the root of

    e^m + (M - 1) m = 1 + M p t.

``orthogonal_margin`` solves this exactly and stays finite for huge t by working in log space.
"""
import torch

from ._validate import as_float


def orthogonal_margin(t, p, M):
    """Gradient-flow margin m(t) for orthonormal embeddings, W_0 = 0: root of e^m + (M-1) m = 1 + M p t.

    Parameters
    ----------
    t : array-like, time(s) >= 0 (for GD with step lr, t = lr * steps is the gradient-flow time)
    p : array-like, token frequency(ies) in [0, 1]; broadcast against t
    M : int >= 2, number of output classes

    Returns
    -------
    Tensor of the broadcast shape of t and p.

    Notes
    -----
    Written as m + log1p((M-1) m e^{-m}) = log1p(M p t), the equation involves no overflowing exponential.
    Its left side is increasing in m (derivative (1 + k e^{-m}) / (1 + k m e^{-m}) > 0 with k = M - 1),
    and its root lies in [0, log1p(M p t)], so a safeguarded Newton iteration converges to machine precision.
    """
    if isinstance(M, bool) or not isinstance(M, int) or M < 2:
        raise ValueError(f"M must be an int >= 2 (number of classes), got {M!r}")
    t = as_float("t", t)
    p = as_float("p", p)
    if (t < 0).any():
        raise ValueError(f"t must be >= 0, got {t.min().item():.3g}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    k = float(M - 1)
    L = torch.log1p(M * p * t)                      # right-hand side in log space
    lo, hi = torch.zeros_like(L), L.clone()         # G(lo) <= 0 <= G(hi)
    m = L.clone()
    for _ in range(100):
        q = k * m * torch.exp(-m)
        G = m + torch.log1p(q) - L
        dG = (1 + k * torch.exp(-m)) / (1 + q)
        lo = torch.where(G < 0, m, lo)
        hi = torch.where(G >= 0, m, hi)
        m_new = m - G / dG
        outside = (m_new <= lo) | (m_new >= hi)
        m_new = torch.where(outside, (lo + hi) / 2, m_new)
        if torch.equal(m_new, m):
            break
        m = m_new
    return m


def orthogonal_loss(t, p, M):
    """Gradient-flow loss sum_x p(x) log(1 + (M-1) e^{-m_x(t)}) for orthonormal embeddings, shape of t."""
    t = as_float("t", t)
    p = as_float("p", p, ndim=1)
    m = orthogonal_margin(t.unsqueeze(-1), p, M)           # (..., N)
    return (p * torch.log1p((M - 1) * torch.exp(-m))).sum(-1)


def first_step_margin(p, lr):
    """With orthonormal embeddings and W_0 = 0, one GD step gives m_x(1) = lr p(x) exactly."""
    return lr * as_float("p", p)


def max_eigenvalue_at_zero(task):
    """lambda_max of the Hessian at W = 0, whose classical stability threshold is 2 / lambda_max."""
    return task.sharpness(task.zeros()).item()


__all__ = ["orthogonal_margin", "orthogonal_loss", "first_step_margin",
           "max_eigenvalue_at_zero"]
