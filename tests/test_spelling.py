"""Spelling, checked by codespell over what a reader reads and what a maintainer reads.

The chapters are checked cell by cell (markdown and code, never the outputs, where a character
model's invented words belong), then dnnbook/, tests/, intro.md and the README. Real terms that
codespell does not know go in tests/codespell-words.txt, one a line.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [ROOT / f"{entry['file']}.ipynb" for part in TOC["parts"] for entry in part["chapters"]]
CODESPELL = Path(sys.executable).parent / "codespell"
WORDS = ROOT / "tests" / "codespell-words.txt"


def codespell(paths: list[Path]) -> str:
    result = subprocess.run([str(CODESPELL), "--ignore-words", str(WORDS), *map(str, paths)],
                            capture_output=True, text=True)
    assert result.returncode in (0, 65), result.stderr  # 65: misspellings found
    return result.stdout


def test_chapters_are_spelled_right(tmp_path):
    cells = []
    for path in CHAPTERS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
            cells.append(tmp_path / f"{path.stem}-cell-{index}.txt")  # the name says where it is
            cells[-1].write_text(text)
    found = codespell(cells).replace(f"{tmp_path}/", "")
    assert not found, found


def test_package_tests_and_pages_are_spelled_right():
    paths = [ROOT / "dnnbook", ROOT / "tests", ROOT / "tools", ROOT / "_ext", ROOT / "benchmarks",
             ROOT / "intro.md", ROOT / "README.md", ROOT / "Makefile"]
    found = codespell(paths)
    assert not found, found


def test_codespell_finds_a_misspelling(tmp_path):
    wrong = tmp_path / "wrong.txt"
    misspelt = "rec" + "ieved"  # spelt in two halves, so that this file passes its own check
    wrong.write_text(f"the gradient is {misspelt}\n")
    assert f"{misspelt} ==> received" in codespell([wrong])
