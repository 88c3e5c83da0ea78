"""Input checks shared by the public functions of assocmem.

Every public entry point converts its inputs here. The wrong kind of object (a string
where a number is expected, a float where an int is expected) raises ``TypeError``; a
value of the right kind that is out of range (a negative step size, frequencies that do
not sum to 1, NaN) raises ``ValueError``. Every message names the argument, says what
was expected and what arrived. Nothing here is a bare ``assert``.
"""

import math
import numbers

import torch

DTYPE = torch.float64


def as_int(name, v, low=None, high=None):
    """``v`` as a Python int in [low, high].

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    v : int
        A Python or numpy integer (not a bool, not a float).
    low, high : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``v`` is not an integer.
    ValueError
        If ``v`` is out of range.
    """
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(v).__name__} {v!r}")
    v = int(v)
    if low is not None and v < low:
        raise ValueError(f"{name} must be an int >= {low}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be an int <= {high}, got {v}")
    return v


def as_seed(name, seed):
    """A seed: a non-negative int (``as_int``), as used by
    ``torch.Generator().manual_seed``.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    seed : int
        A non-negative integer.

    Returns
    -------
    int
    """
    return as_int(name, seed, low=0)


def as_number(name, x, low=None, low_open=False):
    """``x`` as a finite Python float, optionally ``>= low`` (``> low`` when
    ``low_open``).

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    x : real number
        A Python, numpy or 0-d torch number (not a bool).
    low : float, optional
        Lower bound.
    low_open : bool
        Whether the bound is strict.

    Returns
    -------
    float
    """
    if isinstance(x, torch.Tensor) and x.numel() == 1:
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {x}")
    return x


def as_float(name, x, ndim=None):
    """``x`` as a finite float64 tensor, optionally with ``ndim`` dimensions.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    x : tensor or array-like of numbers
    ndim : int, optional
        Required number of dimensions.

    Returns
    -------
    torch.Tensor
        float64.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(
            f"{name} must be a tensor or array-like of numbers, got {type(x).__name__}"
        )
    try:
        t = torch.as_tensor(x, dtype=DTYPE)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{name} must be a tensor or array-like of numbers, got {type(x).__name__}"
        ) from err
    if ndim is not None and t.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), got shape {tuple(t.shape)}"
        )
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf; pass finite values")
    return t


def as_distribution(name, p, N=None):
    """``p`` as a float64 probability vector (last axis), length ``N`` when given.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    p : array-like, (..., N)
        Non-negative frequencies summing to 1 along the last axis.
    N : int, optional
        Required length of the last axis.

    Returns
    -------
    torch.Tensor
        float64, (..., N).
    """
    p = as_float(name, p)
    if p.ndim < 1:
        raise ValueError(f"{name} must be a 1-D vector of frequencies, got a scalar")
    if N is not None and p.shape[-1] != N:
        raise ValueError(
            f"{name} must have length N = {N} (one frequency per input token), "
            f"got {p.shape[-1]}"
        )
    if (p < 0).any():
        raise ValueError(f"{name} must be non-negative, got min {p.min().item():.3g}")
    total = p.sum(-1)
    if not torch.allclose(total, torch.ones_like(total), atol=1e-8, rtol=0):
        bad = total.flatten()[(total.flatten() - 1).abs().argmax()].item()
        raise ValueError(
            f"{name} must sum to 1, got {bad:.6g}; pass frequencies normalised by "
            "their total"
        )
    return p


def as_targets(name, targets, N, M):
    """``targets`` as an int64 tensor with last axis of length ``N`` and values in [0,
    M).

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    targets : int array-like, (..., N)
        Class indices.
    N, M : int
        Number of input tokens and of outputs.

    Returns
    -------
    torch.Tensor
        int64, (..., N).
    """
    if isinstance(targets, (str, bytes)) or targets is None:
        raise TypeError(
            f"{name} must be an array-like of class indices, got "
            f"{type(targets).__name__}"
        )
    try:
        t = torch.as_tensor(targets)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{name} must be an array-like of class indices, got "
            f"{type(targets).__name__}"
        ) from err
    if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
        if (
            t.dtype.is_floating_point
            and torch.isfinite(t).all()
            and (t == t.round()).all()
        ):
            t = t.to(torch.int64)
        else:
            raise TypeError(
                f"{name} must hold integers (class indices), got dtype {t.dtype}"
            )
    t = t.to(torch.int64)
    if t.ndim < 1 or t.shape[-1] != N:
        raise ValueError(
            f"{name} must have length N = {N} (one class per input token), "
            f"got shape {tuple(t.shape)}"
        )
    if ((t < 0) | (t >= M)).any():
        raise ValueError(
            f"{name} must lie in [0, M) = [0, {M}), "
            f"got values from {t.min().item()} to {t.max().item()}"
        )
    return t


def as_lr(lr, max_ndim=None, name="lr"):
    """Step size(s): a positive float (0-D tensor) or a tensor of them.

    Parameters
    ----------
    lr : float or array-like
        Positive step size(s).
    max_ndim : int, optional
        Most dimensions allowed (``train``: 1; ``sweep``: any).
    name : str
        Argument name used in the error message.

    Returns
    -------
    torch.Tensor
        float64, as many dimensions as given (0 for a float).
    """
    if isinstance(lr, bool):
        raise TypeError(f"{name} must be a number or a tensor of numbers, got a bool")
    lr = as_float(name, lr)
    if max_ndim is not None and lr.ndim > max_ndim:
        kind = "a float" if max_ndim == 0 else f"a float or a {max_ndim}-D tensor"
        raise ValueError(
            f"{name} must be {kind} (step sizes), got shape {tuple(lr.shape)}"
        )
    if lr.numel() == 0:
        raise ValueError(f"{name} is empty; pass at least one step size")
    if (lr <= 0).any():
        raise ValueError(f"{name} must be > 0, got {lr.min().item():.3g}")
    return lr


def as_steps(steps):
    """Number of steps: a non-negative Python or numpy integer.

    Parameters
    ----------
    steps : int

    Returns
    -------
    int
    """
    return as_int("steps", steps, low=0)


def as_memory(name, W, d):
    """``W`` as float64 with trailing shape (d, d).

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    W : array-like, (..., d, d)
    d : int
        Embedding dimension.

    Returns
    -------
    torch.Tensor
        float64, (..., d, d).
    """
    W = as_float(name, W)
    if W.ndim < 2 or tuple(W.shape[-2:]) != (d, d):
        raise ValueError(
            f"{name} must have shape (d, d) = ({d}, {d}), got {tuple(W.shape)}"
        )
    return W


def as_task(name, task):
    """Check that ``task`` is an ``assocmem.Task`` (or has its attributes).

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    task : Task

    Returns
    -------
    Task
    """
    needed = ("E", "U", "p", "targets", "Y", "N", "M", "d")
    if not all(hasattr(task, a) for a in needed):
        raise TypeError(f"{name} must be an assocmem.Task, got {type(task).__name__}")
    return task
