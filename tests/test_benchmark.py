"""The benchmark scripts run their recipes end to end (on a slice of the real data, so they stay quick).

The figures that matter come from running them in full on an idle machine; this only keeps the scripts
working as dnnbook changes.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dnnbook
from dnnbook.data import FashionMNIST

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "benchmarks" / "fashion_mnist.py"


def load_script(path: Path):
    """A benchmark script imported as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(path.stem + "_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def benchmark():
    return load_script(SCRIPT)


@pytest.fixture(scope="module")
def small_data():
    full = dnnbook.load_fashion_mnist(download=False)
    return FashionMNIST(full.train_images[:2048], full.train_labels[:2048],
                        full.test_images[:512], full.test_labels[:512])


@pytest.mark.parametrize("recipe", ["mlp", "cnn", "resnet"])
def test_recipe_learns_on_a_slice(benchmark, small_data, recipe):
    accuracy, seconds = benchmark.RECIPES[recipe](small_data, dnnbook.get_device())
    assert accuracy > 0.6 and seconds > 0  # 2,048 images are enough to beat chance (0.1) by far


def printed(chapter: str) -> str:
    """What the stored chapter printed, read the way the front page's tables read it."""
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from results_table import _stdout
    finally:
        sys.path.pop(0)
    return _stdout(json.loads((ROOT / "chapters" / chapter).read_text()))


@pytest.mark.parametrize("chapter, model", [("mlp.ipynb", "mlp_model"), ("cnn.ipynb", "cnn_model"),
                                            ("resnet.ipynb", "resnet_model")])
def test_models_are_the_chapters_final_models(benchmark, chapter, model):
    # The chapters print their final model's size; the benchmark must train the same architecture.
    size = sum(p.numel() for p in getattr(benchmark, model)().parameters())
    assert re.search(rf"^{size:,} parameters", printed(chapter), re.M), f"{chapter} prints no model of {size:,}"


def test_unknown_recipe_is_refused():
    result = subprocess.run([sys.executable, str(SCRIPT), "mlpp"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown recipe mlpp; choose from mlp, cnn, resnet, quickstart" in result.stderr


def test_seeds_must_be_positive():
    result = subprocess.run([sys.executable, str(SCRIPT), "mlp", "--seeds", "0"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--seeds must be at least 1, got 0" in result.stderr


# The language-model benchmark ------------------------------------------------------------------

LM_SCRIPT = ROOT / "benchmarks" / "char_lm.py"


@pytest.fixture(scope="module")
def lm_benchmark():
    return load_script(LM_SCRIPT)


def chapter_class(chapter: str, name: str) -> type:
    """The class ``name`` as the stored chapter defines it, run from its own cell."""
    import torch
    from torch import nn

    cells = json.loads((ROOT / "chapters" / chapter).read_text())["cells"]
    (source,) = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and f"class {name}(" in "".join(c["source"])]
    namespace = {"nn": nn, "torch": torch}
    exec(source, namespace)
    return namespace[name]


def test_language_model_is_the_chapters_final_model(lm_benchmark):
    # The chapter's model class, built with the defaults the chapter trains, has the same parameters.
    vocab_size = dnnbook.load_text_corpus().vocab_size
    theirs = chapter_class("language_model.ipynb", "CharModel")(vocab_size).state_dict()
    ours = lm_benchmark.CharModel(vocab_size).state_dict()
    assert {k: v.shape for k, v in theirs.items()} == {k: v.shape for k, v in ours.items()}


def test_language_model_learns_on_a_slice(lm_benchmark, monkeypatch):
    corpus = dnnbook.load_text_corpus()
    small = dnnbook.CharCorpus(train=corpus.train[:20_000], val=corpus.val, vocab=corpus.vocab)
    monkeypatch.setattr(lm_benchmark, "EPOCHS", 2)
    model, seconds = lm_benchmark.train(small, dnnbook.get_device(), seed=0)
    # Two passes over 20,000 characters: far below the 6.7 bits of a uniform guess over 103 characters.
    assert lm_benchmark.bits(model, corpus.val[:5000], dnnbook.get_device()) < 4.5 and seconds > 0
