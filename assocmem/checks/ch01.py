"""Checkers of chapter 1."""

import torch

from .._validate import DTYPE
from ._core import (
    CheckError,
    as_answer,
    close,
    passed,
)


def margins(answer, S, targets):
    """Exercise ex-ch1-margins: the margins m(x) = S[x, f*(x)] - max_{y != f*(x)} S[x,
    y] of a score matrix.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    S : (N, M) array-like
        Scores.
    targets : (N,) int array-like
        Classes f*(x).

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    S = torch.as_tensor(S, dtype=DTYPE)
    targets = torch.as_tensor(targets)
    m = as_answer("margins", answer)
    N, M = S.shape
    if m.shape != (N,):
        raise CheckError(
            f"margins: expected one margin per input token, shape ({N},), got "
            f"{tuple(m.shape)}. Did you keep a column per output? Reduce over the "
            "output axis (dim=1)."
        )
    Y = torch.nn.functional.one_hot(targets, M).to(DTYPE)
    target = (S * Y).sum(1)
    rival = S.masked_fill(Y.bool(), -torch.inf).amax(1)
    expected = target - rival
    if close(m, expected):
        return passed("margins")
    if close(m, -expected):
        raise CheckError(
            "margins: right size, wrong sign. The margin is the target score MINUS the "
            "best rival."
        )
    if close(m, target - S.amax(1)):
        raise CheckError(
            "margins: your maximum includes the target's own score, so no margin can "
            "be positive. Exclude y = f*(x) before taking the max (e.g. fill it with "
            "-inf)."
        )
    if close(m, target):
        raise CheckError(
            "margins: these are the target scores S[x, f*(x)]; subtract the best rival "
            "score."
        )
    raise CheckError(
        "margins: wrong values. For each row x: take S[x, f*(x)], then subtract the "
        "largest S[x, y] over y != f*(x)."
    )


def hebbian_memory(answer, E, U, targets):
    """Exercise ex-ch1-hebbian: W = sum_x u_{f*(x)} e_x^T, shape (d, d), in the
    orientation S = E W^T U^T.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    E : (N, d) array-like
        Input embeddings.
    U : (M, d) array-like
        Output embeddings.
    targets : (N,) int array-like
        Classes f*(x).

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    E = torch.as_tensor(E, dtype=DTYPE)
    U = torch.as_tensor(U, dtype=DTYPE)
    targets = torch.as_tensor(targets)
    d = E.shape[1]
    W = as_answer("W", answer)
    if W.shape != (d, d):
        raise CheckError(
            f"W: expected a (d, d) = ({d}, {d}) matrix, got {tuple(W.shape)}. "
            "A sum of outer products u e^T of two d-vectors is d x d."
        )
    expected = U[targets].T @ E  # sum_x u_{f*(x)} e_x^T
    if close(W, expected):
        return passed("Hebbian memory")
    if close(W, expected.T):
        raise CheckError(
            "W: you built sum_x e_x u_{f*(x)}^T, the transpose. The score is "
            "u_y^T W e_x, so W maps input embeddings to output embeddings: "
            "W = sum_x u_{f*(x)} e_x^T."
        )
    n = min(E.shape[0], U.shape[0])  # e_x paired with U[x] instead of U[targets[x]]
    if close(W, U[:n].T @ E[:n]):
        raise CheckError(
            "W: pair each e_x with the output embedding of ITS target, "
            "u_{f*(x)} = U[targets[x]], not with U[x]."
        )
    raise CheckError(
        "W: wrong values. Sum the outer products torch.outer(U[targets[x]], E[x]) over "
        "x, or write it as one product U[targets].T @ E."
    )
