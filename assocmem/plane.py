"""The gamma-plane: two outputs (M = 2) in dimension d, where the loss depends on W only through gamma.

With S[x, y] = u_y^T W e_x, the margin of a token with target 0 is S[x, 0] - S[x, 1] = <gamma, e_x> with

    gamma = W^T (u_1 - u_2)  in R^d,

and -<gamma, e_x> for target 1. Any gamma is realised by W = a gamma^T / ||a||^2 with a = u_1 - u_2, so loss
landscapes over a grid of gamma are exact, and GD on W with step lr moves gamma by GD with step lr ||a||^2.
"""
import torch

from ._validate import DTYPE, as_float


def _direction(U):
    U = as_float("U", U, ndim=2)
    if U.shape[0] != 2:
        raise ValueError(f"the gamma-plane needs M = 2 outputs: U must have 2 rows, got {U.shape[0]}")
    return U[0] - U[1]                                        # (d,)


def gamma_to_W(gamma, U):
    """A memory with W^T (u_1 - u_2) = gamma. gamma (..., d) -> W (..., d, d)."""
    a = _direction(U)
    gamma = as_float("gamma", gamma)
    return a[:, None] * gamma.unsqueeze(-2) / (a @ a)          # (..., d, d)


def W_to_gamma(W, U):
    """gamma = W^T (u_1 - u_2). W (..., d, d) -> (..., d)."""
    a = _direction(U)
    return (as_float("W", W).mT @ a)                           # (..., d)


def grid(xlim, ylim, n=100):
    """A regular n x n grid over [xlim] x [ylim]: returns (G0, G1, gamma) with gamma of shape (n, n, 2)."""
    g0 = torch.linspace(float(xlim[0]), float(xlim[1]), n, dtype=DTYPE)
    g1 = torch.linspace(float(ylim[0]), float(ylim[1]), n, dtype=DTYPE)
    G0, G1 = torch.meshgrid(g0, g1, indexing="xy")            # (n, n): rows follow g1, columns g0
    return G0, G1, torch.stack([G0, G1], dim=-1)


def landscape(task, xlim, ylim, n=100):
    """Exact loss and 0-1 loss of a 2-D, M = 2 task over a gamma grid.

    Returns a dict with G0, G1 (n, n) coordinates and loss, zero_one (n, n) values.
    """
    if task.d != 2 or task.M != 2:
        raise ValueError(f"landscape needs d = 2 and M = 2, got d = {task.d}, M = {task.M}")
    G0, G1, gamma = grid(xlim, ylim, n)
    W = gamma_to_W(gamma, task.U)                              # (n, n, 2, 2)
    return {"G0": G0, "G1": G1, "loss": task.loss(W), "zero_one": task.zero_one_loss(W), "W": W}
