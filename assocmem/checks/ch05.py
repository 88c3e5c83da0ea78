"""Checkers of chapter 5."""

import torch

from .._validate import DTYPE
from ..plane import gamma_to_W
from ..solvers import minimize_loss
from ._core import (
    CheckError,
    as_answer,
    as_number,
    close,
    passed,
    rel_close,
    top_eigenvalue,
)

EIG_HINT = (
    "Keep only the largest eigenvalue (torch.linalg.eigvalsh sorts them in ascending "
    "order: take [-1])."
)


def sharpness_at_zero(answer, task):
    """Exercise ex-ch5-sharpness-zero: lambda_max(grad^2 L(0)) = lambda_max(C_0)
    lambda_max(K), where C_0 = U^T (I/M - 1 1^T / M^2) U and K = sum_x p(x) e_x e_x^T.

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
    name = "sharpness at W = 0"
    lam = as_number(name, answer, EIG_HINT)
    M = task.M
    C0 = task.U.T @ (torch.eye(M, dtype=DTYPE) / M - 1.0 / M**2) @ task.U  # (d, d)
    K = task.E.T @ (task.p[:, None] * task.E)  # (d, d)
    if close(lam, task.sharpness(task.zeros())):
        return passed(name)
    if close(lam, top_eigenvalue(K)):
        raise CheckError(
            f"{name}: this is lambda_max(K) alone. At W = 0 the Hessian is the "
            "Kronecker product C_0 (x) K, so multiply by lambda_max(C_0), the "
            "curvature of the softmax at uniform probabilities."
        )
    if close(lam, top_eigenvalue(K) / M):
        raise CheckError(
            f"{name}: lambda_max(C_0) = 1/M only when the u_y are orthonormal. Here U "
            "is random: compute lambda_max(U^T (I/M - 1 1^T/M^2) U) from U."
        )
    for unweighted in (task.E.T @ task.E, task.E.T @ task.E / task.N):
        if close(lam, top_eigenvalue(C0) * top_eigenvalue(unweighted)):
            raise CheckError(
                f"{name}: weight each e_x e_x^T by its frequency p(x): K = sum_x p(x) "
                "e_x e_x^T (E.T @ (p[:, None] * E))."
            )
    if close(lam, top_eigenvalue(C0) + top_eigenvalue(K)):
        raise CheckError(
            f"{name}: the eigenvalues of a Kronecker product A (x) B are the products "
            "of those of A and B, not their sums."
        )
    raise CheckError(
        f"{name}: wrong value. At W = 0 every softmax is uniform, so grad^2 L(0) = C_0 "
        "(x) K and lambda_max = lambda_max(C_0) * lambda_max(K)."
    )


def _gamma_hessian(task, gamma, weight, p=None):
    """sum_x p(x) weight(m_x) e_x e_x^T for margins m_x = s_x <gamma, e_x>, shape (...,
    d, d).
    """
    sign = 1 - 2 * task.targets.to(DTYPE)  # +1 for output 0, -1 for output 1
    m = (gamma @ task.E.T) * sign  # (..., N)
    w = (task.p if p is None else p) * weight(m)  # (..., N)
    return torch.einsum("...x,xi,xj->...ij", w, task.E, task.E)


def gamma_sharpness(answer, task, gamma):
    """Exercise ex-ch5-gamma-sharpness: lambda_max(grad^2 L(W)) for the memories W of a
    gamma grid (M = 2), equal to ||u_1 - u_2||^2 lambda_max(sum_x p(x) sigma(m_x)
    sigma(-m_x) e_x e_x^T).

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        A task with M = 2.
    gamma : (..., d) array-like
        Points of the gamma-plane.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "gamma-plane sharpness"
    gamma = torch.as_tensor(gamma, dtype=DTYPE)
    lam = as_answer(name, answer)
    if lam.shape != gamma.shape[:-1]:
        raise CheckError(
            f"{name}: expected one sharpness per point gamma, shape "
            f"{tuple(gamma.shape[:-1])}, got {tuple(lam.shape)}. Did you return both "
            "eigenvalues or the 2 x 2 matrices? Keep the largest eigenvalue only."
        )
    expected = task.sharpness(gamma_to_W(gamma, task.U))
    if close(lam, expected):
        return passed(name)
    a = task.U[0] - task.U[1]
    c = (a @ a).item()
    if close(lam * c, expected):
        raise CheckError(
            f"{name}: these are the eigenvalues of the Hessian in gamma. The Hessian "
            "in W is (a a^T) (x) H_gamma with a = u_1 - u_2, so multiply by ||a||^2 = "
            f"{c:g}."
        )
    if close(lam, expected * c):
        raise CheckError(
            f"{name}: too large by ||u_1 - u_2||^2 = {c:g}: apply that factor once."
        )
    curvature = lambda m: torch.sigmoid(m) * torch.sigmoid(-m)
    if close(
        lam,
        c * top_eigenvalue(_gamma_hessian(task, gamma, lambda m: torch.sigmoid(-m))),
    ):
        raise CheckError(
            f"{name}: sigma(-m) is the weight of the GRADIENT of log(1 + e^-m). Its "
            "second derivative, the curvature, is sigma(m) sigma(-m)."
        )
    if close(
        lam, c * torch.linalg.eigvalsh(_gamma_hessian(task, gamma, curvature))[..., 0]
    ):
        raise CheckError(
            f"{name}: you took the smallest eigenvalue; the sharpness is the LARGEST "
            "one (eigvalsh sorts ascending: take [..., -1])."
        )
    if close(
        lam,
        c
        * top_eigenvalue(
            _gamma_hessian(task, gamma, curvature, p=torch.ones(task.N, dtype=DTYPE))
        ),
    ):
        raise CheckError(
            f"{name}: weight each token's curvature by its frequency p(x)."
        )
    raise CheckError(
        f"{name}: wrong values. With m_x = +-<gamma, e_x> (sign by the target), form "
        "H = sum_x p(x) sigma(m_x) sigma(-m_x) e_x e_x^T for every gamma and return "
        "||u_1 - u_2||^2 lambda_max(H)."
    )


def stability_threshold(answer, task):
    """Exercise ex-ch5-threshold: eta* = 2 / lambda_max(grad^2 L(W*)) at the
    cross-entropy minimizer W*.

    Parameters
    ----------
    answer : array-like
        The learner's answer (``...`` or None: no answer yet).
    task : Task
        A non-separable task.

    Returns
    -------
    None
        Prints a line starting with ``PASSED`` when the answer is right.

    Raises
    ------
    CheckError
        With a hint, when the answer is wrong.
    """
    name = "stability threshold"
    eta = as_number(name, answer, EIG_HINT)
    star = minimize_loss(task, tol=1e-10)  # plenty for eta* to 1e-6
    if star.separable:
        raise CheckError(
            f"{name}: this task is separable, so the loss has no finite minimizer and "
            "no threshold: pass the non-separable task of the exercise."
        )
    W_star = star.W
    ev = torch.linalg.eigvalsh(task.hessian(W_star))  # ascending
    lam = ev[-1]
    if rel_close(eta, 2 / lam):
        return passed(name)
    if rel_close(eta, 1 / lam):
        raise CheckError(
            f"{name}: off by a factor 2. On a quadratic with curvature lambda, GD "
            "multiplies the error by 1 - eta lambda, which stays above -1 as long as "
            "eta < 2 / lambda."
        )
    if rel_close(eta, lam):
        raise CheckError(
            f"{name}: this is lambda_max itself; the threshold on the step size is 2 / "
            "lambda_max."
        )
    if rel_close(eta, 2 / task.sharpness(task.zeros())):
        raise CheckError(
            f"{name}: this uses the sharpness at W = 0. Whether GD can converge is "
            "decided at the minimizer W* (am.solvers.minimize_loss(task).W), where the "
            "iterates would settle."
        )
    positive = ev[ev > 1e-10 * lam]
    if rel_close(eta, 2 / positive[0]):
        raise CheckError(
            f"{name}: you used the smallest non-zero eigenvalue; the first direction "
            "to lose stability is the one of the LARGEST eigenvalue."
        )
    raise CheckError(
        f"{name}: wrong value. Find W* with am.solvers.minimize_loss(task), then "
        "return 2 / lambda_max(task.hessian(W*))."
    )
