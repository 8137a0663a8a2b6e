"""Sphinx directives that read the book's figures from the executed notebooks, never typed by hand.

``{chapter-map}`` lists the chapters with how long each took to execute and where (recorded in
the notebook's metadata by tools/execute.py). ``{results-table}`` lists the final figures the
chapters print on lines such as ``test accuracy: 0.9123`` and ``train seconds: 84.2``; a chapter
that trains two final models (say a classifier and a language model) gives two rows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive

FIGURE = re.compile(r"^(test accuracy|validation bits per character|bigram bits per character|"
                    r"train seconds): ([0-9.]+)\s*$", re.M)


def _chapters(srcdir: Path) -> list[Path]:
    """The chapters in the order of the table of contents (files are named by topic, not number)."""
    toc = yaml.safe_load((srcdir / "_toc.yml").read_text(encoding="utf-8"))
    files = [srcdir / f"{entry['file']}.ipynb" for part in toc["parts"] for entry in part["chapters"]]
    return [path for path in files if path.exists()]


def _title(notebook: dict) -> str:
    first = "".join(notebook["cells"][0]["source"])
    return first.splitlines()[0].lstrip("# ").strip()


def _stdout(notebook: dict) -> str:
    return "".join("".join(output.get("text", "")) for cell in notebook["cells"] if cell["cell_type"] == "code"
                   for output in cell.get("outputs", []) if output.get("name") == "stdout")


def _table(header: list[str], rows: list[list[nodes.Node | str]]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    for target, cells in ((head, [header]), (body, rows)):
        for cells_of_row in cells:
            row = nodes.row()
            for cell in cells_of_row:
                entry = nodes.entry()
                entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell)
                row += entry
            target += row
    return table


class _NotebookDirective(Directive):
    def notebooks(self) -> list[tuple[str, dict]]:
        env = self.state.document.settings.env
        found = []
        for path in _chapters(Path(env.srcdir)):
            env.note_dependency(str(path))  # rebuild this page when a notebook changes
            found.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
        return found

    def link(self, stem: str, title: str) -> nodes.paragraph:
        paragraph = nodes.paragraph()
        paragraph += nodes.reference(text=title, refuri=f"chapters/{stem}.html")
        return paragraph


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


class ChapterMap(_NotebookDirective):
    def run(self):
        rows = []
        for stem, notebook in self.notebooks():
            record = notebook.get("metadata", {}).get("dnnbook", {})
            seconds = record.get("execution_seconds")
            rows.append([self.link(stem, _title(notebook)), _duration(seconds) if seconds else "not recorded",
                         record.get("executed_on", "")])
        return [_table(["Chapter", "Executes in", "Measured on"], rows)]


HEADLINES = ("test accuracy", "validation bits per character")


def _records(stdout: str) -> list[dict[str, str]]:
    """Consecutive figures, one record per final model: a repeated name, or a second headline
    figure (accuracy or bits per character), starts a new record."""
    records: list[dict[str, str]] = []
    for name, value in FIGURE.findall(stdout):
        if (not records or name in records[-1]
                or (name in HEADLINES and any(h in records[-1] for h in HEADLINES))):
            records.append({})
        records[-1][name] = value
    return records


class ResultsTable(_NotebookDirective):
    def run(self):
        rows = []
        for stem, notebook in self.notebooks():
            for figures in _records(_stdout(notebook)):
                if "test accuracy" in figures:
                    result = f"test accuracy {float(figures['test accuracy']):.1%}"
                elif "validation bits per character" in figures:
                    result = f"{figures['validation bits per character']} bits per character"
                    if "bigram bits per character" in figures:
                        result += f" (bigram: {figures['bigram bits per character']})"
                else:
                    continue
                seconds = figures.get("train seconds")
                rows.append([self.link(stem, _title(notebook)), result,
                             f"{float(seconds):.0f} s" if seconds else ""])
        if not rows:
            return [nodes.paragraph(text="No chapter has trained a final model yet.")]
        return [_table(["Chapter", "Final model", "Training time"], rows)]


def setup(app):
    app.add_directive("chapter-map", ChapterMap)
    app.add_directive("results-table", ResultsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
