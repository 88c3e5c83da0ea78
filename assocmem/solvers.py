"""The cross-entropy minimizer of a task, by damped Newton's method: in W, or in gamma
for M = 2.

When no memory classifies every token with a positive margin (under-parameterized, N >
d), the loss is strictly convex on the span of the u_y e_x^T and its minimizer W* is
finite. Newton's method with the closed-form gradient and Hessian and a backtracking
line search reaches it to machine precision in a few dozen steps, where GD would need
thousands. Both solvers share one engine (``_newton``) and one result type
(``CEMinimum``):

- ``minimize_loss(task)`` works on W (d^2 coordinates, one task). The Hessian is
  singular along directions that change no score; the minimum-norm Newton step ignores
  them.
- ``ce_minimizer(V, p)`` works on gamma (d coordinates) for a batch of two-output tasks,
  where L(gamma) = sum_x p(x) log(1 + exp(-<gamma, v_x>)) (see ``zero_one``).

A task is *separable* when some iterate classifies every token (all margins > 0): then
the loss has no finite minimizer (its infimum 0 is only approached as ||W|| grows). Both
solvers stop there and report ``separable=True``; they never raise for it.
"""

from dataclasses import dataclass

import torch

from ._validate import (
    DTYPE,
    as_distribution,
    as_float,
    as_int,
    as_memory,
    as_number,
    as_task,
)

# below this gradient norm, a point where the loss can no longer decrease in float64
# counts as
# converged: round-off, not the method, then limits the gradient
FLAT_GRAD = 1e-8
_EPS = torch.finfo(DTYPE).eps


@dataclass
class CEMinimum:
    """The cross-entropy minimizer found by damped Newton.

    For ``minimize_loss`` (one task) the fields are Python numbers; for ``ce_minimizer``
    they are tensors of the batch shape (...).

    Attributes
    ----------
    loss : float or (...) tensor
        Cross-entropy at the solution.
    grad_norm : float or (...) tensor
        Norm of the gradient there.
    steps : int or (...) tensor
        Newton steps taken.
    converged : bool or (...) bool tensor
        grad_norm < tol, or the loss stopped decreasing in float64 with grad_norm <
        FLAT_GRAD.
    separable : bool or (...) bool tensor
        An iterate had every margin positive: no finite minimizer exists, and the
        solution is only a memory that separates the task.
    W : (d, d) tensor or None
        The solution as a memory (``minimize_loss``).
    gamma : (..., d) tensor or None
        The solution in gamma coordinates (``ce_minimizer``).
    """

    loss: object
    grad_norm: object
    steps: object
    converged: object
    separable: object
    W: torch.Tensor = None
    gamma: torch.Tensor = None


Minimizer = CEMinimum  # earlier name of the result of minimize_loss
CEMinimizer = CEMinimum  # earlier name of the result of ce_minimizer


def _newton_direction(g, H):
    """-H^+ g with the pseudo-inverse of the symmetric H (eigenvalues below 1e-12
    lambda_max dropped).
    """
    lam, Q = torch.linalg.eigh(H)  # (..., n), (..., n, n)
    keep = lam > 1e-12 * lam[..., -1:].clamp_min(1e-300)
    inv = torch.where(keep, 1 / torch.where(keep, lam, 1.0), 0.0)
    return -(Q @ (inv * (Q.mT @ g.unsqueeze(-1)).squeeze(-1)).unsqueeze(-1)).squeeze(-1)


def _line_search(value, x, loss, m, direction, slope, active):
    """Armijo backtracking per batch entry; returns the accepted (x, loss, m) and which
    accepted.
    """
    t = torch.ones(loss.shape, dtype=DTYPE)
    accepted = ~active
    new_x, new_loss, new_m = x.clone(), loss.clone(), m.clone()
    # a few ulps of slack, so that the last Newton steps are not blocked by rounding
    slack = 8 * _EPS * loss.abs()
    for _ in range(40):
        trial = x + t.unsqueeze(-1) * direction
        trial_loss, trial_m = value(trial)
        ok = ~accepted & (trial_loss <= loss + 1e-4 * t * slope + slack)
        new_x[ok], new_loss[ok], new_m[ok] = trial[ok], trial_loss[ok], trial_m[ok]
        accepted = accepted | ok
        if accepted.all():
            break
        t = torch.where(accepted, t, t / 2)
    return new_x, new_loss, new_m, accepted & active


def _newton(value, derivatives, x, tol, max_steps):
    """Damped Newton on a batch of convex losses; x (..., n).

    ``value(x)`` gives (loss (...), margins (..., N)) and ``derivatives(x)`` (gradient
    (..., n), Hessian (..., n, n)). A batch entry stops when ||grad|| < tol, when it
    becomes separable (every margin > 0), when no step size decreases its loss, or when
    a step left the loss unchanged in float64 without shrinking the gradient (near the
    minimum g^T H^-1 g falls below the resolution of the loss while Newton still shrinks
    the gradient, so such steps are kept while they do).
    """
    batch = x.shape[:-1]
    loss, m = value(x)
    separable = (m > 0).all(-1)
    active = ~separable
    converged = torch.zeros(batch, dtype=torch.bool)
    steps = torch.zeros(batch, dtype=torch.int64)
    flat = torch.zeros(batch, dtype=torch.bool)
    prev_gn = torch.full(batch, torch.inf, dtype=DTYPE)
    for _ in range(max_steps):
        g, H = derivatives(x)
        gn = g.norm(dim=-1)
        done = active & (gn < tol)
        stalled = active & flat & (gn >= prev_gn)
        converged |= done | (stalled & (gn < FLAT_GRAD))
        active &= ~(done | stalled)
        if not active.any():
            break
        direction = _newton_direction(g, H)
        slope = (direction * g).sum(-1)
        direction = torch.where(
            (slope < 0).unsqueeze(-1), direction, -g
        )  # not a descent direction
        slope = (direction * g).sum(-1)
        new_x, new_loss, new_m, moved = _line_search(
            value, x, loss, m, direction, slope, active
        )
        blocked = active & ~moved  # no step size is accepted at all
        converged |= blocked & (gn < FLAT_GRAD)
        active &= ~blocked
        flat = ~(new_loss < loss)
        prev_gn = gn
        steps += moved.to(torch.int64)
        x, loss, m = new_x, new_loss, new_m
        now_separable = moved & (m > 0).all(-1)
        separable |= now_separable
        active &= ~now_separable
    gn = derivatives(x)[0].norm(dim=-1)
    converged |= active & (gn < tol)
    return x, loss, gn, steps, converged & ~separable, separable


def _check_stop(tol, max_steps):
    return as_number("tol", tol, low=0, low_open=True), as_int(
        "max_steps", max_steps, low=1
    )


def minimize_loss(task, W0=None, tol=1e-12, max_steps=200):
    """Minimize the population cross-entropy of ``task`` over W by damped Newton.

    Parameters
    ----------
    task : Task
        The task.
    W0 : (d, d) array-like, optional
        Starting memory, 0 by default.
    tol : float
        Stop when ||grad L(W)|| < tol.
    max_steps : int
        Most Newton steps.

    Returns
    -------
    CEMinimum
        With ``W`` the minimizer (d, d) and Python numbers in the other fields. When the
        task is separable, ``separable`` is True and ``W`` is a memory that memorizes
        every token.

    Examples
    --------
    >>> import torch, assocmem as am
    >>> E = am.random_embeddings(3, 2, 1)
    >>> task = am.Task(E, torch.eye(2), [0.5, 0.3, 0.2], [0, 1, 0])
    >>> r = am.solvers.minimize_loss(task)
    >>> r.converged, r.separable, r.grad_norm < 1e-12
    (True, False, True)
    """
    task = as_task("task", task)
    tol, max_steps = _check_stop(tol, max_steps)
    d = task.d
    W0 = task.zeros() if W0 is None else as_memory("W0", W0, d)
    if W0.ndim != 2:
        raise ValueError(
            f"W0 must have shape (d, d) = ({d}, {d}), got {tuple(W0.shape)}"
        )

    def value(w):
        ev = task.evaluate(w.reshape(*w.shape[:-1], d, d))
        return ev.loss, ev.margins

    def derivatives(w):
        W = w.reshape(d, d)
        return task.gradient(W).reshape(-1), task.hessian(W)

    x, loss, gn, steps, converged, separable = _newton(
        value, derivatives, W0.reshape(-1).clone(), tol, max_steps
    )
    return CEMinimum(
        loss=loss.item(),
        grad_norm=gn.item(),
        steps=int(steps),
        converged=bool(converged),
        separable=bool(separable),
        W=x.reshape(d, d),
    )


def ce_minimizer(V, p, gamma0=None, tol=1e-10, max_steps=100):
    """Minimize L(gamma) = sum_x p(x) log(1 + exp(-<gamma, v_x>)) for a batch of tasks
    by damped Newton.

    The same minimizer as ``minimize_loss`` (mapped to W by ``plane.gamma_to_W``), but
    many M = 2 tasks at once and in d coordinates instead of d^2.

    Parameters
    ----------
    V : (..., N, d) array-like
        Signed embeddings v_x = s_x e_x (``zero_one.signed_embeddings``).
    p : (..., N) array-like
        Frequencies.
    gamma0 : (..., d) array-like, optional
        Starting point, 0 by default.
    tol : float
        Stop when ||grad L|| < tol.
    max_steps : int
        Most Newton steps.

    Returns
    -------
    CEMinimum
        With ``gamma`` (..., d) and tensors of the batch shape (...) in the other
        fields. Tasks where some iterate classified every token (so L has no finite
        minimizer) are flagged ``separable`` and left there.

    Examples
    --------
    >>> import torch
    >>> V = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
    >>> r = ce_minimizer(V, [0.5, 0.3, 0.2])
    >>> bool(r.converged), bool(r.separable)
    (True, False)
    """
    V = as_float("V", V)
    if V.ndim < 2:
        raise ValueError(f"V must have shape (..., N, d), got {tuple(V.shape)}")
    p = as_distribution("p", p, N=V.shape[-2])
    tol, max_steps = _check_stop(tol, max_steps)
    d = V.shape[-1]
    batch = torch.broadcast_shapes(V.shape[:-2], p.shape[:-1])
    V = V.expand(*batch, *V.shape[-2:])
    p = p.expand(*batch, p.shape[-1])
    if gamma0 is None:
        gamma = torch.zeros(*batch, d, dtype=DTYPE)
    else:
        gamma = as_float("gamma0", gamma0).expand(*batch, d).clone()

    def value(g):
        m = (g.unsqueeze(-2) @ V.mT).squeeze(-2)  # (..., N)
        return (p * torch.nn.functional.softplus(-m)).sum(-1), m

    def derivatives(g):
        m = (g.unsqueeze(-2) @ V.mT).squeeze(-2)  # (..., N)
        grad = -((p * torch.sigmoid(-m)).unsqueeze(-2) @ V).squeeze(-2)  # (..., d)
        w = p * torch.sigmoid(m) * torch.sigmoid(-m)  # (..., N)
        return grad, V.mT @ (w.unsqueeze(-1) * V)  # (..., d, d)

    x, loss, gn, steps, converged, separable = _newton(
        value, derivatives, gamma, tol, max_steps
    )
    return CEMinimum(
        loss=loss,
        grad_norm=gn,
        steps=steps,
        converged=converged,
        separable=separable,
        gamma=x,
    )
