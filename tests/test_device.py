import pytest
import torch

import dnnbook
from dnnbook import device as device_module

HAS_CUDA = torch.cuda.is_available()


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv("DNNBOOK_DEVICE", raising=False)


def test_automatic_choice_is_the_accelerator_or_the_cpu():
    expected = "cuda" if HAS_CUDA else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert dnnbook.get_device().type == expected


def test_automatic_choice_without_torch_accelerator(monkeypatch):
    # Colab's or an older torch may lack torch.accelerator; the fallback must give the same answer.
    expected = dnnbook.get_device()
    monkeypatch.delattr(torch, "accelerator", raising=False)
    assert dnnbook.get_device().type == expected.type


def test_environment_variable_overrides(monkeypatch):
    monkeypatch.setenv("DNNBOOK_DEVICE", "cpu")
    assert dnnbook.get_device() == torch.device("cpu")


def test_blank_environment_variable_means_automatic(monkeypatch):
    monkeypatch.setenv("DNNBOOK_DEVICE", "  ")
    assert dnnbook.get_device() == dnnbook.get_device(None)


def test_argument_beats_environment_variable(monkeypatch):
    monkeypatch.setenv("DNNBOOK_DEVICE", "no-such-device")
    assert dnnbook.get_device("cpu") == torch.device("cpu")
    assert dnnbook.get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cpu cpu"])
def test_unknown_name_is_a_clear_error(monkeypatch, name):
    monkeypatch.setenv("DNNBOOK_DEVICE", name)
    with pytest.raises(ValueError, match=r"\$DNNBOOK_DEVICE asks for device .*does not understand"):
        dnnbook.get_device()


def test_device_type_the_book_does_not_train_on(monkeypatch):
    monkeypatch.setenv("DNNBOOK_DEVICE", "meta")
    with pytest.raises(ValueError, match="the book runs on cpu, cuda, mps, xpu"):
        dnnbook.get_device()


@pytest.mark.skipif(HAS_CUDA, reason="needs a machine without CUDA")
def test_unavailable_cuda_is_an_error_not_a_fallback(monkeypatch):
    monkeypatch.setenv("DNNBOOK_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match=r"'cuda', but it is not available here .*available: cpu"):
        dnnbook.get_device()


def test_cuda_index_beyond_the_devices_present():
    index = torch.cuda.device_count() if HAS_CUDA else 3
    with pytest.raises(RuntimeError, match=f"cuda:{index}"):
        dnnbook.get_device(f"cuda:{index}")


def test_unavailable_mps_is_an_error(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="unset DNNBOOK_DEVICE"):
        dnnbook.get_device("mps")


def test_available_devices_lists_the_cpu_first():
    names = dnnbook.available_devices()
    assert names[0] == "cpu"
    assert ("cuda:0" in names) == HAS_CUDA
    for name in names:  # every listed device can be asked for
        assert device_module.get_device(name) == torch.device(name)
