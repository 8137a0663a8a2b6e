"""The chapters' shared conventions, checked on the stored notebooks (nbval checks their outputs)."""

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files():
    return [entry["file"] for part in TOC["parts"] for entry in part["chapters"]]


# In the order of the table of contents, which alone gives a chapter its number: files are named
# by topic, so inserting a chapter renames no file and no exercise.
CHAPTERS = [ROOT / f"{name}.ipynb" for name in toc_files() if (ROOT / f"{name}.ipynb").exists()]


ASSERTION = re.compile(r"^\s*(assert |torch\.testing\.assert_close\()", re.M)


def source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def test_every_chapter_is_in_the_table_of_contents_and_back():
    on_disk = sorted((ROOT / "chapters").glob("*.ipynb"))
    assert on_disk, "no chapters found"
    assert sorted(toc_files()) == sorted(f"chapters/{path.stem}" for path in on_disk)
    assert all(not path.stem[0].isdigit() for path in on_disk), "name chapters by topic; _toc.yml numbers them"


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_title_and_what_you_will_learn(notebook):
    path, nb = notebook
    first = nb.cells[0]
    number = CHAPTERS.index(path) + 1  # its place in _toc.yml
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


def test_notebooks_are_valid_nbformat(notebook):
    # A stray key left by an editing script makes Jupyter and Colab warn on opening the file.
    nbformat.validate(notebook[1])


def test_notebooks_stay_lean(notebook):
    path, _ = notebook
    assert path.stat().st_size < 2_000_000


def test_at_least_five_chapters_have_an_interactive_explorer():
    with_explorer = [path.stem for path in CHAPTERS
                     if "widgets.interact" in path.read_text() or "dnnbook.explore(" in path.read_text()]
    assert len(with_explorer) >= min(5, len(CHAPTERS)), with_explorer


def test_every_explorer_also_responds_in_the_html_book(notebook):
    # A plain `widgets.interact` shows one saved state in the book, where no kernel runs;
    # `dnnbook.explore` stores the states of a grid of settings that the page's controls switch.
    _, nb = notebook
    plain = [index for index, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and re.search(r"\binteract(?:ive)?\(", source(cell))
             and "dnnbook.explore(" not in source(cell)]
    assert plain == [], f"cells {plain} make explorers with ipywidgets alone: use dnnbook.explore"


# Prose refers to another chapter by name and link ("the [autograd chapter](autograd.ipynb)"), never
# by number: a number goes stale as soon as a chapter is inserted before it, and nothing would notice.
NUMBERED_REFERENCE = re.compile(r"\bchapters?\s+\(?0*\d", re.I)
CHAPTER_LINK = re.compile(r"\]\(([\w./-]+?\.ipynb)(#[\w-]*)?\)")


def prose_and_code_files():
    for path in [ROOT / "README.md", ROOT / "intro.md", *sorted((ROOT / "dnnbook").glob("*.py")),
                 *sorted((ROOT / "benchmarks").glob("*.py")), *sorted((ROOT / "tests").glob("*.py")),
                 *sorted((ROOT / "tools").glob("*.py")), *sorted((ROOT / "_ext").glob("*.py"))]:
        yield path.relative_to(ROOT), path.read_text()
    for path in CHAPTERS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            yield f"{path.relative_to(ROOT)} cell {index}", source(cell)


def test_no_chapter_is_referred_to_by_number():
    found = [f"{where}: {text[max(0, m.start() - 40):m.end() + 20]!r}"
             for where, text in prose_and_code_files() for m in NUMBERED_REFERENCE.finditer(text)]
    assert not found, "refer to chapters by name and link, not number:\n" + "\n".join(found)


def test_links_between_chapters_lead_to_chapters():
    names = {path.name for path in CHAPTERS}
    for path in CHAPTERS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for target, _ in CHAPTER_LINK.findall(source(cell)):
                    assert target in names, f"{path.name} links to {target}, which is no chapter"


def test_the_reference_checks_catch_what_they_are_for():
    word = "chapter"  # kept apart from the digits, so that this file passes its own check
    assert NUMBERED_REFERENCE.search(f"as in {word} 6.") and NUMBERED_REFERENCE.search(f"{word.title()}s 3 and 4")
    assert NUMBERED_REFERENCE.search(f"{word} 03 writes") and not NUMBERED_REFERENCE.search(f"the {word}'s 3 models")
    assert CHAPTER_LINK.findall("the [RNN chapter](rnn.ipynb) and [here](cnn.ipynb#pooling)") == [
        ("rnn.ipynb", ""), ("cnn.ipynb", "#pooling")]


def test_titles_are_renumbered_from_the_table_of_contents(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from number_chapters import number
    finally:
        sys.path.pop(0)
    (tmp_path / "chapters").mkdir()
    for name, title in [("first", "# 1. First\n\nWhat you will learn"), ("second", "# 2. Second")]:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(title)]),
                       tmp_path / "chapters" / f"{name}.ipynb")
    toc = {"format": "jb-book", "root": "intro", "parts": [{"caption": "A", "chapters": [
        {"file": "chapters/second"}, {"file": "chapters/first"}]}]}
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    assert number(tmp_path) == ["second.ipynb: # 1. Second", "first.ipynb: # 2. First"]
    first = nbformat.read(tmp_path / "chapters" / "first.ipynb", as_version=4)
    assert first.cells[0].source == "# 2. First\n\nWhat you will learn"
    assert number(tmp_path) == []  # already in order: nothing is rewritten


def test_every_figure_has_alternative_text(notebook):
    # MyST-NB writes cell.metadata.mystnb.image.alt into the <img alt> of the HTML book; without it
    # the alt is the image's file name, which says nothing to a reader who cannot see the figure.
    path, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any("image/png" in output.get("data", {}) for output in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 8, f"{path.name} cell {index}: describe the figure in mystnb.image.alt"
