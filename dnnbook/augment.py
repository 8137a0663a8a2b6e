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
AugmentWithTargets = Callable[[torch.Tensor, torch.Tensor, torch.Generator | None], torch.Tensor]


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


def random_flip(x: torch.Tensor, generator: torch.Generator | None = None, *,
                where: torch.Tensor | None = None) -> torch.Tensor:
    """Mirror each image left-right with probability 1/2 (a fresh draw per image).

    Args:
        x: images (N, C, H, W).
        generator: where the draws come from (on the CPU).
        where: optional (N,) bool tensor, True for the images that may be flipped (for instance
            ``torch.isin(labels, classes)``, the classes that look the same mirrored); the others
            are never changed. A draw is made for every image either way, so ``where`` all True
            gives exactly the flips of ``random_flip(x, generator)``.
    Returns:
        (N, C, H, W), on the device of ``x``.
    """
    _check_images(x, "random_flip")
    flip = (torch.rand(len(x), generator=generator) < 0.5).to(x.device)          # (N,)
    if where is not None:
        flip &= _check_where(where, len(x)).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def _check_where(where: torch.Tensor, n: int) -> torch.Tensor:
    if not isinstance(where, torch.Tensor) or where.dtype != torch.bool:
        what = f"a {where.dtype} tensor" if isinstance(where, torch.Tensor) else type(where).__name__
        raise TypeError(f"where must be a bool tensor, one entry per image; got {what}. "
                        "Build it with a comparison, e.g. torch.isin(labels, torch.tensor(classes)).")
    if where.shape != (n,):
        raise ValueError(f"where must have shape ({n},), one entry per image of the batch; got "
                         f"{tuple(where.shape)}")
    return where


class Augmented:
    """The batches of ``loader`` with their inputs passed through ``augment(inputs, generator)``.

    One generator for the whole run, so a seeded run draws the same augmentations again. The
    targets (and any further tensors of a batch) pass unchanged. Re-iterable like ``loader``.
    With ``with_targets=True`` the augmentation is called as ``augment(inputs, targets,
    generator)``, so that it can depend on the labels (flip only some classes, say); it still
    returns only the new inputs.

    >>> import dnnbook
    >>> loader = dnnbook.TensorLoader(torch.zeros(4, 1, 2, 2), torch.arange(4), batch_size=2)
    >>> batches = Augmented(loader, lambda x, g: x + 1, torch.Generator().manual_seed(0))
    >>> [x.sum().item() for x, _ in batches]
    [8.0, 8.0]
    >>> by_label = Augmented(loader, lambda x, y, g: x + y[:, None, None, None], with_targets=True)
    >>> [x.sum().item() for x, _ in by_label]
    [4.0, 20.0]
    """

    def __init__(self, loader: Iterable[tuple[torch.Tensor, ...]], augment: Augment | AugmentWithTargets,
                 generator: torch.Generator | None = None, *, with_targets: bool = False) -> None:
        if not callable(augment):
            signature = "augment(inputs, targets, generator)" if with_targets else "augment(inputs, generator)"
            raise TypeError(f"augment must be a function {signature}; got {type(augment).__name__}")
        if not isinstance(with_targets, bool):
            raise TypeError(f"with_targets is True or False, got {with_targets!r}")
        self.loader, self.augment, self.generator = loader, augment, generator
        self.with_targets = with_targets

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        for x, *rest in self.loader:
            if not self.with_targets:
                yield (self.augment(x, self.generator), *rest)  # type: ignore[call-arg]
                continue
            if not rest:
                raise ValueError("with_targets=True needs batches (inputs, targets, ...), but a batch "
                                 "held the inputs alone; pass with_targets=False")
            yield (self.augment(x, rest[0], self.generator), *rest)  # type: ignore[call-arg]
