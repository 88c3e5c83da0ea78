"""Checkers of chapter 6."""

import torch

from .._validate import DTYPE
from ..zero_one import ce_minimizer, optimum, sectors, task_coordinates, zero_one
from ._core import (
    CheckError,
    as_answer,
    as_number,
    close,
    passed,
)


def zero_one_optimum(answer, task):
    """Exercise ex-ch6-sectors: min over W of L01(W) for a d = 2, M = 2 task, by
    enumerating sectors.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        A task with d = 2, M = 2.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "answer"
    got = as_number(
        name, answer, "Take the minimum over the sectors (e.g. .min().item())."
    )
    V, p = task_coordinates(task)
    best = optimum(V, p).loss  # ()
    tol = 1e-6  # distinct 0-1 values differ by a frequency, far more than this
    if close(got, best, tol=tol):
        return passed("exact 0-1 optimum")
    angle = torch.atan2(V[:, 1], V[:, 0])
    lines = torch.cat([angle + torch.pi / 2, angle - torch.pi / 2]) % (
        2 * torch.pi
    )  # (2N,)
    on_lines = torch.stack([lines.cos(), lines.sin()], -1)  # (2N, 2)
    margins = on_lines @ V.T  # (2N, N)
    cuts = lines.sort().values
    half = (cuts[:-1] + cuts[1:]) / 2  # all sectors but the wrapping one
    inner = torch.stack([half.cos(), half.sin()], -1)
    mids = sectors(V, p)["gamma"]  # (2N, 2), one per sector
    candidates = [
        (
            1 - best,
            "this is the best ACCURACY, 1 - min L01. The exercise asks for the "
            "smallest 0-1 loss.",
        ),
        (
            ((margins <= 0).to(DTYPE) * p).sum(-1).min(),
            "you evaluated L01 ON the boundary lines, where one token has margin "
            "exactly 0 (a tie, counted as an error). Evaluate at a direction strictly "
            "inside each sector, e.g. at the mid-angle of two consecutive boundaries.",
        ),
        (
            zero_one(inner, V, p).min(),
            "you missed the sector that wraps around: it runs from the largest "
            "boundary angle to the smallest one plus 2 pi.",
        ),
        (
            ((mids @ V.T) <= 0).to(DTYPE).mean(-1).min(),
            "errors must be weighted by the frequencies p(x), not counted.",
        ),
    ]
    for ref, hint in candidates:
        if close(got, ref.reshape(()), tol=tol):
            raise CheckError(f"{name}: {hint}")
    if task.d < task.N:
        ce = ce_minimizer(V, p)
        if not ce.separable and close(
            got, zero_one(ce.gamma[None], V, p).reshape(()), tol=tol
        ):
            raise CheckError(
                f"{name}: this is the 0-1 loss of the cross-entropy minimizer, which "
                "is what the chapter shows can be sub-optimal. Enumerate the sectors "
                "instead."
            )
    if got < best:
        raise CheckError(
            f"{name}: no memory reaches a 0-1 loss this low. Check the signs s_x (+1 "
            "for target 0, -1 for target 1) and that a tie (margin 0) counts as an "
            "error."
        )
    raise CheckError(
        f"{name}: too high: some sector does better. The 2N boundaries are the angles "
        "atan2(v_x) +- pi/2 (mod 2 pi); evaluate L01 at one direction inside EVERY "
        "sector between consecutive sorted boundaries."
    )


def three_token_margins(answer, task):
    """Exercise ex-ch6-three-margins: margins of the cross-entropy minimizer of a
    non-separable N = 3, d = 2 task, from prop-ch6-three-tokens; the reference is the
    Newton minimizer (am.zero_one.ce_minimizer).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        A non-separable task with N = 3, d = 2, M = 2.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "margins"
    got = as_answer(name, answer)
    if got.shape != (3,):
        raise CheckError(
            f"{name}: expected one margin per token, shape (3,), got "
            f"{tuple(got.shape)}."
        )
    V, p = task_coordinates(task)
    ce = ce_minimizer(V, p)
    if bool(ce.separable):
        raise CheckError(
            f"{name}: this task is separable, so the cross-entropy has no minimizer; "
            "the exercise needs a non-separable task."
        )
    expected = V @ ce.gamma  # (3,)
    if close(got, expected, tol=1e-6):
        return passed("margins of the three-token minimizer")
    if not torch.isfinite(got).all():
        raise CheckError(
            f"{name}: some margins are infinite or NaN: your c ran to an end of (0, "
            "1/max r). g(c) DEcreases in c, so when g(c) > 0 the root lies to the "
            "right (raise the lower end)."
        )
    lam = torch.stack(
        [torch.linalg.det(V[[j, k]]).abs() for j, k in [(1, 2), (2, 0), (0, 1)]]
    )
    if close(got, -expected, tol=1e-6):
        raise CheckError(
            f"{name}: right size, wrong sign: m_i = log(1 / (c r_i) - 1), positive for "
            "the memorized tokens."
        )
    if abs(float(lam @ got)) > 1e-6 * float(lam.sum() * got.abs().max().clamp_min(1)):
        raise CheckError(
            f"{name}: these margins violate lambda_1 m_1 + lambda_2 m_2 + lambda_3 m_3 "
            "= 0, which any memory satisfies: c is not the root of g, or lambda_i is "
            "not |det(v_j, v_k)| with i, j, k all different (lambda_1 pairs v_2 with "
            "v_3)."
        )
    raise CheckError(
        f"{name}: lambda . m = 0 holds but the values are wrong: check r_i = lambda_i "
        "/ p(i) (not p(i) / lambda_i) and m_i = log(1 / (c r_i) - 1)."
    )
