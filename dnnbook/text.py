"""A character-level text corpus that every Python ships: the help texts of ``pydoc_data``.

``pydoc_data.topics.topics`` maps the topics of Python's interactive ``help()`` to their text:
real English technical prose, present offline in every Python installation (Colab too). Its size
and vocabulary change with the Python version (about 465,000 characters and 103 distinct
characters for Python 3.11), so figures computed from it are those of the Python that ran them.
The split is deterministic: the first 90 % of each topic's text is for training and
the last 10 % for validation, so both halves cover every topic.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass(frozen=True, repr=False)
class CharCorpus:
    """A text encoded as integer character ids: ``train`` and ``val`` are (N,) int64 tensors."""

    train: torch.Tensor
    val: torch.Tensor
    vocab: tuple[str, ...]  # vocab[i] is the character with id i, in sorted order

    def __repr__(self) -> str:
        return (f"CharCorpus(train={len(self.train):,} chars, val={len(self.val):,} chars, "
                f"vocab={len(self.vocab)})")

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> torch.Tensor:
        """String -> (len(text),) int64 ids. Characters outside the vocabulary are an error."""
        index = {ch: i for i, ch in enumerate(self.vocab)}
        unknown = sorted(set(text) - index.keys())
        if unknown:
            raise ValueError(f"characters not in the corpus vocabulary: {unknown!r}")
        return torch.tensor([index[ch] for ch in text], dtype=torch.long)

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        """Ids (any shape that flattens to one sequence) -> string."""
        values = ids.flatten().tolist() if isinstance(ids, torch.Tensor) else list(ids)
        bad = [i for i in values if not 0 <= i < len(self.vocab)]
        if bad:
            raise ValueError(f"ids outside [0, {len(self.vocab)}): {bad[:5]}")
        return "".join(self.vocab[i] for i in values)


def load_text_corpus(val_fraction: float = 0.1) -> CharCorpus:
    """The ``pydoc_data`` help texts as a character corpus, split into train and validation."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    from pydoc_data.topics import topics

    train_parts, val_parts = [], []
    for key in sorted(topics):  # sorted: the same order on every machine
        text = topics[key]
        cut = round(len(text) * (1 - val_fraction))
        train_parts.append(text[:cut])
        val_parts.append(text[cut:])
    train_text, val_text = "\n".join(train_parts), "\n".join(val_parts)
    vocab = tuple(sorted(set(train_text) | set(val_text)))
    index = {ch: i for i, ch in enumerate(vocab)}

    def encode(text: str) -> torch.Tensor:
        return torch.tensor([index[ch] for ch in text], dtype=torch.long)

    return CharCorpus(train=encode(train_text), val=encode(val_text), vocab=vocab)


def random_windows(data: torch.Tensor, *, block_size: int, batch_size: int,
                   generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One training batch of random windows: inputs (B, T) and next-character targets (B, T)."""
    if data.ndim != 1:
        raise ValueError(f"data must be a 1-D tensor of ids, got shape {tuple(data.shape)}")
    if not 0 < block_size < len(data):
        raise ValueError(f"block_size must be in [1, {len(data) - 1}] for {len(data)} ids, got {block_size}")
    starts = torch.randint(0, len(data) - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size)
    x = data[starts[:, None] + offsets]  # (B, T)
    y = data[starts[:, None] + offsets + 1]  # (B, T): each position's next character
    return x, y


def sequential_windows(data: torch.Tensor, *, block_size: int,
                       batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Non-overlapping windows of ``data``, each read from a fresh start: batches of (B, T) pairs.

    Each character is predicted at most once: the tail that does not fill a whole window (fewer
    than ``block_size`` characters) is dropped. :func:`consecutive_windows` drops nothing.
    """
    n = (len(data) - 1) // block_size
    if n == 0:
        raise ValueError(f"{len(data)} ids are too few for one window of {block_size}")
    x = data[: n * block_size].view(n, block_size)  # (n, T)
    y = data[1: n * block_size + 1].view(n, block_size)  # (n, T)
    for start in range(0, n, batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


def consecutive_windows(data: torch.Tensor, *, block_size: int,
                        batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``data`` as ``batch_size`` parallel streams read in consecutive windows, for truncated BPTT.

    The N - 1 (input, next character) pairs of ``data`` are cut into ``batch_size`` streams of equal
    length L = (N - 1) // batch_size; stream b is ``data[b*L : (b+1)*L + 1]``. Batch k holds window k
    of every stream: inputs and targets of shape (batch_size, T), T = ``block_size`` except for a
    shorter last window. Row b of a batch continues row b of the batch before, so a model can carry
    its state from one batch to the next.

    Nothing is dropped: the r = (N - 1) - batch_size * L pairs left over (r < batch_size) come last,
    as one-row batches (1, T) with T <= ``block_size``, which continue the *last* stream. Keep the
    last row of the state for them: ``h[:, -1:]`` for a state (layers, B, H), and each of the pair
    for an LSTM's ``(h, c)``. Every character but the first is predicted exactly once, and no
    window, leftover included, is longer than ``block_size``.
    """
    if data.ndim != 1:
        raise ValueError(f"data must be a 1-D tensor of ids, got shape {tuple(data.shape)}")
    if block_size < 1 or batch_size < 1:
        raise ValueError(f"block_size and batch_size must be positive, got {block_size} and {batch_size}")
    if len(data) < batch_size + 1:
        raise ValueError(f"{batch_size} streams need at least batch_size + 1 = {batch_size + 1} ids "
                         f"(one pair each), got {len(data)}: pass more data or a smaller batch_size")
    length = (len(data) - 1) // batch_size
    used = batch_size * length
    x = data[:used].view(batch_size, length)  # (B, L): stream b starts at b * L
    y = data[1:used + 1].view(batch_size, length)  # (B, L): each position's next character
    for start in range(0, length, block_size):
        yield x[:, start:start + block_size], y[:, start:start + block_size]
    for start in range(used, len(data) - 1, block_size):  # the leftover pairs continue the last stream
        end = min(start + block_size, len(data) - 1)
        yield data[start:end][None], data[start + 1:end + 1][None]  # (1, T) each, T <= block_size


def bits_per_char(loss_nats: float) -> float:
    """Cross-entropy in nats per character -> bits per character (divide by ln 2)."""
    return loss_nats / math.log(2)


def fit_bigram(ids: torch.Tensor, vocab_size: int, *, alpha: float = 1.0) -> torch.Tensor:
    """The bigram count model: a (V, V) float64 table whose row a holds p(next = b | current = a).

    Counts of each pair in ``ids`` plus ``alpha`` (add-one smoothing for ``alpha=1``), so a pair
    never seen in training still gets a small probability instead of zero (infinitely many bits).
    """
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids must be a 1-D tensor of at least 2 ids, got shape {tuple(ids.shape)}")
    if ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(f"ids must lie in [0, {vocab_size}), got [{int(ids.min())}, {int(ids.max())}]")
    if alpha <= 0:
        raise ValueError(f"alpha must be positive (else unseen pairs cost infinite bits), got {alpha}")
    pairs = ids[:-1] * vocab_size + ids[1:]  # one number per (current, next) pair
    counts = torch.bincount(pairs, minlength=vocab_size**2).view(vocab_size, vocab_size).double()
    return (counts + alpha) / (counts + alpha).sum(dim=1, keepdim=True)


def bigram_bits_per_char(table: torch.Tensor, ids: torch.Tensor) -> float:
    """Average bits the bigram ``table`` spends per character of ``ids`` (all but the first)."""
    if table.ndim != 2 or table.shape[0] != table.shape[1]:
        raise ValueError(f"table must be (V, V) from fit_bigram, got shape {tuple(table.shape)}")
    if ids.ndim != 1 or len(ids) < 2 or ids.min() < 0 or ids.max() >= len(table):
        raise ValueError(f"ids must be a 1-D tensor of at least 2 ids in [0, {len(table)}) for this table")
    return -torch.log2(table[ids[:-1], ids[1:]]).mean().item()
