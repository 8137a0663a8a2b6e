import random

import numpy as np
import pytest
import torch

import dnnbook


def draw():
    return random.random(), np.random.rand(), torch.rand(3)


def test_same_seed_same_numbers_everywhere():
    dnnbook.seed_everything(7)
    first = draw()
    dnnbook.seed_everything(7)
    second = draw()
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])


def test_different_seeds_differ():
    dnnbook.seed_everything(1)
    a = torch.rand(5)
    dnnbook.seed_everything(2)
    assert not torch.equal(a, torch.rand(5))


def test_returned_generator_is_seeded_and_independent_of_the_global_one():
    g1 = dnnbook.seed_everything(3)
    torch.rand(100)  # using the global generator does not move the returned one
    g2 = dnnbook.seed_everything(3)
    assert isinstance(g1, torch.Generator)
    assert torch.equal(torch.randperm(10, generator=g1), torch.randperm(10, generator=g2))


@pytest.mark.parametrize("seed, error", [(1.5, TypeError), ("0", TypeError), (True, TypeError),
                                          (-1, ValueError), (2**32, ValueError)])
def test_bad_seeds(seed, error):
    with pytest.raises(error, match="seed must be"):
        dnnbook.seed_everything(seed)
