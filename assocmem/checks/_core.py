"""What every checker shares: the error type, the pass line, and the comparison helpers.

A checker takes the learner's answer. A wrong answer raises ``CheckError`` (an
AssertionError) with a targeted hint that says what is wrong and what to look at; a
right answer prints one line starting with ``PASSED``. Checkers compare against the
package's own reference implementation computed on the same inputs, never against
numbers stored here, and read nothing but their arguments.
"""

import torch

from .._validate import DTYPE

PASSED = "Correct: "  # a passing checker prints PASSED + "<what> checks out."
NO_ANSWER = "no answer yet"  # the hint of a stub left as `...`


class CheckError(AssertionError):
    """A wrong answer to an exercise; the message is the hint.

    Parameters
    ----------
    message : str
        The hint: what is wrong and what to look at.
    """


def passed(name):
    """Print the pass line for ``name``.

    Parameters
    ----------
    name : str
        What was checked.

    Returns
    -------
    None
    """
    print(f"{PASSED}{name} checks out.")


def as_answer(name, answer, shape=None):
    """The answer as a float64 tensor, or a CheckError saying why it cannot be one.

    Parameters
    ----------
    name : str
        Name of the answer in the hint.
    answer : object
        The learner's answer; ``None`` or ``...`` mean no answer yet.
    shape : tuple, optional
        Required shape.

    Returns
    -------
    torch.Tensor
    """
    if answer is None or answer is Ellipsis:
        raise CheckError(f"{name}: {NO_ANSWER}. Replace the `...` with your code.")
    try:
        t = torch.as_tensor(answer, dtype=DTYPE)
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckError(
            f"{name}: expected numbers (a tensor or array-like), got "
            f"{type(answer).__name__}."
        ) from err
    if shape is not None and tuple(t.shape) != tuple(shape):
        raise CheckError(
            f"{name}: expected shape {tuple(shape)}, got {tuple(t.shape)}."
        )
    return t


def as_number(name, answer, hint=""):
    """The answer as a 0-d float64 tensor, or a CheckError when it is not one number.

    Parameters
    ----------
    name : str
        Name of the answer in the hint.
    answer : object
        The learner's answer.
    hint : str
        Added to the message when the answer holds several numbers.

    Returns
    -------
    torch.Tensor
        0-d.
    """
    t = as_answer(name, answer)
    if t.numel() != 1:
        extra = f" {hint}" if hint else ""
        raise CheckError(
            f"{name}: expected one number, got shape {tuple(t.shape)}.{extra}"
        )
    return t.reshape(())


def close(a, b, tol=1e-8):
    """Whether a and b agree to ``tol``, absolute and relative.

    Parameters
    ----------
    a, b : torch.Tensor
    tol : float

    Returns
    -------
    bool
    """
    return torch.allclose(a, b, atol=tol, rtol=tol)


def rel_close(a, b, tol=1e-6):
    """Whether the numbers a and b agree to relative ``tol``.

    Parameters
    ----------
    a, b : float or 0-d tensor
    tol : float

    Returns
    -------
    bool
    """
    return abs(float(a) / float(b) - 1) < tol


def hint_if_matches(name, got, variants, tol=1e-8):
    """Raise the hint of the first (reference, hint) variant that the answer matches.

    Parameters
    ----------
    name : str
        Name of the answer in the hint.
    got : torch.Tensor
        The answer.
    variants : list of (torch.Tensor, str)
        Typical wrong answers and their hints.
    tol : float
        Tolerance of ``close``.

    Returns
    -------
    None
        Returns only when no variant matches.
    """
    for ref, hint in variants:
        ref = torch.as_tensor(ref, dtype=DTYPE)
        if ref.shape == got.shape and close(got, ref, tol):
            raise CheckError(f"{name}: {hint}")


def top_eigenvalue(A):
    """Largest eigenvalue of symmetric matrices A (..., n, n).

    Parameters
    ----------
    A : torch.Tensor

    Returns
    -------
    torch.Tensor
        (...).
    """
    return torch.linalg.eigvalsh(A)[..., -1]
