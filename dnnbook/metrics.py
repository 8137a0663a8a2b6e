"""Predictions and the figures computed from them."""

from __future__ import annotations

import torch
from torch import nn


def predict(model: nn.Module, inputs: torch.Tensor, *, batch_size: int = 1024,
            device: torch.device | str | None = None) -> torch.Tensor:
    """The model's outputs for every row of ``inputs`` (N, ...), in eval mode, returned on the CPU.

    Batched, so the activations of the whole set never need to fit in memory at once.
    """
    if device is None:
        parameter = next(model.parameters(), None)
        device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            outputs = [model(inputs[i:i + batch_size].to(device)).cpu()
                       for i in range(0, len(inputs), batch_size)]
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict() was given no inputs")
    return torch.cat(outputs)


def confusion_matrix(targets: torch.Tensor, predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(C, C) counts: entry [i, j] is how many examples of class i were predicted as class j."""
    if targets.shape != predictions.shape or targets.ndim != 1:
        raise ValueError(f"targets and predictions must be 1-D of the same length, got shapes "
                         f"{tuple(targets.shape)} and {tuple(predictions.shape)}")
    for name, values in (("targets", targets), ("predictions", predictions)):
        if len(values) and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), got {int(values.min())} "
                             f"to {int(values.max())}")
    flat = targets.long() * num_classes + predictions.long()  # pair (i, j) -> one index
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)
