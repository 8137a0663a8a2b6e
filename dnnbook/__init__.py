"""dnnbook: the plumbing the chapters of *Deep Neural Networks with PyTorch* share.

What a chapter teaches is written in the chapter; this package holds only what several chapters
need: choosing a device, seeding, loading data, the training loop and plotting.
"""

from dnnbook.data import FASHION_MNIST_CLASSES, DataError, FashionMNIST, data_dir, load_fashion_mnist
from dnnbook.device import available_devices, get_device
from dnnbook.loader import TensorLoader
from dnnbook.plot import plot_history, show_images, use_book_style
from dnnbook.seed import seed_everything
from dnnbook.train import History, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "FASHION_MNIST_CLASSES", "DataError", "FashionMNIST", "History", "TensorLoader",
    "available_devices", "data_dir", "evaluate", "fit", "get_device", "load_fashion_mnist",
    "plot_history", "seed_everything", "show_images", "use_book_style",
]
