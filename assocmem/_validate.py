"""Input checks shared by the public functions of assocmem.

Every public entry point converts its inputs here. A bad input raises a ``ValueError`` (or ``TypeError``
for the wrong kind of object) whose message names the argument, says what was expected and what arrived.
Nothing here is a bare ``assert``: user input is never checked that way.
"""
import numbers

import torch

DTYPE = torch.float64


def as_float(name, x, ndim=None):
    """``x`` as a float64 tensor, finite, optionally with ``ndim`` dimensions."""
    try:
        t = torch.as_tensor(x, dtype=DTYPE)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be a tensor or array-like of numbers, got {type(x).__name__}") from err
    if ndim is not None and t.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf; pass finite values")
    return t


def as_distribution(name, p, N=None):
    """``p`` as a float64 probability vector (last axis), length ``N`` when given."""
    p = as_float(name, p)
    if p.ndim < 1:
        raise ValueError(f"{name} must be a 1-D vector of frequencies, got a scalar")
    if N is not None and p.shape[-1] != N:
        raise ValueError(f"{name} must have length N = {N} (one frequency per input token), got {p.shape[-1]}")
    if (p < 0).any():
        raise ValueError(f"{name} must be non-negative, got min {p.min().item():.3g}")
    total = p.sum(-1)
    if not torch.allclose(total, torch.ones_like(total), atol=1e-8, rtol=0):
        bad = total.flatten()[(total.flatten() - 1).abs().argmax()].item()
        raise ValueError(f"{name} must sum to 1, got {bad:.6g}; pass frequencies normalised by their total")
    return p


def as_targets(name, targets, N, M):
    """``targets`` as an int64 tensor with last axis of length ``N`` and values in [0, M)."""
    t = torch.as_tensor(targets)
    if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
        if t.dtype.is_floating_point and torch.isfinite(t).all() and (t == t.round()).all():
            t = t.to(torch.int64)
        else:
            raise ValueError(f"{name} must hold integers (class indices), got dtype {t.dtype}")
    t = t.to(torch.int64)
    if t.ndim < 1 or t.shape[-1] != N:
        raise ValueError(f"{name} must have length N = {N} (one class per input token), got shape {tuple(t.shape)}")
    if ((t < 0) | (t >= M)).any():
        raise ValueError(f"{name} must lie in [0, M) = [0, {M}), got values from {t.min().item()} to {t.max().item()}")
    return t


def as_lr(lr):
    """Step size(s): a positive float (0-D tensor) or a 1-D tensor of positive step sizes."""
    if isinstance(lr, bool):
        raise TypeError("lr must be a number or a 1-D tensor of numbers, got a bool")
    lr = as_float("lr", lr)
    if lr.ndim > 1:
        raise ValueError(f"lr must be a float or a 1-D tensor of step sizes, got shape {tuple(lr.shape)}")
    if lr.numel() == 0:
        raise ValueError("lr is empty; pass at least one step size")
    if (lr <= 0).any():
        raise ValueError(f"lr must be > 0, got {lr.min().item():.3g}")
    return lr


def as_steps(steps):
    """Number of steps: a non-negative Python or numpy integer."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps}")
    return int(steps)


def as_memory(name, W, d):
    """``W`` as float64 with trailing shape (d, d)."""
    W = as_float(name, W)
    if W.ndim < 2 or tuple(W.shape[-2:]) != (d, d):
        raise ValueError(f"{name} must have shape (d, d) = ({d}, {d}), got {tuple(W.shape)}")
    return W
