"""Checkers of chapter 7."""

import torch

from .._scores import diag_margins
from .._validate import DTYPE
from ..trajectory import forget_events as reference_forget_events
from ..transformer import wk2_margins
from ._core import (
    CheckError,
    as_answer,
    close,
    passed,
)


def wk2_memory(answer, model, keys):
    """Exercise ex-ch7-wk2-task: margins of the W_K2 memory over ``keys``, computed with
    ``am.Task``.

    The reference is ``am.transformer.wk2_margins(model, keys)``: query e_x = w_E(x),
    key u_x' = W_O1 W_V1 w_E(x'), memory W = W_K2^T.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    model : MemoryTransformer
        The model.
    keys : (n,) int array-like
        Tokens whose W_K2 margins are asked for.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "W_K2 margins"
    got = as_answer(name, answer)
    keys = torch.as_tensor(keys)
    n, V = len(keys), model.tok.shape[0]
    if got.shape != (n,):
        hint = (
            " restrict E and U to the rows of the keys (tok[keys])."
            if got.numel() == V
            else ""
        )
        raise CheckError(
            f"{name}: expected one margin per key, shape ({n},), got "
            f"{tuple(got.shape)}.{hint}"
        )
    expected = wk2_margins(model, keys)
    if close(got, expected, tol=1e-6):
        return passed("the W_K2 memory as a Task")
    f = lambda t: t.detach().to(DTYPE)  # noqa: E731
    Q = f(model.tok)[keys]  # (n, d) queries w_E(x)
    K = Q @ f(model.WV1).T @ f(model.WO1).T  # (n, d) keys W_O1 W_V1 w_E(x')
    WK2 = f(model.WK2)
    if close(got, -expected, tol=1e-6):
        raise CheckError(
            f"{name}: right size, wrong sign: the margin is the target score minus the "
            "best other."
        )
    if close(got, diag_margins(Q @ WK2.T @ K.T), tol=1e-6):
        raise CheckError(
            f"{name}: W must be W_K2 transposed. The book's score is u_y^T W e_x while "
            "the attention logit is w_E(x)^T W_K2 k_x' = k_x'^T W_K2^T w_E(x)."
        )
    if close(got, diag_margins(Q @ WK2 @ Q.T), tol=1e-6) or close(
        got, diag_margins(Q @ WK2.T @ Q.T), tol=1e-6
    ):
        raise CheckError(
            f"{name}: the key side is the previous token as written by layer 1, "
            "u_x' = W_O1 W_V1 w_E(x'), not the raw embedding w_E(x')."
        )
    if close(got, diag_margins(K @ WK2.T @ Q.T), tol=1e-6) or close(
        got, diag_margins(K @ WK2 @ Q.T), tol=1e-6
    ):
        raise CheckError(
            f"{name}: queries and keys are swapped: the inputs e_x are the queries "
            "w_E(x), the outputs u_x' are the keys W_O1 W_V1 w_E(x')."
        )
    raise CheckError(
        f"{name}: wrong values. Check E = tok[keys], U = tok[keys] @ W_V1^T @ W_O1^T, "
        "W = W_K2^T and targets = arange(len(keys))."
    )


def forget_events(answer, margins):
    """Exercise ex-ch7-forget: per-token count of positive -> non-positive transitions
    of m_t(x).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    margins : (T+1, N) array-like
        Margins along a run.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "forget events"
    got = as_answer(name, answer)
    margins = torch.as_tensor(margins, dtype=DTYPE)
    N = margins.shape[-1]
    if got.shape != (N,):
        hint = (
            " Count per token: sum over the steps only (dim 0)."
            if got.numel() == 1
            else ""
        )
        raise CheckError(
            f"{name}: expected one count per token, shape ({N},), got "
            f"{tuple(got.shape)}.{hint}"
        )
    expected = reference_forget_events(margins).to(DTYPE)
    if torch.equal(got, expected):
        return passed("forget events")
    pos = margins > 0
    up = (~pos[:-1] & pos[1:]).sum(0).to(DTYPE)
    if torch.equal(got, expected + up):
        raise CheckError(
            f"{name}: you counted every sign change. A random memory starts with "
            "(almost) all margins negative, so the first upward crossing is learning; "
            "count only positive -> non-positive steps."
        )
    if torch.equal(got, up):
        raise CheckError(
            f"{name}: you counted the recoveries (non-positive -> positive), not the "
            "losses."
        )
    strict = margins >= 0
    if torch.equal(got, (strict[:-1] & ~strict[1:]).sum(0).to(DTYPE)) or torch.equal(
        got, (pos[:-1] & (margins[1:] < 0)).sum(0).to(DTYPE)
    ):
        raise CheckError(
            f"{name}: a margin of exactly 0 is a tie, and the book counts a tie as an "
            "error: memorized means m > 0, forgotten means m <= 0."
        )
    raise CheckError(
        f"{name}: wrong counts. Compare m_t(x) > 0 with m_(t+1)(x) > 0 for consecutive "
        "steps."
    )
