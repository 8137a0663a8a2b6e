"""Each exercise checker accepts a right answer and turns typical wrong ones into a hint."""

import math
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import dnnbook
from dnnbook.exercises import exercises

CHAPTERS = sorted((Path(__file__).parents[1] / "chapters").glob("*.ipynb"))


def right_broadcast(a, b):
    return tuple(torch.broadcast_shapes(a, b)) if _broadcastable(a, b) else _raise()


def _broadcastable(a, b):
    try:
        torch.broadcast_shapes(a, b)
        return True
    except RuntimeError:
        return False


def _raise():
    raise ValueError("not broadcastable")


def stable_softmax(z):
    e = (z - z.max(dim=1, keepdim=True).values).exp()
    return e / e.sum(dim=1, keepdim=True)


def ce_grad(logits, labels):
    return (torch.softmax(logits, 1) - F.one_hot(labels, logits.shape[1])) / len(labels)


# The tensors chapter's "view or copy, and which shape?", answered by hand (not computed).
VIEW_OR_COPY = {
    "x[1]": ("view", (3, 4)),
    "x[:, ::2]": ("view", (2, 2, 4)),
    "x[..., [0, 3]]": ("copy", (2, 3, 2)),
    "x[x > 20]": ("copy", (3,)),
    "x.transpose(0, 2)": ("view", (4, 3, 2)),
    "x.reshape(6, 4)": ("view", (6, 4)),
    "x.transpose(0, 1).reshape(6, 4)": ("copy", (6, 4)),
    "x[:, 0].flatten()": ("copy", (8,)),
    "x.unsqueeze(1).expand(2, 5, 3, 4)": ("view", (2, 5, 3, 4)),
    "x.float()": ("copy", (2, 3, 4)),
}


def _predict(**changes):
    return {expression: changes.get(expression, prediction) for expression, prediction in VIEW_OR_COPY.items()}


def lse_log_softmax(z):
    return z - torch.logsumexp(z, dim=1, keepdim=True)


def conv_flops(conv, shape):
    n, _, h, w = shape
    kh, kw = conv.kernel_size
    h_out = (h + 2 * conv.padding[0] - conv.dilation[0] * (kh - 1) - 1) // conv.stride[0] + 1
    w_out = (w + 2 * conv.padding[1] - conv.dilation[1] * (kw - 1) - 1) // conv.stride[1] + 1
    return 2 * n * conv.out_channels * h_out * w_out * (conv.in_channels // conv.groups) * kh * kw


def conv_flops_ignoring_groups(conv, shape):
    return conv_flops(conv, shape) * conv.groups


def conv_flops_square(conv, shape):
    """Reads kernel_size, stride, padding and dilation from the height only, as if all were square."""
    n, _, h, w = shape
    k, s, p, d = conv.kernel_size[0], conv.stride[0], conv.padding[0], conv.dilation[0]
    h_out, w_out = ((size + 2 * p - d * (k - 1) - 1) // s + 1 for size in (h, w))
    return 2 * n * conv.out_channels * h_out * w_out * (conv.in_channels // conv.groups) * k * k


def conv_flops_ignoring_stride(conv, shape):
    n, _, h, w = shape
    kh, kw = conv.kernel_size
    return 2 * n * conv.out_channels * (h + 2 * conv.padding[0] - kh + 1) * (w + 2 * conv.padding[1] - kw + 1) * conv.in_channels * kh * kw


def fold_batchnorm(linear, bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # (out,)
    return scale[:, None] * linear.weight, scale * (linear.bias - bn.running_mean) + bn.bias


def clip_by_total_norm(grads, max_norm):
    total = torch.cat([g.flatten() for g in grads]).norm()
    return [g * min(1.0, max_norm / (total.item() + 1e-6)) for g in grads]


def stream_bits(model, ids, block_size, carry=True, shift=1, drop_tail=False, mean_of_windows=False, nats=False):
    """Bits per character over one stream read in windows of block_size, the state carried (or a typical mistake)."""
    x, y = ids[:-1], ids[shift:len(ids) - 1 + shift]
    sums, counts, state = [], [], None
    with torch.no_grad():
        for start in range(0, len(x), block_size):
            if drop_tail and start + block_size > len(x):
                break
            logits, state = model(x[None, start:start + block_size], state if carry else None)
            sums.append(F.cross_entropy(logits[0], y[start:start + block_size], reduction="sum").item())
            counts.append(len(x[start:start + block_size]))
    loss = sum(s / c for s, c in zip(sums, counts)) / len(sums) if mean_of_windows else sum(sums) / sum(counts)
    return loss if nats else loss / math.log(2)


def stream_bits_at_once(model, ids, block_size):
    """The same figure read in one go: carrying the state makes the windows invisible."""
    with torch.no_grad():
        logits, _ = model(ids[None, :-1])
    return F.cross_entropy(logits[0], ids[1:]).item() / math.log(2)


def padding_mask(lengths, S):
    return (torch.arange(S)[None, :] < lengths[:, None])[:, None, None, :]


def mirror_agreement(model, images, dim=-1, share=True, eval_mode=True, restore=True, by_scores=False):
    was_training = model.training
    if eval_mode:
        model.eval()
    with torch.no_grad():
        a, b = model(images), model(images.flip(dim))
    if restore:
        model.train(was_training)
    same = (a == b).all(dim=1) if by_scores else a.argmax(1) == b.argmax(1)   # (N,)
    return same.float().mean().item() if share else int(same.sum())


def mirror_agreement_fliplr(model, images):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        same = model(images).argmax(1) == model(torch.fliplr(images)).argmax(1)   # fliplr: dim 1
    model.train(was_training)
    return same.float().mean().item()


def mirror_in_place(model, images):
    images.copy_(images.flip(-1))
    return 1.0


RIGHT = {
    "gpu.conv2d_flops": conv_flops,
    "mlp.log_softmax": lse_log_softmax,
    "tensors.broadcast_shape": right_broadcast,
    "tensors.softmax": stable_softmax,
    "tensors.view_or_copy": VIEW_OR_COPY,
    "autograd.cross_entropy_grad": ce_grad,
    "regularization.fold_batchnorm": fold_batchnorm,
    "cnn.conv1x1": lambda x, w, b: F.conv2d(x, w, b),
    "resnet.mirror_agreement": mirror_agreement,
    "rnn.clip_grad_norm": clip_by_total_norm,
    "language_model.stream_bits": stream_bits,
    "transformer.padding_mask": padding_mask,
}

WRONG = [  # (exercise, answer, what the feedback must say)
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, dim=-2), "along the width"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, dim=1), "torch.fliplr flips dimension 1"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement_fliplr(m, x), "torch.fliplr flips dimension 1"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, share=False), "not their number"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, eval_mode=False), "predict in eval mode"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, restore=False), "restore the mode it had"),
    ("resnet.mirror_agreement", lambda m, x: mirror_agreement(m, x, by_scores=True), "not the scores themselves"),
    ("resnet.mirror_agreement", mirror_in_place, "changed the images it was given"),
    ("resnet.mirror_agreement", lambda m, x: torch.ones(3), "return one number"),
    ("resnet.mirror_agreement", "agreement", "a function"),
    ("tensors.broadcast_shape", lambda a, b: tuple(max(x, y) for x, y in zip(a, b)), "align the shapes from the right"),
    ("tensors.broadcast_shape", lambda a, b: tuple(torch.broadcast_shapes(a, b)), "raised RuntimeError"),
    ("tensors.broadcast_shape", lambda a, b: (1,), "you returned (1,), expected (3, 4)"),
    ("tensors.broadcast_shape", lambda a, b: right_broadcast(a, b) if _broadcastable(a, b) else (2, 3),
     "do not broadcast, but you returned"),
    ("tensors.softmax", lambda z: z.exp() / z.exp().sum(dim=1, keepdim=True), "subtract each row's maximum"),
    ("tensors.softmax", lambda z: (e := (z - z.max()).exp()) / e.sum(), "normalise each row"),
    ("tensors.view_or_copy", {e: ("view", shape) for e, (_, shape) in VIEW_OR_COPY.items()}, "a list or a tensor"),
    ("tensors.view_or_copy", {e: ("copy", shape) for e, (_, shape) in VIEW_OR_COPY.items()}, "integers and slices"),
    ("tensors.view_or_copy", _predict(**{"x[x > 20]": ("view", (3,))}), "a boolean mask"),
    ("tensors.view_or_copy", _predict(**{"x.transpose(0, 1).reshape(6, 4)": ("view", (6, 4))}), "compare the strides"),
    ("tensors.view_or_copy", _predict(**{"x[:, 0].flatten()": ("view", (8,))}), "not laid out one after the other"),
    ("tensors.view_or_copy", _predict(**{"x.reshape(6, 4)": ("copy", (6, 4))}), "consecutive in memory"),
    ("tensors.view_or_copy", _predict(**{"x.unsqueeze(1).expand(2, 5, 3, 4)": ("copy", (2, 5, 3, 4))}), "stride 0"),
    ("tensors.view_or_copy", _predict(**{"x.float()": ("view", (2, 3, 4))}), "a different dtype"),
    ("tensors.view_or_copy", _predict(**{"x[1]": ("view", (1, 3, 4))}), "an integer index removes"),
    ("tensors.view_or_copy", _predict(**{"x[x > 20]": ("copy", (2, 3, 4))}), "one entry per True"),
    ("tensors.view_or_copy", _predict(**{"x[1]": ("a view", (3, 4))}), 'say "view" or "copy"'),
    ("tensors.view_or_copy", _predict(**{"x[1]": "view"}), "give a pair"),
    ("tensors.view_or_copy", {e: p for e, p in VIEW_OR_COPY.items() if e != "x.float()"}, "missing: x.float()"),
    ("tensors.view_or_copy", list(VIEW_OR_COPY.values()), "pass a dict"),
    ("autograd.cross_entropy_grad", lambda s, t: ce_grad(s, t) * len(t), "the 1/N of the mean"),
    ("autograd.cross_entropy_grad", lambda s, t: torch.softmax(s, 1) / len(t), "one-hot labels"),
    ("autograd.cross_entropy_grad", 42, "a function"),
    ("mlp.log_softmax", lambda z: torch.log(torch.softmax(z, dim=1)), "inf or nan"),
    ("mlp.log_softmax", lambda z: z - torch.logsumexp(z, dim=0, keepdim=True), "reduce over each row"),
    ("regularization.fold_batchnorm", lambda lin, bn: (lin.weight * (bn.weight / bn.running_var.sqrt())[:, None],
                                           (lin.bias - bn.running_mean) * bn.weight / bn.running_var.sqrt() + bn.bias),
     "add bn.eps"),
    ("regularization.fold_batchnorm", lambda lin, bn: (lin.weight * (bn.weight / (bn.running_var + bn.eps))[:, None],
                                           (lin.bias - bn.running_mean) * bn.weight / (bn.running_var + bn.eps) + bn.bias),
     "not the variance"),
    ("regularization.fold_batchnorm", lambda lin, bn: (fold_batchnorm(lin, bn)[0], lin.bias * bn.weight / torch.sqrt(bn.running_var + bn.eps) + bn.bias),
     "subtract the running mean"),
    ("regularization.fold_batchnorm", lambda lin, bn: (lin.weight, lin.bias), "gamma (z - mean)"),
    ("regularization.fold_batchnorm", lambda lin, bn: fold_batchnorm(lin, bn)[0], "a pair (weight, bias)"),
    ("cnn.conv1x1", lambda x, w, b: F.conv2d(x, w), "add the bias"),
    ("cnn.conv1x1", lambda x, w, b: (w.view(w.shape[0], -1) @ x.view(x.shape[0], x.shape[1], -1)).view(
        x.shape[0], -1, *x.shape[2:]) + b.view(1, -1, 1, 1), "reshape() copies when view() cannot"),
    ("cnn.conv1x1", lambda x, w, b: torch.einsum("oc,nchw->nohw", w[:, :, 0, 0], x).transpose(2, 3) + b.view(1, -1, 1, 1),
     "expected (2, 4, 5, 7)"),
    ("cnn.conv1x1", lambda x, w, b: torch.einsum("oc,nchw->nohw", w[:, :, 0, 0], x) / x.shape[1] + b.view(1, -1, 1, 1),
     "keep each pixel where it was"),  # a mean over the channels instead of the sum
    ("rnn.clip_grad_norm", lambda grads, m: [g * m / torch.cat([h.flatten() for h in grads]).norm() for g in grads],
     "leave the gradients unchanged"),
    ("rnn.clip_grad_norm", lambda grads, m: [g * min(1.0, m / g.norm().item()) for g in grads], "all gradients together"),
    ("rnn.clip_grad_norm", lambda grads, m: [g.clamp(-m, m) for g in grads], "sqrt(sum of all squared entries)"),
    ("rnn.clip_grad_norm", lambda grads, m: grads[0], "return a list of 2 tensors"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T, carry=False), "zero state"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T, shift=0), "ids[t + 1]"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T, drop_tail=True), "the last, shorter window"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T, mean_of_windows=True), "not over windows"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T, nats=True), "divide the loss in nats by ln 2"),
    ("language_model.stream_bits", lambda m, ids, T: stream_bits(m, ids, T) + 0.01, "feed window k with the state"),
    ("language_model.stream_bits", lambda m, ids, T: torch.tensor([1.0, 2.0]), "as a number"),
    ("transformer.padding_mask", lambda lengths, S: ~padding_mask(lengths, S), "inverted"),
    ("transformer.padding_mask", lambda lengths, S: padding_mask(lengths, S)[:, 0, 0], "index with [:, None, None, :]"),
    ("transformer.padding_mask", lambda lengths, S: padding_mask(lengths, S).transpose(2, 3), "mask the keys"),
    ("transformer.padding_mask", lambda lengths, S: padding_mask(lengths, S).float(), "boolean tensor"),
    ("transformer.padding_mask", lambda lengths, S: padding_mask(lengths + 1, S), "j < lengths[b]"),
    ("gpu.conv2d_flops", lambda conv, shape: conv_flops(conv, shape) // 2, "a multiply-add is 2 FLOPs"),
    ("gpu.conv2d_flops", conv_flops_ignoring_stride, "the output here is (2, 8, 14, 14)"),
    ("gpu.conv2d_flops", conv_flops_ignoring_groups, "each output channel sees only C_in / groups = 4"),
    ("gpu.conv2d_flops", conv_flops_square, "Use each axis's own entry"),
]


def test_stream_bits_also_accepts_reading_the_stream_at_once_or_a_tensor():
    # Carried across windows, the state makes the cut invisible: one pass over the stream is right too.
    assert dnnbook.check("language_model.stream_bits", stream_bits_at_once)
    assert dnnbook.check("language_model.stream_bits", lambda m, ids, T: torch.tensor(stream_bits(m, ids, T)))


def test_the_stream_bits_checker_leaves_the_global_random_state_alone():
    before = torch.random.get_rng_state()
    dnnbook.check("language_model.stream_bits", stream_bits)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_every_checker_has_a_right_answer_here():
    assert sorted(RIGHT) == exercises()


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answers_pass(name):
    feedback = dnnbook.check(name, RIGHT[name])
    assert feedback and feedback.correct, feedback
    assert repr(feedback).startswith(f"Correct ({name}): ")


@pytest.mark.parametrize("name, answer, hint", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answers_get_a_hint(name, answer, hint):
    feedback = dnnbook.check(name, answer)
    assert not feedback
    assert hint in feedback.message, feedback
    assert repr(feedback).startswith(f"Not yet ({name}): ")


def test_unknown_exercise():
    with pytest.raises(KeyError, match="no exercise named 'nope'; the checked ones are: autograd.cross_entropy_grad"):
        dnnbook.check("nope", None)


def test_old_numbered_names_still_work_with_a_warning():
    with pytest.warns(DeprecationWarning, match="'04.fold_batchnorm' is now called 'regularization.fold_batchnorm'"):
        feedback = dnnbook.check("04.fold_batchnorm", fold_batchnorm)
    assert feedback and feedback.exercise == "regularization.fold_batchnorm"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_each_chapter_checks_at_least_one_exercise_with_its_own_checker(notebook):
    used = set(re.findall(r'dnnbook\.check\(\\"(\w+\.\w+)\\"', notebook.read_text()))
    assert used, f"{notebook.name} uses no dnnbook.check"
    assert all(name.startswith(notebook.stem + ".") for name in used) and used <= set(exercises())


# The optimization chapter ------------------------------------------------------------------------

def adamw_step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
    beta1, beta2 = betas
    p = p * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


def adamw_wrong(correct=True, eps_inside=False, coupled=False, order="decay first", in_place=False):
    def step(p, g, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        beta1, beta2 = betas
        if coupled:
            g = g + weight_decay * p
        elif order == "decay first":
            p = p * (1 - lr * weight_decay)
        if in_place:
            m.mul_(beta1).add_((1 - beta1) * g)
        else:
            m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if correct else (m, v)
        denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        p = p - lr * m_hat / denom
        if order == "decay last" and not coupled:
            p = p * (1 - lr * weight_decay)
        return p, m, v
    return step


RIGHT["optimization.adamw_step"] = adamw_step

OPTIMIZATION_WRONG = [
    (adamw_wrong(correct=False), "divide m by (1 - beta1 ** t)"),
    (adamw_wrong(eps_inside=True), "add eps after the square root"),
    (adamw_wrong(coupled=True), "AdamW does not add weight_decay * p to the gradient"),
    (adamw_wrong(order="decay last"), "the step is lr * m_hat / (sqrt(v_hat) + eps)"),
    (adamw_wrong(in_place=True), "changed its inputs in place"),
    (lambda p, g, m, v, t, **hyper: adamw_step(p, g, m, v, t, **hyper)[0], "a tuple (p, m, v)"),
]


@pytest.mark.parametrize("answer, hint", OPTIMIZATION_WRONG, ids=[f"optimization.adamw_step-{i}" for i in range(6)])
def test_optimization_wrong_answers_get_a_hint(answer, hint):
    feedback = dnnbook.check("optimization.adamw_step", answer)
    assert not feedback
    assert hint in feedback.message, feedback
