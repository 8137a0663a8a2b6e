"""The language-model chapter's final character model, trained over seeds.

Usage (from the repository root, after `make setup`):

    .venv/bin/python benchmarks/char_lm.py             # seed 0: the chapter's own run
    .venv/bin/python benchmarks/char_lm.py --seeds 3   # seeds 0, 1, 2, then mean ± std

For each seed it prints the bits per character on the validation text and on the test text (each
read once as 16 streams with the state carried, as the chapter evaluates) and the training time in
seconds (wall clock, evaluation excluded), on the device `dnnbook.get_device()` picks. Run it on an
otherwise idle machine: the chapter asserts its validation figure (at most 1.8 bits per character),
but its speed target (training in at most 120 s on 2 CPU cores) is judged by these times, not by
`assert` cells; over several seeds the script also gives the spread that one run on the page cannot.

The recipe, restated from the chapter (which builds it step by step in its own cells; if it changes
there, change it here too: tests/test_benchmark.py compares the model's size with the one the chapter
prints): the corpus of `dnnbook.load_text_corpus()`, its held-out text halved into validation and
test; an embedding of 64, one GRU layer of 256 and a linear head; truncated backpropagation through
time over 8 passes, each over 32 consecutive streams cut into windows of 64 characters from a random
offset, the state carried and detached; AdamW (learning rate 10^-2, weight decay 0.1) with a
one-cycle schedule (10 % warm-up), gradients clipped at norm 1.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

import dnnbook

EPOCHS, BLOCK_SIZE, BATCH_SIZE = 8, 64, 32


class CharModel(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 256) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.recurrent = nn.GRU(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        output, state = self.recurrent(self.embedding(ids), state)  # (B, T, H)
        return self.head(output), state  # logits (B, T, V)


def training_batches(train: torch.Tensor, offset: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(x, y) for x, y in dnnbook.consecutive_windows(train[offset:], block_size=BLOCK_SIZE,
                                                           batch_size=BATCH_SIZE)
            if len(x) == BATCH_SIZE]


def train(corpus: dnnbook.CharCorpus, device: torch.device, seed: int) -> tuple[CharModel, float]:
    # The chapter's order of draws: the model, one batch of random windows (its loss before
    # training), then the passes' offsets.
    generator = dnnbook.seed_everything(seed)
    model = CharModel(corpus.vocab_size).to(device)
    dnnbook.random_windows(corpus.train, block_size=128, batch_size=BATCH_SIZE, generator=generator)
    offsets = torch.randint(0, BLOCK_SIZE, (EPOCHS,), generator=generator).tolist()
    steps = sum(len(training_batches(corpus.train, offset)) for offset in offsets)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=steps, pct_start=0.1)
    model.train()
    start = time.perf_counter()
    for offset in offsets:
        state = None
        for inputs, targets in training_batches(corpus.train, offset):
            inputs, targets = inputs.to(device), targets.to(device)
            if state is not None:
                state = state.detach()
            logits, state = model(inputs, state)  # (B, T, V)
            loss = F.cross_entropy(logits.reshape(-1, corpus.vocab_size), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step()
    return model, time.perf_counter() - start


def bits(model: CharModel, data: torch.Tensor, device: torch.device) -> float:
    """Bits per character over ``data``, read as 16 streams in windows of 1024, the state carried."""
    model.eval()
    total_loss, count, state = 0.0, 0, None
    with torch.no_grad():
        for inputs, targets in dnnbook.consecutive_windows(data, block_size=1024, batch_size=16):
            if state is not None and len(inputs) < state.shape[1]:
                state = state[:, -len(inputs):]  # the leftover continues the last stream
            logits, state = model(inputs.to(device), state)
            total_loss += F.cross_entropy(logits.flatten(0, 1), targets.to(device).flatten(),
                                          reduction="sum").item()
            count += targets.numel()
    return dnnbook.bits_per_char(total_loss / count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="train with seeds 0 to N-1 and summarise them (default: 1, seed 0 only)")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    device = dnnbook.get_device()
    corpus = dnnbook.load_text_corpus()
    half = len(corpus.val) // 2
    val_ids, test_ids = corpus.val[:half], corpus.val[half:]  # as the chapter splits them
    print(f"device: {device}, threads: {torch.get_num_threads()}, torch {torch.__version__}, {corpus}")

    def run(seed: int) -> dict[str, float]:
        model, seconds = train(corpus, device, seed)
        figures = {"validation bits per character": bits(model, val_ids, device),
                   "test bits per character": bits(model, test_ids, device), "train seconds": seconds}
        print(f"seed {seed}: " + ", ".join(f"{name} {value:.3f}" for name, value in figures.items()), flush=True)
        return figures

    if args.seeds == 1:
        run(0)
    else:
        print(dnnbook.table({"GRU language model": dnnbook.over_seeds(run, seeds=range(args.seeds))}, digits=3))


if __name__ == "__main__":
    main()
