"""The cross-entropy minimizer W* of a non-separable task, found by damped Newton's method.

When no memory classifies every token with a positive margin (under-parameterized, N > d), the loss is
strictly convex on the span of the u_y e_x^T and W* is finite. Newton's method with the closed-form gradient
and Hessian of ``tasks.py`` and a backtracking line search reaches it to machine precision in a few dozen
steps, where GD would need thousands. The Hessian is singular along directions that change no score; the
least-squares (minimum-norm) Newton step ignores them.
"""
from dataclasses import dataclass

import torch

from ._validate import as_memory


# below this gradient norm, a W where the loss can no longer decrease in float64 counts as converged
FLAT_GRAD = 1e-8


@dataclass
class Minimizer:
    """W (d, d) the minimizer; loss L(W); grad_norm ||grad L(W)||; steps Newton steps taken; converged."""
    W: torch.Tensor
    loss: float
    grad_norm: float
    steps: int
    converged: bool


def minimize_loss(task, W0=None, tol=1e-12, max_steps=200):
    """Minimize the population cross-entropy of ``task`` by damped Newton; see the module docstring.

    ``converged`` is True when ||grad L(W)|| < tol, or when steps no longer decrease the loss (in float64) nor
    the gradient and ||grad L(W)|| < FLAT_GRAD: round-off, not the method, then limits the gradient.

    Raises ValueError when the iterates run away (the task is separable: the infimum 0 is not attained).
    """
    if not (isinstance(max_steps, int) and max_steps >= 1):
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    d = task.d
    W = task.zeros() if W0 is None else as_memory("W0", W0, d).clone()
    loss = task.loss(W).item()
    flat, prev_gn = False, float("inf")
    for step in range(1, max_steps + 1):
        g = task.gradient(W).reshape(-1)                                      # (d*d,)
        gn = g.norm().item()
        if gn < tol:
            return Minimizer(W, loss, gn, step - 1, True)
        if flat and gn >= prev_gn:
            # the last step left the loss unchanged in float64 and did not shrink the gradient either:
            # round-off, not the method, now limits the gradient
            return Minimizer(W, loss, gn, step - 1, gn < FLAT_GRAD)
        H = task.hessian(W)                                                   # (d*d, d*d)
        direction = -torch.linalg.lstsq(H, g.unsqueeze(-1), rcond=1e-12).solution.squeeze(-1)
        if direction @ g >= 0:                                                # not a descent direction
            direction = -g
        t, slope = 1.0, (direction @ g).item()
        while t >= 1e-10:                                                     # Armijo backtracking
            W_new = W + t * direction.reshape(d, d)
            new_loss = task.loss(W_new).item()
            if new_loss <= loss + 1e-4 * t * slope:
                break
            t /= 2
        if t < 1e-10:                                                         # no step is accepted at all
            return Minimizer(W, loss, gn, step, gn < FLAT_GRAD)
        # near W* the decrease g^T H^-1 g falls below float64 resolution while Newton still shrinks the
        # gradient; such equal-loss steps are kept as long as they do
        flat, prev_gn = not new_loss < loss, gn
        W, loss = W_new, new_loss
        if (task.margins(W) > 0).all():
            # a memory with every margin positive can be scaled up to drive the loss to 0: no finite minimizer
            raise ValueError("task is separable (this W memorizes every token), so the cross-entropy has no "
                             "finite minimizer: its infimum 0 is only approached as ||W|| grows")
    g = task.gradient(W).reshape(-1)
    return Minimizer(W, loss, g.norm().item(), max_steps, g.norm().item() < tol)
