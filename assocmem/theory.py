"""Closed forms derived in the book, each checked against simulation in the tests and
chapters.

Orthonormal embeddings from W_0 = 0 decouple the particles, and every wrong-class score
of particle x stays equal. Its margin then obeys the gradient-flow ODE dm/dt = M p(x) /
(e^m + M - 1), whose solution is the root of

    e^m + (M - 1) m = 1 + M p t.

``orthogonal_margin`` solves this exactly and stays finite for huge t by working in log
space.

The two-token task (``assocmem.two_token_task``: correlation alpha, U = I, p = (p1, 1 -
p1)) has closed forms too: the first GD step from W_0 = 0 moves the margins to m_1 = eta
(p1 - alpha p2, p2 - alpha p1), the sharpness at W = 0 is (1 + sqrt(1 - 4 p1 p2 (1 -
alpha^2))) / 4, and the first step raises the loss above log 2 exactly when eta exceeds
``spike_onset``.
"""

import math

import torch

from ._validate import as_float, as_int


def orthogonal_margin(t, p, M):
    """Gradient-flow margin m(t) for orthonormal embeddings, W_0 = 0: root of e^m +
    (M-1) m = 1 + M p t.

    Parameters
    ----------
    t : array-like
        Time(s) >= 0 (for GD with step lr, t = lr * steps is the gradient-flow time).
    p : array-like
        Token frequency(ies) in [0, 1]; broadcast against t.
    M : int
        Number of output classes, >= 2.

    Returns
    -------
    torch.Tensor
        The broadcast shape of t and p.

    Notes
    -----
    Written as m + log1p((M-1) m e^{-m}) = log1p(M p t), the equation involves no
    overflowing exponential. Its left side is increasing in m (derivative (1 + k e^{-m})
    / (1 + k m e^{-m}) > 0 with k = M - 1), and its root lies in [0, log1p(M p t)], so a
    safeguarded Newton iteration converges to machine precision.

    Examples
    --------
    >>> round(orthogonal_margin(0.0, 0.5, 2).item(), 12)
    0.0
    """
    M = as_int("M", M, low=2)
    t = as_float("t", t)
    p = as_float("p", p)
    if (t < 0).any():
        raise ValueError(f"t must be >= 0, got {t.min().item():.3g}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    k = float(M - 1)
    L = torch.log1p(M * p * t)  # right-hand side in log space
    lo, hi = torch.zeros_like(L), L.clone()  # G(lo) <= 0 <= G(hi)
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
    """Gradient-flow loss sum_x p(x) log(1 + (M-1) e^{-m_x(t)}) for orthonormal
    embeddings.

    Parameters
    ----------
    t : array-like
        Time(s) >= 0, shape (...).
    p : (N,) array-like
        Frequencies of the N tokens.
    M : int
        Number of output classes, >= 2.

    Returns
    -------
    torch.Tensor
        (...), the shape of t.
    """
    t = as_float("t", t)
    p = as_float("p", p, ndim=1)
    m = orthogonal_margin(t.unsqueeze(-1), p, M)  # (..., N)
    return (p * torch.log1p((M - 1) * torch.exp(-m))).sum(-1)


def max_eigenvalue_at_zero(task):
    """lambda_max of the Hessian at W = 0, ``task.sharpness(task.zeros())`` as a float.

    Parameters
    ----------
    task : Task

    Returns
    -------
    float
        Its classical stability threshold is 2 / lambda_max.
    """
    if not hasattr(task, "sharpness"):
        raise TypeError(f"task must be an assocmem.Task, got {type(task).__name__}")
    return task.sharpness(task.zeros()).item()


def _two_token(alpha, p1):
    alpha, p1 = as_float("alpha", alpha), as_float("p1", p1)
    if ((alpha < -1) | (alpha > 1)).any():
        raise ValueError("alpha must lie in [-1, 1] (a correlation of unit vectors)")
    if ((p1 < 0) | (p1 > 1)).any():
        raise ValueError("p1 must lie in [0, 1] (a frequency)")
    return torch.broadcast_tensors(alpha, p1)


def sharpness_at_zero(alpha, p1):
    """lambda_max(grad^2 L(0)) of the two-token task, (1 + sqrt(1 - 4 p1 p2 (1 -
    alpha^2))) / 4.

    At W = 0 the Hessian is C_0 kron K with lambda_max(C_0) = 1/2 (U = I, M = 2) and
    K = p1 e_1 e_1^T + p2 e_2 e_2^T, of trace 1 and determinant p1 p2 (1 - alpha^2).

    Parameters
    ----------
    alpha : float or array-like
        Correlation(s) <e_1, e_2> in [-1, 1].
    p1 : float or array-like
        Frequency(ies) of token 1 in [0, 1]; broadcast against alpha.

    Returns
    -------
    torch.Tensor
        The broadcast shape of alpha and p1.

    Examples
    --------
    >>> round(sharpness_at_zero(0.95, 0.75).item(), 4)
    0.4907
    """
    alpha, p1 = _two_token(alpha, p1)
    return (1 + torch.sqrt(1 - 4 * p1 * (1 - p1) * (1 - alpha**2))) / 4


def first_step_loss(lr, alpha, p1):
    """L(W_1) after one GD step of size lr from W_0 = 0 on the two-token task.

    L(W_1) = p1 log(1 + e^{-m_1(1)}) + p2 log(1 + e^{-m_1(2)}) with m_1(1) = lr (p1 -
    alpha p2) and m_1(2) = lr (p2 - alpha p1).

    Parameters
    ----------
    lr : float or array-like
        Step size(s) >= 0.
    alpha, p1 : float or array-like
        Correlation and frequency of token 1, broadcast against lr.

    Returns
    -------
    torch.Tensor
        The broadcast shape of lr, alpha and p1.
    """
    alpha, p1 = _two_token(alpha, p1)
    lr = as_float("lr", lr)
    if (lr < 0).any():
        raise ValueError(f"lr must be >= 0, got {lr.min().item():.3g}")
    p2 = 1 - p1
    m1, m2 = lr * (p1 - alpha * p2), lr * (p2 - alpha * p1)
    zero = torch.zeros(())
    return p1 * torch.logaddexp(zero, -m1) + p2 * torch.logaddexp(zero, -m2)


def spike_onset(alpha, p1):
    """Step size eta_* above which the first GD step from W_0 = 0 raises the loss above
    log 2.

    L(W_1(eta)) (``first_step_loss``) is convex in eta and equals log 2 at eta = 0;
    eta_* is its other crossing of log 2, found by bisection to machine precision. It
    exists when one token is pushed backwards by the first step (p2 < alpha p1 or p1 <
    alpha p2); otherwise the result is inf.

    Parameters
    ----------
    alpha : float or array-like
        Correlation(s) <e_1, e_2> in [-1, 1].
    p1 : float or array-like
        Frequency(ies) of token 1 in [0, 1]; broadcast against alpha.

    Returns
    -------
    torch.Tensor
        eta_*, the broadcast shape of alpha and p1 (inf where there is no spike).

    Examples
    --------
    >>> round(spike_onset(0.95, 0.75).item(), 4)
    5.4392
    """
    alpha, p1 = _two_token(alpha, p1)
    p2 = 1 - p1
    log2 = math.log(2)
    spikes = (p2 - alpha * p1 < 0) | (p1 - alpha * p2 < 0)
    hi = torch.ones_like(alpha)
    for _ in range(64):  # bracket: double hi until L(W_1(hi)) > log 2
        below = spikes & (first_step_loss(hi, alpha, p1) <= log2)
        if not below.any():
            break
        hi = torch.where(below, 2 * hi, hi)
    lo = torch.where(hi > 1, hi / 2, torch.zeros_like(hi))
    for _ in range(200):
        mid = (lo + hi) / 2
        above = first_step_loss(mid, alpha, p1) > log2
        lo, hi = torch.where(above, lo, mid), torch.where(above, mid, hi)
    found = spikes & (first_step_loss(hi, alpha, p1) > log2)
    return torch.where(found, (lo + hi) / 2, torch.full_like(hi, math.inf))
