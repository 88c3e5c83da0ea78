"""The trigger task of chapter 7: Zipf bigram sequences in which each trigger is
followed by its output.

This re-implements, from its description, the induction-head task of Bietti et al.
(2023), "Birth of a Transformer: a memory viewpoint", which the paper uses to check its
findings. Nothing is downloaded: the bigram statistics are synthetic. The sampler runs
the Markov chain as a parallel tree of composed maps: O(log T) vectorised steps, no
Python loop over positions.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .._validate import DTYPE, as_int, as_number, as_seed
from ..data import zipf


@dataclass
class Batch:
    """One batch of sequences. ``x`` are the inputs, ``y = next token`` the targets.

    Attributes
    ----------
    x, y : (B, T) int64        tokens x_0..x_{T-1} and x_1..x_T
    count : (B, T) int64       at a trigger position, how many times this trigger
    occurred in x_0..x_t; else 0
    outputs : (B, k) int64     the output token of each trigger in this sequence
    """

    x: torch.Tensor
    y: torch.Tensor
    count: torch.Tensor
    outputs: torch.Tensor

    @property
    def mask(self):
        """Boolean mask, shape (B, T), of the positions in the loss.

        These are the outputs of triggers seen for the 2nd time or later (Birth's outs
        >= 2).
        """
        return self.count >= 2


class TriggerTask:
    """The Birth-of-a-Transformer task on a synthetic Zipf bigram model.

    Tokens follow a Markov chain with marginal-like weights pi(x) proportional to (x +
    1)^(-exponent) and transitions p(j | i) proportional to pi(j) exp(sigma z_ij), z_ij
    ~ N(0, 1) drawn once from ``seed``. The k triggers are the k tokens of largest pi,
    i.e. 0..k-1 (Birth's ``fixed_special_toks``). Each sequence draws one output per
    trigger, uniformly over the vocabulary (Birth's default); inside that sequence every
    occurrence of trigger q is followed by its output o(q). The first token is drawn
    from pi.

    Differences from Birth: Birth estimates pi and p(j | i) from Tiny Shakespeare
    characters (65 tokens); here they are synthetic, so nothing is downloaded.

    Parameters
    ----------
    vocab_size : int
        V, number of tokens (default 65, Birth's character vocabulary).
    k : int
        Number of triggers (default 5, Birth's README example).
    seq_len : int
        T, positions per sequence (Birth: 256).
    exponent : float
        Zipf exponent of pi.
    sigma : float
        Strength of the random bigram preferences.
    seed : int
        Seed of the bigram model (not of the sequences).

    Attributes
    ----------
    pi : (V,) tensor
        Zipf weights of the tokens.
    cond : (V, V) tensor
        Transition probabilities p(j | i).
    triggers : (k,) tensor
        The trigger tokens 0..k-1.
    """

    def __init__(
        self, vocab_size=65, k=5, seq_len=128, exponent=1.0, sigma=1.0, seed=0
    ):
        vocab_size = as_int("vocab_size", vocab_size, low=2)
        k = as_int("k", k, low=1)
        seq_len = as_int("seq_len", seq_len, low=1)
        seed = as_seed("seed", seed)
        if k >= vocab_size:
            raise ValueError(
                f"k must be smaller than vocab_size = {vocab_size}, got {k}"
            )
        if vocab_size > 256:
            raise ValueError(
                "vocab_size must be <= 256 (maps are stored as uint8), got "
                f"{vocab_size}"
            )
        sigma = as_number("sigma", sigma, low=0)
        self.V, self.k, self.T = vocab_size, k, seq_len
        g = torch.Generator().manual_seed(seed)
        self.pi = zipf(vocab_size, exponent)  # (V,)
        z = torch.randn(vocab_size, vocab_size, generator=g, dtype=DTYPE)
        self.cond = torch.softmax(
            self.pi.log() + sigma * z, dim=1
        )  # (V, V) p(j | i), rows sum to 1
        self.triggers = torch.arange(k)  # (k,)
        self._slot = torch.full(
            (vocab_size,), -1, dtype=torch.long
        )  # token -> trigger index or -1
        self._slot[self.triggers] = torch.arange(k)
        # Inverse-CDF sampling with ONE uniform u per transition, shared by all current
        # states i:
        # next(i, u) = #{j : cdf[i, j] <= u}. Between two consecutive values of the
        # whole cdf table, next(., u)
        # is the same map for every i, so the 1 + V(V-1) possible maps are tabulated
        # once here.
        cdf = self.cond.cumsum(1)
        cdf[:, -1] = 1.0
        self._cuts = torch.unique(cdf[:, :-1].flatten())  # (C,) sorted
        left = torch.cat(
            [torch.zeros(1, dtype=DTYPE), self._cuts]
        )  # (C+1,) left end of each interval
        nxt = torch.searchsorted(
            cdf, left.expand(vocab_size, -1).contiguous(), right=True
        )  # (V, C+1)
        self._maps = (
            nxt.clamp(max=vocab_size - 1).T.to(torch.uint8).contiguous()
        )  # (C+1, V) map of interval q

    def __repr__(self):
        return f"TriggerTask(V={self.V}, k={self.k}, T={self.T})"

    def sample(self, batch_size, generator):
        """Draw ``batch_size`` sequences of T+1 tokens; returns a Batch with x, y of
        shape (B, T).

        Vectorised: each position gets a random map f_t (the bigram step with the
        triggers overridden by this sequence's outputs) and ``_run_chain`` evaluates
        x_{t+1} = f_t(x_t) for all t in O(log T) steps. Sharing the uniform u_t across
        the states i is exact: x_t does not depend on u_t.
        """
        batch_size = as_int("batch_size", batch_size, low=1)
        if not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator, got {type(generator).__name__}"
            )
        B, T, V, k = batch_size, self.T, self.V, self.k
        g = generator
        outputs = torch.randint(V, (B, k), generator=g)  # (B, k) o(q), uniform
        x0 = torch.multinomial(self.pi, B, replacement=True, generator=g)  # (B,)
        u = torch.rand(B, T, generator=g, dtype=DTYPE)  # (B, T) one per transition
        maps = self._maps[
            torch.searchsorted(self._cuts, u, right=True)
        ]  # (B, T, V) uint8, f_t(i)
        maps[:, :, self.triggers] = outputs[:, None, :].to(
            torch.uint8
        )  # a trigger emits its output
        tokens = _run_chain(x0, maps)  # (B, T+1)
        x, y = tokens[:, :-1], tokens[:, 1:]
        slot = self._slot[x]  # (B, T) trigger index or -1
        hit = F.one_hot(slot.clamp(min=0), k) * (slot >= 0)[..., None]  # (B, T, k)
        count = (hit.cumsum(1) * hit).sum(-1)  # (B, T)
        return Batch(x=x, y=y, count=count, outputs=outputs)


def _run_chain(x0, maps):
    """Tokens x_0..x_T of the chain x_{t+1} = f_t(x_t), given x0 (B,) and the maps f_t
    as (B, T, V) uint8.

    Up-sweep: compose neighbouring maps pairwise, T/2 + T/4 + ... + 1 compositions of V
    entries each. Down-sweep: walk the tree from the root; a node's right half starts
    where its left half's composed map sends the node's start state. About log2(T)
    tensor operations each way, no loop over positions.
    """
    B, T, V = maps.shape
    n = 1 << (T - 1).bit_length()  # next power of two >= T
    if n > T:  # pad with identity maps
        ident = torch.arange(V, dtype=torch.uint8).expand(B, n - T, V)
        maps = torch.cat([maps, ident], 1)  # (B, n, V)
    levels = [maps]
    while levels[-1].shape[1] > 1:
        G = levels[-1]
        levels.append(G[:, 1::2].gather(2, G[:, 0::2].long()))  # (second o first)(i)
    starts = x0[:, None]  # (B, 1) state entering the root
    for G in reversed(levels[:-1]):
        mid = (
            G[:, 0::2].gather(2, starts[..., None]).squeeze(2).long()
        )  # (B, m) after the left half
        starts = torch.stack([starts, mid], 2).flatten(1)  # (B, 2m)
    if n > T:
        return starts[:, : T + 1]  # x_T = (identity) start of pad
    last = (
        maps[:, T - 1].gather(1, starts[:, T - 1 : T]).long()
    )  # (B, 1) x_T = f_{T-1}(x_{T-1})
    return torch.cat([starts, last], 1)


def _as_batch(name, batch):
    if not isinstance(batch, Batch):
        raise TypeError(
            f"{name} must be a Batch (TriggerTask.sample), got {type(batch).__name__}"
        )
    return batch
