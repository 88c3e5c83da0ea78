"""The best achievable 0-1 loss of a two-output task (M = 2), and the cross-entropy
minimizer it is compared with.

With M = 2 outputs every margin is linear in one vector of R^d (``plane.py``),

    m(x) = <gamma, v_x>,    gamma = W^T (u_1 - u_2),
    v_x = s_x e_x,    s_x = +1 if f*(x) = 0 else -1,

so the 0-1 loss L01 = sum_x p(x) 1{m(x) <= 0} depends only on the *direction* of gamma
(gamma = 0 gets every token wrong). It is constant on each open cone of the arrangement
of hyperplanes {<gamma, v_x> = 0} and never smaller on a hyperplane, where the ties
count as errors. So min L01 is the smallest loss over the cones:

- d = 2: the cones are the (at most 2N) angular sectors between the lines orthogonal to
  the e_x; ``sectors`` lists them and ``optimum`` takes the best one. This is exact.
- d > 2: ``optimum`` walks the extreme rays of the cones (each the intersection of d - 1
  hyperplanes) and steps off every ray into each of its 2^(d-1) neighbouring cones.
  Every cone of a pointed arrangement has an extreme ray, so this is exact for
  embeddings in general position (true with probability 1 for random embeddings).
  Whatever happens, the loss returned is that of an explicit gamma: an upper bound on
  min L01.

``ce_minimizer`` finds the cross-entropy minimizer of many tasks at once by damped
Newton in these coordinates, L(gamma) = sum_x p(x) log(1 + exp(-<gamma, v_x>));
``solvers.minimize_loss`` does the same for one task in W. Shapes: V (..., N, d), p
(..., N); leading dimensions are batches of tasks.
"""

import itertools
import math
from dataclasses import dataclass

import torch

from ._validate import DTYPE, as_distribution, as_float, as_targets, as_task
from .solvers import CEMinimizer, CEMinimum, ce_minimizer  # noqa: F401  (one Newton engine)


@dataclass
class Optimum:
    """The best 0-1 loss of a task and a direction that reaches it.

    Attributes
    ----------
    loss : (...) tensor      min over gamma of L01
    gamma : (..., d) tensor  a unit vector inside an optimal cone
    """

    loss: torch.Tensor
    gamma: torch.Tensor


def signed_embeddings(E, targets):
    """v_x = s_x e_x with s_x = +1 for target 0 and -1 for target 1, so that m(x) =
    <gamma, v_x>.

    Parameters
    ----------
    E : (..., N, d) array-like
        Input embeddings.
    targets : (..., N) int array-like
        Classes in {0, 1}.

    Returns
    -------
    V : (..., N, d) float64 tensor

    Examples
    --------
    >>> import torch
    >>> signed_embeddings(torch.eye(2), [0, 1]).tolist()
    [[1.0, 0.0], [-0.0, -1.0]]
    """
    E = as_float("E", E)
    if E.ndim < 2:
        raise ValueError(f"E must have shape (..., N, d), got {tuple(E.shape)}")
    targets = as_targets("targets", targets, E.shape[-2], 2)
    sign = 1.0 - 2.0 * targets.to(DTYPE)  # (..., N)  +1 for class 0, -1 for class 1
    return E * sign.unsqueeze(-1)


def task_coordinates(task):
    """(V, p) of a Task with M = 2: the signed embeddings and the frequencies.

    Parameters
    ----------
    task : Task
        With M = 2 outputs.

    Returns
    -------
    tuple
        V (N, d) and p (N,).
    """
    task = as_task("task", task)
    if task.M != 2:
        raise ValueError(f"the 0-1 optimum here needs M = 2 outputs, got M = {task.M}")
    return signed_embeddings(task.E, task.targets), task.p


def _check(V, p):
    V = as_float("V", V)
    if V.ndim < 2:
        raise ValueError(f"V must have shape (..., N, d), got {tuple(V.shape)}")
    p = as_distribution("p", p, N=V.shape[-2])
    return V, p


def zero_one(gamma, V, p):
    """L01(gamma) = sum_x p(x) 1{<gamma, v_x> <= 0} for K directions gamma.

    Parameters
    ----------
    gamma : (..., K, d) array-like
        Directions.
    V : (..., N, d) array-like
        Signed embeddings.
    p : (..., N) array-like
        Frequencies.

    Returns
    -------
    torch.Tensor
        (..., K).
    """
    V, p = _check(V, p)
    gamma = as_float("gamma", gamma)
    if gamma.ndim < 2 or gamma.shape[-1] != V.shape[-1]:
        raise ValueError(f"gamma must have shape (..., K, d) with d = {V.shape[-1]}")
    m = gamma @ V.mT  # (..., K, N)
    return ((m <= 0).to(DTYPE) @ p.unsqueeze(-1)).squeeze(
        -1
    )  # a matmul: faster than broadcast and sum


def sectors(V, p):
    """The open angular sectors of a d = 2 task on which L01 is constant, with their
    losses.

    The boundaries are the 2N directions orthogonal to the v_x. Sector k runs
    counter-clockwise from ``start[k]`` to ``end[k]`` (``end`` may exceed 2 pi for the
    sector that wraps around).

    Parameters
    ----------
    V : (..., N, 2) array-like
        Signed embeddings (``signed_embeddings``).
    p : (..., N) array-like
        Frequencies.

    Returns
    -------
    dict
        ``start``, ``end``, ``loss``, each (..., 2N), and ``gamma`` (..., 2N, 2), the
        unit vector in the middle of each sector. Sectors of zero width (parallel
        embeddings) get the loss of their boundary line.
    """
    V, p = _check(V, p)
    if V.shape[-1] != 2:
        raise ValueError(
            f"sectors needs d = 2, got d = {V.shape[-1]}; use optimum for d > 2"
        )
    angle = torch.atan2(V[..., 1], V[..., 0])  # (..., N)
    bounds = torch.cat([angle + math.pi / 2, angle - math.pi / 2], -1) % (2 * math.pi)
    start, _ = bounds.sort(-1)  # (..., 2N)
    end = torch.cat([start[..., 1:], start[..., :1] + 2 * math.pi], -1)
    mid = (start + end) / 2
    gamma = torch.stack([mid.cos(), mid.sin()], -1)  # (..., 2N, 2)
    return {"start": start, "end": end, "loss": zero_one(gamma, V, p), "gamma": gamma}


def _vertex_candidates(V):
    """Unit vectors just inside every cone adjacent to every extreme ray of the
    arrangement. V (..., N, d).
    """
    N, d = V.shape[-2:]
    k = d - 1
    combos = torch.tensor(
        list(itertools.combinations(range(N), k)), dtype=torch.int64
    )  # (C, k)
    C = combos.shape[0]
    VA = V[..., combos, :]  # (..., C, k, d)  the active normals
    ray = torch.linalg.svd(VA, full_matrices=True).Vh[
        ..., -1, :
    ]  # (..., C, d)  orthogonal to all of them
    signs = torch.tensor(
        list(itertools.product([1.0, -1.0], repeat=k)), dtype=DTYPE
    )  # (S, k)
    delta = signs @ torch.linalg.pinv(VA).mT  # (..., C, S, d)  <delta, v_a> = sign_a
    inactive = torch.ones(C, N, dtype=torch.bool)
    inactive[torch.arange(C)[:, None], combos] = False  # (C, N)
    cands = []
    for r in (ray, -ray):
        rv = r @ V.mT  # (..., C, N)  <r, v_j>
        dv = delta @ V.mT.unsqueeze(-3)  # (..., C, S, N)
        gap = torch.where(inactive, rv.abs(), torch.inf).amin(
            -1, keepdim=True
        )  # (..., C, 1)
        push = torch.where(inactive.unsqueeze(-2), dv.abs(), 0.0).amax(
            -1
        )  # (..., C, S)
        # a step small enough that no inactive hyperplane is crossed: only the active
        # signs change
        step = torch.where(gap.isfinite(), 0.5 * gap, 1.0) / push.clamp_min(1e-300)
        step = step.clamp(max=1.0)
        cands.append(r.unsqueeze(-2) + step.unsqueeze(-1) * delta)  # (..., C, S, d)
    cands = torch.stack(cands, -4)  # (..., 2, C, S, d)
    return cands.reshape(*V.shape[:-2], -1, d)


def optimum(V, p):
    """min over gamma of L01(gamma) and a unit gamma reaching it, for a batch of M = 2
    tasks.

    Parameters
    ----------
    V : (..., N, d) array-like
        Signed embeddings v_x = s_x e_x (``signed_embeddings``, or ``task_coordinates``
        for a Task).
    p : (..., N) array-like
        Frequencies.

    Returns
    -------
    Optimum with loss (...) and gamma (..., d).

    Notes
    -----
    d = 2 enumerates the sectors (exact). d > 2 enumerates the extreme rays of the
    hyperplane arrangement and the cones around them, C(N, d-1) 2^d candidates: exact in
    general position, an upper bound on min L01 in any case (the loss returned is
    reached by the gamma returned). The least-squares direction V^+ 1, which separates N
    <= d tokens in general position, is always a candidate too.

    Examples
    --------
    Three directions that surround the origin cannot all be memorized; the optimum gives
    up the rarest token:

    >>> import torch
    >>> V = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-0.6, -0.8]])
    >>> round(optimum(V, [0.5, 0.3, 0.2]).loss.item(), 6)
    0.2
    """
    V, p = _check(V, p)
    N, d = V.shape[-2:]
    if d == 2:
        cands = sectors(V, p)["gamma"]  # (..., 2N, 2)
    elif d - 1 <= N:
        cands = _vertex_candidates(V)
    else:
        cands = V.new_zeros(*V.shape[:-2], 0, d)
    ls = torch.linalg.pinv(V) @ torch.ones(*V.shape[:-1], 1, dtype=DTYPE)  # (..., d, 1)
    cands = torch.cat([cands, ls.mT], -2)
    cands = cands / cands.norm(dim=-1, keepdim=True).clamp_min(1e-300)
    losses = zero_one(cands, V, p)  # (..., K)
    best = losses.argmin(-1, keepdim=True)  # (..., 1)
    gamma = cands.gather(-2, best.unsqueeze(-1).expand(*best.shape, d)).squeeze(-2)
    return Optimum(loss=losses.gather(-1, best).squeeze(-1), gamma=gamma)
