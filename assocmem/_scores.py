"""The score kernel: everything one GD step needs from the scores S, shared by Task and
the loops.

One step of GD computes S = E W^T U^T once and derives the loss, the margins, the 0-1
loss and the residual from it with one exponential. The helpers take output buffers so
that the training loop (``dynamics.py``) can log a block of steps with a few large
operations.
"""

import math
from typing import NamedTuple

import torch

from ._validate import DTYPE, as_float, as_int


class Evaluation(NamedTuple):
    """What ``evaluate`` returns (a tuple, so ``loss, margins, zero_one, residual =
    ...`` works).

    Attributes
    ----------
    loss : (...) tensor
        sum_x p(x) [logsumexp_y S[x, y] - S[x, f*(x)]].
    margins : (..., N) tensor
        m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x, y].
    zero_one : (...) tensor
        sum_x p(x) 1{m(x) <= 0}: a tie counts as an error.
    residual : (..., N, M) tensor
        D_p (softmax(S) - Y).
    """

    loss: torch.Tensor
    margins: torch.Tensor
    zero_one: torch.Tensor
    residual: torch.Tensor


def one_hot(targets, M):
    """Y[x, y] = 1{y = f*(x)} as float64.

    Parameters
    ----------
    targets : (..., N) int64 tensor
        Classes in [0, M).
    M : int
        Number of outputs.

    Returns
    -------
    torch.Tensor
        (..., N, M) float64.
    """
    M = as_int("M", M, low=1)
    if not isinstance(targets, torch.Tensor) or targets.dtype != torch.int64:
        raise TypeError(
            f"targets must be an int64 tensor, got {type(targets).__name__}"
        )
    if ((targets < 0) | (targets >= M)).any():
        raise ValueError(f"targets must lie in [0, M) = [0, {M})")
    return torch.nn.functional.one_hot(targets, M).to(DTYPE)


def _sum_last(x, keepdim=False, out=None):
    """x.sum(-1), fast for the tiny last axes of this book; ``out`` (keepdim shape) gets
    the result.

    torch's float64 reduction over a short contiguous last axis (M = 2 outputs, N = 2
    tokens) costs about 30 ns per element, ten times an elementwise add, so axes of
    length <= 8 are summed by adding slices left to right.
    """
    n = x.shape[-1]
    if n > 8 or n == 1:
        return torch.sum(x, -1, keepdim=keepdim or out is not None, out=out)
    total = x[..., 0:1]
    for i in range(1, n - 1):
        total = total + x[..., i : i + 1]
    total = torch.add(total, x[..., n - 1 : n], out=out)
    return total if keepdim or out is not None else total.squeeze(-1)


def _hide_targets(Y):
    """-inf where Y = 1, 0 elsewhere: S + _hide_targets(Y) drops the target scores from
    a max (exactly, and much faster than masked_fill on large tensors)."""
    return torch.zeros_like(Y).masked_fill_(Y.bool(), -math.inf)


def _softmax_parts(S, shift=None, total=None):
    """shift = max_y S, Z = exp(S - shift), total = sum_y Z.

    So softmax(S) = Z / total and logsumexp(S) = log(total) + shift, finite for huge
    scores (lr = 1e6). ``shift`` and ``total`` may be given as output buffers of shape
    (..., N, 1).
    """
    shift = torch.amax(S, -1, keepdim=True, out=shift)  # (..., N, 1)
    Z = torch.sub(S, shift).exp_()  # (..., N, M)
    return shift, Z, _sum_last(Z, keepdim=True, out=total)  # (..., N, 1)


def _summary(S, p, Y, hide, shift, total):
    """loss, margins and zero_one of ``evaluate`` from S and the parts of its softmax.

    ``hide`` = _hide_targets(Y), made once by callers that evaluate many score tensors
    with the same targets.
    """
    S_target = _sum_last(S * Y)  # (..., N)
    loss = _sum_last(p * ((total.log() + shift).squeeze(-1) - S_target))  # (...)
    margins = S_target - (S + hide).amax(-1)  # (..., N)
    # a tie is an error (m <= 0), so at W = 0 no token counts as memorized
    zero_one = _sum_last(p * (margins <= 0).to(p.dtype))  # (...)
    return loss, margins, zero_one


def _evaluate(S, p, Y):
    """``evaluate`` without input checks, for the package's own loops."""
    shift, Z, total = _softmax_parts(S)
    loss, margins, zero_one = _summary(S, p, Y, _hide_targets(Y), shift, total)
    resid = p.unsqueeze(-1) * (Z / total - Y)  # (..., N, M)
    return Evaluation(loss, margins, zero_one, resid)


def evaluate(S, p, Y):
    """Everything one GD step needs from the scores, computed with one exponential.

    Parameters
    ----------
    S : (..., N, M) tensor
        Scores S[x, y] = u_y^T W e_x.
    p : (..., N) tensor
        Frequencies.
    Y : (..., N, M) tensor
        One-hot targets (``one_hot``).

    Returns
    -------
    Evaluation
        ``(loss, margins, zero_one, residual)``, a NamedTuple.

    Examples
    --------
    >>> import torch
    >>> ev = evaluate(torch.zeros(2, 2, dtype=torch.float64), torch.tensor([0.5, 0.5]),
    ...               one_hot(torch.tensor([0, 1]), 2))
    >>> round(ev.loss.item(), 6), ev.zero_one.item()
    (0.693147, 1.0)
    """
    S = as_float("S", S)
    if S.ndim < 2:
        raise ValueError(f"S must have shape (..., N, M), got {tuple(S.shape)}")
    p = as_float("p", p)
    Y = as_float("Y", Y)
    if p.ndim < 1 or p.shape[-1] != S.shape[-2]:
        raise ValueError(
            f"p must have shape (..., N) with N = {S.shape[-2]}, got {tuple(p.shape)}"
        )
    if Y.shape[-2:] != S.shape[-2:]:
        raise ValueError(
            f"Y must have shape (..., N, M) = {tuple(S.shape[-2:])}, got "
            f"{tuple(Y.shape)}"
        )
    return _evaluate(S, p, Y)


def diag_margins(S):
    """Margins against the diagonal target, S[x, x] - max_{y != x} S[x, y].

    Parameters
    ----------
    S : (..., n, n) tensor
        Scores whose target of row x is column x.

    Returns
    -------
    torch.Tensor
        (..., n).
    """
    eye = torch.eye(S.shape[-1], dtype=torch.bool)
    return S.diagonal(dim1=-2, dim2=-1) - S.masked_fill(eye, -math.inf).amax(-1)
