"""From a language model's scores to the next token: temperature, top-k and nucleus (top-p) sampling.

The recurrent and the Transformer chapters both generate text; the rule lives here once. The three
knobs are applied in this order, as in Hugging Face's ``generate``:

1. temperature ``tau``: the scores are divided by it (``tau < 1`` sharpens, ``tau > 1`` flattens);
2. top-k: only the ``k`` highest scores stay candidates;
3. top-p (nucleus): only the smallest set of most probable candidates whose probabilities add up
   to at least ``p`` stays; the most probable token always stays, so the set is never empty.

The tokens removed get probability exactly 0; the rest are renormalised.
"""

from __future__ import annotations

import torch


def _check(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not isinstance(logits, torch.Tensor) or logits.dim() == 0 or not logits.is_floating_point():
        raise TypeError("logits must be a floating-point tensor of shape (..., vocab_size), "
                        f"got {type(logits).__name__} {getattr(logits, 'shape', '')}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}; for the single most likely "
                         "token (greedy decoding) take logits.argmax(-1) instead")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be a whole number >= 1 (or None to keep every token), got {top_k!r}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1] (or None to keep every token), got {top_p!r}")


def next_token_probs(logits: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None) -> torch.Tensor:
    """(..., V) scores -> (..., V) probabilities of the next token, after temperature, top-k, top-p.

    With the defaults this is ``softmax(logits, -1)``. A ``top_k`` larger than V keeps every token.
    """
    _check(logits, temperature, top_k, top_p)
    scores = logits / temperature                                     # (..., V)
    if top_k is not None and top_k < scores.size(-1):
        kept = torch.topk(scores, top_k, dim=-1).indices              # (..., k)
        keep = torch.zeros_like(scores, dtype=torch.bool).scatter_(-1, kept, True)
        scores = scores.masked_fill(~keep, float("-inf"))
    probs = torch.softmax(scores, dim=-1)                             # (..., V)
    if top_p is not None and top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)     # (..., V) each
        mass_before = sorted_probs.cumsum(-1) - sorted_probs          # mass of the more probable tokens
        drop_sorted = mass_before >= top_p                            # the nucleus is already full
        drop_sorted[..., 0] = False                                   # the most probable token always stays
        drop = torch.zeros_like(drop_sorted).scatter_(-1, order, drop_sorted)
        probs = probs.masked_fill(drop, 0.0)
        probs = probs / probs.sum(-1, keepdim=True)
    return probs


def sample_next(logits: torch.Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """(..., V) scores -> (...,) token ids drawn from :func:`next_token_probs`.

    The draw happens on the CPU so that a CPU ``generator`` gives the same text on every device.
    """
    probs = next_token_probs(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    flat = probs.detach().float().cpu().reshape(-1, probs.size(-1))   # (N, V)
    ids = torch.multinomial(flat, 1, generator=generator)             # (N, 1)
    return ids.reshape(probs.shape[:-1]).to(logits.device)
