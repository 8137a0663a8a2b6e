"""Mini-batches from tensors that are already in memory.

``torch.utils.data.DataLoader`` over a ``Dataset`` fetches one example at a time and collates them
into a batch: tens of thousands of Python calls per epoch. When the whole data set fits in memory
(Fashion-MNIST is 47 MB as bytes), one indexing operation per batch does the same job.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


class TensorLoader:
    """Iterate over aligned tensors in mini-batches, optionally shuffled.

    >>> x, y = torch.arange(10.).reshape(5, 2), torch.arange(5)
    >>> [yb.tolist() for _, yb in TensorLoader(x, y, batch_size=2)]
    [[0, 1], [2, 3], [4]]

    Args:
        *tensors: tensors with the same first dimension (N, ...), e.g. images and labels.
        batch_size: examples per batch.
        shuffle: draw a new random order every epoch (from ``generator`` if given).
        generator: a ``torch.Generator`` for the shuffling, so the order is repeatable.
        drop_last: skip the final, smaller batch.
        device: move the tensors there once, up front, instead of every batch.
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool = False,
                 generator: torch.Generator | None = None, drop_last: bool = False,
                 device: torch.device | str | None = None) -> None:
        if not tensors:
            raise ValueError("TensorLoader needs at least one tensor")
        if any(not isinstance(t, torch.Tensor) for t in tensors):
            raise TypeError("TensorLoader takes tensors; got "
                            + ", ".join(type(t).__name__ for t in tensors))
        lengths = {len(t) for t in tensors}
        if len(lengths) != 1:
            raise ValueError("TensorLoader's tensors must have the same first dimension; got shapes "
                             + ", ".join(str(tuple(t.shape)) for t in tensors))
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.tensors = tuple(t.to(device) for t in tensors) if device is not None else tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last

    @property
    def num_examples(self) -> int:
        return len(self.tensors[0])

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_examples // self.batch_size
        return -(-self.num_examples // self.batch_size)  # ceiling division

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n, size = self.num_examples, self.batch_size
        stop = n - n % size if self.drop_last else n
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.tensors[0].device)
            for start in range(0, stop, size):
                index = order[start:start + size]
                yield tuple(t[index] for t in self.tensors)
        else:
            for start in range(0, stop, size):
                yield tuple(t[start:start + size] for t in self.tensors)  # views, no copy
