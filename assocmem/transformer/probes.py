"""Memory probes of the small Transformer: its W_O2 and W_K2 matrices read as
associative memories.

Each probe maps a trained matrix onto the book's S[x, y] = u_y^T W e_x and returns
per-token margins in float64. The W_O2-only problem (everything else frozen) is the
book's associative memory with a fixed logit offset; its loss, gradient and sharpness
are in closed form.
"""

import torch

from .._scores import diag_margins
from .._validate import DTYPE, as_int
from .data import _as_batch
from .model import _as_model


@torch.no_grad()
def wo2_margins(model, WO2=None):
    """Margins of the W_O2 (copy) memory, one per token x, float64, shape (V,) or (L, V)
    for a stack WO2.

    Scores S[x, y] = w_U(y)^T W_O2 W_V2 w_E(x) and target y = x. In the book's notation
    this is the Task with e_x = W_V2 w_E(x), u_y = w_U(y) (rows of W_U) and W = W_O2.
    ``WO2`` (d, d) or (L, d, d) replaces the model's own W_O2 (used by
    ``train_wo2_only``).

    Parameters
    ----------
    model : MemoryTransformer
        The model.
    WO2 : (d, d) or (L, d, d) tensor, optional
        Replaces the model's W_O2.

    Returns
    -------
    torch.Tensor
        (V,) or (L, V) float64.
    """
    model = _as_model("model", model)
    if WO2 is not None and (
        not isinstance(WO2, torch.Tensor) or WO2.ndim not in (2, 3)
    ):
        raise TypeError(
            f"WO2 must be a (d, d) or (L, d, d) tensor, got {type(WO2).__name__}"
        )
    WO2 = model.WO2 if WO2 is None else WO2
    E = model.tok.to(DTYPE) @ model.WV2.to(DTYPE).T  # (V, d) W_V2 w_E(x)
    S = E @ WO2.to(DTYPE).mT @ model.WU.to(DTYPE).T  # (..., V, V)
    return diag_margins(S)


@torch.no_grad()
def wk2_margins(model, keys=None):
    """Margins of the W_K2 (induction-key) memory over the tokens ``keys`` (default:
    all), float64, (n,).

    Query token x, key token x': S[x, x'] = w_E(x)^T W_K2 W_O1 W_V1 w_E(x'), the
    attention logit (times sqrt d) between a query carrying w_E(x) and a key position
    whose previous token was x'. Target x' = x. In the book's notation: e_x = w_E(x),
    u_{x'} = W_O1 W_V1 w_E(x') and W = W_K2^T. Birth's probe (test_wk1) ranks the
    trigger keys only when the triggers are fixed: pass ``keys=task.triggers``.

    Parameters
    ----------
    model : MemoryTransformer
        The model.
    keys : (n,) int array-like, optional
        Tokens (default: all).

    Returns
    -------
    torch.Tensor
        (n,) float64.
    """
    model = _as_model("model", model)
    if isinstance(keys, (str, bytes, float)):
        raise TypeError(
            f"keys must be an int tensor or list of tokens, got {type(keys).__name__}"
        )
    idx = torch.arange(model.tok.shape[0]) if keys is None else torch.as_tensor(keys)
    Q = model.tok.to(DTYPE)[idx]  # (n, d) w_E(x)
    K = Q @ model.WV1.to(DTYPE).T @ model.WO1.to(DTYPE).T  # (n, d) W_O1 W_V1 w_E(x')
    return diag_margins(Q @ model.WK2.to(DTYPE) @ K.T)  # (n,)


def wo2_problem(model, batch):
    """The W_O2-only problem on one batch: logits_t = base_t + W_U W_O2 z_t, with base
    and z fixed.

    Returns base (n, V) with base_t = W_U h1_t, z (n, d) and targets y (n,), at the n
    loss positions. When W_K1 and W_K2 are frozen none of these depend on W_O2: this is
    the book's associative memory with inputs z_t, outputs the rows of W_U, frequency
    1/n per position, and a fixed logit offset base_t.

    Parameters
    ----------
    model : MemoryTransformer
        The model.
    batch : Batch
        Sequences of the task.

    Returns
    -------
    tuple
        base (n, V), z (n, d), y (n,).
    """
    model = _as_model("model", model)
    batch = _as_batch("batch", batch)
    with torch.no_grad():
        h1, z = model.features_at(batch.x, batch.mask)  # the loss positions only
        return h1 @ model.WU.T, z, batch.y[batch.mask]


def wo2_loss_grad(W, base, z, y, WU):
    """Mean cross-entropy of the W_O2-only problem and its closed-form gradient, for a
    stack W (L, d, d).

    grad = (1/n) sum_t W_U^T (softmax(logits_t) - e_{y_t}) z_t^T. Returns loss (L,) and
    grad (L, d, d).

    Parameters
    ----------
    W : (L, d, d) tensor
        Stack of W_O2 matrices.
    base, z, y : tensors
        The problem of ``wo2_problem``.
    WU : (V, d) tensor
        Unembedding.

    Returns
    -------
    tuple
        loss (L,) and grad (L, d, d).
    """
    _check_problem(W, base, z, WU, y)
    n = len(y)
    logp = (base + z @ (WU @ W).mT).log_softmax(-1)  # (L, n, V)
    rows = torch.arange(n)
    loss = -logp[:, rows, y].mean(1)  # (L,)
    R = logp.exp_()  # softmax, in place
    R[:, rows, y] -= 1  # softmax - one-hot
    return loss, WU.T @ (R.mT @ z) / n  # (L,), (L, d, d)


def wo2_sharpness(W, base, z, WU, v0, iters):
    """lambda_max of the W_O2-only Hessian by ``iters`` steps of power iteration from
    v0; W, v0: (L, d, d).

    Hessian-vector products in closed form: H[V] = (1/n) sum_t W_U^T (diag P_t - P_t
    P_t^T) W_U V z_t z_t^T. The problem is convex (H is positive semi-definite), so
    power iteration finds lambda_max. Returns the Rayleigh quotients (L,) and the last
    iterate (L, d, d), for warm starts.

    Parameters
    ----------
    W, v0 : (L, d, d) tensors
        Stack of W_O2 matrices and the starting vectors.
    base, z : tensors
        The problem of ``wo2_problem``.
    WU : (V, d) tensor
        Unembedding.
    iters : int
        Power-iteration steps, >= 1.

    Returns
    -------
    tuple
        Rayleigh quotients (L,) and the last iterate (L, d, d).
    """
    _check_problem(W, base, z, WU)
    if _as_tensor("v0", v0, 3).shape[-2:] != W.shape[-2:]:
        raise ValueError(
            f"v0 must be (L, d, d) like W {tuple(W.shape)}, got {tuple(v0.shape)}"
        )
    iters = as_int("iters", iters, low=1)
    P = (base + z @ (WU @ W).mT).softmax(-1)  # (L, n, V)
    v = v0 / v0.flatten(1).norm(dim=1)[:, None, None]
    lam = torch.zeros(W.shape[0], dtype=W.dtype)
    for _ in range(iters):
        dl = z @ (WU @ v).mT  # (L, n, V)
        dr = P * (dl - (P * dl).sum(-1, keepdim=True))  # softmax Jacobian times dl
        Hv = WU.T @ (dr.mT @ z) / z.shape[0]  # (L, d, d)
        lam = (Hv * v).flatten(1).sum(1)
        v = Hv / Hv.flatten(1).norm(dim=1)[:, None, None]
    return lam, v


def _as_tensor(name, x, ndim):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got shape {tuple(x.shape)}"
        )
    return x


def _check_problem(W, base, z, WU, y=None):
    W, base, z, WU = (
        _as_tensor(n, v, k)
        for n, v, k in (("W", W, 3), ("base", base, 2), ("z", z, 2), ("WU", WU, 2))
    )
    if W.shape[-1] != z.shape[-1] or base.shape != (z.shape[0], WU.shape[0]):
        raise ValueError(
            f"shapes do not match: W {tuple(W.shape)}, base {tuple(base.shape)}, "
            f"z {tuple(z.shape)}, WU {tuple(WU.shape)}"
        )
    if y is not None and (_as_tensor("y", y, 1).shape[0] != z.shape[0]):
        raise ValueError(f"y must have one target per row of z, got {tuple(y.shape)}")
