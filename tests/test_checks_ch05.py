"""Chapter 5 exercise checkers: a right answer passes, typical wrong answers get their
targeted hint.
"""

import pytest
import torch

import assocmem as am
from assocmem.checks import CheckError


@pytest.fixture
def task_N5():
    """The chapter's N = 5, d = 3 task: random unit E and U (non-orthonormal U), Zipf
    1, f* = id.
    """
    return am.Task(
        E=am.random_embeddings(5, 3, 0),
        U=am.random_embeddings(5, 3, 1),
        p=am.zipf(5, 1.0),
        targets=torch.arange(5),
    )


@pytest.fixture
def task_2d():
    """The chapter's non-separable 2-D task: N = 30, U = I, f*(x) = x mod 2, Zipf 1."""
    return am.Task(
        E=am.random_embeddings(30, 2, 1),
        U=torch.eye(2),
        p=am.zipf(30, 1.0),
        targets=torch.arange(30) % 2,
    )


def _factors(task):
    M = task.M
    C0 = task.U.T @ (torch.eye(M, dtype=torch.float64) / M - 1.0 / M**2) @ task.U
    K = task.E.T @ (task.p[:, None] * task.E)
    return torch.linalg.eigvalsh(C0)[-1], torch.linalg.eigvalsh(K)[-1]


# -- sharpness_at_zero -----------------------------------------------------------------
# ----------------------


def test_sharpness_at_zero_accepts_the_kronecker_product(task_N5, capsys):
    lam_C, lam_K = _factors(task_N5)
    am.checks.sharpness_at_zero(lam_C * lam_K, task_N5)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda C, K, t: K, "lambda_max\\(K\\) alone"),
        (lambda C, K, t: K / t.M, "orthonormal"),
        (lambda C, K, t: C + K, "products"),
        (
            lambda C, K, t: C * torch.linalg.eigvalsh(t.E.T @ t.E)[-1],
            "frequency p\\(x\\)",
        ),
        (lambda C, K, t: 2 * C * K, "wrong value"),
    ],
)
def test_sharpness_at_zero_gives_targeted_hints(task_N5, wrong, hint):
    lam_C, lam_K = _factors(task_N5)
    with pytest.raises(CheckError, match=hint):
        am.checks.sharpness_at_zero(wrong(lam_C, lam_K, task_N5), task_N5)


def test_sharpness_at_zero_rejects_placeholder_and_vectors(task_N5):
    with pytest.raises(CheckError, match="no answer yet"):
        am.checks.sharpness_at_zero(..., task_N5)
    with pytest.raises(CheckError, match="expected one number"):
        am.checks.sharpness_at_zero(torch.ones(9), task_N5)


# -- gamma_sharpness -------------------------------------------------------------------
# ----------------------


def _gamma_grid():
    return am.plane.grid((-4, 4), (-3, 3), n=7)[2]  # (7, 7, 2)


def _closed_form(
    task, gamma, weight=lambda m: torch.sigmoid(m) * torch.sigmoid(-m), p=None, which=-1
):
    sign = 1 - 2 * task.targets.to(torch.float64)
    m = (gamma @ task.E.T) * sign
    w = (task.p if p is None else p) * weight(m)
    H = torch.einsum("...x,xi,xj->...ij", w, task.E, task.E)
    return 2 * torch.linalg.eigvalsh(H)[..., which]


def test_gamma_sharpness_accepts_the_closed_form(task_2d, capsys):
    gamma = _gamma_grid()
    am.checks.gamma_sharpness(_closed_form(task_2d, gamma), task_2d, gamma)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda t, g: _closed_form(t, g) / 2, "multiply by"),
        (lambda t, g: _closed_form(t, g) * 2, "too large"),
        (
            lambda t, g: _closed_form(t, g, weight=lambda m: torch.sigmoid(-m)),
            "GRADIENT",
        ),
        (lambda t, g: _closed_form(t, g, which=0), "smallest eigenvalue"),
        (
            lambda t, g: _closed_form(t, g, p=torch.ones(30, dtype=torch.float64)),
            "frequency",
        ),
        (lambda t, g: _closed_form(t, g) + 0.1, "wrong values"),
    ],
)
def test_gamma_sharpness_gives_targeted_hints(task_2d, wrong, hint):
    gamma = _gamma_grid()
    with pytest.raises(CheckError, match=hint):
        am.checks.gamma_sharpness(wrong(task_2d, gamma), task_2d, gamma)


def test_gamma_sharpness_rejects_wrong_shape_and_placeholder(task_2d):
    gamma = _gamma_grid()
    with pytest.raises(CheckError, match="one sharpness per point"):
        am.checks.gamma_sharpness(torch.zeros(7, 7, 2), task_2d, gamma)
    with pytest.raises(CheckError, match="no answer yet"):
        am.checks.gamma_sharpness(..., task_2d, gamma)


# -- stability_threshold
# -------------------------------------------------------------------------------------


def _eigs_at_minimizer(task):
    W_star = am.solvers.minimize_loss(task, tol=1e-10).W
    ev = torch.linalg.eigvalsh(task.hessian(W_star))
    return ev[ev > 1e-10 * ev[-1]]


def test_stability_threshold_accepts_two_over_sharpness_at_the_minimizer(
    task_2d, capsys
):
    lam = _eigs_at_minimizer(task_2d)[-1]
    am.checks.stability_threshold((2 / lam).item(), task_2d)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda ev, t: 1 / ev[-1], "factor 2"),
        (lambda ev, t: ev[-1], "lambda_max itself"),
        (lambda ev, t: 2 / t.sharpness(t.zeros()), "W = 0"),
        (lambda ev, t: 2 / ev[0], "smallest non-zero"),
        (lambda ev, t: 3 / ev[-1], "wrong value"),
    ],
)
def test_stability_threshold_gives_targeted_hints(task_2d, wrong, hint):
    ev = _eigs_at_minimizer(task_2d)
    with pytest.raises(CheckError, match=hint):
        am.checks.stability_threshold(wrong(ev, task_2d), task_2d)


def test_stability_threshold_explains_separable_tasks_have_none():
    separable = am.Task(E=torch.eye(2), U=torch.eye(2), p=[0.5, 0.5], targets=[0, 1])
    with pytest.raises(CheckError, match="separable"):
        am.checks.stability_threshold(4.0, separable)
    with pytest.raises(CheckError, match="no answer yet"):
        am.checks.stability_threshold(..., separable)
