"""Re-execute notebooks in place, top to bottom, keeping outputs and widget state.

Usage: python tools/execute.py chapters/tensors.ipynb [more.ipynb ...]

Run this (through `make execute`) after changing a chapter: strict nbval then compares every
later run with the outputs stored here. Each notebook runs in a fresh kernel of this Python, in
the notebook's own folder, exactly as nbval will run it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import torch

import dnnbook

CELL_TIMEOUT_S = 1800


def coalesce_streams(notebook: nbformat.NotebookNode) -> None:
    """Merge consecutive stdout (or stderr) chunks of a cell into one output.

    How the kernel chunks a cell's printing depends on timing; merged, the stored notebook is the
    same from run to run and diffs show only real changes (nbval merges them the same way).
    """
    for cell in notebook.cells:
        merged = []
        for output in cell.get("outputs", []):
            if (merged and output.output_type == "stream" and merged[-1].output_type == "stream"
                    and merged[-1].name == output.name):
                merged[-1].text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


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
    coalesce_streams(notebook)
    # Read by the book's chapter map (_ext/results_table.py): how long, and on what.
    device = dnnbook.get_device()
    where = f"{os.cpu_count()} CPU cores"
    if device.type == "cuda":
        where = f"{torch.cuda.get_device_name(device)}, {where}"
    elif device.type != "cpu":
        where = f"{device.type}, {where}"
    notebook.metadata["dnnbook"] = {"execution_seconds": round(seconds, 1), "executed_on": where}
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
