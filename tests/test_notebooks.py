"""The chapters' shared conventions, checked on the stored notebooks (nbval checks their outputs)."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files():
    return [entry["file"] for part in TOC["parts"] for entry in part["chapters"]]


ASSERTION = re.compile(r"^\s*(assert |torch\.testing\.assert_close\()", re.M)


def source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def test_every_chapter_is_in_the_table_of_contents_and_back():
    assert CHAPTERS, "no chapters found"
    assert sorted(toc_files()) == sorted(f"chapters/{path.stem}" for path in CHAPTERS)


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_title_and_what_you_will_learn(notebook):
    path, nb = notebook
    first = nb.cells[0]
    number = int(path.stem.split("_")[0])
    assert first.cell_type == "markdown"
    assert source(first).startswith(f"# {number}. ")
    assert "What you will learn" in source(first)


def test_one_setup_cell_installs_from_the_configured_repository_only_in_colab(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = source(code[0])
    url = CONFIG["repository"]["url"]
    assert 'if "google.colab" in sys.modules:' in setup
    assert f'%pip install -q "dnnbook @ git+{url}"' in setup
    assert "dnnbook.seed_everything(" in setup and "dnnbook.get_device()" in setup
    assert code[0].outputs == [], "the setup cell prints nothing"
    assert not any("google.colab" in source(c) for c in code[1:])
    assert not any("sys.path" in source(c) for c in code)


def test_executed_top_to_bottom_in_one_run_without_errors_or_warnings(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code" and source(c).strip()]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "run `make execute NB=...` to re-execute"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", source(cell)[:200]
            assert not (output.output_type == "stream" and output.name == "stderr"), source(cell)[:200]


def test_ignored_outputs_are_followed_by_an_assert(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell, after in zip(code, code[1:] + [None]):
        if "NBVAL_IGNORE_OUTPUT" in source(cell):
            text = source(cell) + "\n" + (source(after) if after is not None else "")
            assert ASSERTION.search(text), f"no assert after:\n{source(cell)[:300]}"


def test_summary_and_exercises_with_hidden_checked_solutions(notebook):
    _, nb = notebook
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in source(c).splitlines()
                if line.startswith("## ")]
    assert "## Summary" in headings and headings[-1] == "## Exercises"
    start = next(i for i, c in enumerate(nb.cells) if source(c).startswith("## Exercises"))
    solutions = [c for c in nb.cells[start:] if c.cell_type == "code"]
    assert len(solutions) >= 3
    for cell in solutions:
        assert "hide-input" in cell.metadata.get("tags", [])
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert source(cell).startswith("# @title Solution")
        assert ASSERTION.search(source(cell)), "a solution proves itself right"


def test_notebooks_stay_lean(notebook):
    path, _ = notebook
    assert path.stat().st_size < 2_000_000


def test_at_least_five_chapters_have_an_interactive_explorer():
    with_explorer = [path.stem for path in CHAPTERS if "widgets.interact" in path.read_text()]
    assert len(with_explorer) >= min(5, len(CHAPTERS)), with_explorer
