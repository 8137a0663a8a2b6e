"""The training loop: written out by hand in the MLP chapter, then used from here by every later chapter.

Each step is the literal ``zero_grad -> forward -> loss -> backward -> step``; ``fit`` returns the
numbers it saw (a :class:`History`) so that a chapter can assert on them, not only plot them.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch figures from :func:`fit`. Accuracy lists stay empty when the task has none."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)  # learning rate at the end of each epoch
    epoch_seconds: list[float] = field(default_factory=list)  # training only, evaluation excluded

    @property
    def train_seconds(self) -> float:
        return sum(self.epoch_seconds)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def _is_classification(outputs: torch.Tensor, targets: torch.Tensor) -> bool:
    """Class scores (N, C) against integer labels (N,): the case accuracy is defined for."""
    return outputs.ndim == 2 and targets.ndim == 1 and not targets.is_floating_point()


# How PyTorch's shape errors read: "mat1 and mat2 shapes cannot be multiplied", "Expected 3D (unbatched)
# or 4D (batched) input", "size mismatch", "must match the size of tensor b", ...
_SHAPE_ERROR = re.compile(r"shape|size|dimension|\dD|mat1|expected input", re.IGNORECASE)


def _checked_forward(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Run the model once, turning a shape mismatch into a message that names the shapes."""
    if len(inputs) != len(targets):
        raise ValueError(f"a batch has {len(inputs)} inputs but {len(targets)} targets "
                         f"(shapes {tuple(inputs.shape)} and {tuple(targets.shape)})")
    try:
        outputs = model(inputs)
    except RuntimeError as err:
        if not _SHAPE_ERROR.search(str(err)):
            raise  # not about shapes (out of memory, say): PyTorch's own message is the right one
        raise ValueError(f"the model cannot take a batch of inputs of shape {tuple(inputs.shape)} "
                         f"({inputs.dtype}, on {inputs.device}): {err}") from err
    if not targets.is_floating_point() and targets.ndim == 1:  # integer class labels
        if outputs.ndim != 2 or len(outputs) != len(targets):
            raise ValueError(f"for labels of shape {tuple(targets.shape)} the model must output "
                             f"class scores of shape ({len(targets)}, num_classes), "
                             f"but it output {tuple(outputs.shape)}")
        low, high = (int(v) for v in torch.aminmax(targets))
        if low < 0 or high >= outputs.shape[1]:
            raise ValueError(f"labels must lie in [0, {outputs.shape[1]}) for a model with "
                             f"{outputs.shape[1]} outputs, but a batch has labels from {low} to {high}")
    return outputs


def _model_device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def evaluate(model: nn.Module, data: Batches, *, loss_fn: LossFn = F.cross_entropy,
             device: torch.device | str | None = None) -> dict[str, float]:
    """Mean loss (and accuracy, for classification) of ``model`` over ``data``, in eval mode.

    Returns ``{"loss": ..., "accuracy": ...}``; "accuracy" only when the outputs are class scores.
    """
    device = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    total_loss, correct, seen, classification = 0.0, 0, 0, False
    try:
        with torch.no_grad():
            for inputs, targets in data:
                inputs, targets = inputs.to(device), targets.to(device)
                outputs = _checked_forward(model, inputs, targets)
                total_loss += loss_fn(outputs, targets).item() * len(targets)
                classification = _is_classification(outputs, targets)
                if classification:
                    correct += (outputs.argmax(dim=1) == targets).sum().item()
                seen += len(targets)
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate() was given no batches")
    result = {"loss": total_loss / seen}
    if classification:
        result["accuracy"] = correct / seen
    return result


def fit(model: nn.Module, train_data: Batches, *, optimizer: torch.optim.Optimizer, epochs: int,
        loss_fn: LossFn = F.cross_entropy, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        scheduler_step: str = "batch", val_data: Batches | None = None,
        device: torch.device | str | None = None, clip_grad_norm: float | None = None,
        progress: bool = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_data`` and return its :class:`History`.

    Args:
        train_data: re-iterable batches ``(inputs, targets)``, e.g. a :class:`TensorLoader`.
        scheduler: stepped after every batch (``scheduler_step="batch"``, as ``OneCycleLR`` wants)
            or after every epoch (``"epoch"``).
        val_data: evaluated after each epoch with :func:`evaluate`.
        device: where batches are moved; defaults to the device of the model's parameters.
        clip_grad_norm: if set, rescale gradients whose global norm exceeds it.
        progress: show a progress bar over the epochs (a widget in Jupyter, text in a terminal).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if scheduler_step not in ("batch", "epoch"):
        raise ValueError(f"scheduler_step must be 'batch' or 'epoch', got {scheduler_step!r}")
    device = torch.device(device) if device is not None else _model_device(model)
    history = History()
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for epoch in bar:
        model.train()
        start = time.perf_counter()
        # Running sums stay tensors on the device: calling .item() every batch would force the
        # CPU to wait for the GPU at every step.
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen, classification = 0, False
        for inputs, targets in train_data:
            inputs = inputs.to(device, non_blocking=True)
            targets = targets.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            if epoch == 0:  # the data does not change between epochs: check it once
                outputs = _checked_forward(model, inputs, targets)
            else:
                outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            loss.backward()
            if clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            if scheduler is not None and scheduler_step == "batch":
                scheduler.step()
            total_loss += loss.detach() * len(targets)
            classification = _is_classification(outputs, targets)
            if classification:
                correct += (outputs.argmax(dim=1) == targets).sum()
            seen += len(targets)
        if seen == 0:
            raise ValueError("fit() was given training data with no batches")
        if scheduler is not None and scheduler_step == "epoch":
            scheduler.step()
        history.train_loss.append(total_loss.item() / seen)  # .item() waits for the device
        history.epoch_seconds.append(time.perf_counter() - start)
        if not math.isfinite(history.train_loss[-1]):
            raise FloatingPointError(f"the training loss became {history.train_loss[-1]} in epoch "
                                     f"{epoch + 1}; try a smaller learning rate")
        if classification:
            history.train_accuracy.append(correct.item() / seen)
        history.lr.append(optimizer.param_groups[0]["lr"])
        postfix = {"loss": f"{history.train_loss[-1]:.4f}"}
        if val_data is not None:
            metrics = evaluate(model, val_data, loss_fn=loss_fn, device=device)
            history.val_loss.append(metrics["loss"])
            postfix["val_loss"] = f"{metrics['loss']:.4f}"
            if "accuracy" in metrics:
                history.val_accuracy.append(metrics["accuracy"])
                postfix["val_acc"] = f"{metrics['accuracy']:.4f}"
        bar.set_postfix(postfix)
    bar.close()
    return history
