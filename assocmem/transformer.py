"""Associative memories inside a small Transformer, at laptop-CPU scale (chapter 7).

This re-implements, from its description, the two-layer induction-head task and the simplified
attention-only model of Bietti et al. (2023), "Birth of a Transformer: a memory viewpoint", which the
paper uses to check its findings. Nothing is downloaded: the bigram statistics are synthetic.
The module holds::

    TriggerTask        Zipf bigram sequences with k triggers, each followed by a sequence-specific output.
                       The sampler runs the Markov chain as a parallel tree of composed maps: O(log T)
                       vectorised steps, no Python loop over positions.
    MemoryTransformer  W_Q = I; frozen random embeddings, positions, W_V1, W_O1, W_V2 and unembedding W_U;
                       trainable W_K1, W_K2, W_O2; residual stream, no MLP, no LayerNorm.
    wo2_margins, wk2_margins      memory probes: per-token margins of the W_O2 and W_K2 memories.
    train_wo2_only, train_all     plain SGD (no momentum, no weight decay) logging losses and probes.
    long_run, main                the logged run shipped as data/ch7_long_run.json and the command that
                                  regenerates it: python -m assocmem.transformer --regenerate PATH

Orientation: every d x d matrix acts on column vectors, like an nn.Linear weight: the key of position s
is W_K h_s, the attention logit of query t is h_t^T W_K h_s / sqrt(d), the value is W_V h_s. Memories map
onto the book's S[x, y] = u_y^T W e_x as stated in ``wo2_margins`` and ``wk2_margins``.
Precision: the Transformer runs in float32 by default (``dtype``), the probes are returned in float64.
"""
import argparse
import json
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._validate import DTYPE

# ---------------------------------------------------------------------------------------------------------
# Data


@dataclass
class Batch:
    """One batch of sequences. ``x`` are the inputs, ``y = next token`` the targets.

    Attributes
    ----------
    x, y : (B, T) int64        tokens x_0..x_{T-1} and x_1..x_T
    count : (B, T) int64       at a trigger position, how many times this trigger occurred in x_0..x_t; else 0
    outputs : (B, k) int64     the output token of each trigger in this sequence
    """
    x: torch.Tensor
    y: torch.Tensor
    count: torch.Tensor
    outputs: torch.Tensor

    @property
    def mask(self):
        """Boolean mask, shape (B, T), of the positions in the loss.

        These are the outputs of triggers seen for the 2nd time or later (Birth's outs >= 2).
        """
        return self.count >= 2


def _check_int(name, v, low):
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ValueError(f"{name} must be an int >= {low}, got {v!r}")


class TriggerTask:
    """The Birth-of-a-Transformer task on a synthetic Zipf bigram model.

    Tokens follow a Markov chain with marginal-like weights pi(x) proportional to (x + 1)^(-exponent) and
    transitions p(j | i) proportional to pi(j) exp(sigma z_ij), z_ij ~ N(0, 1) drawn once from ``seed``.
    The k triggers are the k tokens of largest pi, i.e. 0..k-1 (Birth's ``fixed_special_toks``). Each
    sequence draws one output per trigger, uniformly over the vocabulary (Birth's default); inside that
    sequence every occurrence of trigger q is followed by its output o(q). The first token is drawn from pi.

    Differences from Birth: Birth estimates pi and p(j | i) from Tiny Shakespeare characters (65 tokens);
    here they are synthetic, so nothing is downloaded.

    Parameters
    ----------
    vocab_size : int      V, number of tokens (default 65, Birth's character vocabulary)
    k : int               number of triggers (default 5, Birth's README example)
    seq_len : int         T, positions per sequence (Birth: 256)
    exponent : float      Zipf exponent of pi
    sigma : float         strength of the random bigram preferences
    seed : int            seed of the bigram model (not of the sequences)
    """

    def __init__(self, vocab_size=65, k=5, seq_len=128, exponent=1.0, sigma=1.0, seed=0):
        _check_int("vocab_size", vocab_size, 2)
        _check_int("k", k, 1)
        _check_int("seq_len", seq_len, 1)
        _check_int("seed", seed, 0)
        if k >= vocab_size:
            raise ValueError(f"k must be smaller than vocab_size = {vocab_size}, got {k}")
        if vocab_size > 256:
            raise ValueError(f"vocab_size must be <= 256 (maps are stored as uint8), got {vocab_size}")
        if not (math.isfinite(exponent) and exponent >= 0 and math.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"exponent and sigma must be finite and >= 0, got {exponent} and {sigma}")
        self.V, self.k, self.T = vocab_size, k, seq_len
        g = torch.Generator().manual_seed(seed)
        w = torch.arange(1, vocab_size + 1, dtype=DTYPE) ** (-float(exponent))
        self.pi = w / w.sum()                                                       # (V,)
        z = torch.randn(vocab_size, vocab_size, generator=g, dtype=DTYPE)
        self.cond = torch.softmax(self.pi.log() + sigma * z, dim=1)                 # (V, V) p(j | i), rows sum to 1
        self.triggers = torch.arange(k)                                             # (k,)
        self._slot = torch.full((vocab_size,), -1, dtype=torch.long)                # token -> trigger index or -1
        self._slot[self.triggers] = torch.arange(k)
        # Inverse-CDF sampling with ONE uniform u per transition, shared by all current states i:
        # next(i, u) = #{j : cdf[i, j] <= u}. Between two consecutive values of the whole cdf table, next(., u)
        # is the same map for every i, so the 1 + V(V-1) possible maps are tabulated once here.
        cdf = self.cond.cumsum(1)
        cdf[:, -1] = 1.0
        self._cuts = torch.unique(cdf[:, :-1].flatten())                            # (C,) sorted
        left = torch.cat([torch.zeros(1, dtype=DTYPE), self._cuts])                 # (C+1,) left end of each interval
        nxt = torch.searchsorted(cdf, left.expand(vocab_size, -1).contiguous(), right=True)  # (V, C+1)
        self._maps = nxt.clamp(max=vocab_size - 1).T.to(torch.uint8).contiguous()  # (C+1, V) map of interval q

    def __repr__(self):
        return f"TriggerTask(V={self.V}, k={self.k}, T={self.T})"

    def sample(self, batch_size, generator):
        """Draw ``batch_size`` sequences of T+1 tokens; returns a Batch with x, y of shape (B, T).

        Vectorised: each position gets a random map f_t (the bigram step with the triggers overridden by
        this sequence's outputs) and ``_run_chain`` evaluates x_{t+1} = f_t(x_t) for all t in O(log T) steps.
        Sharing the uniform u_t across the states i is exact: x_t does not depend on u_t.
        """
        _check_int("batch_size", batch_size, 1)
        B, T, V, k = batch_size, self.T, self.V, self.k
        g = generator
        outputs = torch.randint(V, (B, k), generator=g)                             # (B, k) o(q), uniform
        x0 = torch.multinomial(self.pi, B, replacement=True, generator=g)           # (B,)
        u = torch.rand(B, T, generator=g, dtype=DTYPE)                              # (B, T) one per transition
        maps = self._maps[torch.searchsorted(self._cuts, u, right=True)]            # (B, T, V) uint8, f_t(i)
        maps[:, :, self.triggers] = outputs[:, None, :].to(torch.uint8)             # a trigger emits its output
        tokens = _run_chain(x0, maps)                                               # (B, T+1)
        x, y = tokens[:, :-1], tokens[:, 1:]
        slot = self._slot[x]                                                        # (B, T) trigger index or -1
        hit = F.one_hot(slot.clamp(min=0), k) * (slot >= 0)[..., None]              # (B, T, k)
        count = (hit.cumsum(1) * hit).sum(-1)                                       # (B, T)
        return Batch(x=x, y=y, count=count, outputs=outputs)


def _run_chain(x0, maps):
    """Tokens x_0..x_T of the chain x_{t+1} = f_t(x_t), given x0 (B,) and the maps f_t as (B, T, V) uint8.

    Up-sweep: compose neighbouring maps pairwise, T/2 + T/4 + ... + 1 compositions of V entries each.
    Down-sweep: walk the tree from the root; a node's right half starts where its left half's composed
    map sends the node's start state. About log2(T) tensor operations each way, no loop over positions.
    """
    B, T, V = maps.shape
    n = 1 << (T - 1).bit_length()                                                   # next power of two >= T
    if n > T:                                                                       # pad with identity maps
        ident = torch.arange(V, dtype=torch.uint8).expand(B, n - T, V)
        maps = torch.cat([maps, ident], 1)                                          # (B, n, V)
    levels = [maps]
    while levels[-1].shape[1] > 1:
        G = levels[-1]
        levels.append(G[:, 1::2].gather(2, G[:, 0::2].long()))                      # (second o first)(i)
    starts = x0[:, None]                                                            # (B, 1) state entering the root
    for G in reversed(levels[:-1]):
        mid = G[:, 0::2].gather(2, starts[..., None]).squeeze(2).long()             # (B, m) after the left half
        starts = torch.stack([starts, mid], 2).flatten(1)                           # (B, 2m)
    if n > T:
        return starts[:, :T + 1]                                                    # x_T = (identity) start of pad
    last = maps[:, T - 1].gather(1, starts[:, T - 1:T]).long()                      # (B, 1) x_T = f_{T-1}(x_{T-1})
    return torch.cat([starts, last], 1)


# ---------------------------------------------------------------------------------------------------------
# Model


def _attention_probs(h, WK):
    """Causal attention pattern with W_Q = I: A[t, s] = softmax_{s <= t}(h_t^T W_K h_s / sqrt d), (B, T, T)."""
    T, d = h.shape[-2:]
    logits = h @ (h @ WK.T).mT / math.sqrt(d)                                       # (B, T, T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    return logits.masked_fill(~causal, -math.inf).softmax(-1)


def _attend(h, WK, WV):
    """Causal single-head attention output sum_s A[t, s] W_V h_s, (B, T, d).

    Written out rather than through scaled_dot_product_attention: on one CPU thread at these sizes the
    forward costs the same and the backward is about twice as fast (measured, d = 64, 64 x 128).
    """
    return _attention_probs(h, WK) @ (h @ WV.T)


class MemoryTransformer(torch.nn.Module):
    """Birth's simplified two-layer attention-only Transformer (their Section 4.2), our implementation.

        h0_t = w_E(x_t) + p_t
        h1_t = h0_t + W_O1 sum_s A1[t, s] W_V1 h0_s,       A1 = causal softmax(h0_t^T W_K1 h0_s / sqrt d)
        z_t  = sum_s A2[t, s] W_V2 h1_s,                     A2 = causal softmax(h1_t^T W_K2 h1_s / sqrt d)
        logits_t = W_U (h1_t + W_O2 z_t)

    Choices, against Birth: W_Q = I in both layers (as Birth); token embeddings w_E and positional
    embeddings p_t are random N(0, 1) and frozen (Birth's default scale, ``freeze_embeddings``); the
    unembedding W_U is random and frozen (``freeze_output``); W_V1, W_O1, W_V2 are frozen (as Birth);
    W_K1, W_K2, W_O2 are trainable; all d x d matrices and W_U start like nn.Linear, uniform in
    [-1/sqrt d, 1/sqrt d]; no feed-forward layer (Birth's ``final_ffn=False``), no LayerNorm.

    Parameters
    ----------
    vocab_size, d, max_len : int      V, embedding dimension, longest sequence
    seed : int                        all random initial values come from torch.Generator(seed)
    dtype : torch.dtype               float32 (default, as Birth) or float64
    """

    def __init__(self, vocab_size=65, d=64, max_len=256, seed=0, dtype=torch.float32):
        super().__init__()
        for name, v in (("vocab_size", vocab_size), ("d", d), ("max_len", max_len)):
            _check_int(name, v, 1)
        _check_int("seed", seed, 0)
        g = torch.Generator().manual_seed(seed)
        bound = 1 / math.sqrt(d)

        def linear(rows, cols):                                                     # nn.Linear's default init
            return (2 * torch.rand(rows, cols, generator=g, dtype=DTYPE) - 1).mul(bound).to(dtype)

        self.register_buffer("tok", torch.randn(vocab_size, d, generator=g, dtype=DTYPE).to(dtype))  # (V, d)
        self.register_buffer("pos", torch.randn(max_len, d, generator=g, dtype=DTYPE).to(dtype))     # (T, d)
        self.WK1 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WV1", linear(d, d))
        self.register_buffer("WO1", linear(d, d))
        self.WK2 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WV2", linear(d, d))
        self.WO2 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WU", linear(vocab_size, d))                                            # (V, d)
        self.d = d

    def features(self, x):
        """Residual stream after layer 1, h1 (B, T, d), and layer-2 attention output before W_O2, z (B, T, d)."""
        T = x.shape[1]
        h0 = self.tok[x] + self.pos[:T]                                             # (B, T, d)
        h1 = h0 + _attend(h0, self.WK1, self.WV1) @ self.WO1.T                      # (B, T, d)
        return h1, _attend(h1, self.WK2, self.WV2)

    def forward(self, x):
        """Logits (B, T, V) for input tokens x (B, T)."""
        h1, z = self.features(x)
        return (h1 + z @ self.WO2.T) @ self.WU.T

    @torch.no_grad()
    def attention(self, x):
        """Both attention patterns A1, A2 of shape (B, T, T); row t is a distribution over s <= t."""
        T = x.shape[1]
        h0 = self.tok[x] + self.pos[:T]
        A1 = _attention_probs(h0, self.WK1)
        h1 = h0 + A1 @ (h0 @ self.WV1.T) @ self.WO1.T
        return A1, _attention_probs(h1, self.WK2)


def head_loss(logits, batch):
    """Mean cross-entropy over the loss positions ``batch.mask`` (Birth's loss_head_only)."""
    m = batch.mask
    return F.cross_entropy(logits[m], batch.y[m])


# ---------------------------------------------------------------------------------------------------------
# Memory probes


def _margins(S):
    """Row-wise margin against the diagonal target: S[x, x] - max_{y != x} S[x, y], shape (..., n)."""
    eye = torch.eye(S.shape[-1], dtype=torch.bool)
    return S.diagonal(dim1=-2, dim2=-1) - S.masked_fill(eye, -math.inf).amax(-1)


@torch.no_grad()
def wo2_margins(model, WO2=None):
    """Margins of the W_O2 (copy) memory, one per token x, float64, shape (V,) or (L, V) for a stack WO2.

    Scores S[x, y] = w_U(y)^T W_O2 W_V2 w_E(x) and target y = x. In the book's notation this is the Task
    with e_x = W_V2 w_E(x), u_y = w_U(y) (rows of W_U) and W = W_O2. ``WO2`` (d, d) or (L, d, d) replaces
    the model's own W_O2 (used by ``train_wo2_only``).
    """
    WO2 = model.WO2 if WO2 is None else WO2
    E = model.tok.to(DTYPE) @ model.WV2.to(DTYPE).T                                # (V, d) W_V2 w_E(x)
    S = E @ WO2.to(DTYPE).mT @ model.WU.to(DTYPE).T                                # (..., V, V)
    return _margins(S)


@torch.no_grad()
def wk2_margins(model, keys=None):
    """Margins of the W_K2 (induction-key) memory over the tokens ``keys`` (default: all), float64, (n,).

    Query token x, key token x': S[x, x'] = w_E(x)^T W_K2 W_O1 W_V1 w_E(x'), the attention logit (times
    sqrt d) between a query carrying w_E(x) and a key position whose previous token was x'. Target x' = x.
    In the book's notation: e_x = w_E(x), u_{x'} = W_O1 W_V1 w_E(x') and W = W_K2^T. Birth's probe
    (test_wk1) ranks the trigger keys only when the triggers are fixed: pass ``keys=task.triggers``.
    """
    idx = torch.arange(model.tok.shape[0]) if keys is None else torch.as_tensor(keys)
    Q = model.tok.to(DTYPE)[idx]                                                    # (n, d) w_E(x)
    K = Q @ model.WV1.to(DTYPE).T @ model.WO1.to(DTYPE).T                           # (n, d) W_O1 W_V1 w_E(x')
    return _margins(Q @ model.WK2.to(DTYPE) @ K.T)                                  # (n,)


# ---------------------------------------------------------------------------------------------------------
# Training


@dataclass
class Run:
    """Logs of plain-SGD runs with several step sizes on one shared data stream.

    Shapes use L = number of step sizes and steps = number of SGD steps.

    Attributes
    ----------
    lr : (L,)                         step sizes eta
    train_loss : (L, steps)           loss of the minibatch used at step t, at W_t (what the paper plots)
    eval_step : (E,) int              steps at which the fixed evaluation batch was scored
    eval_loss : (L, E)                loss of the fixed evaluation batch
    wo2 : (L, steps+1, V)             W_O2 margins of every token at every iterate
    wk2 : (L, steps+1, k)             W_K2 margins over the trigger keys at every iterate
    sharpness : (L, E) or None        lambda_max of the W_O2-only Hessian on the evaluation batch
    norms : dict of (L, steps+1)      Frobenius norms of the trained matrices
    models : list or None             the trained models (``train_all`` only)
    WO2 : (L, d, d) or None           the final W_O2 of each run (``train_wo2_only`` only)
    """
    lr: torch.Tensor
    train_loss: torch.Tensor
    eval_step: torch.Tensor
    eval_loss: torch.Tensor
    wo2: torch.Tensor
    wk2: torch.Tensor
    sharpness: torch.Tensor = None
    norms: dict = None
    models: list = None
    WO2: torch.Tensor = None


def _as_lrs(lrs):
    lrs = torch.as_tensor(lrs, dtype=DTYPE).flatten()
    if lrs.numel() == 0 or not torch.isfinite(lrs).all() or (lrs <= 0).any():
        raise ValueError(f"lrs must be positive finite step sizes, got {lrs.tolist()}")
    return lrs


def data_generators(data_seed):
    """The (training stream, evaluation batch) generators of a run, both derived from ``data_seed``."""
    _check_int("data_seed", data_seed, 0)
    return torch.Generator().manual_seed(data_seed), torch.Generator().manual_seed(data_seed + 1_000_003)


def wo2_problem(model, batch):
    """The W_O2-only problem on one batch: logits_t = base_t + W_U W_O2 z_t, with base and z fixed.

    Returns base (n, V) with base_t = W_U h1_t, z (n, d) and targets y (n,), at the n loss positions. When
    W_K1 and W_K2 are frozen none of these depend on W_O2: this is the book's associative memory with
    inputs z_t, outputs the rows of W_U, frequency 1/n per position, and a fixed logit offset base_t.
    """
    with torch.no_grad():
        h1, z = model.features(batch.x)
        m = batch.mask
        return h1[m] @ model.WU.T, z[m], batch.y[m]


def wo2_loss_grad(W, base, z, y, WU):
    """Mean cross-entropy of the W_O2-only problem and its closed-form gradient, for a stack W (L, d, d).

    grad = (1/n) sum_t W_U^T (softmax(logits_t) - e_{y_t}) z_t^T. Returns loss (L,) and grad (L, d, d).
    """
    n = len(y)
    logp = (base + z @ (WU @ W).mT).log_softmax(-1)                                 # (L, n, V)
    rows = torch.arange(n)
    loss = -logp[:, rows, y].mean(1)                                                # (L,)
    R = logp.exp_()                                                                 # softmax, in place
    R[:, rows, y] -= 1                                                              # softmax - one-hot
    return loss, WU.T @ (R.mT @ z) / n                                              # (L,), (L, d, d)


def wo2_sharpness(W, base, z, WU, v0, iters):
    """lambda_max of the W_O2-only Hessian by ``iters`` steps of power iteration from v0; W, v0: (L, d, d).

    Hessian-vector products in closed form: H[V] = (1/n) sum_t W_U^T (diag P_t - P_t P_t^T) W_U V z_t z_t^T.
    The problem is convex (H is positive semi-definite), so power iteration finds lambda_max.
    Returns the Rayleigh quotients (L,) and the last iterate (L, d, d), for warm starts.
    """
    P = (base + z @ (WU @ W).mT).softmax(-1)                                        # (L, n, V)
    v = v0 / v0.flatten(1).norm(dim=1)[:, None, None]
    lam = torch.zeros(W.shape[0], dtype=W.dtype)
    for _ in range(iters):
        dl = z @ (WU @ v).mT                                                        # (L, n, V)
        dr = P * (dl - (P * dl).sum(-1, keepdim=True))                              # softmax Jacobian times dl
        Hv = WU.T @ (dr.mT @ z) / z.shape[0]                                        # (L, d, d)
        lam = (Hv * v).flatten(1).sum(1)
        v = Hv / Hv.flatten(1).norm(dim=1)[:, None, None]
    return lam, v


def train_wo2_only(task, model, lrs, steps, batch_size, data_seed=0, eval_size=64, sharpness_iters=0):
    """Plain SGD on W_O2 alone (everything else frozen), one run per step size, all on the same batches.

    Because W_K1 and W_K2 are frozen, the features (h1, z) of a batch do not depend on W_O2: they are
    computed once per step and shared by all step sizes, which is exactly equivalent to separate runs.
    The gradient is in closed form (``wo2_loss_grad``). With ``sharpness_iters`` > 0 the largest Hessian
    eigenvalue on the evaluation batch is tracked at every iterate by warm-started power iteration.
    The model itself is not modified.
    """
    lrs = _as_lrs(lrs)
    _check_int("steps", steps, 0)
    L = len(lrs)
    g, g_eval = data_generators(data_seed)
    WU = model.WU
    W = model.WO2.detach().expand(L, -1, -1).clone()                                 # (L, d, d)
    lr = lrs.to(W.dtype)[:, None, None]
    base_ev, z_ev, y_ev = wo2_problem(model, task.sample(eval_size, g_eval))
    v = torch.randn(W.shape, generator=torch.Generator().manual_seed(0), dtype=DTYPE).to(W.dtype)
    train_loss, eval_loss, wo2, lam, norm = [], [], [], [], []
    for t in range(steps + 1):
        wo2.append(wo2_margins(model, W))
        norm.append(W.flatten(1).norm(dim=1))
        eval_loss.append(wo2_loss_grad(W, base_ev, z_ev, y_ev, WU)[0])
        if sharpness_iters:                                                          # more iterations cold
            lam_t, v = wo2_sharpness(W, base_ev, z_ev, WU, v, sharpness_iters * (1 if t else 5))
            lam.append(lam_t)
        if t == steps:
            break
        loss, grad = wo2_loss_grad(W, *wo2_problem(model, task.sample(batch_size, g)), WU)
        train_loss.append(loss)
        W = W - lr * grad
    wk2 = wk2_margins(model, task.triggers).expand(L, steps + 1, -1).clone()        # frozen: constant
    stack = lambda xs: torch.stack(xs, 1).to(DTYPE)                                  # noqa: E731
    return Run(lr=lrs, train_loss=stack(train_loss) if steps else torch.zeros(L, 0, dtype=DTYPE),
               eval_step=torch.arange(steps + 1), eval_loss=stack(eval_loss), wo2=torch.stack(wo2, 1),
               wk2=wk2, sharpness=stack(lam) if sharpness_iters else None, norms={"WO2": stack(norm)}, WO2=W)


def train_all(task, lrs, steps, batch_size, d=64, model_seed=0, data_seed=0, eval_every=10, eval_size=64,
              dtype=torch.float32):
    """Plain SGD on W_K1, W_K2 and W_O2 together, one model per step size, all on the same batches.

    Every model starts from the same initialisation (``model_seed``). Probes are logged at every iterate,
    the fixed evaluation batch every ``eval_every`` steps and at the end. A run whose loss overflows keeps
    logging NaN rather than stopping the others.
    """
    lrs = _as_lrs(lrs)
    _check_int("steps", steps, 0)
    _check_int("eval_every", eval_every, 1)
    L = len(lrs)
    models = [MemoryTransformer(task.V, d, task.T, seed=model_seed, dtype=dtype) for _ in range(L)]
    names = ("WK1", "WK2", "WO2")
    g, g_eval = data_generators(data_seed)
    ev = task.sample(eval_size, g_eval)
    train_loss = torch.zeros(L, steps, dtype=DTYPE)
    wo2 = torch.zeros(L, steps + 1, task.V, dtype=DTYPE)
    wk2 = torch.zeros(L, steps + 1, task.k, dtype=DTYPE)
    norms = {n: torch.zeros(L, steps + 1, dtype=DTYPE) for n in names}
    eval_step = [t for t in range(steps + 1) if t % eval_every == 0 or t == steps]
    eval_loss = torch.zeros(L, len(eval_step), dtype=DTYPE)
    for t in range(steps + 1):
        for i, model in enumerate(models):
            wo2[i, t] = wo2_margins(model)
            wk2[i, t] = wk2_margins(model, task.triggers)
            for n in names:
                norms[n][i, t] = getattr(model, n).detach().norm()
            if t in eval_step:
                with torch.no_grad():
                    eval_loss[i, eval_step.index(t)] = head_loss(model(ev.x), ev)
        if t == steps:
            break
        batch = task.sample(batch_size, g)
        for i, model in enumerate(models):
            params = [getattr(model, n) for n in names]
            loss = head_loss(model(batch.x), batch)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, gr in zip(params, grads):
                    p.sub_(float(lrs[i]) * gr)                                       # plain SGD step
            train_loss[i, t] = loss.detach()
    return Run(lr=lrs, train_loss=train_loss, eval_step=torch.tensor(eval_step), eval_loss=eval_loss,
               wo2=wo2, wk2=wk2, norms=norms, models=models)


# ---------------------------------------------------------------------------------------------------------
# The logged long run shipped with the package, and the command that regenerates it

PLOTTED_TOKENS = [53, 60, 0, 45, 5]       # numpy RandomState(42).permutation(65)[:5], the paper notebook's choice

LONG_RUN = {
    "task": {"vocab_size": 65, "k": 5, "exponent": 1.0, "sigma": 1.0, "seed": 0},
    "all_params": {
        "d64": {"d": 64, "lrs": [2, 5, 10, 20], "seq_len": 128, "batch_size": 64, "steps": 800,
                "eval_every": 10, "eval_size": 128, "model_seed": 0, "data_seed": 0,
                "margin_lrs": [2, 10], "margin_every": 2},
        "d128": {"d": 128, "lrs": [2, 5, 10, 20], "seq_len": 128, "batch_size": 64, "steps": 800,
                 "eval_every": 10, "eval_size": 128, "model_seed": 0, "data_seed": 0,
                 "margin_lrs": [20], "margin_every": 2},
    },
    "wo2_only": {"d": 64, "lrs": [20, 50, 100, 200], "seq_len": 256, "batch_size": 512, "steps": 50,
                 "eval_size": 64, "sharpness_iters": 5, "seeds": [0, 1, 2, 3, 4]},
    "tokens": PLOTTED_TOKENS,
}
REGENERATE = "python -m assocmem.transformer --regenerate assocmem/data/ch7_long_run.json"


def _json(x, digits):
    """Nested lists of rounded floats; NaN and inf become None (JSON has no NaN)."""
    x = torch.as_tensor(x, dtype=DTYPE)
    if x.ndim == 0:
        v = x.item()
        return round(v, digits) if math.isfinite(v) else None
    return [_json(r, digits) for r in x]


def forget_events(margins):
    """Forget events per token: how often m_t(x) goes from positive to non-positive along the steps.

    ``margins`` has shape (..., steps+1, N); the result has shape (..., N). Margins of a random memory mostly start
    negative, so the first upward crossing is learning, not forgetting, and is not counted; a tie (m = 0)
    counts as an error, as everywhere in the book.
    """
    pos = margins > 0
    return (pos[..., :-1, :] & ~pos[..., 1:, :]).sum(-2)


def _log_all_params(run, c, tokens):
    """What the shipped file keeps of a ``train_all`` run (it must stay under 200 kB)."""
    every = torch.arange(0, run.wo2.shape[1], c["margin_every"])
    sel = [run.lr.tolist().index(float(lr)) for lr in c["margin_lrs"]]
    return {"lr": run.lr.tolist(), "train_loss": _json(run.train_loss, 3),
            "eval_step": run.eval_step.tolist(), "eval_loss": _json(run.eval_loss, 4),
            "margin_step": every.tolist(), "margin_lr": [float(lr) for lr in c["margin_lrs"]],
            "wo2": _json(run.wo2[sel][:, every][:, :, tokens], 1),
            "wk2": _json(run.wk2[sel][:, every], 1),
            "wo2_npos": (run.wo2[:, every] > 0).sum(-1).tolist(),
            "wk2_npos": (run.wk2[:, every] > 0).sum(-1).tolist(),
            "wo2_forget_events": forget_events(run.wo2).sum(-1).tolist(),
            "norms": {n: _json(v[:, run.eval_step], 2) for n, v in run.norms.items()}}


def _log_wo2_only(run, tokens):
    return {"lr": run.lr.tolist(), "train_loss": _json(run.train_loss, 3), "eval_loss": _json(run.eval_loss, 4),
            "sharpness": _json(run.sharpness, 5), "wo2": _json(run.wo2[:, :, tokens], 1),
            "wo2_npos": (run.wo2 > 0).sum(-1).tolist(),
            "wo2_forget_events": forget_events(run.wo2).sum(-1).tolist()}


def long_run(config=None, steps=None, parts=None, seeds=None):
    """Run the logged experiments of ``LONG_RUN`` and return them as a JSON-ready dict.

    ``steps`` (int) shortens every run, ``parts`` (e.g. ["d64", "wo2_only"]) and ``seeds`` select a subset:
    a shortened run reproduces the first steps of the full one, because every run draws its batches in
    order from its own seeded generator.
    """
    cfg = LONG_RUN if config is None else config
    tokens = cfg["tokens"]
    out = {"command": REGENERATE, "torch": torch.__version__, "config": cfg, "all_params": {}, "wo2_only": {}}
    for name, c in cfg["all_params"].items():
        if parts is not None and name not in parts:
            continue
        task = TriggerTask(seq_len=c["seq_len"], **cfg["task"])
        run = train_all(task, c["lrs"], c["steps"] if steps is None else steps, c["batch_size"], d=c["d"],
                        model_seed=c["model_seed"], data_seed=c["data_seed"], eval_every=c["eval_every"],
                        eval_size=c["eval_size"])
        out["all_params"][name] = _log_all_params(run, c, tokens)
    c = cfg["wo2_only"]
    if parts is None or "wo2_only" in parts:
        task = TriggerTask(seq_len=c["seq_len"], **cfg["task"])
        for s in c["seeds"] if seeds is None else seeds:
            model = MemoryTransformer(task.V, c["d"], c["seq_len"], seed=s)
            run = train_wo2_only(task, model, c["lrs"], c["steps"] if steps is None else steps, c["batch_size"],
                                 data_seed=s, eval_size=c["eval_size"], sharpness_iters=c["sharpness_iters"])
            out["wo2_only"][f"seed{s}"] = _log_wo2_only(run, tokens)
    return out


def load_long_run(path=None):
    """The shipped logs (``assocmem/data/ch7_long_run.json`` by default) as a dict."""
    from pathlib import Path
    path = Path(__file__).parent / "data" / "ch7_long_run.json" if path is None else Path(path)
    with open(path) as f:
        return json.load(f)


def main(argv=None):
    """Command line: ``python -m assocmem.transformer --regenerate PATH`` rewrites the shipped logs."""
    parser = argparse.ArgumentParser(prog="python -m assocmem.transformer",
                                     description="Regenerate the logged chapter-7 runs (tens of minutes on one core).")
    parser.add_argument("--regenerate", metavar="PATH", required=True, help="where to write the JSON logs")
    parser.add_argument("--steps", type=int, default=None, help="shorten every run (the tests use 3)")
    parser.add_argument("--parts", nargs="+", default=None, help="subset of d64, d128, wo2_only")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="subset of the W_O2-only seeds")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 reproduces the shipped file)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    logs = long_run(steps=args.steps, parts=args.parts, seeds=args.seeds)
    with open(args.regenerate, "w") as f:
        json.dump(logs, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
