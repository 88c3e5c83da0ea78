"""The memorization task: embeddings, frequencies, targets, and everything computed from the scores.

Orientation (the paper's): the memory ``W`` is a (d, d) matrix and the score of output y for input x is

    S[x, y] = u_y^T W e_x,        so   S = E W^T U^T   with E (N, d) and U (M, d).

Every quantity (loss, 0-1 loss, margins, gradient, Hessian) is derived from S. All methods accept a batch
of memories with leading dimensions, ``W`` of shape (..., d, d), and then return (...)-shaped results.
Training loops live in ``dynamics.py``; data helpers (Zipf frequencies, embeddings) are at the bottom.
"""
import math

import torch

from ._validate import DTYPE, as_distribution, as_float, as_memory, as_targets


# ---------------------------------------------------------------------------------------------------------
# Functions of the scores. They are shared by Task and by the training loops, so that one step of GD
# computes S once and derives everything from it.

def one_hot(targets, M):
    """Y[x, y] = 1{y = f*(x)} as float64, shape (..., N, M)."""
    return torch.nn.functional.one_hot(targets, M).to(DTYPE)


def _sum_last(x, keepdim=False, out=None):
    """x.sum(-1), fast for the tiny last axes of this book; ``out`` (keepdim shape) receives the result.

    torch's float64 reduction over a short contiguous last axis (M = 2 outputs, N = 2 tokens) costs about
    30 ns per element, ten times an elementwise add, so axes of length <= 8 are summed by adding slices
    left to right.
    """
    n = x.shape[-1]
    if n > 8 or n == 1:
        return torch.sum(x, -1, keepdim=keepdim or out is not None, out=out)
    total = x[..., 0:1]
    for i in range(1, n - 1):
        total = total + x[..., i:i + 1]
    total = torch.add(total, x[..., n - 1:n], out=out)
    return total if keepdim or out is not None else total.squeeze(-1)


def _hide_targets(Y):
    """-inf where Y = 1, 0 elsewhere: S + _hide_targets(Y) drops the target scores from a max (exactly, and
    much faster than masked_fill on large tensors)."""
    return torch.zeros_like(Y).masked_fill_(Y.bool(), -math.inf)


def _softmax_parts(S, shift=None, total=None):
    """shift = max_y S, Z = exp(S - shift), total = sum_y Z, so softmax(S) = Z / total and
    logsumexp(S) = log(total) + shift, finite for huge scores (lr = 1e6). ``shift`` and ``total`` may be
    given as output buffers of shape (..., N, 1)."""
    shift = torch.amax(S, -1, keepdim=True, out=shift)                  # (..., N, 1)
    Z = torch.sub(S, shift).exp_()                                      # (..., N, M)
    return shift, Z, _sum_last(Z, keepdim=True, out=total)              # (..., N, 1)


def _summary(S, p, Y, hide, shift, total):
    """loss, margins and zero_one of ``evaluate`` from S, the parts of its softmax (``_softmax_parts``) and
    ``hide`` = _hide_targets(Y), which callers evaluating many score tensors with the same targets make once."""
    S_target = _sum_last(S * Y)                                         # (..., N)
    loss = _sum_last(p * ((total.log() + shift).squeeze(-1) - S_target))  # (...)
    margins = S_target - (S + hide).amax(-1)                            # (..., N)
    # a tie is an error (m <= 0), so at W = 0 no token counts as memorized
    zero_one = _sum_last(p * (margins <= 0).to(p.dtype))                # (...)
    return loss, margins, zero_one


def evaluate(S, p, Y):
    """Everything one GD step needs from the scores S (..., N, M), computed with one exponential.

    Returns (loss (...), margins (..., N), zero_one (...), residual (..., N, M)) where
    loss = sum_x p(x) [logsumexp_y S[x, y] - S[x, f*(x)]], margins m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x, y],
    zero_one = sum_x p(x) 1{m(x) <= 0} and residual = D_p (softmax(S) - Y).
    """
    shift, Z, total = _softmax_parts(S)
    loss, margins, zero_one = _summary(S, p, Y, _hide_targets(Y), shift, total)
    resid = p.unsqueeze(-1) * (Z / total - Y)                           # (..., N, M)
    return loss, margins, zero_one, resid


class Task:
    """A finite memorization task: N input tokens, M output tokens, embeddings in R^d.

    Parameters
    ----------
    E : (N, d) array-like
        Input embeddings e_x, one per row.
    U : (M, d) array-like
        Output embeddings (unembeddings) u_y, one per row; M >= 2.
    p : (N,) array-like
        Frequencies p(x) of the input tokens: non-negative, summing to 1.
    targets : (N,) int array-like
        The association f*(x) in [0, M) to memorize.

    Examples
    --------
    >>> import torch, assocmem as am
    >>> task = am.Task(E=torch.eye(3), U=torch.eye(3), p=[0.5, 0.3, 0.2], targets=[0, 1, 2])
    >>> task.margins(torch.eye(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, E, U, p, targets):
        E = as_float("E", E, ndim=2)
        U = as_float("U", U, ndim=2)
        N, d = E.shape
        M = U.shape[0]
        if U.shape[1] != d:
            raise ValueError(f"E and U must share the embedding dimension d: E is (N, d) = {tuple(E.shape)}, "
                             f"U is (M, d) = {tuple(U.shape)}")
        if N < 1:
            raise ValueError("E must have at least one row (N >= 1)")
        if M < 2:
            raise ValueError(f"U must have at least M = 2 rows (outputs), got {M}: a margin needs a rival class")
        self.E, self.U = E, U                                  # (N, d), (M, d)
        self.p = as_distribution("p", p, N=N)                  # (N,)
        self.targets = as_targets("targets", targets, N, M)    # (N,)
        if self.p.ndim != 1 or self.targets.ndim != 1:
            raise ValueError("p and targets must be 1-D for a single Task; use assocmem.sweep for batches")
        self.Y = one_hot(self.targets, M)                       # (N, M)
        self.N, self.M, self.d = N, M, d

    def __repr__(self):
        return f"Task(N={self.N}, M={self.M}, d={self.d})"

    # -- scores and everything derived from them ---------------------------------------------------------
    def _W(self, W):
        return as_memory("W", W, self.d)

    def scores(self, W):
        """S[x, y] = u_y^T W e_x, shape (..., N, M)."""
        W = self._W(W)
        return self.E @ W.mT @ self.U.T

    def _evaluate(self, W):
        return evaluate(self.scores(W), self.p, self.Y)

    def loss(self, W):
        """Population cross-entropy L(W) = sum_x p(x) (-log softmax(S[x])[f*(x)]), shape (...)."""
        return self._evaluate(W)[0]

    def margins(self, W):
        """Margins m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x, y], shape (..., N)."""
        return self._evaluate(W)[1]

    def zero_one_loss(self, W):
        """L01(W) = sum_x p(x) 1{m(x) <= 0}; ties count as errors. Shape (...)."""
        return self._evaluate(W)[2]

    def accuracy(self, W):
        """1 - L01(W): the frequency-weighted fraction of memorized tokens."""
        return 1 - self.zero_one_loss(W)

    def gradient(self, W):
        """Closed-form gradient sum_x p(x) sum_y (softmax(S)[x, y] - 1{y = f*(x)}) u_y e_x^T, shape (..., d, d)."""
        R = self._evaluate(W)[3]                             # (..., N, M)
        return self.U.T @ R.mT @ self.E                       # (..., d, d)

    def hessian(self, W):
        """Closed-form Hessian of L with respect to W flattened row-major, shape (..., d*d, d*d).

        H = sum_x p(x) C_x kron e_x e_x^T with C_x = U^T (diag(P_x) - P_x P_x^T) U, P_x = softmax(S[x]).
        It needs no labels: the targets enter the gradient only linearly.
        """
        P = torch.softmax(self.scores(W), dim=-1)                                   # (..., N, M)
        cov = torch.diag_embed(P) - P.unsqueeze(-1) * P.unsqueeze(-2)               # (..., N, M, M)
        C = self.U.T @ cov @ self.U                                                 # (..., N, d, d)
        H = torch.einsum("x,...xik,xj,xl->...ijkl", self.p, C, self.E, self.E)      # (..., d, d, d, d)
        d = self.d
        return H.reshape(*H.shape[:-4], d * d, d * d)

    def sharpness(self, W):
        """Largest eigenvalue of the Hessian, lambda_max(grad^2 L(W)), shape (...)."""
        return torch.linalg.eigvalsh(self.hessian(W))[..., -1]

    def zeros(self):
        """The memory W = 0, shape (d, d)."""
        return torch.zeros(self.d, self.d, dtype=DTYPE)


# ---------------------------------------------------------------------------------------------------------
# Data helpers

def zipf(N, exponent=1.0):
    """Zipf frequencies p(x) proportional to (x + 1)^(-exponent), x = 0..N-1, shape (N,)."""
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise ValueError(f"N must be a positive int, got {N!r}")
    exponent = float(exponent)
    if not math.isfinite(exponent) or exponent < 0:
        raise ValueError(f"exponent must be a finite number >= 0, got {exponent}")
    w = torch.arange(1, N + 1, dtype=DTYPE) ** (-exponent)
    return w / w.sum()


def _generator(seed):
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return torch.Generator().manual_seed(seed)


def random_embeddings(n, d, seed):
    """n i.i.d. Gaussian vectors in R^d normalised to the unit sphere, shape (n, d); seeded, no global RNG."""
    for name, v in (("n", n), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    X = torch.randn(n, d, dtype=DTYPE, generator=_generator(seed))
    return X / X.norm(dim=1, keepdim=True)


def orthonormal_embeddings(n, d=None):
    """The first n vectors of the canonical basis of R^d (d defaults to n), shape (n, d)."""
    d = n if d is None else d
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(d, bool) or not isinstance(d, int) or d < n:
        raise ValueError(f"d must be an int >= n = {n} for n orthonormal vectors, got {d!r}")
    return torch.eye(n, d, dtype=DTYPE)


def correlated_pair(alpha):
    """Two unit vectors of R^2 with inner product alpha: e_1 = (1, 0), e_2 = (alpha, sqrt(1 - alpha^2))."""
    alpha = float(alpha)
    if not -1 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [-1, 1] (a correlation of unit vectors), got {alpha}")
    return torch.tensor([[1.0, 0.0], [alpha, math.sqrt(1 - alpha * alpha)]], dtype=DTYPE)
