"""Training loops: full-batch gradient descent (one task or many at once) and mini-batch SGD.

The hot path of the whole book is ``_descend``: each step computes the scores S = E W^T U^T once and
derives the loss, the margins, the 0-1 loss and the gradient U^T [D_p (softmax(S) - Y)]^T E from them.
Every tensor may carry leading batch dimensions, so one loop runs many step sizes, frequencies or
embeddings side by side (``sweep``). Orientation of W as in ``tasks.py``: S[x, y] = u_y^T W e_x.
"""
from dataclasses import dataclass

import torch

from ._validate import DTYPE, as_distribution, as_float, as_lr, as_memory, as_steps, as_targets
from .tasks import evaluate, one_hot


@dataclass
class History:
    """What a training run logs, one entry per iterate W_0, ..., W_T (T = steps).

    Attributes
    ----------
    loss : (..., T+1) tensor        population cross-entropy L(W_t)
    zero_one : (..., T+1) tensor    0-1 loss L01(W_t), ties counted as errors
    margins : (..., T+1, N) tensor  margins m_t(x)
    W : (..., d, d) tensor          the final memory W_T
    """
    loss: torch.Tensor
    zero_one: torch.Tensor
    margins: torch.Tensor
    W: torch.Tensor


def _descend(E, U, p, targets, lr, steps, W):
    """Full-batch GD. E (..., N, d), U (..., M, d), p (..., N), targets (..., N), lr (...), W (..., d, d)."""
    batch = torch.broadcast_shapes(E.shape[:-2], U.shape[:-2], p.shape[:-1], targets.shape[:-1],
                                   lr.shape, W.shape[:-2])
    (N, d), M = E.shape[-2:], U.shape[-2]
    B = batch.numel()
    # flatten the batch into one contiguous leading axis: bmm on (B, ., .) beats broadcast matmul
    E = E.expand(*batch, N, d).reshape(B, N, d)
    Ut = U.expand(*batch, M, d).reshape(B, M, d).mT              # (B, d, M)
    p = p.expand(*batch, N).reshape(B, N)
    Y = one_hot(targets, M).expand(*batch, N, M).reshape(B, N, M)  # made once
    eta = lr.expand(batch).reshape(B, 1, 1)
    W = W.expand(*batch, d, d).reshape(B, d, d).clone()
    loss, zero_one, margins = [], [], []
    for t in range(steps + 1):
        S = E @ (W.mT @ Ut)                                       # (B, N, M)
        L, m, L01, R = evaluate(S, p, Y)                          # (B,), (B, N), (B,), (B, N, M)
        loss.append(L)
        margins.append(m)
        zero_one.append(L01)
        if t < steps:
            W = W - eta * (Ut @ (R.mT @ E))                       # (B, d, d)
    return History(loss=torch.stack(loss, -1).reshape(*batch, steps + 1),
                   zero_one=torch.stack(zero_one, -1).reshape(*batch, steps + 1),
                   margins=torch.stack(margins, -2).reshape(*batch, steps + 1, N),
                   W=W.reshape(*batch, d, d))


def train(task, lr, steps, W0=None):
    """Full-batch gradient descent W_{t+1} = W_t - lr * grad L(W_t) on ``task``.

    Parameters
    ----------
    task : Task
    lr : float or (B,) tensor
        Step size eta. A 1-D tensor runs B independent trainings in one batched loop.
    steps : int
        Number of GD steps T >= 0.
    W0 : (d, d) or (B, d, d) array-like, optional
        Initial memory; defaults to W_0 = 0.

    Returns
    -------
    History with loss, zero_one (T+1,) or (B, T+1), margins (T+1, N) or (B, T+1, N), W (d, d) or (B, d, d).
    """
    lr = as_lr(lr)
    steps = as_steps(steps)
    W0 = task.zeros() if W0 is None else as_memory("W0", W0, task.d)
    return _descend(task.E, task.U, task.p, task.targets, lr, steps, W0)


def sweep(E, U, p, targets, lr, steps, W0=None):
    """Full-batch GD on many tasks at once: every argument may carry leading batch dimensions.

    The batch dimensions of all arguments are broadcast together, so for instance a grid of
    (frequency, correlation, step size) is E of shape (P, A, 1, N, d), p of shape (P, 1, 1, N) and
    lr of shape (1, 1, L): one loop then trains P*A*L memories.

    Parameters
    ----------
    E : (..., N, d)    input embeddings
    U : (..., M, d)    output embeddings
    p : (..., N)       frequencies, each row a distribution
    targets : (..., N) int classes in [0, M)
    lr : (...)         positive step sizes
    steps : int
    W0 : (..., d, d), optional, defaults to 0

    Returns
    -------
    History whose fields have the broadcast batch shape in front: loss (..., T+1), margins (..., T+1, N).
    """
    E = as_float("E", E)
    U = as_float("U", U)
    if E.ndim < 2 or U.ndim < 2:
        raise ValueError(f"E and U must have shapes (..., N, d) and (..., M, d), got {tuple(E.shape)} and "
                         f"{tuple(U.shape)}")
    N, d = E.shape[-2:]
    M = U.shape[-2]
    if U.shape[-1] != d:
        raise ValueError(f"E and U must share the embedding dimension d, got {d} and {U.shape[-1]}")
    if M < 2:
        raise ValueError(f"U must have at least M = 2 rows (outputs), got {M}")
    p = as_distribution("p", p, N=N)
    targets = as_targets("targets", targets, N, M)
    lr = as_float("lr", lr)
    if (lr <= 0).any():
        raise ValueError(f"lr must be > 0, got {lr.min().item():.3g}")
    steps = as_steps(steps)
    W0 = torch.zeros(d, d, dtype=DTYPE) if W0 is None else as_memory("W0", W0, d)
    try:
        return _descend(E, U, p, targets, lr, steps, W0)
    except RuntimeError as err:
        raise ValueError(f"the batch dimensions of E, U, p, targets, lr and W0 do not broadcast: {err}") from err


def first_hit(flags):
    """Index of the first True along the last axis, or -1 where it never happens. Shape (...)."""
    flags = torch.as_tensor(flags, dtype=torch.bool)
    idx = flags.to(torch.int64).argmax(-1)
    return torch.where(flags.any(-1), idx, torch.full_like(idx, -1))


def train_sgd(task, lr, steps, batch_size, seed, W0=None):
    """Mini-batch SGD: each step draws ``batch_size`` tokens x ~ p (with replacement) and descends the
    plain mean cross-entropy of that batch. Logs the population quantities of every iterate.

    Returns a History like ``train`` (no batching over lr).
    """
    lr = as_lr(lr)
    if lr.ndim != 0:
        raise ValueError("lr must be a single float for train_sgd")
    steps = as_steps(steps)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    gen = torch.Generator().manual_seed(int(seed))
    W = task.zeros() if W0 is None else as_memory("W0", W0, task.d).clone()
    loss = torch.empty(steps + 1, dtype=DTYPE)
    zero_one = torch.empty(steps + 1, dtype=DTYPE)
    margins = torch.empty(steps + 1, task.N, dtype=DTYPE)
    counts_w = torch.empty(task.N, dtype=DTYPE)
    for t in range(steps + 1):
        S = task.E @ W.T @ task.U.T                                        # (N, M)
        loss[t], margins[t], zero_one[t], _ = evaluate(S, task.p, task.Y)
        if t < steps:
            xs = torch.multinomial(task.p, batch_size, replacement=True, generator=gen)   # (B,)
            counts_w.zero_().index_add_(0, xs, torch.ones(batch_size, dtype=DTYPE))
            # the batch mean CE is the population formula with p replaced by the empirical frequencies
            G = task.U.T @ evaluate(S, counts_w / batch_size, task.Y)[3].T @ task.E     # (d, d)
            W = W - lr * G
    return History(loss=loss, zero_one=zero_one, margins=margins, W=W)
