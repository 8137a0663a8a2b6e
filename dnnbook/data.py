"""Fashion-MNIST, the real data set, loaded into memory as tensors.

Where the files come from, in order:

1. the cache, ``$DNNBOOK_DATA/FashionMNIST/raw`` (``$DNNBOOK_DATA`` defaults to ``~/.cache/dnnbook``),
   holding the four uncompressed IDX files, the same layout torchvision uses;
2. the four ``.gz`` files in that folder or in ``/usr/share/datasets/fashion-mnist``
   (Debian's package ``dataset-fashion-mnist``), decompressed into the cache;
3. torchvision's download, when ``download=True`` and the network allows.

Every file is checked against the SHA-256 of its uncompressed bytes, recorded below, so a
truncated download or a different data set is an error, never something to train on.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import torch

DATA_ENV_VAR = "DNNBOOK_DATA"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

# SHA-256 and size of each *uncompressed* IDX file. The .gz bytes differ between Debian's package
# and the original download (different gzip settings); what is inside them must not.
_FILES = {
    "train-images-idx3-ubyte": ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016),
    "train-labels-idx1-ubyte": ("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008),
    "t10k-images-idx3-ubyte": ("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016),
    "t10k-labels-idx1-ubyte": ("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008),
}

_HOW_TO_GET_IT = (
    "To get it, do one of:\n"
    "  * on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist\n"
    "  * with network access: call load_fashion_mnist(download=True) once (torchvision downloads it)\n"
    "  * copy the four IDX files (.gz or uncompressed) into $DNNBOOK_DATA/FashionMNIST/raw"
)


class DataError(RuntimeError):
    """The data set is missing or is not what it should be; the message says how to fix it."""


def data_dir() -> Path:
    """The folder data sets are cached in: ``$DNNBOOK_DATA``, else ``~/.cache/dnnbook``."""
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR]).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "dnnbook"


def parse_idx(data: bytes | bytearray) -> torch.Tensor:
    """Decode an IDX file of unsigned bytes (the MNIST format) into a uint8 tensor.

    Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, one
    big-endian int32 per dimension, then the values in row-major order.
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError("not an IDX file: it does not start with two zero bytes")
    if data[2] != 0x08:
        raise DataError(f"IDX type code {data[2]:#04x} is not 0x08 (unsigned byte)")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise DataError(f"IDX header promises {ndim} dimensions but the file is {len(data)} bytes")
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    count = 1
    for n in shape:
        count *= n
    if len(data) - offset != count:
        raise DataError(f"IDX header says shape {tuple(shape)} ({count} values) "
                        f"but the file holds {len(data) - offset}")
    buffer = bytearray(data)  # writable, so torch can share it without a warning
    return torch.frombuffer(buffer, dtype=torch.uint8, offset=offset, count=count).view(shape)


def _verify(name: str, data: bytes, where: Path, fix: str) -> None:
    expected_sha, expected_size = _FILES[name]
    if len(data) != expected_size or hashlib.sha256(data).hexdigest() != expected_sha:
        raise DataError(
            f"{where} is not the Fashion-MNIST file {name}: expected {expected_size} bytes with "
            f"SHA-256 {expected_sha[:12]}..., got {len(data)} bytes with SHA-256 "
            f"{hashlib.sha256(data).hexdigest()[:12]}.... It is truncated or corrupt. {fix}"
        )


def _gunzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path} cannot be decompressed ({err}). {_fix_for(path)}") from err


def _fix_for(path: Path) -> str:
    if path.parent == DEBIAN_DIR:
        return "Reinstall it: sudo apt-get install --reinstall dataset-fashion-mnist"
    return f"Delete {path} and load again; it will be fetched afresh."


def _write_cache(path: Path, data: bytes) -> bool:
    """Write atomically, so an interrupted run never leaves half a file behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    except OSError:
        return False  # a read-only data folder: we simply decompress again next time


def _read_file(name: str, raw: Path) -> tuple[bytes, str] | None:
    """The verified uncompressed bytes of one file and where they came from, or None if absent."""
    cached = raw / name
    if cached.exists():
        data = cached.read_bytes()
        _verify(name, data, cached, _fix_for(cached))
        return data, str(raw)
    for folder in (raw, DEBIAN_DIR):
        packed = folder / f"{name}.gz"
        if packed.exists():
            data = _gunzip(packed)
            _verify(name, data, packed, _fix_for(packed))
            _write_cache(cached, data)
            return data, str(folder)
    return None


def _download(root: Path) -> None:
    try:
        from torchvision.datasets import FashionMNIST as TorchvisionFashionMNIST
    except ImportError as err:
        raise DataError(f"Fashion-MNIST is not on this machine and torchvision, which would "
                        f"download it, cannot be imported ({err}).\n{_HOW_TO_GET_IT}") from err
    try:
        for train in (True, False):
            TorchvisionFashionMNIST(str(root), train=train, download=True)
    except Exception as err:  # torchvision raises URLError, RuntimeError, ... depending on the failure
        raise DataError(f"Fashion-MNIST is not on this machine and downloading it into {root} "
                        f"failed: {err}\n{_HOW_TO_GET_IT}") from err


@dataclass(frozen=True, repr=False)
class FashionMNIST:
    """The 70,000 real Fashion-MNIST images: 28x28 grey levels 0-255, labels 0-9."""

    train_images: torch.Tensor  # (60000, 28, 28) uint8
    train_labels: torch.Tensor  # (60000,) int64
    test_images: torch.Tensor  # (10000, 28, 28) uint8
    test_labels: torch.Tensor  # (10000,) int64
    source: str = ""
    classes: tuple[str, ...] = field(default=FASHION_MNIST_CLASSES)

    def __repr__(self) -> str:
        return (f"FashionMNIST(train={len(self.train_labels)}, test={len(self.test_labels)}, "
                f"image shape={tuple(self.train_images.shape[1:])}, classes={len(self.classes)})")

    def split(self, name: str, *, flatten: bool = False,
              device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Images as float32 in [0, 1] and labels, for ``name`` = "train" or "test".

        Shapes: images (N, 1, 28, 28), or (N, 784) with ``flatten=True``; labels (N,).
        """
        if name not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {name!r}")
        images = self.train_images if name == "train" else self.test_images
        labels = self.train_labels if name == "train" else self.test_labels
        x = images.to(device=device, dtype=torch.float32) / 255
        x = x.reshape(len(x), -1) if flatten else x.unsqueeze(1)  # (N, 784) or (N, 1, 28, 28)
        return x, labels.to(device)


def load_fashion_mnist(root: str | Path | None = None, *, download: bool = True) -> FashionMNIST:
    """Load the real Fashion-MNIST (60,000 training and 10,000 test images) into memory.

    ``root`` defaults to :func:`data_dir`. The first call decompresses (or downloads) into
    ``root/FashionMNIST/raw``; later calls read the uncompressed files directly.

    Raises:
        DataError: the data is missing (and could not be downloaded) or a file is corrupt;
            the message says what to do.
    """
    root = Path(root).expanduser() if root is not None else data_dir()
    raw = root / "FashionMNIST" / "raw"
    found = {name: _read_file(name, raw) for name in _FILES}
    missing = [name for name, got in found.items() if got is None]
    if missing and download:
        _download(root)
        found.update({name: _read_file(name, raw) for name in missing})
        missing = [name for name, got in found.items() if got is None]
    if missing:
        raise DataError(f"Fashion-MNIST files {', '.join(missing)} were found neither in {raw} "
                        f"nor in {DEBIAN_DIR}.\n{_HOW_TO_GET_IT}")

    tensors = {name: parse_idx(data) for name, (data, _) in found.items()}
    sources = sorted({where for _, where in found.values()})
    return FashionMNIST(
        train_images=tensors["train-images-idx3-ubyte"],
        train_labels=tensors["train-labels-idx1-ubyte"].long(),
        test_images=tensors["t10k-images-idx3-ubyte"],
        test_labels=tensors["t10k-labels-idx1-ubyte"].long(),
        source=", ".join(sources),
    )

