"""Seeding: one call makes a chapter's random numbers repeatable."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python's, NumPy's and PyTorch's (every device's) random number generators.

    Returns a fresh CPU ``torch.Generator`` seeded with ``seed``: pass it explicitly to whatever
    shuffles or splits data, so that the order of batches does not depend on how many random
    numbers a model's initialisation happened to draw.

    Reseed before each model of a comparison so every model starts from the same state.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} ({seed!r})")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32) so NumPy accepts it too, got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators
    return torch.Generator().manual_seed(seed)
