"""Re-execute notebooks in place, top to bottom, keeping outputs and widget state.

Usage: python tools/execute.py chapters/01_tensors.ipynb [more.ipynb ...]

Run this (through `make execute`) after changing a chapter: strict nbval then compares every
later run with the outputs stored here. Each notebook runs in a fresh kernel of this Python, in
the notebook's own folder, exactly as nbval will run it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT_S = 1800


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,  # so the HTML book can show widgets as they were left
        record_timing=False,  # no timestamps in cell metadata: re-executing gives clean diffs
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for name in paths:
        seconds = execute(Path(name))
        print(f"executed {name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
