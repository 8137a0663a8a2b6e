"""Saving a model's parameters and loading them back, with errors that say what does not fit."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or saved from a different architecture."""


def save_checkpoint(model: nn.Module, path: str | Path) -> Path:
    """Save ``model.state_dict()`` (parameters and buffers, not the code) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


def _describe_mismatch(model: nn.Module, state: dict) -> list[str]:
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f"{k}: checkpoint {tuple(state[k].shape)}, model {tuple(expected[k].shape)}"
              for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = []
    for title, items in (("missing from the checkpoint", missing),
                         ("not in the model", unexpected), ("different shapes", shapes)):
        if items:
            more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
            problems.append(f"{title}: {', '.join(items[:5])}{more}")
    return problems


def load_checkpoint(model: nn.Module, path: str | Path,
                    map_location: torch.device | str | None = None) -> nn.Module:
    """Load parameters saved by :func:`save_checkpoint` into ``model`` and return it.

    Loads with ``weights_only=True`` (tensors only, no arbitrary code). ``map_location`` moves
    the tensors, e.g. a checkpoint saved on a GPU loaded on a CPU-only machine; by default they
    go to the device of the model's parameters.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}")
    if map_location is None:
        parameter = next(model.parameters(), None)
        map_location = parameter.device if parameter is not None else "cpu"
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # unpickling errors come in many types
        raise CheckpointError(f"{path} is not a readable checkpoint: {err}") from err
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path} does not hold a state_dict (a dict of tensors)")
    problems = _describe_mismatch(model, state)
    if problems:
        raise CheckpointError(f"{path} was saved from a different architecture than this "
                              f"{type(model).__name__}: " + "; ".join(problems))
    model.load_state_dict(state)
    return model
