"""dnnbook: the plumbing the chapters of *Deep Neural Networks with PyTorch* share.

What a chapter teaches is written in the chapter; this package holds only what several chapters
need: choosing a device, seeding, loading and augmenting data, the training loop, checkpoints,
plotting, expected errors, experiments over seeds, explorers that also respond in the HTML book,
sampling text from a language model and the exercise checkers.
"""

from dnnbook.augment import Augmented, random_flip, random_shift
from dnnbook.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from dnnbook.data import FASHION_MNIST_CLASSES, DataError, FashionMNIST, data_dir, load_fashion_mnist
from dnnbook.device import available_devices, get_device
from dnnbook.errors import expect_error
from dnnbook.exercises import Feedback, check
from dnnbook.experiments import Summary, distinguishable, over_seeds, table
from dnnbook.explorer import Explorer, explore
from dnnbook.loader import TensorLoader
from dnnbook.metrics import confusion_matrix, predict
from dnnbook.plot import plot_confusion_matrix, plot_history, show_images, use_book_style
from dnnbook.sampling import next_token_probs, sample_next
from dnnbook.seed import seed_everything
from dnnbook.text import (CharCorpus, bigram_bits_per_char, bits_per_char, consecutive_windows, fit_bigram,
                          load_text_corpus, random_windows, sequential_windows)
from dnnbook.train import History, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "FASHION_MNIST_CLASSES", "Augmented", "CharCorpus", "CheckpointError", "DataError", "Explorer",
    "FashionMNIST",
    "Feedback", "History", "Summary", "TensorLoader", "available_devices", "bigram_bits_per_char",
    "bits_per_char", "check", "confusion_matrix", "consecutive_windows", "data_dir", "distinguishable",
    "evaluate", "expect_error", "explore", "fit", "fit_bigram", "get_device", "load_checkpoint",
    "load_fashion_mnist",
    "load_text_corpus", "next_token_probs", "over_seeds", "plot_confusion_matrix", "plot_history", "predict",
    "random_flip", "random_shift", "random_windows", "sample_next", "save_checkpoint", "seed_everything",
    "sequential_windows", "show_images",
    "table", "use_book_style",
]
