"""Plotting helpers with one style for the whole book. Each returns its figure; end the cell
with ``plt.show()``."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

BOOK_STYLE = {
    "figure.figsize": (6.0, 3.5),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "gray",
    "legend.frameon": False,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (small figures, light grid, no top/right spines)."""
    plt.rcParams.update(BOOK_STYLE)


def _as_image(image: torch.Tensor):
    """(H, W), (1, H, W) or (3, H, W) -> an array imshow takes: (H, W) or (H, W, 3)."""
    image = image.detach().cpu()
    if image.ndim == 3 and image.shape[0] in (1, 3):
        image = image[0] if image.shape[0] == 1 else image.permute(1, 2, 0)
    elif image.ndim != 2:
        raise ValueError(f"cannot show an image of shape {tuple(image.shape)}; "
                         "expected (H, W), (1, H, W) or (3, H, W)")
    return image.numpy()


def show_images(images: torch.Tensor | Sequence[torch.Tensor], labels: Sequence[int] | torch.Tensor | None = None,
                *, classes: Sequence[str] | None = None, predictions: Sequence[int] | torch.Tensor | None = None,
                ncols: int = 8, size: float = 1.2) -> plt.Figure:
    """A grid of images, titled with their labels (and predictions, red where they are wrong)."""
    n = len(images)
    if n == 0:
        raise ValueError("show_images() needs at least one image")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != n:
            raise ValueError(f"{n} images but {len(values)} {name}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * (labels is not None)),
                             squeeze=False)
    name = (lambda i: classes[int(i)]) if classes is not None else (lambda i: str(int(i)))
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(_as_image(images[k]))
        if labels is not None:
            title, colour = name(labels[k]), "black"
            if predictions is not None:
                title = f"{name(predictions[k])}\n(true: {title})"
                colour = "black" if int(predictions[k]) == int(labels[k]) else "tab:red"
            ax.set_title(title, fontsize=8, color=colour)
    fig.tight_layout()
    return fig


def plot_history(history, *, title: str | None = None) -> plt.Figure:
    """Loss (and accuracy, if recorded) per epoch, training and validation side by side."""
    panels = [("loss", history.train_loss, history.val_loss)]
    if history.train_accuracy:
        panels.append(("accuracy", history.train_accuracy, history.val_accuracy))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.8), squeeze=False)
    epochs = range(1, history.epochs + 1)
    for ax, (name, train, val) in zip(axes.flat, panels):
        ax.plot(epochs, train, marker="o", label="train")
        if val:
            ax.plot(epochs, val, marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix: torch.Tensor, classes: Sequence[str], *,
                          normalize: bool = True) -> plt.Figure:
    """A confusion matrix as a heat map: rows are true classes, columns predicted ones.

    With ``normalize`` each row is divided by its total, so the diagonal is per-class recall.
    """
    matrix = torch.as_tensor(matrix, dtype=torch.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(classes):
        raise ValueError(f"expected a ({len(classes)}, {len(classes)}) matrix for {len(classes)} "
                         f"classes, got shape {tuple(matrix.shape)}")
    if normalize:
        matrix = matrix / matrix.sum(dim=1, keepdim=True).clamp(min=1)
    n = len(classes)
    fig, ax = plt.subplots(figsize=(0.45 * n + 2, 0.45 * n + 1.5))
    image = ax.imshow(matrix.numpy(), cmap="Blues")
    ax.grid(False)
    ax.set_xticks(range(n), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            value = matrix[i, j].item()
            text = f"{value:.2f}".lstrip("0") if normalize else f"{value:.0f}"
            if value > 0:
                ax.text(j, i, text, ha="center", va="center", fontsize=6,
                        color="white" if value > matrix.max().item() / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
