"""The memorization task: embeddings, frequencies, targets, and everything computed from
the scores.

Orientation (the paper's): the memory ``W`` is a (d, d) matrix and the score of output y
for input x is

    S[x, y] = u_y^T W e_x,        so   S = E W^T U^T   with E (N, d) and U (M, d).

Every quantity (loss, 0-1 loss, margins, gradient, Hessian) is derived from S. All
methods accept a batch of memories with leading dimensions, ``W`` of shape (..., d, d),
and then return (...)-shaped results. The score kernel is ``_scores.py``; training loops
live in ``dynamics.py``.
"""

import torch

from ._scores import Evaluation, _evaluate, _hide_targets, _sum_last, evaluate, one_hot
from ._validate import DTYPE, as_distribution, as_float, as_memory, as_targets

__all__ = ["Task", "Evaluation", "evaluate", "one_hot"]


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

    Attributes
    ----------
    E, U, p, targets
        The validated inputs (float64; targets int64).
    Y : (N, M) tensor
        One-hot targets.
    N, M, d : int
        Sizes.

    Examples
    --------
    >>> import torch, assocmem as am
    >>> I3 = torch.eye(3)
    >>> task = am.Task(E=I3, U=I3, p=[0.5, 0.3, 0.2], targets=[0, 1, 2])
    >>> task.margins(torch.eye(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, E, U, p, targets):
        E = as_float("E", E, ndim=2)
        U = as_float("U", U, ndim=2)
        N, d = E.shape
        M = U.shape[0]
        if U.shape[1] != d:
            raise ValueError(
                "E and U must share the embedding dimension d: "
                f"E is (N, d) = {tuple(E.shape)}, U is (M, d) = {tuple(U.shape)}"
            )
        if N < 1:
            raise ValueError("E must have at least one row (N >= 1)")
        if M < 2:
            raise ValueError(
                f"U must have at least M = 2 rows (outputs), got {M}: a margin needs a "
                "rival"
            )
        self.E, self.U = E, U  # (N, d), (M, d)
        self.p = as_distribution("p", p, N=N)  # (N,)
        self.targets = as_targets("targets", targets, N, M)  # (N,)
        if self.p.ndim != 1 or self.targets.ndim != 1:
            raise ValueError(
                "p and targets must be 1-D for a single Task; use assocmem.sweep for "
                "batches"
            )
        self.Y = one_hot(self.targets, M)  # (N, M)
        self.N, self.M, self.d = N, M, d

    def __repr__(self):
        return f"Task(N={self.N}, M={self.M}, d={self.d})"

    # -- scores and everything derived from them
    # -------------------------------------------------
    def scores(self, W):
        """Scores S[x, y] = u_y^T W e_x.

        Parameters
        ----------
        W : (..., d, d) array-like
            Memory (or a batch of memories).

        Returns
        -------
        torch.Tensor
            (..., N, M).
        """
        W = as_memory("W", W, self.d)
        return self.E @ W.mT @ self.U.T

    def evaluate(self, W):
        """Loss, margins, 0-1 loss and residual of W in one pass.

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        Evaluation
            NamedTuple ``(loss, margins, zero_one, residual)``.
        """
        return _evaluate(self.scores(W), self.p, self.Y)

    def loss(self, W):
        """Population cross-entropy L(W) = sum_x p(x) (-log softmax(S[x])[f*(x)]).

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (...).
        """
        return self.evaluate(W).loss

    def margins(self, W):
        """Margins m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x, y].

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (..., N).
        """
        # the margins of evaluate without its softmax and residual: several times
        # faster (and no large temporaries) when N and M are in the hundreds
        S = self.scores(W)
        if not hasattr(self, "_hide"):
            self._hide = _hide_targets(self.Y)  # -inf on the targets, 0 elsewhere
        target = S.gather(-1, self.targets.expand(*S.shape[:-1])[..., None])
        return target.squeeze(-1) - (S + self._hide).amax(-1)

    def zero_one_loss(self, W):
        """L01(W) = sum_x p(x) 1{m(x) <= 0}; ties count as errors.

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (...).
        """
        return _sum_last(self.p * (self.margins(W) <= 0).to(self.p.dtype))

    def accuracy(self, W):
        """1 - L01(W): the frequency-weighted fraction of memorized tokens.

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (...).
        """
        return 1 - self.zero_one_loss(W)

    def gradient(self, W):
        """Closed-form gradient sum_x p(x) sum_y (softmax(S)[x, y] - 1{y = f*(x)}) u_y
        e_x^T.

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (..., d, d).
        """
        R = self.evaluate(W).residual  # (..., N, M)
        return self.U.T @ R.mT @ self.E  # (..., d, d)

    def hessian(self, W):
        """Closed-form Hessian of L with respect to W flattened row-major.

        H = sum_x p(x) C_x kron e_x e_x^T with C_x = U^T (diag(P_x) - P_x P_x^T) U and
        P_x = softmax(S[x]). It needs no labels: the targets enter the gradient only
        linearly.

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (..., d*d, d*d).
        """
        P = torch.softmax(self.scores(W), dim=-1)  # (..., N, M)
        cov = torch.diag_embed(P) - P.unsqueeze(-1) * P.unsqueeze(-2)  # (..., N, M, M)
        C = self.U.T @ cov @ self.U  # (..., N, d, d)
        H = torch.einsum("x,...xik,xj,xl->...ijkl", self.p, C, self.E, self.E)
        d = self.d
        return H.reshape(*H.shape[:-4], d * d, d * d)

    def sharpness(self, W):
        """Largest eigenvalue of the Hessian, lambda_max(grad^2 L(W)).

        Parameters
        ----------
        W : (..., d, d) array-like

        Returns
        -------
        torch.Tensor
            (...).
        """
        return torch.linalg.eigvalsh(self.hessian(W))[..., -1]

    def zeros(self):
        """The memory W = 0.

        Returns
        -------
        torch.Tensor
            (d, d) float64.
        """
        return torch.zeros(self.d, self.d, dtype=DTYPE)
