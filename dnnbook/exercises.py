"""Checkers for the chapters' exercises: `check(name, answer)` says whether the answer is right
and, when it is not, which input it got wrong and a hint.

A checker tries the reader's answer on several inputs, edge cases included, and compares it with
PyTorch's own result. It never reveals the solution, only the first case that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer. Truthy when correct, so ``assert check(...)`` works."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"{'Correct' if self.correct else 'Not yet'} ({self.exercise}): {self.message}"


_CHECKERS: dict[str, Callable[[Any], tuple[bool, str]]] = {}


def _exercise(name: str):
    def register(function: Callable[[Any], tuple[bool, str]]):
        _CHECKERS[name] = function
        return function
    return register


def exercises() -> list[str]:
    """The names of all exercises that have a checker."""
    return sorted(_CHECKERS)


def check(exercise: str, answer: Any) -> Feedback:
    """Check ``answer`` to ``exercise`` (e.g. ``"01.broadcast_shape"``) and say what is wrong."""
    if exercise not in _CHECKERS:
        raise KeyError(f"no exercise named {exercise!r}; the checked ones are: {', '.join(exercises())}")
    try:
        correct, message = _CHECKERS[exercise](answer)
    except Exception as err:  # the reader's code failing is feedback, not a crash of the checker
        correct, message = False, f"your answer raised {type(err).__name__}: {err}"
    return Feedback(exercise, correct, message)


def _callable(answer: Any, what: str) -> None:
    if not callable(answer):
        raise TypeError(f"pass your {what} itself (a function), not {type(answer).__name__}")


# Chapter 1 -----------------------------------------------------------------------------------

_BROADCAST_CASES = [((3, 1), (1, 4)), ((2, 3), (3,)), ((5, 1, 4), (3, 1)), ((), (2, 2)),
                    ((0, 1), (1, 3)), ((1,), (0,)), ((2, 3), (2,)), ((4, 1), (3, 2)), ((8, 1, 6, 1), (7, 1, 5))]


@_exercise("01.broadcast_shape")
def _broadcast_shape(answer):
    _callable(answer, "broadcast_shape(a, b)")
    for a, b in _BROADCAST_CASES:
        try:
            expected = tuple(torch.broadcast_shapes(a, b))
        except RuntimeError:
            expected = None
        try:
            got = answer(a, b)
        except ValueError:
            got = None
        if expected is None and got is not None:
            return False, (f"{a} and {b} do not broadcast, but you returned {got}. Hint: compare sizes "
                           "from the last dimension; two sizes must be equal or one of them 1.")
        if expected is not None and got is None:
            return False, f"{a} and {b} broadcast to {expected}, but you raised ValueError."
        if got is not None and tuple(got) != expected:
            hint = (" Hint: align the shapes from the right, padding the shorter one with 1s."
                    if len(a) != len(b) else " Hint: a size 1 takes the other size, even 0.")
            return False, f"for {a} and {b} you returned {tuple(got)}, expected {expected}.{hint}"
    return True, f"right on all {len(_BROADCAST_CASES)} pairs, including ones that must fail."


def _rowwise(answer, reference, cases: list[torch.Tensor], atol: float, overflow_hint: str,
             mismatch_hint: str) -> tuple[bool, str] | None:
    """Compare a row-wise function (N, C) -> (N, C) with PyTorch's; None when every case agrees."""
    for z in cases:
        got, expected = answer(z.clone()), reference(z)
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return False, f"for input of shape {tuple(z.shape)} return a tensor of that shape."
        if not torch.isfinite(got).all():
            return False, f"for {z.tolist()} you produced inf or nan. Hint: {overflow_hint}"
        if not torch.allclose(got, expected, atol=atol, rtol=atol):
            return False, f"for {z.tolist()} your values differ from PyTorch's. Hint: {mismatch_hint}"
    return None


@_exercise("01.softmax")
def _softmax(answer):
    _callable(answer, "softmax(z)")
    cases = [torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]]),
             torch.tensor([[-1000.0, -1000.0]]), torch.zeros(3, 4)]
    return _rowwise(answer, lambda z: torch.softmax(z, dim=1), cases, 1e-6,
                    "subtract each row's maximum before exponentiating.",
                    "normalise each row by its own sum (keepdim=True).") or (
        True, "matches torch.softmax, also on rows that would overflow.")


# Chapter 2 -----------------------------------------------------------------------------------

@_exercise("02.cross_entropy_grad")
def _cross_entropy_grad(answer):
    _callable(answer, "cross_entropy_grad(logits, labels)")
    generator = torch.Generator().manual_seed(0)
    for n, c in ((4, 3), (1, 5), (7, 2)):
        logits = torch.randn(n, c, dtype=torch.float64, generator=generator, requires_grad=True)
        labels = torch.randint(0, c, (n,), generator=generator)
        F.cross_entropy(logits, labels).backward()
        got = answer(logits.detach().clone(), labels)
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            return False, f"return a tensor of the logits' shape {tuple(logits.shape)}."
        if not torch.allclose(got.double(), logits.grad, atol=1e-8):
            ratio = (got.double() / logits.grad).median().item()
            hint = (f" Your gradient is {ratio:.3g} times autograd's: remember the 1/N of the mean."
                    if abs(ratio - n) < 1e-6 or abs(ratio - 1 / n) < 1e-6 else
                    " Hint: softmax(S) minus the one-hot labels, divided by N.")
            return False, f"for {n} examples and {c} classes your gradient differs from autograd's.{hint}"
    return True, "equals autograd's gradient of F.cross_entropy for several batch sizes."


# Chapter 3 -----------------------------------------------------------------------------------

@_exercise("03.log_softmax")
def _log_softmax(answer):
    _callable(answer, "log_softmax(z)")
    logits = torch.randn(4, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    cases = [logits, 1000 * logits, logits + 1e4, logits[:1]]
    return _rowwise(answer, lambda z: F.log_softmax(z, dim=1), cases, 1e-8,
                    "log softmax(z) = z - logsumexp(z); torch.logsumexp shifts by the maximum for you.",
                    "reduce over each row (dim=1) and keep the dimension so the subtraction "
                    "broadcasts.") or (True, "matches F.log_softmax, also for logits of 1,000s.")


# Chapter 8 -----------------------------------------------------------------------------------

@_exercise("08.conv2d_flops")
def _conv2d_flops(answer):
    _callable(answer, "conv2d_flops(conv, input_shape)")
    from torch.utils.flop_counter import FlopCounterMode

    cases = [(torch.nn.Conv2d(16, 32, 3, padding=1), (8, 16, 14, 14)),
             (torch.nn.Conv2d(3, 8, 5, stride=2), (2, 3, 32, 32)),
             (torch.nn.Conv2d(1, 4, 3, padding=2, dilation=2, bias=False), (1, 1, 28, 28))]
    for conv, shape in cases:
        with FlopCounterMode(display=False) as counter:
            out = conv(torch.zeros(shape))
        expected = counter.get_total_flops()
        got = answer(conv, shape)
        if got != expected:
            hint = (" Hint: a multiply-add is 2 FLOPs." if got * 2 == expected else
                    f" Hint: the output here is {tuple(out.shape)}; each value is a dot product over "
                    "C_in x kH x kW inputs.")
            return False, f"for {conv} on {shape} you said {got:,} FLOPs, FlopCounterMode counts {expected:,}.{hint}"
    return True, "agrees with FlopCounterMode, with stride, padding and dilation too."
