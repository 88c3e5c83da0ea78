"""Every public function of assocmem answers bad input with an error that names the
argument.

The public functions are found by introspection: every module of the package whose name
has no leading underscore, every name in its ``__all__`` (or, without one, every public
callable it defines). A new public function without an entry in ``CASES`` or ``EXEMPT``
fails ``test_every_public_function_has_bad_input_cases``.

Each case is (call, error, argument): the call must raise ``error`` (ValueError or
TypeError; a checker raises CheckError, its contract for a wrong answer) and the message
must contain the argument's name.
"""

import importlib
import inspect
import math
import pkgutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import assocmem as am  # noqa: E402
import assocmem.transformer as tr  # noqa: E402
from assocmem.checks import CheckError  # noqa: E402

F64 = torch.float64
V, T = TypeError, ValueError  # shorthands for the table below


def public_functions():
    """{qualified name: object} of every public callable of assocmem, each object
    once.
    """
    found = {}
    for info in pkgutil.walk_packages(am.__path__, "assocmem."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        mod = importlib.import_module(info.name)
        names = getattr(mod, "__all__", None)
        for name, obj in vars(mod).items():
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            where = getattr(obj, "__module__", "") or ""
            if names is not None and name not in names:
                continue
            if names is None and where != mod.__name__:
                continue
            if where.startswith("assocmem"):
                found.setdefault(id(obj), (f"{where}.{obj.__qualname__}", obj))
    return dict(found.values())


# result records and types built by the package itself, and functions without arguments
EXEMPT = {
    "assocmem._scores.Evaluation": "result record (a NamedTuple)",
    "assocmem.dynamics.History": "result record",
    "assocmem.solvers.CEMinimum": "result record",
    "assocmem.zero_one.Optimum": "result record",
    "assocmem.transformer.train.Run": "result record",
    "assocmem.transformer.data.Batch": "result record of TriggerTask.sample",
    "assocmem.checks._core.CheckError": "the exception type of the checkers",
    "assocmem.plots.setup": "takes no arguments",
}

_cache = {}


def task():
    if "task" not in _cache:
        _cache["task"] = am.Task(
            am.random_embeddings(4, 3, 0),
            am.random_embeddings(2, 3, 1),
            am.zipf(4),
            [0, 1, 1, 0],
        )
    return _cache["task"]


def pair():
    return am.two_token_task(0.9, 0.7)


def model():
    if "model" not in _cache:
        _cache["model"] = tr.MemoryTransformer(vocab_size=8, d=4, max_len=8)
    return _cache["model"]


def trigger():
    return tr.TriggerTask(vocab_size=8, k=2, seq_len=8)


def fig():
    f, _ = plt.subplots()
    return f


S2 = torch.zeros(2, 2, dtype=F64)
P2 = torch.tensor([0.5, 0.5], dtype=F64)
Y2 = torch.eye(2, dtype=F64)
W4 = torch.zeros(1, 4, 4)
Z4 = torch.zeros(3, 4)
B8 = torch.zeros(3, 8)
WU = torch.zeros(8, 4)

CASES = {
    # scores, data, tasks
    "assocmem._scores.evaluate": [
        (lambda: am.tasks.evaluate("S", P2, Y2), V, "S"),
        (lambda: am.tasks.evaluate(S2, [1.0], Y2), T, "p"),
        (lambda: am.tasks.evaluate(S2, P2, torch.eye(3)), T, "Y"),
    ],
    "assocmem._scores.one_hot": [
        (lambda: am.tasks.one_hot([0, 1], 2), V, "targets"),
        (lambda: am.tasks.one_hot(torch.tensor([0, 2]), 2), T, "targets"),
        (lambda: am.tasks.one_hot(torch.tensor([0, 1]), 2.0), V, "M"),
    ],
    "assocmem.data.zipf": [
        (lambda: am.zipf(0), T, "N"),
        (lambda: am.zipf("5"), V, "N"),
        (lambda: am.zipf(5, math.nan), T, "exponent"),
    ],
    "assocmem.data.random_embeddings": [
        (lambda: am.random_embeddings(3, 0, 0), T, "d"),
        (lambda: am.random_embeddings(3.0, 2, 0), V, "n"),
        (lambda: am.random_embeddings(3, 2, "0"), V, "seed"),
        (lambda: am.random_embeddings(3, 2, 1.7), V, "seed"),
    ],
    "assocmem.data.orthonormal_embeddings": [
        (lambda: am.orthonormal_embeddings(0), T, "n"),
        (lambda: am.orthonormal_embeddings(3, 2), T, "d"),
        (lambda: am.orthonormal_embeddings(None), V, "n"),
    ],
    "assocmem.data.correlated_pair": [
        (lambda: am.correlated_pair(1.5), T, "alpha"),
        (lambda: am.correlated_pair("a"), V, "alpha"),
        (lambda: am.correlated_pair(math.nan), T, "alpha"),
    ],
    "assocmem.data.two_token_task": [
        (lambda: am.two_token_task(2.0, 0.5), T, "alpha"),
        (lambda: am.two_token_task(0.5, -0.1), T, "p1"),
        (lambda: am.two_token_task(0.5, 0.5, U="I"), V, "U"),
    ],
    "assocmem.tasks.Task": [
        (lambda: am.Task(torch.eye(2), torch.eye(2), [0.5, 0.5], "01"), V, "targets"),
        (lambda: am.Task(torch.eye(2), torch.eye(2), [0.6, 0.5], [0, 1]), T, "p"),
        (lambda: am.Task("E", torch.eye(2), [0.5, 0.5], [0, 1]), V, "E"),
        (lambda: am.Task(torch.eye(2), torch.eye(1, 2), [0.5, 0.5], [0, 0]), T, "U"),
    ],
    # training
    "assocmem.dynamics.train": [
        (lambda: am.train(None, 0.1, 3), V, "task"),
        (lambda: am.train(pair(), -0.1, 3), T, "lr"),
        (lambda: am.train(pair(), 0.1, 3.0), V, "steps"),
        (lambda: am.train(pair(), [1.0, 2.0], 3, W0=torch.zeros(3, 2, 2)), T, "W0"),
        (lambda: am.train(pair(), 0.1, 3, keep_W=1), V, "keep_W"),
    ],
    "assocmem.dynamics.sweep": [
        (lambda: am.sweep(torch.eye(2), torch.eye(2), P2, "01", 0.1, 3), V, "targets"),
        (lambda: am.sweep(torch.eye(2), torch.eye(2), P2, [0, 1], [], 3), T, "lr"),
        (lambda: am.sweep(torch.eye(2), torch.eye(2), P2, [0, 1], 0.1, -1), T, "steps"),
        (
            lambda: am.sweep(torch.eye(2), torch.eye(3), P2, [0, 1], 0.1, 3),
            T,
            "E and U",
        ),
    ],
    "assocmem.dynamics.train_sgd": [
        (lambda: am.train_sgd(pair(), 0.1, 3, 2, "0"), V, "seed"),
        (lambda: am.train_sgd(pair(), 0.1, 3, 0, 0), T, "batch_size"),
        (lambda: am.train_sgd(pair(), [0.1, 0.2], 3, 2, 0), T, "lr"),
        (lambda: am.train_sgd("task", 0.1, 3, 2, 0), V, "task"),
    ],
    # trajectory statistics
    "assocmem.trajectory.first_hit": [
        (lambda: am.first_hit("abc"), V, "flags"),
        (lambda: am.first_hit(torch.tensor([0, 1])), V, "flags"),
        (lambda: am.first_hit(True), V, "flags"),
    ],
    "assocmem.trajectory.memorized_from": [
        (lambda: am.trajectory.memorized_from("m"), V, "margins"),
        (lambda: am.trajectory.memorized_from(torch.zeros(3)), T, "margins"),
    ],
    "assocmem.trajectory.forget_events": [
        (lambda: am.trajectory.forget_events(None), V, "margins"),
        (lambda: am.trajectory.forget_events(torch.zeros(3)), T, "margins"),
    ],
    "assocmem.trajectory.sign_changes": [
        (lambda: am.trajectory.sign_changes(1.0), V, "margins"),
        (lambda: am.trajectory.sign_changes(torch.zeros(3)), T, "margins"),
    ],
    "assocmem.trajectory.loss_increases": [
        (lambda: am.trajectory.loss_increases("loss"), V, "loss"),
        (lambda: am.trajectory.loss_increases([1.0, 2.0], tol=-1.0), T, "tol"),
        (lambda: am.trajectory.loss_increases(torch.tensor([1, 2])), V, "loss"),
    ],
    # particles, plane, theory
    "assocmem.particles.gram": [
        (lambda: am.particles.gram("X"), V, "X"),
        (lambda: am.particles.gram(torch.ones(3)), T, "X"),
    ],
    "assocmem.particles.interaction_kernel": [
        (lambda: am.particles.interaction_kernel(None), V, "task"),
        (lambda: am.particles.interaction_kernel(torch.eye(2)), V, "task"),
    ],
    "assocmem.particles.simulate": [
        (lambda: am.particles.simulate(pair(), 0, 3), T, "lr"),
        (lambda: am.particles.simulate(pair(), 0.1, 3, S0=torch.zeros(3, 2)), T, "S0"),
        (lambda: am.particles.simulate("task", 0.1, 3), V, "task"),
    ],
    "assocmem.particles.binary_margin_step": [
        (
            lambda: am.particles.binary_margin_step("m", 0.1, P2, Y2, Y2.bool()),
            V,
            "margins",
        ),
        (lambda: am.particles.binary_margin_step(P2, -0.1, P2, Y2, Y2.bool()), T, "lr"),
        (lambda: am.particles.binary_margin_step(P2, 0.1, P2, Y2, Y2), V, "same"),
        (
            lambda: am.particles.binary_margin_step(
                P2, 0.1, P2, torch.eye(3), Y2.bool()
            ),
            T,
            "G_e",
        ),
    ],
    "assocmem.plane.gamma_to_W": [
        (lambda: am.plane.gamma_to_W("g", Y2), V, "gamma"),
        (lambda: am.plane.gamma_to_W(P2, torch.eye(3)), T, "U"),
        (lambda: am.plane.gamma_to_W(torch.ones(3), Y2), T, "gamma"),
    ],
    "assocmem.plane.W_to_gamma": [
        (lambda: am.plane.W_to_gamma(torch.ones(3, 3), Y2), T, "W"),
        (lambda: am.plane.W_to_gamma(None, Y2), V, "W"),
    ],
    "assocmem.plane.grid": [
        (lambda: am.plane.grid((0, math.nan), (0, 1)), T, "xlim"),
        (lambda: am.plane.grid((0, 1), "ab"), V, "ylim"),
        (lambda: am.plane.grid((0, 1), (0, 1), n=1), T, "n"),
        (lambda: am.plane.grid((1, 0), (0, 1)), T, "xlim"),
    ],
    "assocmem.plane.landscape": [
        (lambda: am.plane.landscape(pair(), (math.nan, 1), (0, 1)), T, "xlim"),
        (lambda: am.plane.landscape(task(), (0, 1), (0, 1)), T, "d = 2"),
        (lambda: am.plane.landscape(None, (0, 1), (0, 1)), V, "task"),
    ],
    "assocmem.theory.orthogonal_margin": [
        (lambda: am.theory.orthogonal_margin(-1.0, 0.5, 2), T, "t"),
        (lambda: am.theory.orthogonal_margin(1.0, 0.5, 2.0), V, "M"),
        (lambda: am.theory.orthogonal_margin(1.0, 1.5, 2), T, "p"),
    ],
    "assocmem.theory.orthogonal_loss": [
        (lambda: am.theory.orthogonal_loss(1.0, 0.5, 2), T, "p"),
        (lambda: am.theory.orthogonal_loss("t", P2, 2), V, "t"),
    ],
    "assocmem.theory.max_eigenvalue_at_zero": [
        (lambda: am.theory.max_eigenvalue_at_zero(None), V, "task"),
        (lambda: am.theory.max_eigenvalue_at_zero(torch.eye(2)), V, "task"),
    ],
    "assocmem.theory.sharpness_at_zero": [
        (lambda: am.theory.sharpness_at_zero(1.5, 0.5), T, "alpha"),
        (lambda: am.theory.sharpness_at_zero(0.5, "p"), V, "p1"),
    ],
    "assocmem.theory.first_step_loss": [
        (lambda: am.theory.first_step_loss(-1.0, 0.5, 0.5), T, "lr"),
        (lambda: am.theory.first_step_loss(1.0, 0.5, 1.5), T, "p1"),
    ],
    "assocmem.theory.spike_onset": [
        (lambda: am.theory.spike_onset(math.nan, 0.5), T, "alpha"),
        (lambda: am.theory.spike_onset(0.5, None), V, "p1"),
    ],
    # solvers and the 0-1 optimum
    "assocmem.solvers.minimize_loss": [
        (lambda: am.solvers.minimize_loss(None), V, "task"),
        (lambda: am.solvers.minimize_loss(pair(), tol=0), T, "tol"),
        (lambda: am.solvers.minimize_loss(pair(), max_steps=1.5), V, "max_steps"),
        (lambda: am.solvers.minimize_loss(pair(), W0=torch.zeros(3, 3)), T, "W0"),
    ],
    "assocmem.solvers.ce_minimizer": [
        (lambda: am.zero_one.ce_minimizer("V", P2), V, "V"),
        (lambda: am.zero_one.ce_minimizer(Y2, [0.5, 0.6]), T, "p"),
        (lambda: am.zero_one.ce_minimizer(Y2, P2, max_steps=0), T, "max_steps"),
    ],
    "assocmem.zero_one.signed_embeddings": [
        (lambda: am.zero_one.signed_embeddings(Y2, "01"), V, "targets"),
        (lambda: am.zero_one.signed_embeddings(Y2, [0, 2]), T, "targets"),
        (lambda: am.zero_one.signed_embeddings(torch.ones(2), [0, 1]), T, "E"),
    ],
    "assocmem.zero_one.task_coordinates": [
        (lambda: am.zero_one.task_coordinates(None), V, "task"),
        (
            lambda: am.zero_one.task_coordinates(
                am.Task(torch.eye(3), torch.eye(3), am.zipf(3), [0, 1, 2])
            ),
            T,
            "M = 2",
        ),
    ],
    "assocmem.zero_one.zero_one": [
        (lambda: am.zero_one.zero_one(P2, Y2, P2), T, "gamma"),
        (lambda: am.zero_one.zero_one(Y2, "V", P2), V, "V"),
        (lambda: am.zero_one.zero_one(Y2, Y2, [0.2, 0.2]), T, "p"),
    ],
    "assocmem.zero_one.sectors": [
        (lambda: am.zero_one.sectors(torch.eye(3), am.zipf(3)), T, "d = 2"),
        (lambda: am.zero_one.sectors(Y2, [1.0]), T, "p"),
    ],
    "assocmem.zero_one.optimum": [
        (lambda: am.zero_one.optimum(torch.ones(2), P2), T, "V"),
        (lambda: am.zero_one.optimum(Y2, "p"), V, "p"),
    ],
    # figures and explorers
    "assocmem.plots.save": [
        (lambda: am.plots.save("fig", "x"), V, "fig"),
        (lambda: am.plots.save(fig(), 3), V, "name"),
        (lambda: am.plots.save(fig(), "a/b"), T, "name"),
    ],
    "assocmem.plots.style": [
        (lambda: am.plots.style("1"), V, "i"),
        (lambda: am.plots.style(-1), V, "i"),
    ],
    "assocmem.plots.eta_style": [
        (lambda: am.plots.eta_style(0.123), T, "lr"),
        (lambda: am.plots.eta_style("x"), T, "lr"),
    ],
    "assocmem.plots.landscape": [
        (lambda: am.plots.landscape(None, {}), V, "ax"),
        (lambda: am.plots.landscape(fig().gca(), {"G0": 1}), V, "land"),
    ],
    "assocmem.plots.regime_map": [
        (lambda: am.plots.regime_map(here=9), T, "here"),
        (lambda: am.plots.regime_map(here="4"), T, "here"),
    ],
    "assocmem.explorers.static": [
        (lambda: am.explorers.static(None, {"a": [1, 2]}), V, "draw"),
        (lambda: am.explorers.static(lambda a: fig(), {"a": [1]}), T, "grid"),
        (lambda: am.explorers.static(lambda a: fig(), [1, 2]), V, "grid"),
    ],
    "assocmem.explorers.live": [
        (lambda: am.explorers.live(3), V, "draw"),
        (lambda: am.explorers.live(lambda a: fig(), a=3), V, "control"),
    ],
    "assocmem.canvas.Canvas": [
        (lambda: am.canvas.Canvas(0, 2), T, "nrows"),
        (lambda: am.canvas.Canvas(1, "2"), T, "ncols"),
        (lambda: am.canvas.Canvas(rects=[(0, 0, 1)]), T, "rects"),
        (lambda: am.canvas.Canvas(rects=[]), T, "rects"),
    ],
    "assocmem.canvas.render_png": [
        (lambda: am.canvas.render_png("fig"), V, "fig"),
        (lambda: am.canvas.render_png(fig(), dpi=0), T, "dpi"),
    ],
    "assocmem.explorers.grid_points": [
        (lambda: am.explorers.grid_points([1, 2]), V, "grid"),
        (lambda: am.explorers.grid_points(None), V, "grid"),
    ],
    # chapter 7
    "assocmem.transformer.data.TriggerTask": [
        (lambda: tr.TriggerTask(vocab_size=1), T, "vocab_size"),
        (lambda: tr.TriggerTask(seed="0"), V, "seed"),
        (lambda: tr.TriggerTask(sigma=math.nan), T, "sigma"),
        (lambda: tr.TriggerTask(exponent=-1.0), T, "exponent"),
    ],
    "assocmem.transformer.model.MemoryTransformer": [
        (lambda: tr.MemoryTransformer(d=0), T, "d"),
        (lambda: tr.MemoryTransformer(seed=1.5), V, "seed"),
        (lambda: tr.MemoryTransformer(dtype=torch.int64), V, "dtype"),
    ],
    "assocmem.transformer.model.head_loss": [
        (lambda: tr.head_loss("logits", None), V, "logits"),
        (lambda: tr.head_loss(torch.zeros(1, 2, 3), None), V, "batch"),
    ],
    "assocmem.transformer.probes.wo2_margins": [
        (lambda: tr.wo2_margins(None), V, "model"),
        (lambda: tr.wo2_margins(model(), WO2="W"), V, "WO2"),
    ],
    "assocmem.transformer.probes.wk2_margins": [
        (lambda: tr.wk2_margins("model"), V, "model"),
        (lambda: tr.wk2_margins(model(), keys="01"), V, "keys"),
    ],
    "assocmem.transformer.probes.wo2_problem": [
        (lambda: tr.wo2_problem(None, None), V, "model"),
        (lambda: tr.wo2_problem(model(), "batch"), V, "batch"),
    ],
    "assocmem.transformer.probes.wo2_loss_grad": [
        (lambda: tr.wo2_loss_grad("W", B8, Z4, torch.zeros(3), WU), V, "W"),
        (lambda: tr.wo2_loss_grad(W4, B8, Z4, torch.zeros(2), WU), T, "y"),
        (
            lambda: tr.wo2_loss_grad(W4, torch.zeros(2, 8), Z4, torch.zeros(3), WU),
            T,
            "base",
        ),
    ],
    "assocmem.transformer.probes.wo2_sharpness": [
        (lambda: tr.wo2_sharpness(W4, B8, Z4, WU, W4, 0), T, "iters"),
        (lambda: tr.wo2_sharpness(W4, B8, Z4, WU, "v0", 2), V, "v0"),
    ],
    "assocmem.transformer.train.data_generators": [
        (lambda: tr.data_generators(-1), T, "data_seed"),
        (lambda: tr.data_generators("0"), V, "data_seed"),
    ],
    "assocmem.transformer.train.train_wo2_only": [
        (lambda: tr.train_wo2_only(None, model(), [1.0], 1, 2), V, "task"),
        (lambda: tr.train_wo2_only(trigger(), None, [1.0], 1, 2), V, "model"),
        (lambda: tr.train_wo2_only(trigger(), model(), [-1.0], 1, 2), T, "lrs"),
        (lambda: tr.train_wo2_only(trigger(), model(), [1.0], 1, 0), T, "batch_size"),
    ],
    "assocmem.transformer.train.train_all": [
        (lambda: tr.train_all("task", [1.0], 1, 2), V, "task"),
        (lambda: tr.train_all(trigger(), [1.0], 1.5, 2), V, "steps"),
        (lambda: tr.train_all(trigger(), [1.0], 1, 2, eval_every=0), T, "eval_every"),
    ],
    "assocmem.transformer.train.load_long_run": [
        (lambda: tr.load_long_run(3), V, "path"),
        (lambda: tr.load_long_run(["a"]), V, "path"),
    ],
    # checkers: a wrong or missing answer is a CheckError naming the answer
}
_CHECKERS = {
    "margins": lambda a: am.checks.margins(a, S2, [0, 1]),
    "hebbian_memory": lambda a: am.checks.hebbian_memory(a, Y2, Y2, [0, 1]),
    "score_step": lambda a: am.checks.score_step(a, pair(), S2, 0.1),
    "interaction_kernel": lambda a: am.checks.interaction_kernel(a, pair()),
    "gradient_flow_margin": lambda a: am.checks.gradient_flow_margin(a, 1.0, 0.5, 2),
    "first_step_margins": lambda a: am.checks.first_step_margins(a, [0.5], 0.7, 1.0),
    "spike_onset": lambda a: am.checks.spike_onset(a, 0.95, 0.75),
    "sharpness_at_zero": lambda a: am.checks.sharpness_at_zero(a, pair()),
    "gamma_sharpness": lambda a: am.checks.gamma_sharpness(a, pair(), P2),
    "stability_threshold": lambda a: am.checks.stability_threshold(a, task()),
    "zero_one_optimum": lambda a: am.checks.zero_one_optimum(a, pair()),
    "three_token_margins": lambda a: am.checks.three_token_margins(a, task()),
    "wk2_memory": lambda a: am.checks.wk2_memory(a, model(), [0, 1]),
    "forget_events": lambda a: am.checks.forget_events(a, torch.zeros(3, 2)),
}
for _name, _call in _CHECKERS.items():
    _module = getattr(am.checks, _name).__module__
    CASES[f"{_module}.{_name}"] = [
        (lambda c=_call: c("not a number"), CheckError, "expected numbers"),
        (lambda c=_call: c(...), CheckError, "no answer yet"),
    ]


def test_every_public_function_has_bad_input_cases():
    names = set(public_functions())
    missing = sorted(names - set(CASES) - set(EXEMPT))
    assert not missing, f"public functions without bad-input cases: {missing}"
    stale = sorted((set(CASES) | set(EXEMPT)) - names)
    assert not stale, f"cases for names that are not public functions: {stale}"
    few = sorted(n for n, cases in CASES.items() if len(cases) < 2)
    assert not few, f"fewer than two bad inputs: {few}"


ALL = [
    (name, i, case)
    for name, cases in sorted(CASES.items())
    for i, case in enumerate(cases)
]


@pytest.mark.parametrize(
    "name, i, case", ALL, ids=[f"{n.split('.', 1)[1]}-{i}" for n, i, _ in ALL]
)
def test_bad_input_raises_an_error_naming_the_argument(name, i, case):
    call, error, argument = case
    with pytest.raises(error) as info:
        call()
    assert argument in str(info.value), str(info.value)
    plt.close("all")


@pytest.mark.parametrize(
    "method",
    [
        "scores",
        "evaluate",
        "loss",
        "margins",
        "zero_one_loss",
        "accuracy",
        "gradient",
        "hessian",
        "sharpness",
    ],
)
def test_task_methods_reject_bad_memories(method):
    f = getattr(pair(), method)
    for W, error in [
        ("W", TypeError),
        (torch.zeros(3, 3), ValueError),
        (torch.full((2, 2), math.nan), ValueError),
    ]:
        with pytest.raises(error, match="W"):
            f(W)
