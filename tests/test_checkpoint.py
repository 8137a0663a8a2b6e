import pytest
import torch
from torch import nn

import dnnbook
from dnnbook import CheckpointError, load_checkpoint, save_checkpoint


def mlp(hidden=16):
    return nn.Sequential(nn.Linear(8, hidden), nn.ReLU(), nn.Linear(hidden, 3))


def test_round_trip(tmp_path):
    torch.manual_seed(0)
    model, fresh = mlp(), mlp()
    path = save_checkpoint(model, tmp_path / "sub" / "model.pt")
    load_checkpoint(fresh, path)
    x = torch.randn(4, 8)
    torch.testing.assert_close(model(x), fresh(x), rtol=0, atol=0)


def test_batch_norm_buffers_travel_too(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    model(torch.randn(16, 4) * 3 + 1)  # updates the running statistics
    fresh = load_checkpoint(nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4)), save_checkpoint(model, tmp_path / "bn.pt"))
    assert torch.equal(fresh[1].running_mean, model[1].running_mean)


def test_map_location(tmp_path):
    path = save_checkpoint(mlp(), tmp_path / "m.pt")
    model = load_checkpoint(mlp(), path, map_location="cpu")
    assert next(model.parameters()).device.type == "cpu"


def test_different_architecture_names_the_mismatch(tmp_path):
    path = save_checkpoint(mlp(hidden=16), tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match=r"different architecture .*0.weight: checkpoint \(16, 8\), model \(32, 8\)"):
        load_checkpoint(mlp(hidden=32), path)
    deeper = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Linear(3, 3))
    with pytest.raises(CheckpointError, match=r"missing from the checkpoint: 3.weight, 3.bias"):
        load_checkpoint(deeper, path)
    with pytest.raises(CheckpointError, match=r"not in the model: 2.weight, 2.bias"):
        load_checkpoint(nn.Sequential(nn.Linear(8, 16)), path)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(mlp(), tmp_path / "nope.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(mlp(), garbage)
    whole = tmp_path / "whole.pt"
    torch.save([torch.zeros(1)], whole)
    with pytest.raises(CheckpointError, match="does not hold a state_dict"):
        load_checkpoint(mlp(), whole)


def test_exported_from_the_package():
    assert dnnbook.save_checkpoint is save_checkpoint and issubclass(CheckpointError, ValueError)
