"""assocmem: associative memories trained by gradient descent, the helper package of the
assocmem book.

Modules (one idea each):
    tasks        the Task (E, U, p, targets): scores, losses, margins, gradient, Hessian
    data         Zipf frequencies, embeddings, the two-token task
    dynamics     full-batch GD (train), many configurations at once (sweep), SGD
    trajectory   statistics along a run: first hits, memorization, forgetting
    particles    the score-space recursion: GD as interacting particles
    theory       closed forms (orthogonal log-margins, the two-token task)
    plane        the gamma-plane of two-output, two-dimensional tasks (landscapes)
    solvers      damped Newton for the cross-entropy minimizer, in W or in gamma
    zero_one     the exact 0-1 optimum of two-output tasks
    transformer  chapter 7's small Transformer, its trigger task and memory probes
                 (imported on first use: ``import assocmem.transformer``)
    checks       exercise checkers with targeted hints
    plots        the book's figure conventions
    explorers    precomputed and live explorable figures (``from assocmem import
                 explorers``; it needs ipywidgets)
    canvas       a figure reused frame after frame, and its PNG, for the explorers
"""

from . import (
    checks,
    data,
    dynamics,
    particles,
    plane,
    plots,
    solvers,
    tasks,
    theory,
    trajectory,
    zero_one,
)
from .data import (
    correlated_pair,
    orthonormal_embeddings,
    random_embeddings,
    two_token_task,
    zipf,
)
from .dynamics import History, sweep, train, train_sgd
from .tasks import Task
from .trajectory import first_hit

__all__ = [
    "Task",
    "History",
    "train",
    "sweep",
    "train_sgd",
    "first_hit",
    "zipf",
    "random_embeddings",
    "orthonormal_embeddings",
    "correlated_pair",
    "two_token_task",
    "checks",
    "data",
    "dynamics",
    "particles",
    "plane",
    "plots",
    "solvers",
    "tasks",
    "theory",
    "trajectory",
    "zero_one",
]
__version__ = "0.1.0"
