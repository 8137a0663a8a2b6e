"""Shared test set-up: a headless matplotlib backend, and warnings as errors for dnnbook's tests."""

from pathlib import Path

import matplotlib
import pytest

# Headless plotting in this process only: setting MPLBACKEND instead would leak into the kernels
# nbval starts, and the notebooks' figures would stop being displayed.
matplotlib.use("Agg")

TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items):
    # Strict about warnings in our own unit tests only; the notebooks' outputs are checked by nbval.
    for item in items:
        if Path(str(item.fspath)).parent == TESTS:
            item.add_marker(pytest.mark.filterwarnings("error"))
