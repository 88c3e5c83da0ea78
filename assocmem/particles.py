"""Gradient descent seen in score space: a system of interacting particles.

Applying u_y^T (.) e_x to the GD update of W gives a closed recursion on the scores S
(N, M):

    S_{t+1} = S_t - lr * K_e D_p (softmax(S_t) - Y) K_u,

with K_e = E E^T (N, N) and K_u = U U^T (M, M) the Gram matrices. Each input token x is
a particle at position S[x] in R^M; particle x' pushes particle x with weight p(x')
<e_x, e_x'>: frequent tokens push harder, correlated embeddings couple. ``simulate``
runs this recursion without ever forming W.
"""

import torch

from ._scores import _evaluate
from ._validate import DTYPE, as_float, as_lr, as_number, as_steps, as_task


def gram(X):
    """Gram matrix X X^T of the rows of X.

    Parameters
    ----------
    X : (..., n, d) array-like
        Vectors, one per row.

    Returns
    -------
    torch.Tensor
        (..., n, n) float64.
    """
    X = as_float("X", X)
    if X.ndim < 2:
        raise ValueError(f"X must have shape (..., n, d), got {tuple(X.shape)}")
    return X @ X.mT


def interaction_kernel(task):
    """K[x, x'] = p(x') <e_x, e_x'>: how strongly particle x' moves particle x.

    Parameters
    ----------
    task : Task

    Returns
    -------
    torch.Tensor
        (N, N) float64.
    """
    task = as_task("task", task)
    return gram(task.E) * task.p


def simulate(task, lr, steps, S0=None):
    """Run the score recursion for ``steps`` steps from S0 (default 0, i.e. W_0 = 0).

    Parameters
    ----------
    task : Task
        Gives K_e, K_u, p and the targets.
    lr : float or (B,) array-like
        Step size(s) > 0.
    steps : int
        Number of steps >= 0.
    S0 : (N, M) array-like, optional
        Initial scores, 0 by default.

    Returns
    -------
    torch.Tensor
        The scores of every iterate, (steps+1, N, M), or (B, steps+1, N, M) for a (B,)
        ``lr``.
    """
    task = as_task("task", task)
    lr = as_lr(lr, max_ndim=1)
    steps = as_steps(steps)
    K_e, K_u = gram(task.E), gram(task.U)  # (N, N), (M, M)
    S = torch.zeros(task.N, task.M, dtype=DTYPE) if S0 is None else as_float("S0", S0)
    if tuple(S.shape) != (task.N, task.M):
        raise ValueError(
            f"S0 must have shape (N, M) = ({task.N}, {task.M}), got {tuple(S.shape)}"
        )
    S = S.expand(*lr.shape, task.N, task.M)
    eta = lr[..., None, None]
    out = torch.empty(*lr.shape, steps + 1, task.N, task.M, dtype=DTYPE)
    out[..., 0, :, :] = S
    for t in range(steps):
        R = _evaluate(S, task.p, task.Y).residual  # (..., N, M)  D_p (softmax(S) - Y)
        S = S - eta * (K_e @ R @ K_u)
        out[..., t + 1, :, :] = S
    return out


def binary_margin_step(margins, lr, p, G_e, same, c=2.0):
    """One GD step of the scalar margins when M = 2 (notation page, binary particles).

    m_x <- m_x + lr * c * sum_x' p(x') <e_x, e_x'> eps_{xx'} sigma(-m_x'), with eps = +1
    when x, x' share the output and -1 otherwise, and c = ||u_1 - u_2||^2.

    Parameters
    ----------
    margins : (..., N) array-like
        Current margins.
    lr : float
        Step size > 0.
    p : (N,) array-like
        Frequencies.
    G_e : (N, N) array-like
        Gram matrix of the input embeddings.
    same : (N, N) bool array-like
        Whether tokens x and x' share their output.
    c : float
        ||u_1 - u_2||^2 (2 for U = I).

    Returns
    -------
    torch.Tensor
        The new margins, (..., N).
    """
    margins = as_float("margins", margins)
    if margins.ndim < 1:
        raise ValueError("margins must have shape (..., N), got a scalar")
    N = margins.shape[-1]
    lr = as_number("lr", lr, low=0, low_open=True)
    p = as_float("p", p)
    G_e = as_float("G_e", G_e)
    same = torch.as_tensor(same) if not isinstance(same, (str, bytes)) else same
    if not isinstance(same, torch.Tensor) or same.dtype != torch.bool:
        raise TypeError(f"same must be a bool (N, N) tensor, got {type(same).__name__}")
    for name, t, shape in (
        ("p", p, (N,)),
        ("G_e", G_e, (N, N)),
        ("same", same, (N, N)),
    ):
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
    c = as_number("c", c, low=0, low_open=True)
    eps = torch.where(same, 1.0, -1.0).to(DTYPE)
    force = (G_e * eps * p) @ torch.sigmoid(-margins).unsqueeze(-1)  # (..., N, 1)
    return margins + lr * c * force.squeeze(-1)
