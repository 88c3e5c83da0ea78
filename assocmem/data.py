"""Data of the book's tasks: Zipf frequencies, embeddings, and the two-token task.

Every function is seeded (no global random state) and returns float64.
"""

import torch

from ._validate import DTYPE, as_float, as_int, as_number, as_seed


def zipf(N, exponent=1.0):
    """Zipf frequencies p(x) proportional to (x + 1)^(-exponent), x = 0..N-1.

    Parameters
    ----------
    N : int
        Number of tokens, >= 1.
    exponent : float
        Zipf exponent, finite and >= 0 (0 gives the uniform distribution).

    Returns
    -------
    torch.Tensor
        (N,) float64, summing to 1.

    Examples
    --------
    >>> [round(v, 4) for v in zipf(3).tolist()]
    [0.5455, 0.2727, 0.1818]
    """
    N = as_int("N", N, low=1)
    exponent = as_number("exponent", exponent, low=0)
    w = torch.arange(1, N + 1, dtype=DTYPE) ** (-exponent)
    return w / w.sum()


def random_embeddings(n, d, seed):
    """n i.i.d. Gaussian vectors of R^d normalised to the unit sphere.

    Parameters
    ----------
    n, d : int
        Number of vectors and dimension, both >= 1.
    seed : int
        Seed of a private ``torch.Generator`` (the global RNG is not touched).

    Returns
    -------
    torch.Tensor
        (n, d) float64, unit rows.
    """
    n = as_int("n", n, low=1)
    d = as_int("d", d, low=1)
    gen = torch.Generator().manual_seed(as_seed("seed", seed))
    X = torch.randn(n, d, dtype=DTYPE, generator=gen)
    return X / X.norm(dim=1, keepdim=True)


def orthonormal_embeddings(n, d=None):
    """The first n vectors of the canonical basis of R^d.

    Parameters
    ----------
    n : int
        Number of vectors, >= 1.
    d : int, optional
        Dimension, >= n (default n).

    Returns
    -------
    torch.Tensor
        (n, d) float64.
    """
    n = as_int("n", n, low=1)
    d = n if d is None else as_int("d", d, low=n)
    return torch.eye(n, d, dtype=DTYPE)


def correlated_pair(alpha):
    """Two unit vectors of R^2 with inner product alpha: e_1 = (1, 0), e_2 = (alpha,
    sqrt(1 - alpha^2)).

    Parameters
    ----------
    alpha : float or array-like
        Correlation(s) in [-1, 1]; a tensor of shape (...) gives one pair per entry.

    Returns
    -------
    torch.Tensor
        (2, 2) for a number, (..., 2, 2) for a tensor of correlations.

    Examples
    --------
    >>> correlated_pair(0.6).tolist()
    [[1.0, 0.0], [0.6, 0.8]]
    >>> correlated_pair([0.0, 1.0]).shape
    torch.Size([2, 2, 2])
    """
    alpha = as_float("alpha", alpha)
    if ((alpha < -1) | (alpha > 1)).any():
        raise ValueError(
            "alpha must lie in [-1, 1] (a correlation of unit vectors), "
            f"got values from {alpha.min().item()} to {alpha.max().item()}"
        )
    zero, one = torch.zeros_like(alpha), torch.ones_like(alpha)
    e1 = torch.stack([one, zero], -1)  # (..., 2)
    e2 = torch.stack([alpha, torch.sqrt(1 - alpha * alpha)], -1)  # (..., 2)
    return torch.stack([e1, e2], -2)  # (..., 2, 2)


def two_token_task(alpha, p1, U=None):
    """The two-token task: inputs with correlation alpha, f*(x) = x, p = (p1, 1 - p1).

    The inputs are ``correlated_pair(alpha)``, e_1 = (1, 0) and e_2 = (alpha, sqrt(1 -
    alpha^2)), and token x must be mapped to output x (paper, Eq. 16, with U = I by
    default).

    Parameters
    ----------
    alpha : float
        Correlation <e_1, e_2> in [-1, 1].
    p1 : float
        Frequency of token 1, in [0, 1].
    U : (2, 2) array-like, optional
        Output embeddings (default the identity).

    Returns
    -------
    Task

    Examples
    --------
    >>> task = two_token_task(0.95, 0.75)
    >>> task.p.tolist(), task.targets.tolist()
    ([0.75, 0.25], [0, 1])
    """
    from .tasks import Task

    alpha = as_number("alpha", alpha)
    p1 = as_number("p1", p1)
    if not 0 <= p1 <= 1:
        raise ValueError(f"p1 must lie in [0, 1] (a frequency), got {p1}")
    U = torch.eye(2, dtype=DTYPE) if U is None else U
    return Task(E=correlated_pair(alpha), U=U, p=[p1, 1 - p1], targets=[0, 1])
