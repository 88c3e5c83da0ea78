import pytest
import torch

import assocmem as am

torch.set_num_threads(1)


@pytest.fixture
def random_task():
    """A small generic task: correlated random embeddings, non-uniform p, M = 3
    outputs.
    """
    E = am.random_embeddings(5, 4, seed=1)
    U = am.random_embeddings(3, 4, seed=2)
    return am.Task(E=E, U=U, p=am.zipf(5, 1.0), targets=[0, 1, 2, 0, 1])


@pytest.fixture
def spike_task():
    """The two-token task of the paper's Figs. 1-2: alpha = 0.95, p1 = 0.75, U = I,
    f*(x) = x.
    """
    return am.two_token_task(0.95, 0.75)
