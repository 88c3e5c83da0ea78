"""Two-token closed forms against the Task machinery, which computes them another
way.
"""

import math

import torch

import assocmem as am
from assocmem import theory

F64 = torch.float64


def test_sharpness_at_zero_matches_the_hessian_eigenvalue():
    alphas = torch.linspace(-0.99, 0.99, 9, dtype=F64)
    p1s = torch.linspace(0.05, 0.95, 7, dtype=F64)
    closed = theory.sharpness_at_zero(alphas, p1s[:, None])  # (7, 9)
    ref = torch.tensor(
        [
            [
                am.two_token_task(a, q).sharpness(torch.zeros(2, 2)).item()
                for a in alphas.tolist()
            ]
            for q in p1s.tolist()
        ],
        dtype=F64,
    )
    assert torch.allclose(closed, ref, rtol=0, atol=1e-14)
    # the Fig. 2 setting (alpha = 0.95, p1 = 0.75): lambda_max = 0.4907, 2 / lambda_max
    # = 4.08
    assert abs(theory.sharpness_at_zero(0.95, 0.75).item() - 0.4907) < 1e-4


def test_first_step_loss_is_the_loss_after_one_gd_step():
    task = am.two_token_task(0.9, 0.7)
    lrs = torch.tensor([0.5, 3.0, 10.0, 40.0], dtype=F64)
    h = am.train(task, lrs, 1)
    assert torch.allclose(
        theory.first_step_loss(lrs, 0.9, 0.7), h.loss[:, 1], atol=1e-14
    )


def test_spike_onset_is_where_one_step_crosses_log_2():
    for alpha, p1 in [(0.95, 0.75), (0.9, 0.8), (0.5, 0.75), (0.99, 0.6), (0.6, 0.9)]:
        eta = theory.spike_onset(alpha, p1).item()
        task = am.two_token_task(alpha, p1)
        L1 = am.train(
            task, torch.tensor([eta * (1 - 1e-6), eta * (1 + 1e-6)], dtype=F64), 1
        ).loss
        assert L1[0, 1] < math.log(2) < L1[1, 1], (alpha, p1)


def test_spike_onset_of_the_chapter_setting_and_where_there_is_none():
    # alpha = 0.95, p1 = 0.75: a 0.01 grid of GD runs sees the first loss increase at
    # 5.44
    assert abs(theory.spike_onset(0.95, 0.75).item() - 5.4392) < 1e-4
    # p2 >= alpha p1 and p1 >= alpha p2: the first step lowers both losses for every
    # step size
    assert theory.spike_onset(0.2, 0.5).item() == math.inf
    h = am.train(am.two_token_task(0.2, 0.5), torch.logspace(-1, 4, 30, dtype=F64), 1)
    assert (h.loss[:, 1] < math.log(2)).all()
    both = theory.spike_onset(torch.tensor([0.5, 0.95], dtype=F64), 0.75)
    assert both.shape == (2,) and abs(both[0].item() - 21.66) < 0.01
