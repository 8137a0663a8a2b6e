"""Write each chapter's number into its title, from its place in _toc.yml.

Usage: python tools/number_chapters.py

Chapters are files named by topic (chapters/cnn.ipynb); only the title line ("# 6. Convolutional
networks") carries a number. After inserting or moving a chapter in _toc.yml, run this once: it
renumbers the titles and touches nothing else (a title is markdown, so no re-execution is needed).
tests/test_notebooks.py fails while a title and the table of contents disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).parents[1]
TITLE = re.compile(r"^# (\d+)\. ")


def chapters(root: Path = ROOT) -> list[Path]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [root / f"{entry['file']}.ipynb" for part in toc["parts"] for entry in part["chapters"]]


def number(root: Path = ROOT) -> list[str]:
    """Renumber the titles; return a line for each title that changed."""
    changed = []
    for position, path in enumerate(chapters(root), start=1):
        notebook = nbformat.read(path, as_version=4)
        first = notebook.cells[0]
        if first.cell_type != "markdown" or not TITLE.match(first.source):
            raise SystemExit(f"{path.name}: the first cell must start with '# N. Title'")
        renumbered = TITLE.sub(f"# {position}. ", first.source, count=1)
        if renumbered != first.source:
            first.source = renumbered
            nbformat.write(notebook, path)
            changed.append(f"{path.name}: {first.source.splitlines()[0]}")
    return changed


if __name__ == "__main__":
    for line in number():
        print(line)
    sys.exit(0)
