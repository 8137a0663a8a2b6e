import pytest
import torch

import dnnbook
from dnnbook import next_token_probs, sample_next


def brute_force(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None):
    """One row, by the definitions, with Python lists: the reference the vectorized code must match."""
    probs = torch.softmax(logits.double() / temperature, 0).tolist()
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    kept = order[:top_k] if top_k else order
    mass = sum(probs[i] for i in kept)
    if top_p is not None:
        nucleus, total = [], 0.0
        for i in kept:
            nucleus.append(i)
            total += probs[i] / mass
            if total >= top_p:
                break
        kept = nucleus
    out = torch.zeros(len(probs), dtype=torch.float64)
    out[kept] = torch.tensor([probs[i] for i in kept], dtype=torch.float64)
    return out / out.sum()


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("top_k", [None, 1, 3, 10, 50])
@pytest.mark.parametrize("top_p", [None, 0.05, 0.5, 0.9, 1.0])
def test_matches_the_definitions(temperature, top_k, top_p):
    logits = torch.randn(4, 20, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    probs = next_token_probs(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    assert probs.shape == logits.shape
    for row, got in zip(logits, probs):
        torch.testing.assert_close(got, brute_force(row, temperature, top_k, top_p))


def test_defaults_are_the_softmax_and_extremes_are_greedy():
    logits = torch.randn(3, 7, 11, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(next_token_probs(logits), torch.softmax(logits, -1))
    greedy = torch.nn.functional.one_hot(logits.argmax(-1), 11).float()
    assert torch.equal(next_token_probs(logits, top_k=1), greedy)
    assert torch.equal(next_token_probs(logits, top_p=1e-9), greedy)
    assert torch.equal(next_token_probs(logits, top_k=100), next_token_probs(logits))  # k > V keeps all


def test_samples_only_kept_tokens_with_their_probabilities():
    logits = torch.tensor([3.0, 2.0, 1.0, 0.0, -1.0])
    g = torch.Generator().manual_seed(0)
    draws = sample_next(logits.expand(20_000, 5), top_k=2, generator=g)      # (20000,)
    assert draws.shape == (20_000,) and set(draws.tolist()) == {0, 1}
    expected = next_token_probs(logits, top_k=2)[0].item()                   # e / (1 + e) = 0.731
    assert abs((draws == 0).float().mean().item() - expected) < 0.02
    again = sample_next(logits.expand(20_000, 5), top_k=2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)                                          # the generator fixes the draw


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": 0.0}, "temperature must be > 0"),
    ({"top_k": 0}, "top_k must be a whole number >= 1"),
    ({"top_k": 2.5}, "top_k must be a whole number >= 1"),
    ({"top_p": 0.0}, "top_p must be in \\(0, 1\\]"),
    ({"top_p": 1.5}, "top_p must be in \\(0, 1\\]"),
])
def test_bad_settings_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next_token_probs(torch.zeros(5), **kwargs)


def test_integer_scores_are_refused():
    with pytest.raises(TypeError, match="floating-point tensor"):
        sample_next(torch.tensor([1, 2, 3]))
    assert dnnbook.sample_next is sample_next
