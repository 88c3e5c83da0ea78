"""Trajectory statistics on hand-made runs whose answers can be read off."""

import pytest
import torch

import assocmem as am
from assocmem import trajectory as tj

# three steps of two tokens: token 0 forgets once and recovers, token 1 is learned at t
# = 2
M = torch.tensor(
    [[0.5, -1.0], [-0.2, -0.5], [0.3, 0.1], [0.4, 0.0], [0.6, 0.2]], dtype=torch.float64
)


def test_first_hit_is_reexported_and_finds_the_first_true():
    assert am.first_hit is tj.first_hit is am.dynamics.first_hit
    assert tj.first_hit(torch.tensor([[False, True, True], [False] * 3])).tolist() == [
        1,
        -1,
    ]


def test_memorized_from_needs_every_later_step():
    assert tj.memorized_from(M).item() == 4  # t = 3 has a tie (m = 0), an error
    assert tj.memorized_from(M[:3]).item() == 2
    assert tj.memorized_from(-M.abs()).item() == -1
    assert tj.memorized_from(torch.stack([M, M[[0, 1, 2, 2, 2]]])).tolist() == [4, 2]


def test_forget_events_count_only_positive_to_non_positive():
    assert tj.forget_events(M).tolist() == [1, 1]  # token 1: 0.1 -> 0.0 (a tie) counts


def test_sign_changes_count_both_directions():
    assert tj.sign_changes(M).tolist() == [2, 3]


def test_loss_increases_with_and_without_tolerance():
    loss = torch.tensor([1.0, 0.5, 0.5 + 1e-13, 0.7, 0.6], dtype=torch.float64)
    assert tj.loss_increases(loss).item() == 2
    assert tj.loss_increases(loss, tol=1e-12).item() == 1


def test_they_agree_with_a_gd_run():
    h = am.train(am.two_token_task(0.95, 0.75), torch.tensor([1.0, 10.0]), 200)
    stays = tj.memorized_from(h.margins)
    assert ((h.margins[1, stays[1] :] > 0).all()) and not (
        h.margins[1, stays[1] - 1] > 0
    ).all()
    # for a run that ends memorized, memorized_from is right after the last forget or
    # first learn
    assert (tj.forget_events(h.margins) <= tj.sign_changes(h.margins)).all()


@pytest.mark.parametrize(
    "f", [tj.first_hit, tj.memorized_from, tj.forget_events, tj.sign_changes]
)
def test_bad_inputs(f):
    with pytest.raises(TypeError):
        f("abc")
    with pytest.raises(TypeError):
        f(None)
