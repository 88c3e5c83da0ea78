import pytest
import torch

import assocmem as am

torch.set_num_threads(1)


@pytest.fixture
def random_task():
    """A small generic task: correlated random embeddings, non-uniform p, M = 3 outputs."""
    E = am.random_embeddings(5, 4, seed=1)
    U = am.random_embeddings(3, 4, seed=2)
    return am.Task(E=E, U=U, p=am.zipf(5, 1.0), targets=[0, 1, 2, 0, 1])


@pytest.fixture
def spike_task():
    """notes/paper.md §5 item 6: alpha = 0.95, p1 = 0.75, U = I, f* = id."""
    return am.Task(E=am.correlated_pair(0.95), U=torch.eye(2), p=[0.75, 0.25], targets=[0, 1])
