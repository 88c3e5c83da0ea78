"""Checkers of chapter 3."""

import torch

from .._validate import DTYPE
from ..theory import orthogonal_margin
from ._core import (
    CheckError,
    as_answer,
    close,
    hint_if_matches,
    passed,
)


def gradient_flow_margin(answer, t, p, M):
    """Exercise ex-ch3-solve: the root m of e^m + (M - 1) m = 1 + M p t, broadcast over
    t and p.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    t : array-like
        Times >= 0.
    p : array-like
        Frequencies, broadcast against t.
    M : int
        Number of outputs.

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
    t = torch.as_tensor(t, dtype=DTYPE)
    p = torch.as_tensor(p, dtype=DTYPE)
    shape = torch.broadcast_shapes(t.shape, p.shape)
    got = as_answer(name, answer)
    if got.shape != shape:
        raise CheckError(
            f"{name}: expected one margin per time and token, the broadcast shape of t "
            f"and p, {tuple(shape)}; got {tuple(got.shape)}."
        )
    expected = orthogonal_margin(t, p, M)
    if close(got, expected):
        return passed("gradient-flow margin")
    if not torch.isfinite(got).all():
        raise CheckError(
            f"{name}: your answer has NaN or inf (at t = 0?). log(M p t) is only the "
            "large-t asymptote; solve e^m + (M - 1) m = 1 + M p t instead, whose root "
            "at t = 0 is m = 0."
        )
    rhs = 1 + M * p * t
    with torch.no_grad():
        residual = (torch.exp(got) + (M - 1) * got - rhs).abs() / rhs
    near_root = (residual < 1e-4).all()
    hint_if_matches(
        name,
        got,
        [
            (
                torch.log1p(M * p * t),
                "you dropped the (M - 1) m term: log(1 + M p t) solves e^m = 1 + M p "
                "t. The wrong outputs' scores decrease too, which adds (M - 1) m.",
            ),
            (
                orthogonal_margin(t, p, M + 1),
                "the coefficient of m is M - 1 (the number of wrong outputs), not M.",
            ),
        ],
    )
    if near_root:
        raise CheckError(
            f"{name}: close, but not converged to machine precision (relative residual "
            f"up to {residual.max().item():.1e}). Iterate longer (60+ bisection steps) "
            "in float64."
        )
    if (got < 0).any():
        raise CheckError(
            f"{name}: margins of gradient flow from W_0 = 0 are never negative; the "
            "root lies in [0, log(1 + M p t)]. Did you drop the 1 on the right-hand "
            "side? It comes from m_0 = 0."
        )
    raise CheckError(
        f"{name}: wrong values. Find, for each t and p, the m with e^m + (M - 1) m = 1 "
        "+ M p t: bisection on [0, log(1 + M p t)] works, since the left side "
        "increases with m."
    )
