import math

import pytest
import torch

import dnnbook
from dnnbook import random_windows, sequential_windows


@pytest.fixture(scope="module")
def corpus():
    return dnnbook.load_text_corpus()


def test_real_prose_split_ninety_ten(corpus):
    total = len(corpus.train) + len(corpus.val)
    assert total > 400_000  # about 465,000 characters of Python's help texts
    assert 0.09 < len(corpus.val) / total < 0.11
    assert corpus.vocab == tuple(sorted(corpus.vocab)) and corpus.vocab_size == len(corpus.vocab)
    text = corpus.decode(corpus.train[:5000])
    assert text.count(" ") > 500 and "the" in text  # English prose, not noise
    assert corpus.train.dtype == torch.long and int(corpus.train.max()) < corpus.vocab_size


def test_split_is_deterministic(corpus):
    again = dnnbook.load_text_corpus()
    assert torch.equal(corpus.train, again.train) and torch.equal(corpus.val, again.val)


def test_encode_decode_round_trip(corpus):
    text = "def f(x):\n    return x + 1"
    assert corpus.decode(corpus.encode(text)) == text
    assert corpus.decode(corpus.encode(text).tolist()) == text
    with pytest.raises(ValueError, match="not in the corpus vocabulary"):
        corpus.encode("snowman \u2603")
    with pytest.raises(ValueError, match="ids outside"):
        corpus.decode([0, corpus.vocab_size])
    assert "train=" in repr(corpus)


def test_bad_val_fraction():
    with pytest.raises(ValueError, match="val_fraction"):
        dnnbook.load_text_corpus(val_fraction=1.0)


def test_random_windows_targets_are_the_next_characters():
    data = torch.arange(100)
    x, y = random_windows(data, block_size=8, batch_size=4, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y, x + 1)
    assert torch.equal(x[:, 1:], x[:, :-1] + 1)  # consecutive characters
    with pytest.raises(ValueError, match="block_size"):
        random_windows(data, block_size=100, batch_size=1)
    with pytest.raises(ValueError, match="1-D"):
        random_windows(data.view(10, 10), block_size=2, batch_size=1)


def test_sequential_windows_cover_the_data_once():
    data = torch.arange(23)
    batches = list(sequential_windows(data, block_size=5, batch_size=3))
    x = torch.cat([xb for xb, _ in batches])
    y = torch.cat([yb for _, yb in batches])
    assert x.shape == (4, 5) and [len(xb) for xb, _ in batches] == [3, 1]
    assert torch.equal(x.flatten(), torch.arange(20)) and torch.equal(y, x + 1)
    with pytest.raises(ValueError, match="too few"):
        list(sequential_windows(torch.arange(3), block_size=5, batch_size=1))


def test_bits_per_char():
    assert dnnbook.bits_per_char(math.log(2)) == pytest.approx(1.0)
    assert dnnbook.bits_per_char(math.log(256)) == pytest.approx(8.0)


def test_bigram_matches_counts_by_hand():
    ids = torch.tensor([0, 1, 0, 1, 1, 2])  # pairs: 01, 10, 01, 11, 12
    table = dnnbook.fit_bigram(ids, 3, alpha=1.0)
    counts = torch.tensor([[0, 2, 0], [1, 1, 1], [0, 0, 0]], dtype=torch.float64)
    torch.testing.assert_close(table, (counts + 1) / (counts + 1).sum(dim=1, keepdim=True))
    expected = -sum(math.log2(table[a, b].item()) for a, b in zip(ids[:-1].tolist(), ids[1:].tolist())) / 5
    assert dnnbook.bigram_bits_per_char(table, ids) == pytest.approx(expected)


def test_bigram_on_the_corpus_beats_unigram(corpus):
    table = dnnbook.fit_bigram(corpus.train, corpus.vocab_size)
    torch.testing.assert_close(table.sum(dim=1), torch.ones(corpus.vocab_size, dtype=torch.float64))
    bits = dnnbook.bigram_bits_per_char(table, corpus.val)
    assert 3.0 < bits < math.log2(corpus.vocab_size)


@pytest.mark.parametrize("ids, vocab_size, alpha, message", [
    (torch.tensor([0, 5]), 3, 1.0, r"ids must lie in \[0, 3\)"),
    (torch.tensor([[0, 1]]), 3, 1.0, "1-D tensor of at least 2 ids"),
    (torch.tensor([0, 1]), 3, 0.0, "alpha must be positive"),
])
def test_bigram_bad_input(ids, vocab_size, alpha, message):
    with pytest.raises(ValueError, match=message):
        dnnbook.fit_bigram(ids, vocab_size, alpha=alpha)


def test_bigram_bits_refuses_ids_the_table_does_not_cover():
    table = dnnbook.fit_bigram(torch.tensor([0, 1, 2, 1]), 3)
    with pytest.raises(ValueError, match=r"at least 2 ids in \[0, 3\) for this table"):
        dnnbook.bigram_bits_per_char(table, torch.tensor([0, 3]))
