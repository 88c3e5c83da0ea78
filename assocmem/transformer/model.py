"""The simplified two-layer attention-only Transformer of Birth of a Transformer (their
Section 4.2).

Orientation: every d x d matrix acts on column vectors, like an nn.Linear weight: the
key of position s is W_K h_s, the attention logit of query t is h_t^T W_K h_s / sqrt(d),
the value is W_V h_s. The model runs in float32 by default (``dtype``).
"""

import math

import torch
import torch.nn.functional as F

from .._validate import DTYPE, as_int, as_seed
from .data import _as_batch


def _attention_probs(h, WK):
    """Causal attention pattern with W_Q = I: A[t, s] = softmax_{s <= t}(h_t^T W_K h_s
    / sqrt d), (B, T, T).
    """
    T, d = h.shape[-2:]
    logits = h @ (h @ WK.T).mT  # (B, T, T)
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    # in place: the same numbers as out-of-place ops, with two fewer (B, T, T) tensors
    # (neither the product's backward nor these ops' backward needs their input)
    return logits.div_(math.sqrt(d)).masked_fill_(future, -math.inf).softmax(-1)


def _attend(h, WK, WV):
    """Causal single-head attention output sum_s A[t, s] W_V h_s, (B, T, d).

    Written out rather than through scaled_dot_product_attention: on one CPU thread at
    these sizes the forward costs the same and the backward is about twice as fast
    (measured, d = 64, 64 x 128).
    """
    return _attention_probs(h, WK) @ (h @ WV.T)


class MemoryTransformer(torch.nn.Module):
    """Birth's simplified two-layer attention-only Transformer (their Section 4.2), our
    implementation.

        h0_t = w_E(x_t) + p_t
        h1_t = h0_t + W_O1 sum_s A1[t, s] W_V1 h0_s,       A1 = causal softmax(h0_t^T
        W_K1 h0_s / sqrt d)
        z_t  = sum_s A2[t, s] W_V2 h1_s,                     A2 = causal softmax(h1_t^T
        W_K2 h1_s / sqrt d)
        logits_t = W_U (h1_t + W_O2 z_t)

    Choices, against Birth: W_Q = I in both layers (as Birth); token embeddings w_E and
    positional embeddings p_t are random N(0, 1) and frozen (Birth's default scale,
    ``freeze_embeddings``); the unembedding W_U is random and frozen
    (``freeze_output``); W_V1, W_O1, W_V2 are frozen (as Birth); W_K1, W_K2, W_O2 are
    trainable; all d x d matrices and W_U start like nn.Linear, uniform in [-1/sqrt d,
    1/sqrt d]; no feed-forward layer (Birth's ``final_ffn=False``), no LayerNorm.

    Parameters
    ----------
    vocab_size, d, max_len : int
        V, embedding dimension, longest sequence.
    seed : int
        All random initial values come from torch.Generator(seed).
    dtype : torch.dtype
        float32 (default, as Birth) or float64.

    Attributes
    ----------
    tok, pos, WV1, WO1, WV2, WU : buffers
        Frozen embeddings, positions, values, output and unembedding.
    WK1, WK2, WO2 : torch.nn.Parameter
        The trainable matrices.
    """

    def __init__(self, vocab_size=65, d=64, max_len=256, seed=0, dtype=torch.float32):
        super().__init__()
        vocab_size = as_int("vocab_size", vocab_size, low=1)
        d = as_int("d", d, low=1)
        max_len = as_int("max_len", max_len, low=1)
        seed = as_seed("seed", seed)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(
                f"dtype must be torch.float32 or torch.float64, got {dtype!r}"
            )
        g = torch.Generator().manual_seed(seed)
        bound = 1 / math.sqrt(d)

        def linear(rows, cols):  # nn.Linear's default init
            return (
                (2 * torch.rand(rows, cols, generator=g, dtype=DTYPE) - 1)
                .mul(bound)
                .to(dtype)
            )

        self.register_buffer(
            "tok", torch.randn(vocab_size, d, generator=g, dtype=DTYPE).to(dtype)
        )  # (V, d)
        self.register_buffer(
            "pos", torch.randn(max_len, d, generator=g, dtype=DTYPE).to(dtype)
        )  # (T, d)
        self.WK1 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WV1", linear(d, d))
        self.register_buffer("WO1", linear(d, d))
        self.WK2 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WV2", linear(d, d))
        self.WO2 = torch.nn.Parameter(linear(d, d))
        self.register_buffer("WU", linear(vocab_size, d))  # (V, d)
        self.d = d

    def features(self, x):
        """Residual stream after layer 1, h1 (B, T, d), and layer-2 attention output
        before W_O2, z (B, T, d).
        """
        T = x.shape[1]
        h0 = self.tok[x] + self.pos[:T]  # (B, T, d)
        h1 = h0 + _attend(h0, self.WK1, self.WV1) @ self.WO1.T  # (B, T, d)
        return h1, _attend(h1, self.WK2, self.WV2)

    def features_at(self, x, mask):
        """h1 and z of ``features`` at the positions ``mask`` (B, T) only, as (n, d)
        each, in the order of ``h1[mask]``; the same numbers as ``features`` there.

        Layer 2 is computed for the masked query rows only: the sequences are sorted by
        their number of masked positions and taken 32 at a time, each group padded to
        its longest.
        """
        T = x.shape[1]
        h0 = self.tok[x] + self.pos[:T]  # (B, T, d)
        h1 = h0 + _attend(h0, self.WK1, self.WV1) @ self.WO1.T  # (B, T, d)
        count = mask.sum(1)  # (B,)
        first = count.cumsum(0) - count  # row of each sequence's first position
        rows = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)  # masked first
        keys, values = h1 @ self.WK2.T, h1 @ self.WV2.T  # (B, T, d)
        z = h1.new_empty(int(count.sum()), h1.shape[-1])
        order = torch.argsort(count, descending=True, stable=True)
        col = torch.arange(T)
        for start in range(0, len(order), 32):
            seqs = order[start : start + 32]
            M = int(count[seqs[0]])  # the group's longest
            if M == 0:
                break
            pos = rows[seqs, :M]  # (G, M) query positions, padded
            logits = h1[seqs[:, None], pos] @ keys[seqs].mT  # (G, M, T)
            logits.div_(math.sqrt(self.d)).masked_fill_(col > pos[..., None], -math.inf)
            out = logits.softmax(-1) @ values[seqs]  # (G, M, d)
            valid = col[:M] < count[seqs, None]
            z[(first[seqs, None] + col[:M])[valid]] = out[valid]
        return h1[mask], z

    def forward(self, x):
        """Logits (B, T, V) for input tokens x (B, T)."""
        h1, z = self.features(x)
        return (h1 + z @ self.WO2.T) @ self.WU.T

    @torch.no_grad()
    def attention(self, x):
        """Both attention patterns A1, A2 of shape (B, T, T); row t is a distribution
        over s <= t.
        """
        T = x.shape[1]
        h0 = self.tok[x] + self.pos[:T]
        A1 = _attention_probs(h0, self.WK1)
        h1 = h0 + A1 @ (h0 @ self.WV1.T) @ self.WO1.T
        return A1, _attention_probs(h1, self.WK2)


def head_loss(logits, batch):
    """Mean cross-entropy over the loss positions ``batch.mask`` (Birth's
    loss_head_only).

    Parameters
    ----------
    logits : (B, T, V) tensor
        Model outputs.
    batch : Batch
        The batch whose ``y`` and ``mask`` are used.

    Returns
    -------
    torch.Tensor
        0-d.
    """
    if not isinstance(logits, torch.Tensor) or logits.ndim != 3:
        raise TypeError(
            f"logits must be a (B, T, V) tensor, got {type(logits).__name__}"
        )
    batch = _as_batch("batch", batch)
    m = batch.mask
    return F.cross_entropy(logits[m], batch.y[m])


def _as_model(name, model):
    if not isinstance(model, MemoryTransformer):
        raise TypeError(
            f"{name} must be a MemoryTransformer, got {type(model).__name__}"
        )
    return model
