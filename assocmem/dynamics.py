"""Training loops: full-batch gradient descent (one task or many at once) and mini-batch
SGD.

The hot path of the whole book is ``_descend``. It steps the scores S = E W^T U^T
directly (the particle recursion of chapter 2, one batched matmul per step), logs the
loss, the margins and the 0-1 loss of a block of steps at once, and recovers the final W
from the summed residuals; see its docstring for why this is fast. Every tensor may
carry leading batch dimensions, so one loop runs many step sizes, frequencies or
embeddings side by side (``sweep``). Orientation of W as in ``tasks.py``: S[x, y] =
u_y^T W e_x.
"""

from dataclasses import dataclass

import torch

from ._engine import descend
from ._scores import _evaluate
from ._validate import (
    DTYPE,
    as_distribution,
    as_float,
    as_int,
    as_lr,
    as_memory,
    as_seed,
    as_steps,
    as_targets,
    as_task,
)
from .trajectory import first_hit  # noqa: F401  (am.dynamics.first_hit, now in trajectory)


@dataclass
class History:
    """What a training run logs, one entry per iterate W_0, ..., W_T (T = steps).

    Attributes
    ----------
    loss : (..., T+1) tensor
        Population cross-entropy L(W_t).
    zero_one : (..., T+1) tensor
        0-1 loss L01(W_t), ties counted as errors.
    margins : (..., T+1, N) tensor
        Margins m_t(x).
    W : (..., d, d) tensor
        The final memory W_T.
    W_path : (..., T+1, d, d) tensor or None
        Every iterate W_0, ..., W_T, when asked for (``keep_W=True``).
    """

    loss: torch.Tensor
    zero_one: torch.Tensor
    margins: torch.Tensor
    W: torch.Tensor
    W_path: torch.Tensor = None


def train(task, lr, steps, W0=None, keep_W=False):
    """Full-batch gradient descent W_{t+1} = W_t - lr * grad L(W_t) on ``task``.

    Parameters
    ----------
    task : Task
        The task to learn.
    lr : float or (B,) array-like
        Step size eta > 0. A 1-D tensor runs B independent trainings in one batched
        loop.
    steps : int
        Number of GD steps T >= 0.
    W0 : (d, d) or (B, d, d) array-like, optional
        Initial memory; defaults to W_0 = 0.
    keep_W : bool
        Also return every iterate, ``History.W_path`` (T+1, d, d) or (B, T+1, d, d).

    Returns
    -------
    History
        loss, zero_one (T+1,) or (B, T+1); margins (T+1, N) or (B, T+1, N); W (d, d) or
        (B, d, d).

    Examples
    --------
    >>> import assocmem as am
    >>> h = am.train(am.two_token_task(0.95, 0.75), 10.0, 3, keep_W=True)
    >>> h.W_path.shape, bool((h.W_path[-1] - h.W).abs().max() < 1e-12)
    (torch.Size([4, 2, 2]), True)
    """
    task = as_task("task", task)
    lr = as_lr(lr, max_ndim=1)
    steps = as_steps(steps)
    W0 = task.zeros() if W0 is None else as_memory("W0", W0, task.d)
    keep_W = _as_bool("keep_W", keep_W)
    return History(
        *descend(task.E, task.U, task.p, task.targets, lr, steps, W0, keep_W)
    )


def _as_bool(name, v):
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be True or False, got {type(v).__name__} {v!r}")
    return v


def sweep(E, U, p, targets, lr, steps, W0=None, keep_W=False):
    """Full-batch GD on many tasks at once: every argument may carry leading batch
    dimensions.

    The batch dimensions of all arguments (everything left of the trailing (N, d), (M,
    d), (N,), (N,), scalar and (d, d) shapes) are broadcast together as in numpy, and
    one loop trains a memory for each entry of the broadcast batch. This is the public
    way to run a grid of configurations: put each grid axis on its own batch dimension,
    and give every argument size 1 (or nothing) on the axes it does not depend on. All
    configurations must share N, M and d.

    Parameters
    ----------
    E : (..., N, d) array-like
        Input embeddings.
    U : (..., M, d) array-like
        Output embeddings.
    p : (..., N) array-like
        Frequencies, each row a distribution.
    targets : (..., N) int array-like
        Classes in [0, M).
    lr : float or (...) array-like
        Positive step sizes.
    steps : int
        Number of GD steps T >= 0.
    W0 : (..., d, d) array-like, optional
        Initial memories, 0 by default.
    keep_W : bool
        Also return every iterate, ``History.W_path`` (..., T+1, d, d).

    Returns
    -------
    History
        Fields with the broadcast batch shape in front: loss and zero_one (..., T+1),
        margins (..., T+1, N), W (..., d, d). Entry [i, j, ...] equals ``train`` on that
        configuration alone (to round-off).

    Raises
    ------
    ValueError
        If an argument is malformed (shapes, p not a distribution, targets out of range,
        lr <= 0, NaN/inf) or if the batch dimensions do not broadcast.
    TypeError
        If an argument is the wrong kind of object (a string, a float number of steps).

    Examples
    --------
    The learning-rate phase diagram of chapter 4 (paper group G): 10 frequencies p_1 x
    10
    correlations alpha x 10 step sizes, 1000 steps each, in one call. The grid axes are
    (p_1, alpha, lr):

    >>> import torch, assocmem as am
    >>> f64 = torch.float64
    >>> p1 = torch.sigmoid(torch.logspace(-0.5, 0.5, 10, dtype=f64))  # (P,)
    >>> alpha = torch.linspace(0.5, 1, 10, dtype=f64)  # (A,)
    >>> lr = torch.logspace(-1, 1, 10, dtype=f64)  # (L,), the last axis
    >>> E = am.correlated_pair(alpha)  # (A, N, d)
    >>> p = torch.stack([p1, 1 - p1], -1)  # (P, N)
    >>> h = am.sweep(E[:, None], torch.eye(2), p[:, None, None], [0, 1], lr, 1000)
    >>> h.zero_one.shape  # batch (P, A, L) = (P, 1, 1) x (A, 1) x (L,), then T + 1
    torch.Size([10, 10, 10, 1001])
    >>> # steps to 100 % accuracy at p_1 = 0.578, alpha = 0.944, one per step size:
    >>> am.first_hit(h.zero_one == 0)[0, 8].tolist()
    [112, 67, 41, 25, 15, 9, 6, 2, 10, 8]
    """
    E = as_float("E", E)
    U = as_float("U", U)
    if E.ndim < 2 or U.ndim < 2:
        raise ValueError(
            "E and U must have shapes (..., N, d) and (..., M, d), "
            f"got {tuple(E.shape)} and {tuple(U.shape)}"
        )
    N, d = E.shape[-2:]
    M = U.shape[-2]
    if U.shape[-1] != d:
        raise ValueError(
            f"E and U must share the embedding dimension d, got {d} and {U.shape[-1]}"
        )
    if M < 2:
        raise ValueError(f"U must have at least M = 2 rows (outputs), got {M}")
    p = as_distribution("p", p, N=N)
    targets = as_targets("targets", targets, N, M)
    lr = as_lr(lr)
    steps = as_steps(steps)
    W0 = torch.zeros(d, d, dtype=DTYPE) if W0 is None else as_memory("W0", W0, d)
    keep_W = _as_bool("keep_W", keep_W)
    return History(*descend(E, U, p, targets, lr, steps, W0, keep_W))


def train_sgd(task, lr, steps, batch_size, seed, W0=None):
    """Mini-batch SGD on the plain mean cross-entropy of batches drawn from p.

    Each step draws ``batch_size`` tokens x ~ p (with replacement) and descends the mean
    cross-entropy of that batch. The population quantities of every iterate are logged.

    Parameters
    ----------
    task : Task
        The task to learn.
    lr : float
        Step size eta > 0.
    steps : int
        Number of SGD steps T >= 0.
    batch_size : int
        Tokens per batch, >= 1.
    seed : int
        Seed of the batches (a private generator).
    W0 : (d, d) array-like, optional
        Initial memory, 0 by default.

    Returns
    -------
    History
        As ``train`` for one step size.
    """
    task = as_task("task", task)
    lr = as_lr(lr, max_ndim=0)
    steps = as_steps(steps)
    batch_size = as_int("batch_size", batch_size, low=1)
    gen = torch.Generator().manual_seed(as_seed("seed", seed))
    W = task.zeros() if W0 is None else as_memory("W0", W0, task.d).clone()
    loss = torch.empty(steps + 1, dtype=DTYPE)
    zero_one = torch.empty(steps + 1, dtype=DTYPE)
    margins = torch.empty(steps + 1, task.N, dtype=DTYPE)
    counts_w = torch.empty(task.N, dtype=DTYPE)
    for t in range(steps + 1):
        S = task.E @ W.T @ task.U.T  # (N, M)
        loss[t], margins[t], zero_one[t], _ = _evaluate(S, task.p, task.Y)
        if t < steps:
            xs = torch.multinomial(
                task.p, batch_size, replacement=True, generator=gen
            )  # (B,)
            counts_w.zero_().index_add_(0, xs, torch.ones(batch_size, dtype=DTYPE))
            # the batch mean CE is the population formula with p replaced by the
            # empirical
            # frequencies
            R = _evaluate(S, counts_w / batch_size, task.Y).residual  # (N, M)
            W = W - lr * (task.U.T @ R.T @ task.E)  # (d, d)
    return History(loss=loss, zero_one=zero_one, margins=margins, W=W)
