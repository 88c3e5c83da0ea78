"""assocmem: associative memories trained by gradient descent, the helper package of the assocmem book.

Modules (one idea each):
    tasks      the Task (E, U, p, targets), scores, losses, margins, gradient, Hessian; data helpers
    dynamics   full-batch GD (train), many configurations at once (sweep), mini-batch SGD
    particles  the score-space recursion: GD as interacting particles
    theory     closed forms (orthogonal log-margins), checked against simulation
    plane      the gamma-plane of two-output, two-dimensional tasks (landscapes)
    solvers    Newton's method for the cross-entropy minimizer of a non-separable task
    zero_one   the exact 0-1 optimum of two-output tasks, and a batched minimizer in the gamma-plane
    transformer  chapter 7's small Transformer, its trigger task and memory probes; imported on its own
                 (import assocmem.transformer), so that `python -m assocmem.transformer` runs cleanly
    checks     exercise checkers with targeted hints
    plots      the book's figure conventions
"""
from . import checks, dynamics, particles, plane, plots, solvers, tasks, theory, zero_one
from .dynamics import History, first_hit, sweep, train, train_sgd
from .tasks import Task, correlated_pair, orthonormal_embeddings, random_embeddings, zipf

__all__ = ["Task", "History", "train", "sweep", "train_sgd", "first_hit", "zipf", "random_embeddings",
           "orthonormal_embeddings", "correlated_pair", "checks", "dynamics", "particles", "plane", "plots",
           "solvers", "tasks", "theory", "zero_one"]
__version__ = "0.1.0"
