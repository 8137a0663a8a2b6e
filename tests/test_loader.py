import pytest
import torch

from dnnbook import TensorLoader


def data(n=10):
    return torch.arange(n * 2.0).reshape(n, 2), torch.arange(n)


def test_sequential_batches_cover_everything_in_order():
    x, y = data(10)
    loader = TensorLoader(x, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([yb for _, yb in batches]), y)
    assert torch.equal(batches[0][0], x[:4])


def test_shuffled_batches_are_a_permutation_that_changes_each_epoch():
    x, y = data(100)
    loader = TensorLoader(x, y, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
    first = torch.cat([yb for _, yb in loader])
    second = torch.cat([yb for _, yb in loader])
    assert sorted(first.tolist()) == list(range(100))
    assert not torch.equal(first, second)
    for xb, yb in loader:  # inputs and targets stay aligned
        assert torch.equal(xb[:, 0], 2.0 * yb)


def test_same_generator_seed_same_order():
    x, y = data(50)

    def order(seed):
        loader = TensorLoader(x, y, batch_size=7, shuffle=True, generator=torch.Generator().manual_seed(seed))
        return torch.cat([yb for _, yb in loader])

    assert torch.equal(order(3), order(3))
    assert not torch.equal(order(3), order(4))


def test_drop_last():
    x, y = data(10)
    loader = TensorLoader(x, y, batch_size=4, drop_last=True, shuffle=True)
    assert len(loader) == 2
    assert [len(yb) for _, yb in loader] == [4, 4]


def test_device_moves_the_data_once():
    x, y = data(4)
    loader = TensorLoader(x, y, batch_size=2, device="cpu")
    assert all(t.device.type == "cpu" for t in loader.tensors)
    assert loader.num_examples == 4


def test_mismatched_lengths_name_the_shapes():
    with pytest.raises(ValueError, match=r"same first dimension; got shapes \(10, 2\), \(9,\)"):
        TensorLoader(torch.zeros(10, 2), torch.zeros(9), batch_size=2)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, None])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        TensorLoader(torch.zeros(4), batch_size=batch_size)


def test_needs_tensors():
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorLoader(batch_size=2)
    with pytest.raises(TypeError, match="takes tensors; got list"):
        TensorLoader([1, 2, 3], batch_size=2)
