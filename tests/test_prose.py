"""The chapters' text is held to the standard of their code.

nbval proves that the stored outputs are what the code produces; these tests check what it cannot:
that no text is unfinished, that an error a chapter shows is asserted and not just printed, that a
figure quoted in prose is one the chapter printed, and that an assert after an ignored output
states more than "it is positive". Spelling is checked in test_spelling.py.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [ROOT / f"{entry['file']}.ipynb" for part in TOC["parts"] for entry in part["chapters"]]


def source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def read(path: Path):
    return nbformat.read(path, as_version=4)


def python(code: str) -> ast.Module:
    """A code cell as Python: IPython's %magics and !commands become `pass`."""
    lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in code.splitlines()]
    return ast.parse("\n".join(lines))


@pytest.fixture(params=CHAPTERS, ids=[path.stem for path in CHAPTERS])
def chapter(request):
    return request.param, read(request.param)


# 1. Nothing unfinished ----------------------------------------------------------------------------

DRAFT = re.compile(r"\b(filled in|todo|tbd|fixme|xxx+|to be (written|filled|measured|done)|placeholder|"
                   r"lorem ipsum|coming soon|work in progress|fill (this|these|it) in|insert .{0,20}here)\b", re.I)


def test_draft_markers_are_caught():
    for text in ["FILLED IN AFTER MEASURING.", "todo: check", "TBD", "# FIXME", "XXX", "To be written.",
                 "a placeholder", "fill this in later", "Insert the figure here"]:
        assert DRAFT.search(text), text
    for text in ["the toddler", "Fill in the blanks of the exercise", "extodo", "boxxxed"]:
        assert not DRAFT.search(text), text


def test_no_unfinished_text_anywhere():
    found = []
    for path in CHAPTERS:
        for index, cell in enumerate(read(path).cells):
            found += [f"{path.name} cell {index}: {m.group(0)!r}" for m in DRAFT.finditer(source(cell))]
    for path in [ROOT / "intro.md", ROOT / "README.md"]:
        found += [f"{path.name}: {m.group(0)!r}" for m in DRAFT.finditer(path.read_text())]
    assert not found, "unfinished text:\n" + "\n".join(found)


# 2. Expected errors are asserted, not only printed -------------------------------------------------

def _only_prints(handler: ast.ExceptHandler) -> bool:
    """An except block that does nothing but print (or pass): the error is shown, never checked."""
    return all(isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                                              and isinstance(stmt.value.func, ast.Name)
                                              and stmt.value.func.id == "print")
               for stmt in handler.body)


def print_only_handlers(code: str) -> list[int]:
    return [node.lineno for node in ast.walk(python(code))
            if isinstance(node, ast.ExceptHandler) and _only_prints(node)]


def test_the_print_only_check_catches_what_it_is_for():
    assert print_only_handlers("try:\n    f()\nexcept RuntimeError as err:\n    print(f'RuntimeError: {err}')\n") == [3]
    assert print_only_handlers("%time x = 1\ntry:\n    f()\nexcept ValueError:\n    pass\n") == [4]
    assert print_only_handlers("try:\n    f()\nexcept OSError:\n    return_value = None\n") == []
    assert print_only_handlers("with dnnbook.expect_error(RuntimeError):\n    f()\n") == []


def test_no_chapter_catches_an_error_only_to_print_it(chapter):
    path, nb = chapter
    found = [f"cell {index}, line {line}" for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
             for line in print_only_handlers(source(cell))]
    assert not found, (f"{path.name}: show an expected error with `with dnnbook.expect_error(Type, "
                       f"match=...):` so that the cell fails if it stops happening: {found}")


# 4. Figures quoted in prose agree with the run -----------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.]*\w)")
# A decimal figure in prose: 0.8968, 89.7 % (also "88.5 to 90 %"), 9.8 \times 10^{-4}; not a
# version (Python 3.13, torch 2.3) and not part of an exponent.
DECIMAL = re.compile(r"(?<!Python )(?<!PyTorch )(?<!torch )(?<!version )(?<![\w.^{])(\d+\.\d+)"
                     r"(?:\s*(?:\\times|\\cdot|×)\s*10\^\{?(-?\d+)\}?)?"
                     r"((?:\s*(?:to|and|-|–)\s*\d+(?:\.\d+)?)?\s?(?:%|\\%))?")
# A figure with a time unit: machine-dependent, so prose may quote only a bound the code enforces.
TIMED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(s|ms|µs|us|seconds?|minutes?|min)\b(?![-\w])")

# Figures a chapter may quote without printing them, each with its reason.
JUSTIFIED: dict[str, dict[str, str]] = {
    # chapter: {figure as written: why it needs no printed source}
    "cnn": {
        "0.95": "OneCycleLR's default max_momentum (Adam's beta1 at the start and end), torch docs",
        "0.85": "OneCycleLR's default base_momentum (Adam's beta1 at the peak rate), torch docs",
    },
    "rnn": {
        "0.95": "sigma(3) = 0.9526: a value of the logistic function, not a measurement",
    },
}


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def explorer_text(page: str) -> list[str]:
    """What the states of a static explorer (dnnbook.explore) print: their <pre> blocks, not the
    numbers in their images' data, sizes and attributes."""
    return [html.unescape(text) for text in re.findall(r'<pre class="dnnbook-explorer-text">(.*?)</pre>', page, re.S)]


def printed_numbers(nb) -> list[float]:
    text = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                text.append(output.text)
            elif "data" in output:
                page = str(output.data.get("text/html", ""))
                text += [str(output.data.get("text/plain", ""))]
                text += explorer_text(page) if 'class="dnnbook-explorer"' in page else [page]
    numbers = []
    for match in NUMBER.finditer("\n".join(text).replace(",", "")):
        try:
            numbers.append(float(match.group(0)))
        except ValueError:
            continue
    return numbers


def code_tokens(nb) -> set[str]:
    return {m.group(0) for cell in nb.cells if cell.cell_type == "code" for m in NUMBER.finditer(source(cell))}


def figure_matches(quoted: str, percent: bool, printed: list[float], code: set[str], exponent: int = 0) -> bool:
    """Whether a figure quoted with d decimals (times 10^exponent) is a printed number rounded to
    d decimals (as a fraction or a percentage when the prose writes %), or a constant in the code."""
    if quoted in code and not exponent:
        return True
    value = float(quoted) * 10.0 ** exponent
    half = 0.5 * 10.0 ** (exponent - _decimals(quoted)) * (1 + 1e-9)
    scales = (1, 100) if percent else (1,)
    return any(abs(y * scale - value) <= half for y in printed for scale in scales)


def quoted_figures(text: str) -> list[tuple[str, bool, int]]:
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are no figures
    return [(m.group(1), bool(m.group(3)), int(m.group(2) or 0)) for m in DECIMAL.finditer(text)]


def test_the_figure_check_catches_what_it_is_for():
    printed = [0.8968, 66.4, 3.77]
    assert figure_matches("0.8968", False, printed, set()) and figure_matches("89.7", True, printed, set())
    assert figure_matches("0.90", False, printed, set()) and figure_matches("3.770", False, printed, set())
    assert not figure_matches("0.8855", False, printed, set()) and not figure_matches("89.3", True, printed, set())
    assert figure_matches("0.02", False, [], {"0.02"})
    assert quoted_figures("accuracy 0.8968 (89.7 %), see [here](a1.2.ipynb), $10^{0.5}$, Python 3.13") == [
        ("0.8968", False, 0), ("89.7", True, 0)]
    assert quoted_figures(r"88.5 to 90 %, $\varepsilon \approx 9.8 \times 10^{-4}$") == [
        ("88.5", True, 0), ("9.8", False, -4)]
    assert figure_matches("9.8", False, [0.0009765625], set(), exponent=-4)
    assert not figure_matches("9.7", False, [0.0009765625], set(), exponent=-4)
    assert [m.group(1) for m in TIMED.finditer("trains in 66.4 s, 2 minutes, a 3-s wait, 150 s")] == [
        "66.4", "2", "150"]


def test_a_static_explorer_prints_only_what_its_states_print():
    page = ('<div class="dnnbook-explorer"><label data-name="x0"><output>0.80</output></label>'
            '<div class="dnnbook-explorer-state" data-settings="{&quot;x0&quot;: &quot;0.80&quot;}">'
            '<pre class="dnnbook-explorer-text">f&#x27;(0.80) = -0.080</pre>'
            '<img src="data:image/png;base64,9e+31AAAA" width="438" height="278" alt="x0 = 0.80"></div></div>')
    output = nbformat.v4.new_output("display_data", {"text/html": page, "text/plain": "interactive(...)"})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[output])])
    assert explorer_text(page) == ["f'(0.80) = -0.080"] and printed_numbers(nb) == [0.80, -0.080]


def test_quoted_figures_are_printed_by_the_chapter(chapter):
    path, nb = chapter
    printed, code = printed_numbers(nb), code_tokens(nb)
    allowed = JUSTIFIED.get(path.stem, {})
    stale = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for quoted, percent, exponent in quoted_figures(source(cell)):
            if quoted not in allowed and not figure_matches(quoted, percent, printed, code, exponent):
                stale.append(f"cell {index}: {quoted}{' %' if percent else ''}")
    assert not stale, (f"{path.name} quotes figures that no cell prints (print them above, or "
                       f"justify them in JUSTIFIED): {stale}")


def test_prose_quotes_no_timing_that_the_code_does_not_bound(chapter):
    path, nb = chapter
    code, allowed = code_tokens(nb), JUSTIFIED.get(path.stem, {})
    found = [f"cell {index}: {m.group(0)!r}" for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
             for m in TIMED.finditer(re.sub(r"\$[^$]*\$", "", source(cell)))
             if m.group(1) not in code and m.group(0) not in allowed]
    assert not found, (f"{path.name}: seconds differ on every machine; describe the printed line, or "
                       f"quote only a bound that an assert enforces: {found}")


# 5. Asserts that say what the prose claims ---------------------------------------------------------

def _trivial(test: ast.expr) -> bool:
    """`x > 0`, `x >= 0`, several joined by `and`, or `all(x > 0 for x in xs)`: true of almost
    any measurement."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return all(_trivial(value) for value in test.values)
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in ("all", "any")
            and len(test.args) == 1 and isinstance(test.args[0], (ast.GeneratorExp, ast.ListComp))):
        return _trivial(test.args[0].elt)
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Gt, ast.GtE))
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == 0)


def only_trivial_asserts(code: str) -> bool:
    asserts = [node.test for node in ast.walk(python(code)) if isinstance(node, ast.Assert)]
    return bool(asserts) and all(_trivial(test) for test in asserts)


def test_the_trivial_assert_check_catches_what_it_is_for():
    assert only_trivial_asserts("assert ours > 0 and fused > 0\nassert seconds >= 0")
    assert not only_trivial_asserts("assert ours > 0\nassert fused < 0.8 * ours")
    assert not only_trivial_asserts("assert speedup > 2")
    assert only_trivial_asserts("assert all(v > 0 for values in table.values() for v in values)")
    assert only_trivial_asserts("assert any([s >= 0 for s in seconds]) and total > 0")
    assert not only_trivial_asserts("assert all(v > 2 * slow for v in fast)")


def test_ignored_outputs_are_followed_by_asserts_that_say_something(chapter):
    path, nb = chapter
    code = [c for c in nb.cells if c.cell_type == "code"]
    found = []
    for cell, after in zip(code, code[1:] + [None]):
        if "NBVAL_IGNORE_OUTPUT" in source(cell):
            text = source(cell) + "\n" + (source(after) if after is not None else "")
            if only_trivial_asserts(text):
                found.append(source(cell)[:120])
    assert not found, f"{path.name}: an ignored output checked only by `> 0`: {found}"
