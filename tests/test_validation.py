"""Every bad input raises a ValueError that names the argument."""

import math

import pytest
import torch

import assocmem as am

E, U = torch.eye(3), torch.eye(2, 3)


def make(**kw):
    args = dict(E=E, U=U, p=[0.5, 0.3, 0.2], targets=[0, 1, 0])
    args.update(kw)
    return am.Task(**args)


@pytest.mark.parametrize(
    "p, match",
    [
        ([0.6, 0.5, -0.1], "p must be non-negative"),
        ([0.5, 0.3, 0.3], "p must sum to 1"),
        ([0.5, 0.5], "p must have length N = 3"),
        ([0.5, math.nan, 0.5], "p contains NaN or inf"),
        (0.5, "p must be a 1-D vector"),
    ],
)
def test_task_rejects_p_that_is_not_a_distribution(p, match):
    with pytest.raises(ValueError, match=match):
        make(p=p)


@pytest.mark.parametrize(
    "targets, match",
    [
        ([0, 2, 0], r"targets must lie in \[0, M\)"),
        ([0, -1, 0], r"targets must lie in \[0, M\)"),
        ([0, 1], "targets must have length N = 3"),
    ],
)
def test_task_rejects_bad_targets(targets, match):
    with pytest.raises(ValueError, match=match):
        make(targets=targets)


@pytest.mark.parametrize("targets", [[0.0, 1.5, 0.0], "012", None, [True, False, True]])
def test_task_rejects_targets_of_the_wrong_kind(targets):
    with pytest.raises(TypeError, match="targets must"):
        make(targets=targets)


def test_task_rejects_mismatched_embedding_dimensions():
    with pytest.raises(
        ValueError, match="E and U must share the embedding dimension d"
    ):
        make(U=torch.eye(2, 4))


@pytest.mark.parametrize("name", ["E", "U"])
def test_task_rejects_nan_and_inf_embeddings(name):
    bad = (E if name == "E" else U).clone().double()
    bad[0, 0] = math.inf
    with pytest.raises(ValueError, match=f"{name} contains NaN or inf"):
        make(**{name: bad})


def test_task_rejects_a_single_output():
    with pytest.raises(ValueError, match="U must have at least M = 2 rows"):
        make(U=torch.eye(1, 3), targets=[0, 0, 0])


def test_task_methods_reject_bad_memories():
    task = make()
    with pytest.raises(ValueError, match=r"W must have shape \(d, d\) = \(3, 3\)"):
        task.loss(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="W contains NaN or inf"):
        task.margins(torch.full((3, 3), math.nan))


@pytest.mark.parametrize(
    "lr, match",
    [
        (0.0, "lr must be > 0"),
        (-1.0, "lr must be > 0"),
        (math.inf, "lr contains NaN or inf"),
        (math.nan, "lr contains NaN or inf"),
        ([[0.1]], "lr must be a float or a 1-D tensor"),
        ([0.1, -0.2], "lr must be > 0"),
    ],
)
def test_train_rejects_bad_lr(lr, match):
    with pytest.raises(ValueError, match=match):
        am.train(make(), lr, 3)


@pytest.mark.parametrize("steps", [2.5, "3", True, None])
def test_train_rejects_steps_that_are_not_an_int(steps):
    with pytest.raises(TypeError, match="steps must be an int"):
        am.train(make(), 0.1, steps)


def test_train_rejects_negative_steps():
    with pytest.raises(ValueError, match="steps must be an int >= 0"):
        am.train(make(), 0.1, -1)


def test_zero_steps_returns_the_initial_point():
    h = am.train(make(), 0.1, 0)
    assert h.loss.shape == (1,) and torch.equal(
        h.W, torch.zeros(3, 3, dtype=torch.float64)
    )


def test_train_rejects_bad_initial_memory():
    with pytest.raises(ValueError, match="W0 must have shape"):
        am.train(make(), 0.1, 3, W0=torch.zeros(3))


def test_particles_reject_bad_arguments():
    with pytest.raises(ValueError, match="lr must be > 0"):
        am.particles.simulate(make(), 0, 3)
    with pytest.raises(ValueError, match=r"S0 must have shape \(N, M\)"):
        am.particles.simulate(make(), 0.1, 3, S0=torch.zeros(2, 2))


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(t=-1.0, p=0.5, M=2), "t must be >= 0"),
        (dict(t=1.0, p=1.5, M=2), r"p must lie in \[0, 1\]"),
        (dict(t=1.0, p=0.5, M=1), "M must be an int >= 2"),
        (dict(t=math.nan, p=0.5, M=2), "t contains NaN or inf"),
    ],
)
def test_orthogonal_margin_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        am.theory.orthogonal_margin(**kw)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: am.zipf(0), ValueError, "N must be an int >= 1"),
        (lambda: am.zipf(3, -1.0), ValueError, "exponent must be >= 0"),
        (lambda: am.zipf(3, math.nan), ValueError, "exponent must be finite"),
        (
            lambda: am.random_embeddings(3, 0, seed=0),
            ValueError,
            "d must be an int >= 1",
        ),
        (
            lambda: am.random_embeddings(3, 2, seed=1.5),
            TypeError,
            "seed must be an int",
        ),
        (
            lambda: am.random_embeddings(3, 2, seed=-1),
            ValueError,
            "seed must be an int >= 0",
        ),
        (lambda: am.correlated_pair(1.5), ValueError, r"alpha must lie in \[-1, 1\]"),
    ],
)
def test_data_helpers_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_sweep_and_train_give_the_same_error_for_the_same_bad_input():
    task = make()
    for lr, W0 in [([], None), (-1.0, None), ([1.0, 2.0], torch.zeros(3, 3, 3))]:
        errors = []
        for call in (
            lambda lr=lr, W0=W0: am.train(task, lr, 2, W0=W0),
            lambda lr=lr, W0=W0: am.sweep(
                task.E, task.U, task.p, task.targets, lr, 2, W0=W0
            ),
        ):
            with pytest.raises(ValueError) as info:
                call()
            errors.append(str(info.value))
        assert errors[0] == errors[1], errors


def test_train_and_train_sgd_reject_objects_that_are_not_tasks():
    with pytest.raises(TypeError, match="task must be an assocmem.Task"):
        am.train(None, 0.1, 3)
    with pytest.raises(TypeError, match="seed must be an int"):
        am.train_sgd(make(), 0.1, 3, batch_size=2, seed="0")


def test_sweep_rejects_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="do not broadcast"):
        am.sweep(
            torch.eye(2).expand(3, 2, 2),
            torch.eye(2),
            torch.full((4, 2), 0.5),
            [0, 1],
            1.0,
            2,
        )
