"""Associative memories inside a small Transformer, at laptop-CPU scale (chapter 7).

This re-implements, from its description, the two-layer induction-head task and the
simplified attention-only model of Bietti et al. (2023), "Birth of a Transformer: a
memory viewpoint", which the paper uses to check its findings. Nothing is downloaded:
the bigram statistics are synthetic.

Modules::

    data     TriggerTask: Zipf bigram sequences with k triggers, each followed by a
             sequence-specific output; Batch
    model    MemoryTransformer: W_Q = I; frozen random embeddings, positions, W_V1,
    W_O1, W_V2 and
             unembedding W_U; trainable W_K1, W_K2, W_O2; residual stream, no MLP, no
             LayerNorm
    probes   wo2_margins, wk2_margins: per-token margins of the W_O2 and W_K2 memories;
    the W_O2-only
             problem in closed form
    train    train_wo2_only, train_all (plain SGD logging losses and probes),
    load_long_run

Orientation: every d x d matrix acts on column vectors, like an nn.Linear weight.
Memories map onto the book's S[x, y] = u_y^T W e_x as stated in ``wo2_margins`` and
``wk2_margins``. Precision: the Transformer runs in float32 by default, the probes are
returned in float64.
"""

from ..trajectory import forget_events
from .data import Batch, TriggerTask
from .model import MemoryTransformer, head_loss
from .probes import wk2_margins, wo2_loss_grad, wo2_margins, wo2_problem, wo2_sharpness
from .train import (
    PLOTTED_TOKENS,
    Run,
    data_generators,
    load_long_run,
    train_all,
    train_wo2_only,
)

__all__ = [
    "Batch",
    "TriggerTask",
    "MemoryTransformer",
    "head_loss",
    "wo2_margins",
    "wk2_margins",
    "wo2_problem",
    "wo2_loss_grad",
    "wo2_sharpness",
    "Run",
    "data_generators",
    "train_wo2_only",
    "train_all",
    "load_long_run",
    "forget_events",
    "PLOTTED_TOKENS",
]
