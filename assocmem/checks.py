"""Self-checking exercises: one checker per auto-checkable exercise of the book.

A checker takes the learner's answer. A wrong answer raises ``CheckError`` (an AssertionError) with a
targeted hint that says what is wrong and what to look at; a right answer prints a one-line confirmation.
Checkers compare against the package's own reference implementation computed on the same inputs, never
against numbers stored here.
"""
import torch

from ._validate import DTYPE


class CheckError(AssertionError):
    """A wrong answer to an exercise; the message is the hint."""


def _passed(name):
    print(f"Correct: {name} checks out.")


def _as_answer(name, answer, shape=None):
    """The answer as a float64 tensor, or a CheckError saying why it cannot be one."""
    if answer is None or answer is Ellipsis:
        raise CheckError(f"{name}: no answer yet. Replace the `...` with your code.")
    try:
        t = torch.as_tensor(answer, dtype=DTYPE)
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckError(f"{name}: expected numbers (a tensor or array-like), got {type(answer).__name__}.") from err
    if shape is not None and tuple(t.shape) != tuple(shape):
        raise CheckError(f"{name}: expected shape {tuple(shape)}, got {tuple(t.shape)}.")
    return t


def _close(a, b, tol=1e-8):
    return torch.allclose(a, b, atol=tol, rtol=tol)

# ---- chapter 1 ----------------------------------------------------------------------------------------

# ---- chapter 2 ----------------------------------------------------------------------------------------

# ---- chapter 3 ----------------------------------------------------------------------------------------

# ---- chapter 4 ----------------------------------------------------------------------------------------

# ---- chapter 5 ----------------------------------------------------------------------------------------

# ---- chapter 6 ----------------------------------------------------------------------------------------

# ---- chapter 7 ----------------------------------------------------------------------------------------
