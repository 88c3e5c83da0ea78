"""Gradient descent seen in score space: a system of interacting particles.

Applying u_y^T (.) e_x to the GD update of W gives a closed recursion on the scores S (N, M):

    S_{t+1} = S_t - lr * K_e D_p (softmax(S_t) - Y) K_u,

with K_e = E E^T (N, N) and K_u = U U^T (M, M) the Gram matrices. Each input token x is a particle at
position S[x] in R^M; particle x' pushes particle x with weight p(x') <e_x, e_x'>: frequent tokens push
harder, correlated embeddings couple. ``simulate`` runs this recursion without ever forming W.
"""
import torch

from ._validate import DTYPE, as_float, as_lr, as_steps
from .tasks import evaluate


def gram(X):
    """Gram matrix X X^T of the rows of X, shape (n, n)."""
    return X @ X.mT


def interaction_kernel(task):
    """K[x, x'] = p(x') <e_x, e_x'>: how strongly particle x' moves particle x. Shape (N, N)."""
    return gram(task.E) * task.p


def simulate(task, lr, steps, S0=None):
    """Run the score recursion for ``steps`` steps from S0 (default 0, i.e. W_0 = 0).

    Returns the scores of every iterate, shape (steps+1, N, M), or (B, steps+1, N, M) for a (B,) ``lr``.
    """
    lr = as_lr(lr)
    steps = as_steps(steps)
    K_e, K_u = gram(task.E), gram(task.U)                           # (N, N), (M, M)
    S = torch.zeros(task.N, task.M, dtype=DTYPE) if S0 is None else as_float("S0", S0)
    if tuple(S.shape[-2:]) != (task.N, task.M):
        raise ValueError(f"S0 must have shape (N, M) = ({task.N}, {task.M}), got {tuple(S.shape)}")
    S = S.expand(*lr.shape, task.N, task.M)
    eta = lr[..., None, None]
    out = torch.empty(*lr.shape, steps + 1, task.N, task.M, dtype=DTYPE)
    out[..., 0, :, :] = S
    for t in range(steps):
        S = S - eta * (K_e @ evaluate(S, task.p, task.Y)[3] @ K_u)  # (..., N, M)
        out[..., t + 1, :, :] = S
    return out


def binary_margin_step(margins, lr, p, G_e, same, c=2.0):
    """One GD step of the scalar margins when M = 2 (notation page, binary particles).

    m_x <- m_x + lr * c * sum_x' p(x') <e_x, e_x'> eps_{xx'} sigma(-m_x'),
    with eps = +1 when x, x' share the output and -1 otherwise, and c = ||u_1 - u_2||^2.

    Shapes: margins (..., N), p (N,), G_e (N, N) Gram matrix, same (N, N) bool.
    """
    eps = torch.where(same, 1.0, -1.0).to(DTYPE)
    force = (G_e * eps * p) @ torch.sigmoid(-margins).unsqueeze(-1)   # (..., N, 1)
    return margins + lr * c * force.squeeze(-1)
