"""The benchmark script runs its recipes end to end (on a slice of the real data, so it stays quick).

The figures that matter come from running it in full on an idle machine; this only keeps the script
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


@pytest.fixture(scope="module")
def benchmark():
    spec = importlib.util.spec_from_file_location("fashion_mnist_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
