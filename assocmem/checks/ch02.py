"""Checkers of chapter 2."""

import torch

from .._validate import DTYPE
from ..particles import gram, simulate
from ..particles import interaction_kernel as reference_kernel
from ._core import (
    CheckError,
    as_answer,
    close,
    hint_if_matches,
    passed,
)


def score_step(answer, task, S, lr):
    """Exercise ex-ch2-score-step: one GD step in score space, S - lr K_e D_p
    (softmax(S) - Y) K_u, shape (N, M).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        The task.
    S : (N, M) array-like
        Current scores.
    lr : float
        Step size.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "S_next"
    S = torch.as_tensor(S, dtype=DTYPE)
    got = as_answer(name, answer)
    if got.shape != S.shape:
        raise CheckError(
            f"{name}: expected the scores of every token for every output, shape (N, "
            f"M) = {tuple(S.shape)}, got {tuple(got.shape)}. Check the order of the "
            "products: K_e (N, N) @ residual (N, M) @ K_u (M, M)."
        )
    expected = simulate(task, lr, 1, S0=S)[1]  # (N, M)
    if close(got, expected):
        return passed("one step of the score recursion")
    K_e, K_u, p, Y = gram(task.E), gram(task.U), task.p[:, None], task.Y
    P = torch.softmax(S, dim=-1)
    R = p * (P - Y)  # D_p (P(S) - Y)
    hint_if_matches(
        name,
        got,
        [
            (
                S,
                "S_next equals S: apply the update, S_next = S - lr * K_e @ D_p (P(S) "
                "- Y) @ K_u.",
            ),
            (-lr * K_e @ R @ K_u, "this is the increment only; add it to S."),
            (
                S + lr * K_e @ R @ K_u,
                "right size, wrong sign. Gradient descent moves against the gradient: "
                "subtract lr * K_e D_p (P(S) - Y) K_u (did you write Y - P(S)?).",
            ),
            (
                S - lr * K_e @ (P - Y) @ K_u,
                "the frequencies are missing: weight row x' of P(S) - Y by p(x') "
                "(the factor D_p).",
            ),
            (
                S - lr * p * (K_e @ (P - Y)) @ K_u,
                "p(x) weights the wrong token: D_p multiplies the residual of the "
                "PUSHING token x' before K_e mixes the rows, K_e @ (p[:, None] * "
                "(P - Y)), not p[:, None] * (K_e @ (P - Y)).",
            ),
            (
                S - lr * K_e @ (p * (torch.softmax(S, dim=0) - Y)) @ K_u,
                "the softmax runs over the wrong axis: normalise each row (dim=-1), "
                "one row per input token.",
            ),
            (
                S - lr * R @ K_u,
                "K_e is missing: multiply on the left by the input Gram matrix K_e = E "
                "@ E.T.",
            ),
            (
                S - lr * K_e @ R,
                "K_u is missing: multiply on the right by the output Gram matrix K_u = "
                "U @ U.T.",
            ),
            (
                S - lr * R,
                "both Gram matrices are missing: the update is K_e @ D_p (P(S) - Y) @ "
                "K_u.",
            ),
        ],
    )
    raise CheckError(
        f"{name}: wrong values. Compute K_e = E @ E.T, K_u = U @ U.T, the residual "
        "p[:, None] * (softmax(S, dim=-1) - Y), then S - lr * K_e @ residual @ K_u."
    )


def interaction_kernel(answer, task):
    """Exercise ex-ch2-kernel: K[x, x'] = p(x') <e_x, e_x'>, shape (N, N).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        The task.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "K"
    got = as_answer(name, answer)
    N, d = task.N, task.d
    if got.shape != (N, N):
        hint = (
            " E.T @ E is the (d, d) Gram matrix of the coordinates; you want E @ E.T."
            if got.shape == (d, d)
            else ""
        )
        raise CheckError(
            f"{name}: expected one entry per pair of tokens, shape (N, N) = ({N}, "
            f"{N}), got {tuple(got.shape)}.{hint}"
        )
    expected = reference_kernel(task)
    if close(got, expected):
        return passed("interaction kernel")
    G = gram(task.E)
    hint_if_matches(
        name,
        got,
        [
            (
                expected.T,
                "transposed: row x is the pushed token and column x' the pusher, and "
                "the weight is the frequency of the PUSHER, p(x'). Multiply column x' "
                "by p(x'): (E @ E.T) * p.",
            ),
            (
                G,
                "this is the Gram matrix alone: multiply column x' by the frequency "
                "p(x').",
            ),
            (
                G * task.p[:, None] * task.p,
                "p appears twice: only the pusher's frequency p(x') enters.",
            ),
        ],
    )
    raise CheckError(
        f"{name}: wrong values. K = (E @ E.T) * p, so that K[x, x'] = p(x') <e_x, "
        "e_x'>."
    )
