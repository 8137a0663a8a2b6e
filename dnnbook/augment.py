"""Data augmentation of whole batches of images, each image with its own random draw.

``torchvision.transforms.v2`` applied to a batch ``(N, C, H, W)`` draws one set of random
parameters for the whole batch; applied image by image it costs a Python call per image. These
functions draw per image and work on the whole batch in a few tensor operations. The regularization
chapter derives them; later chapters use them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
import torch.nn.functional as F

Augment = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]


def _check_images(x: torch.Tensor, name: str) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} takes a batch of images (N, C, H, W); got {shape}. "
                         "For one image use x.unsqueeze(0).")


def random_shift(x: torch.Tensor, padding: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each image by up to ``padding`` pixels in each direction, filling with zeros.

    The same as ``v2.RandomCrop(W, padding=padding)`` drawn separately for every image: pad the batch
    once, draw an offset (top, left) per image, gather each image's window with one indexing operation.

    Args:
        x: images (N, C, H, W).
        padding: the largest shift in pixels, >= 0.
        generator: where the offsets are drawn from (on the CPU), so runs can be repeated.
    Returns:
        (N, C, H, W), on the device of ``x``.
    """
    _check_images(x, "random_shift")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be an int >= 0 (pixels), got {padding!r}")
    n, c, h, w = x.shape
    padded = F.pad(x, (padding,) * 4)                                             # (N, C, H+2p, W+2p)
    top = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)   # (N,)
    left = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    rows = (top[:, None] + torch.arange(h, device=x.device))[:, None, :, None]    # (N, 1, H, 1)
    cols = (left[:, None] + torch.arange(w, device=x.device))[:, None, None, :]   # (N, 1, 1, W)
    batch = torch.arange(n, device=x.device)[:, None, None, None]                 # (N, 1, 1, 1)
    channel = torch.arange(c, device=x.device)[None, :, None, None]               # (1, C, 1, 1)
    return padded[batch, channel, rows, cols]                                     # (N, C, H, W)


def random_flip(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left-right with probability 1/2 (a fresh draw per image).

    Args:
        x: images (N, C, H, W).
        generator: where the draws come from (on the CPU).
    """
    _check_images(x, "random_flip")
    flip = (torch.rand(len(x), generator=generator) < 0.5).to(x.device)          # (N,)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


class Augmented:
    """The batches of ``loader`` with their inputs passed through ``augment(inputs, generator)``.

    One generator for the whole run, so a seeded run draws the same augmentations again. The
    targets (and any further tensors of a batch) pass unchanged. Re-iterable like ``loader``.

    >>> import dnnbook
    >>> loader = dnnbook.TensorLoader(torch.zeros(4, 1, 2, 2), torch.arange(4), batch_size=2)
    >>> batches = Augmented(loader, lambda x, g: x + 1, torch.Generator().manual_seed(0))
    >>> [x.sum().item() for x, _ in batches]
    [8.0, 8.0]
    """

    def __init__(self, loader: Iterable[tuple[torch.Tensor, ...]], augment: Augment,
                 generator: torch.Generator | None = None) -> None:
        if not callable(augment):
            raise TypeError(f"augment must be a function augment(inputs, generator); got {type(augment).__name__}")
        self.loader, self.augment, self.generator = loader, augment, generator

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        for x, *rest in self.loader:
            yield (self.augment(x, self.generator), *rest)
