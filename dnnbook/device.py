"""Choosing the device a chapter runs on.

One rule for the whole book: an explicit request wins (an argument, then the ``DNNBOOK_DEVICE``
environment variable), otherwise the machine's accelerator (CUDA, Apple MPS, ...), otherwise the CPU.
A request that cannot be honoured is an error, never a silent fallback to another device.
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "DNNBOOK_DEVICE"

# Device types a chapter can train on. ``torch.device`` accepts more ("meta", "ipu", ...), but a
# reader who types one of those into DNNBOOK_DEVICE has made a mistake we should name.
_KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu")


def _accelerator() -> torch.device | None:
    """The machine's accelerator, or None when there is only the CPU."""
    accelerator = getattr(torch, "accelerator", None)  # torch >= 2.6; Colab may lag behind
    if accelerator is not None:
        return accelerator.current_accelerator() if accelerator.is_available() else None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return None


def available_devices() -> list[str]:
    """Names of the devices this PyTorch can use here, e.g. ``['cpu', 'cuda:0']``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        names += [f"xpu:{i}" for i in range(xpu.device_count())]
    return names


def _is_available(device: torch.device) -> bool:
    if device.type == "cpu":
        return True
    if device.type == "cuda":
        return torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    if device.type == "mps":
        return torch.backends.mps.is_available()
    xpu = getattr(torch, "xpu", None)
    return xpu is not None and xpu.is_available() and (device.index or 0) < xpu.device_count()


def get_device(name: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    Order: ``name`` if given, else ``$DNNBOOK_DEVICE`` if set, else the accelerator
    (CUDA, then Apple MPS) if one is available, else the CPU.

    Raises:
        ValueError: the requested name is not a device type the book knows.
        RuntimeError: the requested device is not available on this machine.
    """
    source = "get_device()"
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or None
        source = f"${ENV_VAR}"
    if name is None:
        return _accelerator() or torch.device("cpu")

    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{source} asks for device {name!r}, which PyTorch does not understand. "
            f"Use one of {', '.join(_KNOWN_TYPES)} (optionally with an index, e.g. 'cuda:0'), "
            f"or leave it unset to pick automatically."
        ) from err
    if device.type not in _KNOWN_TYPES:
        raise ValueError(
            f"{source} asks for device {name!r}; the book runs on {', '.join(_KNOWN_TYPES)}. "
            f"Leave it unset to pick automatically."
        )
    if not _is_available(device):
        raise RuntimeError(
            f"{source} asks for device {name!r}, but it is not available here "
            f"(torch {torch.__version__}; available: {', '.join(available_devices())}). "
            f"Pick one of those, or unset {ENV_VAR} to pick automatically."
        )
    return device
