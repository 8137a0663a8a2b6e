import doctest

import pytest
import torch
import torch.nn.functional as F
from torchvision.transforms import v2

import dnnbook
from dnnbook import augment


def images(n=32, c=1, h=6, w=5):
    return torch.arange(n * c * h * w, dtype=torch.float32).reshape(n, c, h, w) + 1


def test_docstring_example():
    assert doctest.testmod(augment).failed == 0


@pytest.mark.parametrize("channels", [1, 3])
def test_random_shift_is_torchvisions_crop_of_the_padded_image_at_the_drawn_offsets(channels):
    x = images(c=channels)
    shifted = dnnbook.random_shift(x, 2, torch.Generator().manual_seed(0))
    draws = torch.Generator().manual_seed(0)                   # the same offsets again
    top, left = (torch.randint(0, 5, (len(x),), generator=draws) for _ in range(2))
    padded = F.pad(x, (2,) * 4)
    for i in range(len(x)):
        assert torch.equal(shifted[i], v2.functional.crop(padded[i], int(top[i]), int(left[i]), 6, 5))
    assert len(set(zip(top.tolist(), left.tolist()))) > 5      # a different shift per image, not one


def test_random_shift_by_zero_changes_nothing_and_is_repeatable():
    x = images()
    assert torch.equal(dnnbook.random_shift(x, 0), x)
    a = dnnbook.random_shift(x, 1, torch.Generator().manual_seed(3))
    b = dnnbook.random_shift(x, 1, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and not torch.equal(a, x)


def test_random_flip_mirrors_each_image_with_its_own_draw():
    x = images(n=64)
    flipped = dnnbook.random_flip(x, torch.Generator().manual_seed(0))
    mirrored = torch.rand(64, generator=torch.Generator().manual_seed(0)) < 0.5
    for i in range(64):
        assert torch.equal(flipped[i], v2.functional.horizontal_flip(x[i]) if mirrored[i] else x[i])
    assert 16 < int(mirrored.sum()) < 48


@pytest.mark.parametrize("function", [dnnbook.random_flip, lambda x: dnnbook.random_shift(x, 1)])
def test_a_single_image_is_refused_with_the_fix(function):
    with pytest.raises(ValueError, match=r"\(N, C, H, W\); got \(1, 6, 5\).*unsqueeze\(0\)"):
        function(images()[0])


@pytest.mark.parametrize("padding", [-1, 1.5, True])
def test_bad_padding_is_refused(padding):
    with pytest.raises(ValueError, match="padding must be an int >= 0"):
        dnnbook.random_shift(images(), padding)


def test_augmented_transforms_inputs_only_and_repeats_with_the_same_seed():
    x, y = images(n=10), torch.arange(10)
    loader = dnnbook.TensorLoader(x, y, batch_size=4)

    def run(seed):
        return list(dnnbook.Augmented(loader, lambda b, g: dnnbook.random_shift(b, 1, g),
                                      torch.Generator().manual_seed(seed)))

    first, again = run(0), run(0)
    assert len(first) == len(dnnbook.Augmented(loader, lambda b, g: b)) == 3
    assert [yb.tolist() for _, yb in first] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again))
    assert not torch.equal(torch.cat([xb for xb, _ in first]), x)


def test_augmented_refuses_a_non_function():
    with pytest.raises(TypeError, match=r"augment must be a function augment\(inputs, generator\)"):
        dnnbook.Augmented([], "flip")


def test_random_flip_where_flips_only_the_allowed_images_with_the_same_draws():
    x, labels = images(n=64), torch.arange(64) % 10
    allowed = torch.isin(labels, torch.tensor([0, 1, 3]))                     # (64,)
    flipped = dnnbook.random_flip(x, torch.Generator().manual_seed(0), where=allowed)
    mirrored = (torch.rand(64, generator=torch.Generator().manual_seed(0)) < 0.5) & allowed
    for i in range(64):
        assert torch.equal(flipped[i], v2.functional.horizontal_flip(x[i]) if mirrored[i] else x[i])
    assert 4 < int(mirrored.sum()) < int(allowed.sum()) - 4                    # some allowed ones, not all
    everywhere = dnnbook.random_flip(x, torch.Generator().manual_seed(0), where=torch.ones(64, dtype=torch.bool))
    assert torch.equal(everywhere, dnnbook.random_flip(x, torch.Generator().manual_seed(0)))
    assert torch.equal(dnnbook.random_flip(x, where=torch.zeros(64, dtype=torch.bool)), x)


@pytest.mark.parametrize("where, error, match", [
    (torch.ones(64), TypeError, r"where must be a bool tensor.*got a torch.float32 tensor.*torch\.isin"),
    ([True] * 64, TypeError, r"where must be a bool tensor.*got list"),
    (torch.ones(63, dtype=torch.bool), ValueError, r"where must have shape \(64,\).*got \(63,\)"),
    (torch.ones(64, 1, dtype=torch.bool), ValueError, r"shape \(64,\), one entry per image.*got \(64, 1\)"),
])
def test_a_bad_where_is_refused_with_the_fix(where, error, match):
    with pytest.raises(error, match=match):
        dnnbook.random_flip(images(n=64), where=where)


def test_augmented_with_targets_hands_each_batch_its_labels():
    x, y = images(n=10), torch.arange(10)
    loader = dnnbook.TensorLoader(x, y, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    seen = []

    def flip_odd(inputs, targets, generator):
        seen.append(targets.clone())
        return dnnbook.random_flip(inputs, generator, where=targets % 2 == 1)

    batches = list(dnnbook.Augmented(loader, flip_odd, torch.Generator().manual_seed(1), with_targets=True))
    assert [t.tolist() for t in seen] == [yb.tolist() for _, yb in batches]   # the batch's own labels
    xs, ys = torch.cat([xb for xb, _ in batches]), torch.cat([yb for _, yb in batches])
    originals = x[ys]                                                        # (10, 1, 6, 5), in the loader's order
    unchanged = (xs == originals).flatten(1).all(dim=1)
    mirrored = (xs == originals.flip(-1)).flatten(1).all(dim=1)
    assert unchanged[ys % 2 == 0].all() and (unchanged | mirrored).all() and mirrored.any()


def test_augmented_with_targets_refuses_batches_without_targets():
    loader = [(images(n=4),)]
    with pytest.raises(ValueError, match=r"with_targets=True needs batches \(inputs, targets, \.\.\.\)"):
        list(dnnbook.Augmented(loader, lambda x, y, g: x, with_targets=True))
    with pytest.raises(TypeError, match=r"augment\(inputs, targets, generator\)"):
        dnnbook.Augmented(loader, None, with_targets=True)
    with pytest.raises(TypeError, match="with_targets is True or False"):
        dnnbook.Augmented(loader, lambda x, g: x, with_targets="yes")
