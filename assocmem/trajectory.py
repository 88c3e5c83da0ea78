"""Statistics of a trajectory along its step axis: first hits, memorization, forgetting,
oscillation.

Margins are logged as (..., T+1, N) (step axis second to last, one column per token) and
losses or flags as (..., T+1) (step axis last), as in ``History``. A token is memorized
at step t when its margin is positive: a tie (m = 0) counts as an error, as everywhere
in the book.
"""

import torch

from ._validate import as_number


def _as_tensor(name, x, min_ndim):
    if not isinstance(x, torch.Tensor):
        if (
            isinstance(x, (str, bytes))
            or x is None
            or isinstance(x, (int, float, bool))
        ):
            raise TypeError(
                f"{name} must be a tensor or nested list, got {type(x).__name__}"
            )
        try:
            x = torch.as_tensor(x)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"{name} must be a tensor or nested list, got {type(x).__name__}"
            ) from err
    if x.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s), got shape "
            f"{tuple(x.shape)}"
        )
    if x.dtype.is_floating_point and torch.isnan(x).any():
        raise ValueError(f"{name} contains NaN")
    return x


def first_hit(flags):
    """Index of the first True along the last axis, or -1 where it never happens.

    Parameters
    ----------
    flags : (..., T) bool tensor or array-like

    Returns
    -------
    torch.Tensor
        (...) int64.

    Examples
    --------
    >>> first_hit([[False, True, True], [False, False, False]]).tolist()
    [1, -1]
    """
    flags = _as_tensor("flags", flags, 1)
    if flags.dtype != torch.bool:
        raise TypeError(f"flags must be a bool tensor, got dtype {flags.dtype}")
    idx = flags.to(torch.int64).argmax(-1)
    return torch.where(flags.any(-1), idx, torch.full_like(idx, -1))


def memorized_from(margins):
    """First step from which every token stays memorized up to the last step, or -1.

    Parameters
    ----------
    margins : (..., T+1, N) tensor
        Margins m_t(x) along a run.

    Returns
    -------
    torch.Tensor
        (...) int64: the smallest t with m_s(x) > 0 for every x and every s >= t.

    Examples
    --------
    >>> import torch
    >>> m = torch.tensor([[0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [1.0, 2.0], [2.0, 2.0]])
    >>> memorized_from(m).item()
    3
    """
    margins = _as_tensor("margins", margins, 2)
    ok = (margins > 0).all(-1)  # (..., T+1): every token memorized at t
    stays = ok.flip(-1).cumprod(-1).flip(-1).bool()  # ... and at every later step
    return first_hit(stays)


def forget_events(margins):
    """Per token, how often m_t(x) goes from positive to non-positive along the steps.

    A first upward crossing is learning, not forgetting, and is not counted.

    Parameters
    ----------
    margins : (..., T+1, N) tensor

    Returns
    -------
    torch.Tensor
        (..., N) int64.

    Examples
    --------
    >>> import torch
    >>> forget_events(torch.tensor([[-1.0], [1.0], [0.0], [2.0], [-3.0]])).tolist()
    [2]
    """
    margins = _as_tensor("margins", margins, 2)
    pos = margins > 0
    return (pos[..., :-1, :] & ~pos[..., 1:, :]).sum(-2)


def sign_changes(margins):
    """Per token, how often m_t(x) > 0 changes truth value between consecutive steps.

    Parameters
    ----------
    margins : (..., T+1, N) tensor

    Returns
    -------
    torch.Tensor
        (..., N) int64: forget events plus recoveries.

    Examples
    --------
    >>> import torch
    >>> sign_changes(torch.tensor([[-1.0], [1.0], [0.0], [2.0]])).tolist()
    [3]
    """
    margins = _as_tensor("margins", margins, 2)
    pos = margins > 0
    return (pos[..., 1:, :] != pos[..., :-1, :]).sum(-2)


def loss_increases(loss, tol=0.0):
    """Number of steps t with L(W_{t+1}) > L(W_t) + tol, over the last axis.

    Parameters
    ----------
    loss : (..., T+1) tensor
        Losses along a run.
    tol : float
        Increases up to ``tol`` are not counted (e.g. 1e-12 to ignore round-off at a
        minimum).

    Returns
    -------
    torch.Tensor
        (...) int64.

    Examples
    --------
    >>> loss_increases([1.0, 0.5, 0.7, 0.6, 0.9]).item()
    2
    """
    loss = _as_tensor("loss", loss, 1)
    if not loss.dtype.is_floating_point:
        raise TypeError(f"loss must hold floats, got dtype {loss.dtype}")
    tol = as_number("tol", tol, low=0)
    return (loss.diff(dim=-1) > tol).sum(-1)
