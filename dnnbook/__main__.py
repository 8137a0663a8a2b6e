"""`python -m dnnbook [--offline]`: check this machine is ready for the book; fetch and cache the data.

Prints the versions that matter, the device the chapters will use, and where Fashion-MNIST was
found; exits non-zero with the loader's message (which says how to fix it) when the data is missing.
"""

import sys
import time

import torch

from dnnbook import __version__, available_devices, get_device, load_fashion_mnist
from dnnbook.data import DataError


def main(argv: list[str]) -> int:
    offline = "--offline" in argv  # look on this machine only, never download
    print(f"dnnbook {__version__}, torch {torch.__version__}, Python {sys.version.split()[0]}")
    print(f"devices: {', '.join(available_devices())}; chapters will use: {get_device()}")
    start = time.perf_counter()
    try:
        dataset = load_fashion_mnist(download=not offline)
    except DataError as err:
        print(f"Fashion-MNIST: NOT READY\n{err}", file=sys.stderr)
        return 1
    print(f"Fashion-MNIST: {dataset} from {dataset.source} ({time.perf_counter() - start:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
