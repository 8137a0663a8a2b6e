"""The Fashion-MNIST loader, on the real files (installed by the set-up) and on broken copies."""

import gzip
import shutil
import urllib.error

import pytest
import torch

import dnnbook
from dnnbook import data as data_module
from dnnbook.data import DataError, parse_idx

NAMES = list(data_module._FILES)
DEBIAN_DIR = data_module.DEBIAN_DIR  # before any test pretends it is missing


@pytest.fixture(scope="module")
def dataset():
    return dnnbook.load_fashion_mnist(download=False)


def copy_gz(name, target):
    """Put one real .gz file at ``target``: Debian's, or else the set-up's cached copy, compressed."""
    debian = DEBIAN_DIR / f"{name}.gz"
    if debian.exists():
        shutil.copy(debian, target)
    else:
        target.write_bytes(gzip.compress((dnnbook.data_dir() / "FashionMNIST" / "raw" / name).read_bytes()))


@pytest.fixture
def packed_root(tmp_path, dataset):  # `dataset`: the real data is present before we copy it
    """A data folder holding the four real .gz files, in torchvision's layout."""
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in NAMES:
        copy_gz(name, raw / f"{name}.gz")
    return tmp_path


@pytest.fixture
def nowhere(monkeypatch):
    """Pretend Debian's package is not installed."""
    monkeypatch.setattr(data_module, "DEBIAN_DIR", DEBIAN_DIR / "not-installed")


def test_real_data_set_sizes_and_types(dataset):
    assert dataset.train_images.shape == (60000, 28, 28)
    assert dataset.test_images.shape == (10000, 28, 28)
    assert dataset.train_images.dtype == torch.uint8
    assert dataset.train_labels.dtype == dataset.test_labels.dtype == torch.int64
    assert dataset.classes == dnnbook.FASHION_MNIST_CLASSES and len(dataset.classes) == 10
    # Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    assert torch.bincount(dataset.train_labels).tolist() == [6000] * 10
    assert torch.bincount(dataset.test_labels).tolist() == [1000] * 10
    assert "FashionMNIST(train=60000, test=10000" in repr(dataset)


def test_real_images_are_not_noise(dataset):
    # Real photographs of clothes: a black background (most pixels 0) and smooth shapes, so
    # neighbouring pixels are strongly correlated. Uniform noise would have neither property.
    images = dataset.test_images.float()
    assert (images == 0).float().mean() > 0.4
    left, right = images[:, :, :-1].flatten(), images[:, :, 1:].flatten()
    assert torch.corrcoef(torch.stack([left, right]))[0, 1] > 0.8  # measured: 0.85; noise: 0.00


def test_split_gives_floats_in_unit_range(dataset):
    x, y = dataset.split("test")
    assert x.shape == (10000, 1, 28, 28) and x.dtype == torch.float32
    assert 0 <= x.min() and x.max() <= 1 and x.max() == 1
    assert torch.equal(y, dataset.test_labels)
    flat, _ = dataset.split("train", flatten=True, device="cpu")
    assert flat.shape == (60000, 784)
    with pytest.raises(ValueError, match="'train' or 'test'"):
        dataset.split("validation")


def test_first_load_fills_the_cache_and_the_second_uses_it(packed_root, nowhere):
    first = dnnbook.load_fashion_mnist(packed_root, download=False)
    raw = packed_root / "FashionMNIST" / "raw"
    assert all((raw / name).exists() for name in NAMES)
    for name in NAMES:
        (raw / f"{name}.gz").unlink()
    second = dnnbook.load_fashion_mnist(packed_root, download=False)
    assert torch.equal(first.train_images, second.train_images)
    assert second.source == str(raw)


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DNNBOOK_DATA", str(tmp_path))
    assert dnnbook.data_dir() == tmp_path
    monkeypatch.delenv("DNNBOOK_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert dnnbook.data_dir() == tmp_path / "xdg" / "dnnbook"


def test_corrupt_cached_file_is_named_with_the_fix(packed_root, nowhere):
    dnnbook.load_fashion_mnist(packed_root, download=False)
    victim = packed_root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"
    data = bytearray(victim.read_bytes())
    data[100] ^= 1  # one flipped bit in one label
    victim.write_bytes(bytes(data))
    with pytest.raises(DataError, match=f"{victim} is not the Fashion-MNIST file .*Delete {victim}"):
        dnnbook.load_fashion_mnist(packed_root, download=False)


def test_truncated_archive_is_an_error(packed_root, nowhere):
    victim = packed_root / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:1000])
    with pytest.raises(DataError, match="cannot be decompressed"):
        dnnbook.load_fashion_mnist(packed_root, download=False)


def test_other_data_is_refused(packed_root, nowhere):
    # A valid IDX file of the right kind, but not Fashion-MNIST (e.g. MNIST digits): refused.
    victim = packed_root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    labels = gzip.decompress(victim.read_bytes())
    victim.write_bytes(gzip.compress(labels[:8] + bytes(reversed(labels[8:]))))
    with pytest.raises(DataError, match="SHA-256"):
        dnnbook.load_fashion_mnist(packed_root, download=False)


def test_missing_data_without_download_says_how_to_get_it(tmp_path, nowhere):
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        dnnbook.load_fashion_mnist(tmp_path, download=False)


def test_download_goes_through_torchvision(tmp_path, nowhere, monkeypatch):
    # No network here: stand in for torchvision's download by copying the real archives where
    # torchvision would put them, and check the loader then verifies and uses them.
    calls = []

    class FakeTorchvisionFashionMNIST:
        def __init__(self, root, train, download):
            calls.append((root, train, download))
            raw = tmp_path / "FashionMNIST" / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            for name in NAMES:
                copy_gz(name, raw / f"{name}.gz")

    monkeypatch.setattr("torchvision.datasets.FashionMNIST", FakeTorchvisionFashionMNIST)
    loaded = dnnbook.load_fashion_mnist(tmp_path, download=True)
    assert calls == [(str(tmp_path), True, True), (str(tmp_path), False, True)]
    assert loaded.train_images.shape == (60000, 28, 28)


def test_failed_download_is_a_clear_error(tmp_path, nowhere, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("torchvision.datasets.FashionMNIST", offline)
    with pytest.raises(DataError, match=r"(?s)downloading it into .* failed: .*no network.*apt-get"):
        dnnbook.load_fashion_mnist(tmp_path, download=True)


def idx(*shape, type_code=0x08, extra=0):
    count = 1
    for n in shape:
        count *= n
    header = bytes([0, 0, type_code, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)
    return header + bytes(range(count + extra))


def test_parse_idx_reads_shape_and_values():
    tensor = parse_idx(idx(2, 3))
    assert tensor.shape == (2, 3) and tensor.dtype == torch.uint8
    assert tensor.tolist() == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("data, message", [
    (b"\x01\x00\x08\x01", "two zero bytes"),
    (idx(4, type_code=0x0D), "type code 0x0d"),
    (idx(2, 3, extra=1), r"shape \(2, 3\) \(6 values\) but the file holds 7"),
    (bytes([0, 0, 8, 3, 0, 0]), "promises 3 dimensions"),
])
def test_parse_idx_rejects_malformed_files(data, message):
    with pytest.raises(DataError, match=message):
        parse_idx(data)
