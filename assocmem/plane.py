"""The gamma-plane: two outputs (M = 2) in dimension d, where the loss depends on W only
through gamma.

With S[x, y] = u_y^T W e_x, the margin of a token with target 0 is S[x, 0] - S[x, 1] =
<gamma, e_x> with

    gamma = W^T (u_1 - u_2)  in R^d,

and -<gamma, e_x> for target 1. Any gamma is realised by W = a gamma^T / ||a||^2 with a
= u_1 - u_2, so loss landscapes over a grid of gamma are exact, and GD on W with step lr
moves gamma by GD with step lr ||a||^2.
"""

import torch

from ._validate import DTYPE, as_float, as_int, as_number, as_task


def _direction(U):
    U = as_float("U", U, ndim=2)
    if U.shape[0] != 2:
        raise ValueError(
            f"the gamma-plane needs M = 2 outputs: U must have 2 rows, got {U.shape[0]}"
        )
    return U[0] - U[1]  # (d,)


def gamma_to_W(gamma, U):
    """A memory with W^T (u_1 - u_2) = gamma.

    Parameters
    ----------
    gamma : (..., d) array-like
        Points of the gamma-plane.
    U : (2, d) array-like
        Output embeddings.

    Returns
    -------
    torch.Tensor
        W (..., d, d).
    """
    a = _direction(U)
    gamma = as_float("gamma", gamma)
    if gamma.ndim < 1 or gamma.shape[-1] != a.shape[0]:
        raise ValueError(f"gamma must have shape (..., d) = (..., {a.shape[0]})")
    return a[:, None] * gamma.unsqueeze(-2) / (a @ a)  # (..., d, d)


def W_to_gamma(W, U):
    """gamma = W^T (u_1 - u_2).

    Parameters
    ----------
    W : (..., d, d) array-like
        Memories.
    U : (2, d) array-like
        Output embeddings.

    Returns
    -------
    torch.Tensor
        gamma (..., d).
    """
    a = _direction(U)
    W = as_float("W", W)
    d = a.shape[0]
    if W.ndim < 2 or tuple(W.shape[-2:]) != (d, d):
        raise ValueError(
            f"W must have shape (..., d, d) = (..., {d}, {d}), got {tuple(W.shape)}"
        )
    return W.mT @ a  # (..., d)


def _limits(name, lim):
    if isinstance(lim, (str, bytes)) or not hasattr(lim, "__len__") or len(lim) != 2:
        raise TypeError(f"{name} must be a pair (low, high), got {lim!r}")
    lo, hi = as_number(f"{name}[0]", lim[0]), as_number(f"{name}[1]", lim[1])
    if not lo < hi:
        raise ValueError(f"{name} must satisfy low < high, got {lim!r}")
    return lo, hi


def grid(xlim, ylim, n=100):
    """A regular n x n grid over [xlim] x [ylim].

    Parameters
    ----------
    xlim, ylim : (float, float)
        Finite limits, low < high.
    n : int
        Points per axis, >= 2.

    Returns
    -------
    tuple
        (G0, G1, gamma): G0, G1 (n, n) coordinates (rows follow ylim, columns xlim) and
        gamma (n, n, 2).
    """
    (x0, x1), (y0, y1) = _limits("xlim", xlim), _limits("ylim", ylim)
    n = as_int("n", n, low=2)
    g0 = torch.linspace(x0, x1, n, dtype=DTYPE)
    g1 = torch.linspace(y0, y1, n, dtype=DTYPE)
    G0, G1 = torch.meshgrid(g0, g1, indexing="xy")  # (n, n): rows follow g1, columns g0
    return G0, G1, torch.stack([G0, G1], dim=-1)


def landscape(task, xlim, ylim, n=100):
    """Exact loss and 0-1 loss of a 2-D, M = 2 task over a gamma grid.

    Parameters
    ----------
    task : Task
        With d = 2 and M = 2.
    xlim, ylim : (float, float)
        Limits of gamma_0 and gamma_1.
    n : int
        Points per axis.

    Returns
    -------
    dict
        ``G0``, ``G1`` (n, n) coordinates, ``loss`` and ``zero_one`` (n, n) values,
        ``W`` (n, n, 2, 2) the memories.
    """
    task = as_task("task", task)
    if task.d != 2 or task.M != 2:
        raise ValueError(
            f"landscape needs d = 2 and M = 2, got d = {task.d}, M = {task.M}"
        )
    G0, G1, gamma = grid(xlim, ylim, n)
    W = gamma_to_W(gamma, task.U)  # (n, n, 2, 2)
    return {
        "G0": G0,
        "G1": G1,
        "loss": task.loss(W),
        "zero_one": task.zero_one_loss(W),
        "W": W,
    }
