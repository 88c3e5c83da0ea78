"""Checkers of chapter 4."""

import torch

from .. import theory
from .._validate import DTYPE
from ..data import correlated_pair, two_token_task
from ..dynamics import sweep
from ._core import (
    CheckError,
    as_answer,
    close,
    passed,
)


def _ch4_pair_sweep(alphas, p1, lr, steps):
    """am.sweep on two tokens with different outputs, U = I, p = (p1, 1 - p1), one run
    per alpha.
    """
    E = correlated_pair(alphas)  # (A, 2, 2)
    return sweep(E, torch.eye(2, dtype=DTYPE), [p1, 1 - p1], [0, 1], lr, steps)


def first_step_margins(answer, alphas, p1, lr):
    """Exercise ex-ch4-first-step: margins (m_1(1), m_1(2)) after one GD step of size lr
    from W_0 = 0, for two tokens with different outputs, U = I, p = (p1, 1 - p1), one
    row per correlation alpha. Shape (A, 2).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    alphas : (A,) array-like
        Correlations.
    p1 : float
        Frequency of token 1.
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
    name = "first_step"
    alphas = torch.as_tensor(alphas, dtype=DTYPE).reshape(-1)
    p1, lr = float(p1), float(lr)
    p2 = 1 - p1
    got = as_answer(name, answer)
    A = alphas.numel()
    if tuple(got.shape) != (A, 2):
        extra = " It looks transposed." if tuple(got.shape) == (2, A) else ""
        raise CheckError(
            f"{name}: expected shape ({A}, 2), one row per alpha with columns (token "
            f"1, token 2); got {tuple(got.shape)}.{extra}"
        )
    ref = _ch4_pair_sweep(alphas, p1, lr, 1).margins[:, 1]  # (A, 2)
    # float32 answers are fine: the tolerance (1e-6 absolute + relative) is far below
    # any mistake's effect
    if close(got, ref, tol=1e-6):
        return passed("first-step margins")
    a = alphas[:, None]
    variants = [
        (
            ref.flip(-1),
            "the columns are swapped: column 0 is token 1 (frequency p1), column 1 is "
            "token 2.",
        ),
        (
            torch.cat([p1 - a * p2, p2 - a * p1], -1),
            "right up to the step size: multiply by lr.",
        ),
        (
            2 * ref,
            "twice too large: at W_0 = 0 each token pushes with sigma(-m_0) = sigma(0) "
            "= 1/2, which cancels c = ||u_1 - u_2||^2 = 2.",
        ),
        (
            ref / 2,
            "half the right size: you left out c = ||u_1 - u_2||^2, which is 2 for U = "
            "I.",
        ),
        (
            lr * torch.cat([p1 + a * p2, p2 + a * p1], -1),
            "the interference term has the wrong sign: the tokens have different "
            "outputs (epsilon = -1), so a positive correlation pushes the other "
            "token's margin down.",
        ),
        (
            lr * torch.cat([p1 - a * p1, p2 - a * p2], -1),
            "the interference term uses the wrong frequency: token x' pushes token x "
            "with weight p(x') <e_x, e_x'>, the frequency of the token that pushes.",
        ),
    ]
    for variant, hint in variants:
        if close(got, variant, tol=1e-6):
            raise CheckError(f"{name}: {hint}")
    raise CheckError(
        f"{name}: wrong values. Start from the binary margin step of chapter 2 with "
        "m_0 = 0: m_1(x) = lr * c * sum_x' p(x') <e_x, e_x'> eps_xx' sigma(0), with "
        "<e_1, e_2> = alpha."
    )


def spike_onset(answer, alpha, p1):
    """Exercise ex-ch4-onset: the step size eta* above which the first GD step from W_0
    = 0 raises the loss above log 2, for two tokens with different outputs, U = I,
    correlation alpha and p = (p1, 1 - p1).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    alpha : float
        Correlation.
    p1 : float
        Frequency of token 1.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "eta_star"
    got = as_answer(name, answer)
    if got.numel() != 1:
        raise CheckError(
            f"{name}: expected one number (a step size), got shape {tuple(got.shape)}."
        )
    got = float(got.reshape(()))
    alpha, p1 = float(alpha), float(p1)
    task = two_token_task(alpha, p1)
    ref = theory.spike_onset(alpha, p1).item()
    if abs(got / ref - 1) < 1e-6:
        return passed("spike onset")
    bound = 2 / task.sharpness(task.zeros()).item()
    if abs(got / bound - 1) < 1e-3:
        raise CheckError(
            f"{name}: this is 2 / lambda_max(grad^2 L(0)), the step size below which "
            "the loss cannot increase at all. The first spike comes later: solve "
            "L(W_1(eta)) = log 2."
        )
    if got <= 0:
        raise CheckError(
            f"{name}: a step size must be positive; eta = 0 is the trivial root of "
            "L(W_1(eta)) = log 2. Bracket the other root, e.g. between 1 and 100."
        )
    if abs(got / (2 * ref) - 1) < 1e-4 or abs(got / (ref / 2) - 1) < 1e-4:
        raise CheckError(
            f"{name}: off by a factor 2. With U = I one step moves the margins by "
            "m_1(1) = eta (p1 - alpha p2) and m_1(2) = eta (p2 - alpha p1)."
        )
    if got < bound:
        raise CheckError(
            f"{name}: too small: below 2 / lambda_max(grad^2 L(0)) = {bound:.3f} no "
            "step can raise the loss. Check that L(W_1) is sum_x p(x) log(1 + "
            "exp(-m_1(x)))."
        )
    raise CheckError(
        f"{name}: not the root. L(W_1(eta)) = p1 log(1 + exp(-m_1(1))) + p2 log(1 + "
        "exp(-m_1(2))) is convex in eta and equals log 2 at eta = 0; find its other "
        "crossing of log 2 (bisection converges in a few dozen halvings)."
    )
