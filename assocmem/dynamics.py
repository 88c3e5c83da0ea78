"""Training loops: full-batch gradient descent (one task or many at once) and mini-batch SGD.

The hot path of the whole book is ``_descend``. It steps the scores S = E W^T U^T directly (the
particle recursion of chapter 2, one batched matmul per step), logs the loss, the margins and the 0-1
loss of a block of steps at once, and recovers the final W from the summed residuals; see its
docstring for why this is fast. Every tensor may carry leading batch dimensions, so one loop runs many
step sizes, frequencies or embeddings side by side (``sweep``). Orientation of W as in ``tasks.py``:
S[x, y] = u_y^T W e_x.
"""

from dataclasses import dataclass

import torch

from ._scores import _hide_targets, _softmax_parts, _summary, evaluate, one_hot
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


def _batch_shape(E, U, p, targets, lr, W):
    """The broadcast batch shape of all arguments, or a ValueError saying that they do not broadcast."""
    shapes = (
        E.shape[:-2],
        U.shape[:-2],
        p.shape[:-1],
        targets.shape[:-1],
        lr.shape,
        W.shape[:-2],
    )
    try:
        batch = torch.broadcast_shapes(*shapes)
    except RuntimeError as err:
        named = ", ".join(
            f"{n} {tuple(s)}"
            for n, s in zip(("E", "U", "p", "targets", "lr", "W0"), shapes)
        )
        raise ValueError(
            f"the batch dimensions of E, U, p, targets, lr and W0 do not broadcast: {named}"
        ) from err
    if batch.numel() == 0:
        raise ValueError(
            f"the broadcast batch shape {tuple(batch)} is empty: nothing to train"
        )
    return batch


def _score_steps(S_k, R_k, shift_k, total_k, neg_Y, n, A, K_u):
    """n GD steps in score space, S_{k+1} = S_k - A R_k (K_u), R_k = softmax(S_k) - Y, into the slots."""
    for k in range(n):
        S, total_S = S_k[k], total_k[k]
        _, Z, _ = _softmax_parts(S, shift_k[k], total_S)
        R = torch.addcdiv(neg_Y, Z, total_S, out=R_k[k])  # (B, N, M)  softmax(S_t) - Y
        torch.baddbmm(S, A, R if K_u is None else R @ K_u, alpha=-1, out=S_k[k + 1])


def _weight_steps(S_k, R_k, shift_k, total_k, neg_Y, n, E, Ut, Ep, W, W_k):
    """n GD steps on W (in place), W <- W - U^T R^T (lr D_p E), with the scores of each iterate."""
    for k in range(n):
        S, total_S = S_k[k], total_k[k]
        _, Z, _ = _softmax_parts(S, shift_k[k], total_S)
        R = torch.addcdiv(neg_Y, Z, total_S, out=R_k[k])  # (B, N, M)
        W.sub_(Ut @ (R.mT @ Ep))  # (B, d, d)
        torch.matmul(E, W.mT @ Ut, out=S_k[k + 1])
        if W_k is not None:
            W_k[k + 1].copy_(W)


def _kahan_add(total, err, y):
    """total + y with compensated rounding (Kahan): returns the new (total, err)."""
    y = y - err
    new = total + y
    return new, (new - total).sub_(y)


def _score_W(W0, eta, Ut, p, E, R_sum):
    """W = W0 - lr U^T (D_p R_sum)^T E, for residual sums R_sum (..., B, N, M)."""
    return W0 - eta * (Ut @ ((p.unsqueeze(-1) * R_sum).mT @ E))


def _descend(E, U, p, targets, lr, steps, W, keep_W=False):
    """Full-batch GD. E (..., N, d), U (..., M, d), p (..., N), targets (..., N), lr (...), W (..., d, d).

    Every op on the small tensors of a sweep costs 5-50 us whatever its size, so the loop does as
    few ops per step as it can (six on the group G sweep):

    - it steps the scores, S_{t+1} = S_t - A (softmax(S_t) - Y) K_u with A = lr K_e D_p made once (the
      particle recursion of chapter 2; K_e = E E^T, K_u = U U^T, the product with K_u skipped when
      K_u = I): one batched matmul per step (``_score_steps``). When N is large compared with d,
      stepping W is cheaper and it does that (``_weight_steps``);
    - S_t, its row max, the sum of its shifted exponentials and its residual go straight into buffers
      holding ~64 consecutive steps, and loss, margins and 0-1 loss are computed for a whole buffer at
      once (large tensors amortise the per-op cost);
    - W_T = W_0 - U^T (sum_t lr D_p (softmax(S_t) - Y))^T E comes from the summed residuals (a sum
      with compensated rounding: in a non-separable task the residuals never decay).

    Results agree with stepping W directly to round-off (~1e-13 on the group G sweep), except in
    chaotic runs (e.g. alpha = 1, lr = 10 there), where any change of rounding grows to O(1).
    """
    batch = _batch_shape(E, U, p, targets, lr, W)
    (N, d), M, B = E.shape[-2:], U.shape[-2], batch.numel()
    # flatten the batch into one contiguous leading axis: bmm on (B, ., .) beats broadcast matmul
    E = E.expand(*batch, N, d).reshape(B, N, d)
    Ut = U.expand(*batch, M, d).reshape(B, M, d).mT  # (B, d, M)
    p = p.expand(*batch, N).reshape(B, N)
    Y = one_hot(targets, M).expand(*batch, N, M).reshape(B, N, M)  # made once
    hide, neg_Y = _hide_targets(Y), -Y
    eta = lr.expand(batch).reshape(B, 1, 1)
    W0 = W.expand(*batch, d, d).reshape(B, d, d)
    K_u = Ut.mT @ Ut  # (B, M, M)
    skip_K_u = torch.equal(K_u, torch.eye(M, dtype=DTYPE).expand(B, M, M))
    # flops per step: scores path A @ R (@ K_u) against the weights path (two products each for S
    # and for the gradient)
    in_scores = N * N * M + (0 if skip_K_u else N * M * M) <= 2 * d * M * (N + d)
    if in_scores:
        A = eta * (E @ E.mT) * p.unsqueeze(-2)  # (B, N, N)  lr K_e D_p
        R_sum = torch.zeros(B, N, M, dtype=DTYPE)  # sum_t (softmax(S_t) - Y)
        R_err = torch.zeros(B, N, M, dtype=DTYPE)  # its rounding error, compensated
    else:
        Ep = eta * p.unsqueeze(-1) * E  # (B, N, d)  lr D_p E
        W = W0.clone()
    # buffers for `chunk` + 1 consecutive iterates (about 2 MB of scores)
    chunk = max(1, min(steps, (1 << 18) // (B * N * M)))
    S_buf = torch.empty(chunk + 1, B, N, M, dtype=DTYPE)  # S_t
    R_buf = torch.empty(chunk, B, N, M, dtype=DTYPE)  # softmax(S_t) - Y
    shift = torch.empty(chunk + 1, B, N, 1, dtype=DTYPE)  # max_y S_t[x, y]
    total = torch.empty(chunk + 1, B, N, 1, dtype=DTYPE)  # sum_y exp(S_t[x, y] - shift)
    torch.matmul(E, W0.mT @ Ut, out=S_buf[0])  # S_0
    # views of each step's slot, made once (indexing a buffer costs ~1 us, five times a step)
    S_k, R_k, shift_k, total_k = (
        S_buf.unbind(0),
        R_buf.unbind(0),
        shift.unbind(0),
        total.unbind(0),
    )
    loss = torch.empty(steps + 1, B, dtype=DTYPE)
    zero_one = torch.empty(steps + 1, B, dtype=DTYPE)
    margins = torch.empty(steps + 1, B, N, dtype=DTYPE)
    W_path = torch.empty(steps + 1, B, d, d, dtype=DTYPE) if keep_W else None
    if keep_W:
        W_path[0] = W0
    t0 = 0
    while True:
        n = min(chunk, steps - t0)  # GD steps taken from this buffer
        if in_scores:
            _score_steps(
                S_k, R_k, shift_k, total_k, neg_Y, n, A, None if skip_K_u else K_u
            )
        else:
            W_k = W_path[t0:].unbind(0) if keep_W else None
            _weight_steps(S_k, R_k, shift_k, total_k, neg_Y, n, E, Ut, Ep, W, W_k)
        last = t0 + n == steps
        if last:  # the final iterate W_T is logged too
            _softmax_parts(S_k[n], shift_k[n], total_k[n])
        m = n + 1 if last else n  # iterates logged from this buffer
        L, mg, L01 = _summary(S_buf[:m], p, Y, hide, shift[:m], total[:m])
        loss[t0 : t0 + m], margins[t0 : t0 + m], zero_one[t0 : t0 + m] = L, mg, L01
        if in_scores and n:
            if keep_W:  # W_{t0+1}, ..., W_{t0+n} from the running sums of the residuals
                R_run = R_sum - R_err + R_buf[:n].cumsum(0)  # (n, B, N, M)
                W_path[t0 + 1 : t0 + n + 1] = _score_W(W0, eta, Ut, p, E, R_run)
            R_sum, R_err = _kahan_add(R_sum, R_err, R_buf[:n].sum(0))
        if last:
            break
        S_buf[0].copy_(S_buf[n])
        t0 += n
    if in_scores:
        W = _score_W(W0, eta, Ut, p, E, R_sum)  # (B, d, d)
    return History(
        loss=loss.mT.reshape(*batch, steps + 1),
        zero_one=zero_one.mT.reshape(*batch, steps + 1),
        margins=margins.transpose(0, 1).reshape(*batch, steps + 1, N),
        W=W.reshape(*batch, d, d),
        W_path=W_path.transpose(0, 1).reshape(*batch, steps + 1, d, d)
        if keep_W
        else None,
    )


def train(task, lr, steps, W0=None, keep_W=False):
    """Full-batch gradient descent W_{t+1} = W_t - lr * grad L(W_t) on ``task``.

    Parameters
    ----------
    task : Task
        The task to learn.
    lr : float or (B,) array-like
        Step size eta > 0. A 1-D tensor runs B independent trainings in one batched loop.
    steps : int
        Number of GD steps T >= 0.
    W0 : (d, d) or (B, d, d) array-like, optional
        Initial memory; defaults to W_0 = 0.
    keep_W : bool
        Also return every iterate, ``History.W_path`` (T+1, d, d) or (B, T+1, d, d).

    Returns
    -------
    History
        loss, zero_one (T+1,) or (B, T+1); margins (T+1, N) or (B, T+1, N); W (d, d) or (B, d, d).

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
    return _descend(task.E, task.U, task.p, task.targets, lr, steps, W0, keep_W)


def _as_bool(name, v):
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be True or False, got {type(v).__name__} {v!r}")
    return v


def sweep(E, U, p, targets, lr, steps, W0=None, keep_W=False):
    """Full-batch GD on many tasks at once: every argument may carry leading batch dimensions.

    The batch dimensions of all arguments (everything left of the trailing (N, d), (M, d), (N,), (N,),
    scalar and (d, d) shapes) are broadcast together as in numpy, and one loop trains a memory for
    each entry of the broadcast batch. This is the public way to run a grid of configurations: put
    each grid axis on its own batch dimension, and give every argument size 1 (or nothing) on the axes
    it does not depend on. All configurations must share N, M and d.

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
        Fields with the broadcast batch shape in front: loss and zero_one (..., T+1), margins
        (..., T+1, N), W (..., d, d). Entry [i, j, ...] equals ``train`` on that configuration alone
        (to round-off).

    Raises
    ------
    ValueError
        If an argument is malformed (shapes, p not a distribution, targets out of range, lr <= 0,
        NaN/inf) or if the batch dimensions do not broadcast.
    TypeError
        If an argument is the wrong kind of object (a string, a float number of steps).

    Examples
    --------
    The learning-rate phase diagram of chapter 4 (paper group G): 10 frequencies p_1 x 10
    correlations alpha x 10 step sizes, 1000 steps each, in one call. The grid axes are (p_1, alpha, lr):

    >>> import torch, assocmem as am
    >>> p1 = torch.sigmoid(torch.logspace(-0.5, 0.5, 10, dtype=torch.float64))    # (P,)
    >>> alpha = torch.linspace(0.5, 1, 10, dtype=torch.float64)                     # (A,)
    >>> lr = torch.logspace(-1, 1, 10, dtype=torch.float64)                        # (L,) last axis
    >>> E = am.correlated_pair(alpha)                                               # (A, N, d)
    >>> p = torch.stack([p1, 1 - p1], -1)                                           # (P, N)
    >>> h = am.sweep(E[:, None], torch.eye(2), p[:, None, None], [0, 1], lr, 1000)
    >>> h.zero_one.shape           # batch (P, A, L) = (P, 1, 1) x (A, 1) x (L,), then T + 1
    torch.Size([10, 10, 10, 1001])
    >>> am.first_hit(h.zero_one == 0)[0, 8].tolist()   # steps to 100 % accuracy, p_1 = 0.578, alpha = 0.944
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
    return _descend(E, U, p, targets, lr, steps, W0, keep_W)


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
        loss[t], margins[t], zero_one[t], _ = evaluate(S, task.p, task.Y)
        if t < steps:
            xs = torch.multinomial(
                task.p, batch_size, replacement=True, generator=gen
            )  # (B,)
            counts_w.zero_().index_add_(0, xs, torch.ones(batch_size, dtype=DTYPE))
            # the batch mean CE is the population formula with p replaced by the empirical
            # frequencies
            R = evaluate(S, counts_w / batch_size, task.Y).residual  # (N, M)
            W = W - lr * (task.U.T @ R.T @ task.E)  # (d, d)
    return History(loss=loss, zero_one=zero_one, margins=margins, W=W)
