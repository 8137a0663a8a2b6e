"""Checkers for the chapters' exercises: `check(name, answer)` says whether the answer is right
and, when it is not, which input it got wrong and a hint.

A checker tries the reader's answer on several inputs, edge cases included, and compares it with
PyTorch's own result. It never reveals the solution, only the first case that fails.
"""

from __future__ import annotations

import math
import warnings
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


# Exercises were once named by chapter number ("04.fold_batchnorm"); numbers move when a chapter
# is inserted, so names now start with the chapter's file name. The old names keep working, with a
# warning, for notebooks saved before the change.
_NUMBERED = {"01": "tensors", "02": "autograd", "03": "mlp", "04": "regularization", "05": "cnn",
             "06": "rnn", "07": "transformer", "08": "gpu"}


def check(exercise: str, answer: Any) -> Feedback:
    """Check ``answer`` to ``exercise`` (e.g. ``"tensors.broadcast_shape"``) and say what is wrong."""
    number, _, rest = exercise.partition(".")
    if number in _NUMBERED and f"{_NUMBERED[number]}.{rest}" in _CHECKERS:
        renamed = f"{_NUMBERED[number]}.{rest}"
        warnings.warn(f"exercise {exercise!r} is now called {renamed!r}", DeprecationWarning, stacklevel=2)
        exercise = renamed
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


# The tensors chapter -----------------------------------------------------------------------------

_BROADCAST_CASES = [((3, 1), (1, 4)), ((2, 3), (3,)), ((5, 1, 4), (3, 1)), ((), (2, 2)),
                    ((0, 1), (1, 3)), ((1,), (0,)), ((2, 3), (2,)), ((4, 1), (3, 2)), ((8, 1, 6, 1), (7, 1, 5))]


@_exercise("tensors.broadcast_shape")
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


@_exercise("tensors.softmax")
def _softmax(answer):
    _callable(answer, "softmax(z)")
    cases = [torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]]),
             torch.tensor([[-1000.0, -1000.0]]), torch.zeros(3, 4)]
    return _rowwise(answer, lambda z: torch.softmax(z, dim=1), cases, 1e-6,
                    "subtract each row's maximum before exponentiating.",
                    "normalise each row by its own sum (keepdim=True).") or (
        True, "matches torch.softmax, also on rows that would overflow.")


# Exercise "view or copy, and which shape?": each expression on x = torch.arange(24).reshape(2, 3, 4),
# with the kind of rule it tests (which picks the hint when a prediction is wrong).
_VIEW_OR_COPY: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], str]] = {
    "x[1]": (lambda x: x[1], "basic"),
    "x[:, ::2]": (lambda x: x[:, ::2], "basic"),
    "x[..., [0, 3]]": (lambda x: x[..., [0, 3]], "advanced"),
    "x[x > 20]": (lambda x: x[x > 20], "mask"),
    "x.transpose(0, 2)": (lambda x: x.transpose(0, 2), "strides"),
    "x.reshape(6, 4)": (lambda x: x.reshape(6, 4), "reshape"),
    "x.transpose(0, 1).reshape(6, 4)": (lambda x: x.transpose(0, 1).reshape(6, 4), "reshape"),
    "x[:, 0].flatten()": (lambda x: x[:, 0].flatten(), "reshape"),
    "x.unsqueeze(1).expand(2, 5, 3, 4)": (lambda x: x.unsqueeze(1).expand(2, 5, 3, 4), "strides"),
    "x.float()": (lambda x: x.float(), "dtype"),
}

_SAID_VIEW_IS_COPY = {
    "advanced": "indexing with a list or a tensor picks elements that strides cannot describe, so it copies.",
    "mask": "a boolean mask picks elements that strides cannot describe, so it copies.",
    "reshape": ("reshape and flatten copy when the dimensions they merge are not laid out one after the "
                "other in memory: compare the strides before the call."),
    "dtype": "a different dtype needs new memory for the new bytes.",
}
_SAID_COPY_IS_VIEW = {
    "basic": "integers and slices select elements at regular steps: a new shape and strides, no copy.",
    "strides": "transpose, permute, unsqueeze and expand only change shape and strides (expand uses stride 0).",
    "reshape": "here the merged dimensions are consecutive in memory, so reshape and flatten return a view.",
}
_SHAPE_HINT = {
    "basic": "an integer index removes its dimension; a slice start:stop:step keeps it, with fewer entries.",
    "advanced": "an index list replaces its dimension by one of the list's length.",
    "mask": "a mask gives a 1-D result with one entry per True.",
    "strides": "write down each dimension's size after the call, in order.",
    "reshape": "reshape gives exactly the shape asked for; flatten merges all dimensions into one.",
    "dtype": "changing the dtype keeps the shape.",
}


@_exercise("tensors.view_or_copy")
def _view_or_copy(answer):
    if not isinstance(answer, dict):
        raise TypeError('pass a dict {expression: ("view" or "copy", shape)}, one entry per expression')
    missing = [expression for expression in _VIEW_OR_COPY if expression not in answer]
    if missing:
        return False, f"predict every expression; missing: {', '.join(missing)}."
    for expression, (compute, rule) in _VIEW_OR_COPY.items():
        x = torch.arange(24).reshape(2, 3, 4)  # (2, 3, 4), fresh for each expression
        result = compute(x)
        shares = result.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        prediction = answer[expression]
        if not (isinstance(prediction, (tuple, list)) and len(prediction) == 2):
            return False, f'for {expression} give a pair ("view" or "copy", shape), not {prediction!r}.'
        kind, shape = prediction
        if kind not in ("view", "copy"):
            return False, f'for {expression} say "view" or "copy", not {kind!r}.'
        if kind == "view" and not shares:
            return False, f"{expression} is not a view. Hint: {_SAID_VIEW_IS_COPY[rule]}"
        if kind == "copy" and shares:
            return False, f"{expression} shares x's memory. Hint: {_SAID_COPY_IS_VIEW[rule]}"
        if tuple(shape) != tuple(result.shape):
            return False, f"for {expression} the shape is not {tuple(shape)}. Hint: {_SHAPE_HINT[rule]}"
    return True, f"all {len(_VIEW_OR_COPY)} predictions right, views and copies and shapes."


# The autograd chapter ----------------------------------------------------------------------------

@_exercise("autograd.cross_entropy_grad")
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


# The mlp chapter ---------------------------------------------------------------------------------

@_exercise("mlp.log_softmax")
def _log_softmax(answer):
    _callable(answer, "log_softmax(z)")
    logits = torch.randn(4, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    cases = [logits, 1000 * logits, logits + 1e4, logits[:1]]
    return _rowwise(answer, lambda z: F.log_softmax(z, dim=1), cases, 1e-8,
                    "log softmax(z) = z - logsumexp(z); torch.logsumexp shifts by the maximum for you.",
                    "reduce over each row (dim=1) and keep the dimension so the subtraction "
                    "broadcasts.") or (True, "matches F.log_softmax, also for logits of 1,000s.")


# The regularization chapter ----------------------------------------------------------------------

def _folded(linear: torch.nn.Linear, bn: torch.nn.BatchNorm1d, eps: float, mean: bool, sqrt: bool):
    """The folded (weight, bias), or a typical wrong variant of it, to recognise mistakes."""
    var = bn.running_var + eps
    scale = bn.weight / (var.sqrt() if sqrt else var)
    shift = bn.running_mean if mean else 0
    return scale[:, None] * linear.weight, scale * (linear.bias - shift) + bn.bias


@_exercise("regularization.fold_batchnorm")
def _fold_batchnorm(answer):
    _callable(answer, "fold_batchnorm(linear, bn)")
    generator = torch.Generator().manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, dtype=torch.float64, generator=generator)

    for n_in, n_out in ((6, 4), (3, 1)):
        linear = torch.nn.Linear(n_in, n_out).double()
        bn = torch.nn.BatchNorm1d(n_out, eps=1e-3).double().eval()
        with torch.no_grad():  # statistics and affine parameters far from their initial 0 and 1
            linear.weight.copy_(randn(n_out, n_in))
            linear.bias.copy_(randn(n_out))
            bn.weight.copy_(randn(n_out).abs() + 0.5)
            bn.bias.copy_(randn(n_out))
            bn.running_mean.copy_(randn(n_out))
            bn.running_var.copy_(randn(n_out).abs() + 0.05)
            x = randn(5, n_in)
            expected = bn(linear(x))  # (5, n_out)
            got = answer(linear, bn)
            if not (isinstance(got, tuple) and len(got) == 2):
                return False, "return a pair (weight, bias) of tensors."
            weight, bias = got
            if tuple(weight.shape) != (n_out, n_in) or tuple(bias.shape) != (n_out,):
                return False, (f"for Linear({n_in}, {n_out}) return weight {(n_out, n_in)} and bias "
                               f"({n_out},), got {tuple(weight.shape)} and {tuple(bias.shape)}.")
            out = x @ weight.double().T + bias.double()
            if torch.allclose(out, expected, atol=1e-9):
                continue
            hints = [((0.0, True, True), "add bn.eps to the running variance before the square root."),
                     ((bn.eps, True, False), "divide by the standard deviation sqrt(var + eps), not the variance."),
                     ((bn.eps, False, True), "subtract the running mean from the linear layer's bias "
                                             "before scaling it.")]
            for variant, hint in hints:
                w, b = _folded(linear, bn, *variant)
                if torch.allclose(out, x @ w.T + b, atol=1e-9):
                    break
            else:
                hint = ("in eval mode y = gamma (z - mean) / sqrt(var + eps) + beta with z = W x + b: "
                        "scale each row of W, and b - mean, by gamma / sqrt(var + eps), then add beta.")
            return False, f"for Linear({n_in}, {n_out}) your folded layer differs from Linear -> BatchNorm1d. Hint: {hint}"
    return True, "one Linear reproduces Linear -> BatchNorm1d in eval mode, eps included."


# The cnn chapter ---------------------------------------------------------------------------------

@_exercise("cnn.conv1x1")
def _conv1x1(answer):
    _callable(answer, "conv1x1(x, weight, bias)")
    generator = torch.Generator().manual_seed(0)
    # (N, C, H, W) input, O output channels; the last input is a non-contiguous view
    for (n, c, h, w), o, transposed in (((2, 6, 5, 7), 4, False), ((1, 1, 3, 3), 2, False),
                                        ((3, 5, 4, 6), 5, True)):
        x = torch.randn(n, c, h, w, dtype=torch.float64, generator=generator)
        if transposed:
            x = x.transpose(2, 3)  # (N, C, W, H), not contiguous
        weight = torch.randn(o, c, 1, 1, dtype=torch.float64, generator=generator)
        bias = torch.randn(o, dtype=torch.float64, generator=generator)
        expected = F.conv2d(x, weight, bias)
        try:
            got = answer(x, weight, bias)
        except RuntimeError as err:
            if transposed and "view" in str(err):
                return False, (f"for a non-contiguous input of shape {tuple(x.shape)} you raised "
                               f"RuntimeError: {err} Hint: reshape() copies when view() cannot.")
            raise
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            return False, (f"for x of shape {tuple(x.shape)} and {o} output channels you returned "
                           f"{shape}, expected {tuple(expected.shape)} (N, O, H, W).")
        if not torch.allclose(got.double(), expected, atol=1e-8):
            if torch.allclose(got.double(), F.conv2d(x, weight), atol=1e-8):
                hint = "add the bias, one per output channel: bias.view(1, -1, 1, 1)."
            else:
                hint = ("out[n, o, i, j] = b[o] + sum_c w[o, c] x[n, c, i, j]: contract over the "
                        "channels only, and keep each pixel where it was.")
            return False, f"for x of shape {tuple(x.shape)} your values differ from F.conv2d's. Hint: {hint}"
    return True, "matches F.conv2d for several shapes, a non-contiguous input included."


# The resnet chapter ------------------------------------------------------------------------------

def _mirror_models() -> list[tuple[str, torch.nn.Module, torch.Tensor]]:
    """Small models with images of their own: (what the model is, the model, images (N, C, H, W))."""
    data = torch.Generator().manual_seed(0)

    def filled(model: torch.nn.Module) -> torch.nn.Module:
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=data))
        return model

    class Mirrored(torch.nn.Module):  # sees x and its mirror alike: its predictions never change
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(6 * 5, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear((x + x.flip(-1)).flatten(1))

    linear = filled(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6 * 5, 4)))
    normed = filled(torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                        torch.nn.Linear(3 * 4 * 3, 4)))
    # Its running statistics (mean 0, variance 1) are not those of any batch of these images, so in
    # training mode, which normalizes with each batch's own, it predicts otherwise.
    images = [torch.rand(400, 1, 6, 5, generator=data) for _ in range(3)]
    return [("a linear model", linear.eval(), images[0]),
            ("a model with batch norm, handed over in training mode", normed.train(), images[1]),
            ("a model that sees x and x.flip(-1) alike", filled(Mirrored()).eval(), images[2])]


def _agreement(model: torch.nn.Module, images: torch.Tensor, dim: int = -1) -> float:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        same = model(images).argmax(1) == model(images.flip(dim)).argmax(1)   # (N,)
    model.train(was_training)
    return same.float().mean().item()


@_exercise("resnet.mirror_agreement")
def _mirror_agreement(answer):
    _callable(answer, "mirror_agreement(model, images)")
    for what, model, images in _mirror_models():
        expected, before, mode = _agreement(model, images), images.clone(), model.training
        upside_down = _agreement(model, images, dim=-2)       # before the answer can touch the model
        channels_flipped = _agreement(model, images, dim=1)   # torch.fliplr's dimension: 1.0 for one channel
        got = answer(model, images)
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False, f"for {what} you returned {type(got).__name__}; return one number, a share."
        if not torch.equal(images, before):
            return False, f"for {what} your function changed the images it was given; flip a copy, x.flip(-1)."
        if abs(got - expected) < 1e-6:
            if model.training != mode:
                return False, (f"for {what} your function left the model in "
                               f"{'training' if model.training else 'eval'} mode; restore the mode it had.")
            continue
        if abs(got - expected * len(images)) < 1e-6 and expected > 0:
            hint = f"return the share of the {len(images)} images (between 0 and 1), not their number."
        elif abs(got - upside_down) < 1e-6:
            hint = "mirror left-right, along the width (the last dimension): x.flip(-1)."
        elif abs(got - channels_flipped) < 1e-6:
            hint = ("torch.fliplr flips dimension 1, which in (N, C, H, W) is the channels: mirror "
                    "the width, the last dimension, with x.flip(-1).")
        elif model.training and got != expected:
            hint = "predict in eval mode (model.eval(), or dnnbook.predict), as the model is evaluated."
        elif got == 0.0:
            hint = "compare the predicted classes, scores.argmax(dim=1), not the scores themselves."
        else:
            hint = "the share of images whose predicted class is the same for x and x.flip(-1)."
        return False, f"for {what} you returned {got:.4f}, expected {expected:.4f}. Hint: {hint}"
    return True, "the share of images whose predicted class survives the mirror, for three models of its own."


# The rnn chapter ---------------------------------------------------------------------------------

@_exercise("rnn.clip_grad_norm")
def _clip_grad_norm(answer):
    _callable(answer, "clip_by_total_norm(grads, max_norm)")
    generator = torch.Generator().manual_seed(0)
    cases = [([(3, 4), (7,)], 5.0, 1.0), ([(5,)], 3.0, 2.0), ([(2, 2), (3,), (1,)], 0.1, 10.0)]
    for shapes, size, max_norm in cases:
        grads = [size * torch.randn(shape, dtype=torch.float64, generator=generator) for shape in shapes]
        params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        got = answer([g.clone() for g in grads], max_norm)
        if not isinstance(got, (list, tuple)) or len(got) != len(grads) or any(
                not isinstance(a, torch.Tensor) or a.shape != g.shape for a, g in zip(got, grads)):
            return False, f"return a list of {len(grads)} tensors of the gradients' shapes {shapes}."
        if all(torch.allclose(a.double(), p.grad, rtol=1e-5, atol=1e-8) for a, p in zip(got, params)):
            continue
        total = torch.cat([g.flatten() for g in grads]).norm().item()
        each = [g * min(1.0, max_norm / g.norm().item()) for g in grads]
        if total < max_norm:
            hint = "when the total norm is already below max_norm, leave the gradients unchanged (the scale is at most 1)."
        elif len(grads) > 1 and all(torch.allclose(a.double(), e, rtol=1e-5) for a, e in zip(got, each)):
            hint = "clip by the norm of all gradients together, as if concatenated into one vector, not each tensor by its own."
        else:
            hint = "scale every gradient by max_norm / total_norm, where total_norm = sqrt(sum of all squared entries)."
        return False, (f"for gradients of shapes {shapes} (total norm {total:.3g}) and max_norm {max_norm} "
                       f"your result differs from clip_grad_norm_'s. Hint: {hint}")
    return True, "matches torch.nn.utils.clip_grad_norm_, below and above the bound, over several tensors."


# The language model chapter ----------------------------------------------------------------------

class _CharGRU(torch.nn.Module):
    """A small character model with the chapter's interface: ``model(ids, state)`` maps ids (B, T)
    and a state (or None) to logits (B, T, V) and the final state."""

    def __init__(self, vocab_size: int = 7, hidden_size: int = 8):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, 4)
        self.recurrent = torch.nn.GRU(4, hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state: torch.Tensor | None = None):
        output, state = self.recurrent(self.embedding(ids), state)  # (B, T, H)
        return self.head(output), state


def _windowed_nats(model, ids: torch.Tensor, block_size: int, *, carry: bool = True, targets_shift: int = 1,
                   drop_tail: bool = False, mean_of_windows: bool = False) -> float:
    """The loss in nats per character over ``ids`` read in windows, or a typical wrong version of it."""
    x, y = ids[:-1], ids[targets_shift:len(ids) - 1 + targets_shift]  # inputs and targets, (N - 1,)
    sums, counts, state = [], [], None
    with torch.no_grad():
        for start in range(0, len(x), block_size):
            if drop_tail and start + block_size > len(x):
                break
            logits, state = model(x[None, start:start + block_size], state if carry else None)  # (1, T, V)
            sums.append(F.cross_entropy(logits[0], y[start:start + block_size], reduction="sum").item())
            counts.append(len(x[start:start + block_size]))
    if not counts:
        return math.nan
    if mean_of_windows:
        return sum(s / c for s, c in zip(sums, counts)) / len(sums)
    return sum(sums) / sum(counts)


@_exercise("language_model.stream_bits")
def _stream_bits(answer):
    _callable(answer, "stream_bits(model, ids, block_size)")
    with torch.random.fork_rng(devices=[]):  # the reader's random numbers stay as they were
        torch.manual_seed(0)
        model = _CharGRU().double().eval()
        with torch.no_grad():
            model.recurrent.weight_hh_l0.mul_(4.0)  # a state that matters: a cold start shows
        ids = torch.randint(0, 7, (301,))
    for n, block_size in ((301, 64), (301, 50), (129, 200), (257, 16)):
        stream = ids[:n]
        expected = _windowed_nats(model, stream, block_size) / math.log(2)
        got = answer(model, stream.clone(), block_size)
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False, f"return the bits per character as a number, not {type(got).__name__}."
        if math.isclose(got, expected, rel_tol=1e-6):
            continue
        case = f"for a stream of {n} ids in windows of {block_size}"
        wrong = {
            "nats": (expected * math.log(2),
                     "divide the loss in nats by ln 2 to get bits."),
            "cold": (_windowed_nats(model, stream, block_size, carry=False) / math.log(2),
                     "every window starts from a zero state; pass the state one window returns into the next."),
            "shift": (_windowed_nats(model, stream, block_size, targets_shift=0) / math.log(2),
                      "the target at each position is the next character, ids[t + 1], not ids[t]."),
            "tail": (_windowed_nats(model, stream, block_size, drop_tail=True) / math.log(2),
                     "the last, shorter window counts too: every character but the first is predicted once."),
            "mean": (_windowed_nats(model, stream, block_size, mean_of_windows=True) / math.log(2),
                     "average over characters, not over windows: sum the losses and divide by the number "
                     "of characters (the last window is shorter)."),
        }
        for value, hint in wrong.values():
            if math.isclose(got, value, rel_tol=1e-6):
                return False, f"{case} you returned {got:.6f} bits per character, expected {expected:.6f}. Hint: {hint}"
        return False, (f"{case} you returned {got:.6f} bits per character, expected {expected:.6f}. Hint: "
                       "feed window k with the state window k - 1 returned, and average -log2 p(next character) "
                       "over every character but the first.")
    return True, ("carries the state across windows and counts every character but the first once, "
                  "whatever the window length, the last short window included.")


# The transformer chapter -------------------------------------------------------------------------

@_exercise("transformer.padding_mask")
def _padding_mask(answer):
    _callable(answer, "padding_mask(lengths, S)")
    generator = torch.Generator().manual_seed(0)
    for lengths, S in (([6, 4], 6), ([1, 3, 2], 5), ([2], 2)):
        lengths_t = torch.tensor(lengths)
        expected = (torch.arange(S)[None, :] < lengths_t[:, None])[:, None, None, :]  # (B, 1, 1, S)
        got = answer(lengths_t.clone(), S)
        case = f"for lengths {lengths} and S = {S}"
        if not isinstance(got, torch.Tensor) or got.dtype != torch.bool:
            return False, f"{case} return a boolean tensor (a float mask is added to the scores instead)."
        if got.shape != expected.shape:
            hint = (" Hint: mask the keys, the last dimension, not the queries."
                    if got.shape == (len(lengths), 1, S, 1) else
                    " Hint: index with [:, None, None, :] so it broadcasts over heads and queries.")
            return False, f"{case} the mask must have shape {tuple(expected.shape)}, got {tuple(got.shape)}.{hint}"
        if torch.equal(got, ~expected):
            return False, (f"{case} your mask is inverted. Hint: for F.scaled_dot_product_attention True means "
                           "'may attend'; it is nn.MultiheadAttention's key_padding_mask that marks padding with True.")
        if not torch.equal(got, expected):
            return False, f"{case} some positions are wrong. Hint: position j of sequence b is real when j < lengths[b]."
        # The mask in use: attention over the padded batch equals attention over each sequence alone.
        q, k, v = (torch.randn(len(lengths), 2, S, 4, dtype=torch.float64, generator=generator) for _ in range(3))
        batched = F.scaled_dot_product_attention(q, k, v, attn_mask=got)  # (B, heads, S, 4)
        for b, n in enumerate(lengths):
            alone = F.scaled_dot_product_attention(q[b], k[b, :, :n], v[b, :, :n])
            if not torch.allclose(batched[b], alone):
                return False, f"{case} attention with your mask differs from attention over sequence {b} alone."
    return True, ("right shape and polarity; with it F.scaled_dot_product_attention over a padded batch "
                  "equals attention over each sequence alone.")


# The gpu chapter ---------------------------------------------------------------------------------

def _square_conv2d_flops(conv: torch.nn.Conv2d, shape: tuple[int, ...]) -> int:
    """The FLOPs an answer computes when it reads every pair (kernel, stride, ...) from the height alone."""
    n, _, h, w = shape
    k, s, p, d = conv.kernel_size[0], conv.stride[0], conv.padding[0], conv.dilation[0]
    h_out, w_out = ((size + 2 * p - d * (k - 1) - 1) // s + 1 for size in (h, w))
    return 2 * n * conv.out_channels * h_out * w_out * (conv.in_channels // conv.groups) * k * k


@_exercise("gpu.conv2d_flops")
def _conv2d_flops(answer):
    _callable(answer, "conv2d_flops(conv, input_shape)")
    from torch.utils.flop_counter import FlopCounterMode

    cases = [(torch.nn.Conv2d(16, 32, 3, padding=1), (8, 16, 14, 14)),
             (torch.nn.Conv2d(3, 8, 5, stride=2), (2, 3, 32, 32)),
             (torch.nn.Conv2d(1, 4, 3, padding=2, dilation=2, bias=False), (1, 1, 28, 28)),
             (torch.nn.Conv2d(16, 32, 3, padding=1, groups=4), (2, 16, 10, 10)),   # grouped
             (torch.nn.Conv2d(8, 8, 3, groups=8), (2, 8, 12, 12)),                 # depthwise
             # a different kernel size, stride, padding and dilation along each axis, on a non-square input
             (torch.nn.Conv2d(4, 6, (3, 5), stride=(1, 2), padding=(1, 0), dilation=(2, 1)), (2, 4, 11, 16))]
    for conv, shape in cases:
        with FlopCounterMode(display=False) as counter:
            out = conv(torch.zeros(shape))
        expected = counter.get_total_flops()
        got = answer(conv, shape)
        if got != expected:
            if got * 2 == expected:
                hint = " Hint: a multiply-add is 2 FLOPs."
            elif got == _square_conv2d_flops(conv, shape):
                hint = (" Hint: kernel_size, stride, padding and dilation are pairs (height, width), and here "
                        f"they differ: {conv.kernel_size}, {conv.stride}, {conv.padding}, {conv.dilation}. "
                        "Use each axis's own entry.")
            elif conv.groups > 1 and got == expected * conv.groups:
                hint = (f" Hint: with groups={conv.groups} each output channel sees only "
                        f"C_in / groups = {conv.in_channels // conv.groups} input channels.")
            else:
                hint = (f" Hint: the output here is {tuple(out.shape)}; each value is a dot product over "
                        "(C_in / groups) x kH x kW inputs.")
            return False, f"for {conv} on {shape} you said {got:,} FLOPs, FlopCounterMode counts {expected:,}.{hint}"
    return True, ("agrees with FlopCounterMode, with stride, padding, dilation and groups too, "
                  "and with different settings along height and width.")


# The optimization chapter ------------------------------------------------------------------------

def _adamw_variant(p, g, m, v, t, lr, betas, eps, weight_decay, *, correct=True, eps_inside=False,
                   coupled=False):
    """One step of AdamW, or of a typical wrong version of it, to recognise mistakes."""
    beta1, beta2 = betas
    if coupled:
        g = g + weight_decay * p
    else:
        p = p * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if correct else (m, v)
    denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
    return p - lr * m_hat / denom, m, v


@_exercise("optimization.adamw_step")
def _adamw_step(answer):
    _callable(answer, "adamw_step(p, g, m, v, t, lr, betas, eps, weight_decay)")
    generator = torch.Generator().manual_seed(0)
    # (shape, gradient scale, lr, betas, eps, weight_decay): one case has gradients near eps, so
    # that where eps goes shows, and one a large decay, so that coupling it shows.
    cases = [((5,), 1.0, 1e-2, (0.9, 0.999), 1e-8, 0.01), ((3, 4), 1e-3, 1e-1, (0.8, 0.99), 1e-3, 0.0),
             ((6,), 1.0, 1e-1, (0.9, 0.999), 1e-8, 0.5)]
    mistakes = {"no bias correction": dict(correct=False), "eps inside the sqrt": dict(eps_inside=True),
                "coupled weight decay": dict(coupled=True)}
    hints = {"no bias correction": "divide m by (1 - beta1 ** t) and v by (1 - beta2 ** t) before the step; "
                                   "both start at 0 and are too small in the first steps.",
             "eps inside the sqrt": "add eps after the square root: sqrt(v_hat) + eps.",
             "coupled weight decay": "AdamW does not add weight_decay * p to the gradient (that is Adam's L2); "
                                     "it multiplies p by (1 - lr * weight_decay) before the Adam step."}
    for shape, scale, lr, betas, eps, weight_decay in cases:
        p0 = torch.randn(shape, dtype=torch.float64, generator=generator)
        grads = [scale * torch.randn(shape, dtype=torch.float64, generator=generator) for _ in range(4)]
        w = torch.nn.Parameter(p0.clone())
        optimizer = torch.optim.AdamW([w], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        p, m, v = p0.clone(), torch.zeros_like(p0), torch.zeros_like(p0)
        wrong = {name: (p0.clone(), torch.zeros_like(p0), torch.zeros_like(p0)) for name in mistakes}
        case = f"for a parameter of shape {shape} (lr {lr}, betas {betas}, eps {eps}, weight_decay {weight_decay})"
        for t, g in enumerate(grads, start=1):
            w.grad = g.clone()
            optimizer.step()
            inputs = (p.clone(), g.clone(), m.clone(), v.clone())
            got = answer(*inputs, t, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
            if any(not torch.equal(a, b) for a, b in zip(inputs, (p, g, m, v))):
                return False, f"{case} your function changed its inputs in place; return new tensors instead."
            if not (isinstance(got, tuple) and len(got) == 3 and all(isinstance(x, torch.Tensor) for x in got)):
                return False, "return a tuple (p, m, v) of three tensors."
            for name, kwargs in mistakes.items():
                wrong[name] = _adamw_variant(*wrong[name][:1], g, *wrong[name][1:], t, lr, betas, eps,
                                             weight_decay, **kwargs)
            if not torch.allclose(got[0], w.detach(), rtol=1e-7, atol=1e-10):
                for name in mistakes:
                    if torch.allclose(got[0], wrong[name][0], rtol=1e-7, atol=1e-10):
                        return False, f"{case} step {t} differs from torch.optim.AdamW. Hint: {hints[name]}"
                return False, (f"{case} step {t} differs from torch.optim.AdamW. Hint: m and v are running "
                               "means with weights beta and (1 - beta); the step is lr * m_hat / (sqrt(v_hat) + eps).")
            p, m, v = got
    return True, "matches torch.optim.AdamW step for step, with and without weight decay, and for gradients near eps."
