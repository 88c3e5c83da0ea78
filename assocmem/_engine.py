"""The GD engine behind ``train`` and ``sweep``: score-space steps with blocked logging.

Every op on the small tensors of a sweep costs 5-50 us whatever its size, so ``descend``
does as few ops per step as it can; see its docstring. The loop is split into the steps
in score space (``_score_steps``), the steps on W (``_weight_steps``) and the logging of
a block of iterates (``_log_block``); none of the splits adds an op per step.
"""

import torch

from ._scores import _hide_targets, _softmax_parts, _summary, one_hot
from ._validate import DTYPE


def _batch_shape(E, U, p, targets, lr, W):
    """The broadcast batch shape of all arguments, or a ValueError saying that they do
    not broadcast.
    """
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
            "the batch dimensions of E, U, p, targets, lr and W0 do not broadcast: "
            f"{named}"
        ) from err
    if batch.numel() == 0:
        raise ValueError(
            f"the broadcast batch shape {tuple(batch)} is empty: nothing to train"
        )
    return batch


def _score_steps(S_k, R_k, shift_k, total_k, neg_Y, n, A, K_u):
    """n GD steps in score space, S_{k+1} = S_k - A R_k (K_u), R_k = softmax(S_k) - Y,
    into the slots.
    """
    for k in range(n):
        S, total_S = S_k[k], total_k[k]
        _, Z, _ = _softmax_parts(S, shift_k[k], total_S)
        R = torch.addcdiv(neg_Y, Z, total_S, out=R_k[k])  # (B, N, M)  softmax(S_t) - Y
        torch.baddbmm(S, A, R if K_u is None else R @ K_u, alpha=-1, out=S_k[k + 1])


def _weight_steps(S_k, R_k, shift_k, total_k, neg_Y, n, E, Ut, Ep, W, W_k):
    """n GD steps on W (in place), W <- W - U^T R^T (lr D_p E), with the scores of each
    iterate.
    """
    for k in range(n):
        S, total_S = S_k[k], total_k[k]
        _, Z, _ = _softmax_parts(S, shift_k[k], total_S)
        R = torch.addcdiv(neg_Y, Z, total_S, out=R_k[k])  # (B, N, M)
        W.sub_(Ut @ (R.mT @ Ep))  # (B, d, d)
        torch.matmul(E, W.mT @ Ut, out=S_k[k + 1])
        if W_k is not None:
            W_k[k + 1].copy_(W)


def _log_block(S_buf, shift, total, p, Y, hide, n, last, t0, loss, zero_one, margins):
    """Loss, margins and 0-1 loss of the iterates held in the buffers, written at step
    t0 on.

    The buffer holds S_{t0}, ..., S_{t0+n}; the last one is logged only at the end of
    the run (else it is the first iterate of the next buffer).
    """
    if last:  # the final iterate W_T is logged too
        _softmax_parts(S_buf[n], shift[n], total[n])
    m = n + 1 if last else n  # iterates logged from this buffer
    L, mg, L01 = _summary(S_buf[:m], p, Y, hide, shift[:m], total[:m])
    loss[t0 : t0 + m], margins[t0 : t0 + m], zero_one[t0 : t0 + m] = L, mg, L01


def _kahan_add(total, err, y):
    """total + y with compensated rounding (Kahan): returns the new (total, err)."""
    y = y - err
    new = total + y
    return new, (new - total).sub_(y)


def _score_W(W0, eta, Ut, p, E, R_sum):
    """W = W0 - lr U^T (D_p R_sum)^T E, for residual sums R_sum (..., B, N, M)."""
    return W0 - eta * (Ut @ ((p.unsqueeze(-1) * R_sum).mT @ E))


def descend(E, U, p, targets, lr, steps, W, keep_W=False):
    """Full-batch GD. E (..., N, d), U (..., M, d), p (..., N), targets (..., N), lr
    (...), W (..., d, d).

    Every op on the small tensors of a sweep costs 5-50 us whatever its size, so the
    loop does as few ops per step as it can (six on the group G sweep):

    - it steps the scores, S_{t+1} = S_t - A (softmax(S_t) - Y) K_u with A = lr K_e D_p
      made once (the particle recursion of chapter 2; K_e = E E^T, K_u = U U^T, the
      product with K_u skipped when K_u = I): one batched matmul per step
      (``_score_steps``). When N is large compared with d, stepping W is cheaper and it
      does that (``_weight_steps``);
    - S_t, its row max, the sum of its shifted exponentials and its residual go straight
      into buffers holding ~64 consecutive steps, and loss, margins and 0-1 loss are
      computed for a whole buffer at once (large tensors amortise the per-op cost);
    - W_T = W_0 - U^T (sum_t lr D_p (softmax(S_t) - Y))^T E comes from the summed
      residuals (a sum with compensated rounding: in a non-separable task the residuals
      never decay).

    Results agree with stepping W directly to round-off (~1e-13 on the group G sweep),
    except in chaotic runs (e.g. alpha = 1, lr = 10 there), where any change of rounding
    grows to O(1).
    """
    batch = _batch_shape(E, U, p, targets, lr, W)
    (N, d), M, B = E.shape[-2:], U.shape[-2], batch.numel()
    # flatten the batch into one contiguous leading axis: bmm on (B, ., .) beats
    # broadcast matmul
    E = E.expand(*batch, N, d).reshape(B, N, d)
    Ut = U.expand(*batch, M, d).reshape(B, M, d).mT  # (B, d, M)
    p = p.expand(*batch, N).reshape(B, N)
    Y = one_hot(targets, M).expand(*batch, N, M).reshape(B, N, M)  # made once
    hide, neg_Y = _hide_targets(Y), -Y
    eta = lr.expand(batch).reshape(B, 1, 1)
    W0 = W.expand(*batch, d, d).reshape(B, d, d)
    K_u = Ut.mT @ Ut  # (B, M, M)
    skip_K_u = torch.equal(K_u, torch.eye(M, dtype=DTYPE).expand(B, M, M))
    # flops per step: scores path A @ R (@ K_u) against the weights path (two products
    # each for S
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
    # views of each step's slot, made once (indexing a buffer costs ~1 us, five times a
    # step)
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
        _log_block(
            S_buf, shift, total, p, Y, hide, n, last, t0, loss, zero_one, margins
        )
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
    return (
        loss.mT.reshape(*batch, steps + 1),
        zero_one.mT.reshape(*batch, steps + 1),
        margins.transpose(0, 1).reshape(*batch, steps + 1, N),
        W.reshape(*batch, d, d),
        W_path.transpose(0, 1).reshape(*batch, steps + 1, d, d) if keep_W else None,
    )
