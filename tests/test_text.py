import math

import pytest
import torch

import dnnbook
from dnnbook import consecutive_windows, random_windows, sequential_windows


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


@pytest.mark.parametrize("n, block_size, batch_size", [
    (23, 4, 3), (22, 4, 3), (10, 100, 2), (7, 1, 6),
    (70, 4, 8),  # 69 pairs: 8 streams of 8, five pairs left over, more than one window of 4
    (2, 3, 1),  # the smallest input: one pair
])
def test_consecutive_windows_predict_every_character_once(n, block_size, batch_size):
    data = torch.arange(n) * 10  # distinct values: each target says which character it is
    batches = list(consecutive_windows(data, block_size=block_size, batch_size=batch_size))
    for x, y in batches:
        assert x.shape == y.shape and x.shape[1] <= block_size
        assert torch.equal(y // 10, x // 10 + 1)  # each target is the next character
    targets = torch.cat([y.flatten() for _, y in batches])
    assert sorted(targets.tolist()) == data[1:].tolist()  # every character but the first, once


def test_consecutive_windows_rows_continue_the_rows_before():
    data = torch.arange(23)  # 22 pairs: 3 streams of 7, one pair left over
    batches = list(consecutive_windows(data, block_size=4, batch_size=3))
    (x1, _), (x2, _), (x3, y3) = batches
    assert x1.shape == (3, 4) and x2.shape == (3, 3)
    assert torch.equal(x2[:, 0], x1[:, -1] + 1)  # row b carries on where row b ended
    assert torch.equal(x3, torch.tensor([[21]])) and torch.equal(y3, torch.tensor([[22]]))
    assert x3[0, 0] == x2[-1, -1] + 1  # the leftover continues the last stream


def test_consecutive_windows_split_a_long_leftover_into_windows_of_at_most_block_size():
    data = torch.arange(70)  # 69 pairs: 8 streams of 8, pairs 64..68 left over
    batches = list(consecutive_windows(data, block_size=4, batch_size=8))
    assert [tuple(x.shape) for x, _ in batches] == [(8, 4), (8, 4), (1, 4), (1, 1)]
    (_, _), (x2, _), (x3, y3), (x4, y4) = batches
    assert x3[0, 0] == x2[-1, -1] + 1 and x4[0, 0] == x3[0, -1] + 1  # one stream, continued
    assert torch.equal(x3, torch.tensor([[64, 65, 66, 67]])) and torch.equal(y4, torch.tensor([[69]]))


@pytest.mark.parametrize("n, batch_size", [(0, 1), (0, 3), (1, 1), (3, 4)])
def test_consecutive_windows_too_little_data_says_what_is_needed(n, batch_size):
    with pytest.raises(ValueError, match=rf"need at least batch_size \+ 1 = {batch_size + 1} ids.*got {n}"):
        list(consecutive_windows(torch.arange(n), block_size=5, batch_size=batch_size))


def test_consecutive_windows_bad_input():
    for block_size, batch_size in ((0, 2), (2, 0), (-1, 2)):
        with pytest.raises(ValueError, match="must be positive"):
            list(consecutive_windows(torch.arange(10), block_size=block_size, batch_size=batch_size))
    with pytest.raises(ValueError, match="1-D"):
        list(consecutive_windows(torch.zeros(2, 3, dtype=torch.long), block_size=2, batch_size=1))
