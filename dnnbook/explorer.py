"""Explorers that respond everywhere: live in Jupyter and Colab, precomputed in the HTML book.

``explore(f, grid, alt=..., **controls)`` takes what ``ipywidgets.interact(f, **controls)`` takes,
plus, for each control the reader may move in the book, a small grid of its values. It shows one
output carrying two views of the same explorer:

- ``application/vnd.jupyter.widget-view+json``: the live ``interact`` explorer, which every widget
  front end (JupyterLab, Notebook, Colab, VS Code) ranks first and runs with the kernel;
- ``text/html``: a static explorer for pages with no kernel. ``f`` is called once for every
  combination of the grid's values while the chapter executes; what it prints and the figures it
  shows with ``plt.show()`` (or leaves open) are kept, each state in its own hidden block. The book's configuration ranks
  ``text/html`` first for its HTML builder, and ``_assets/dnnbook.js`` makes the page's own
  controls (a slider or a menu per gridded control) show the state of their values. Without
  JavaScript, and in the PDF edition, the state of the controls' initial values is what shows.

Controls without a grid keep their initial value in the static explorer. Each grid must contain its
control's initial value (so the book opens on the figure Jupyter opens on) and only values the live
control can take. Figures are stored as small palette PNGs; the static explorer must fit in
``budget_bytes`` (one megabyte unless told), or ``explore`` says by how much it is over.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any
from unittest import mock

BUDGET_BYTES = 1_000_000  # added page weight allowed per explorer
MAX_STATES = 200  # beyond this a grid is too fine for a page, whatever its figures weigh
FIGURE_DPI = 100  # as the book style (dnnbook.plot) draws every other figure
PALETTE_COLOURS = 64  # plots of a few lines and fills look the same, at a third of the bytes


@dataclass(frozen=True)
class Explorer:
    """What ``explore`` showed: the live widget and the static version's states."""

    live: Any  # the ipywidgets.interactive explorer
    settings: list[dict[str, Any]]  # the values of each precomputed state, in the page's order
    html: str  # the static explorer, as the HTML book embeds it

    @property
    def nbytes(self) -> int:
        """The page weight the static explorer adds."""
        return len(self.html.encode())


def explore(function: Callable[..., Any], grid: Mapping[str, Sequence[Any]], /, *, alt: str | None = None,
            budget_bytes: int = BUDGET_BYTES, dpi: int = FIGURE_DPI, **controls: Any) -> Explorer:
    """``ipywidgets.interact(function, **controls)``, with a static version over ``grid`` for the book.

    ``alt`` describes each figure ``function`` draws (needed when it draws one); ``{name}`` in it
    becomes the value of control ``name`` in that state, e.g. ``alt="The tangent to {function} at
    x0 = {x0}"``.
    """
    import ipywidgets
    from IPython.display import display

    live = ipywidgets.interactive(function, **controls)
    by_name = {widget._kwarg: widget for widget in live.kwargs_widgets}
    initial = {name: widget.get_interact_value() for name, widget in by_name.items()}
    labels = {name: _labels(name, by_name.get(name), values, initial.get(name)) for name, values in grid.items()}
    sizes = [len(values) for values in grid.values()]
    if math.prod(sizes) > MAX_STATES:
        raise ValueError(f"the grid {dict(zip(grid, sizes))} makes {math.prod(sizes)} states, more than "
                         f"{MAX_STATES}: give the controls fewer values")
    if alt is not None and (not isinstance(alt, str) or len(alt.split()) < 4):
        raise ValueError("alt must describe the figure in words (a str, with {name} for a control's value)")

    settings, states = [], []
    for indices in itertools.product(*map(range, sizes)):  # the first control varies slowest
        setting = {name: list(values)[i] for (name, values), i in zip(grid.items(), indices)}
        shown = {name: labels[name][i] for name, i in zip(grid, indices)}
        try:
            description = None if alt is None else alt.format(**shown)
        except (KeyError, IndexError) as error:
            raise ValueError(f"alt names {error}, which is no control with a grid: use one of {list(grid)}") from None
        text, figures = _capture(function, {**initial, **setting}, dpi)
        if figures and description is None:
            raise ValueError("the explorer draws figures: describe them in alt, for readers who cannot see them")
        settings.append(setting)
        states.append(_state(shown, text, figures, description, visible=all(
            setting[name] == initial[name] for name in grid)))
    static = _page({name: by_name[name] for name in grid}, grid, labels, initial, states)
    if len(static.encode()) > budget_bytes:
        raise ValueError(f"the static explorer weighs {len(static.encode()) / 1e3:,.0f} kB, over its budget of "
                         f"{budget_bytes / 1e3:,.0f} kB: give the grid fewer values or draw smaller figures")
    display({**live._repr_mimebundle_(), "text/html": static}, raw=True)
    return Explorer(live, settings, static)


def _labels(name: str, widget: Any, values: Sequence[Any], initial: Any) -> list[str]:
    """The values of a control's grid as the reader reads them; checks they suit the live control."""
    import ipywidgets

    if widget is None or isinstance(widget, ipywidgets.fixed):
        raise ValueError(f"the grid names {name!r}, which is no control the reader can move")
    values = list(values)
    if len(values) < 2 or len(set(map(repr, values))) != len(values):
        raise ValueError(f"the grid of {name!r} needs two or more distinct values, got {values!r}")
    if initial not in values:
        raise ValueError(f"the grid of {name!r} must contain the control's initial value {initial!r}, "
                         "so the book opens on what Jupyter opens on")
    if isinstance(widget, ipywidgets.widgets.widget_selection._Selection):  # menus, selection sliders
        # The (label, value) pairs ipywidgets made of `options` (a list, a dict or pairs), as it shows them.
        options = dict(zip(widget._options_values, widget._options_labels))
        wrong = [value for value in values if value not in options]
        if wrong:
            raise ValueError(f"{name!r} offers {list(options)}, not {wrong}")
        return [options[value] for value in values]
    if isinstance(widget, (ipywidgets.Checkbox, ipywidgets.ToggleButton)):
        if not all(isinstance(value, bool) for value in values):
            raise ValueError(f"{name!r} is a checkbox: its grid holds True and False, got {values!r}")
        return ["on" if value else "off" for value in values]
    if isinstance(widget, (ipywidgets.Text, ipywidgets.Textarea)):
        if not all(isinstance(value, str) for value in values):
            raise ValueError(f"{name!r} takes text: its grid holds strings, got {values!r}")
        return values
    if hasattr(widget, "min") and hasattr(widget, "max"):
        if not all(isinstance(value, Real) and widget.min <= value <= widget.max for value in values):
            raise ValueError(f"{name!r} takes numbers from {widget.min} to {widget.max}, got {values!r}")
        if values != sorted(values):
            raise ValueError(f"the grid of {name!r} is a slider's: give its values in increasing order")
        return [_format(value, getattr(widget, "readout_format", "")) for value in values]
    raise ValueError(f"{name!r} is a {type(widget).__name__}, which has no static version; "
                     "use a slider, a menu, a checkbox or a text box")


def _format(value: Real, spec: str) -> str:
    try:
        return format(value, spec)
    except ValueError:
        return str(value)


def _capture(function: Callable[..., Any], kwargs: dict[str, Any], dpi: int) -> tuple[str, list[bytes]]:
    """What ``function(**kwargs)`` prints, and the PNG of each figure it shows or leaves open."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    figures: list[bytes] = []

    def keep_new_figures(*args: Any, **kwargs: Any) -> None:
        for number in plt.get_fignums():
            if number not in before:
                figures.append(_png(plt.figure(number), dpi))
                plt.close(number)

    printed = io.StringIO()
    with mock.patch.object(plt, "show", keep_new_figures), contextlib.redirect_stdout(printed):
        try:
            function(**kwargs)
        except Exception as error:
            raise RuntimeError(f"the explorer's function failed for {kwargs}: {error!r}") from error
        keep_new_figures()
    return printed.getvalue(), figures


def _png(figure: Any, dpi: int) -> bytes:
    """The figure as a palette PNG: no metadata, so the same figure always gives the same bytes."""
    from PIL import Image

    rendered = io.BytesIO()
    figure.savefig(rendered, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    image = Image.open(rendered).convert("RGB").quantize(PALETTE_COLOURS, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


def _state(shown: dict[str, str], text: str, figures: list[bytes], alt: str | None, visible: bool) -> str:
    from PIL import Image

    parts = [f'<pre class="dnnbook-explorer-text">{html.escape(text.rstrip())}</pre>'] if text.strip() else []
    for png in figures:
        width, height = Image.open(io.BytesIO(png)).size
        parts.append(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                     f'width="{width}" height="{height}" alt="{html.escape(alt)}">')
    return (f'<div class="dnnbook-explorer-state" data-settings="{html.escape(json.dumps(shown))}"'
            f'{"" if visible else " hidden"}>{"".join(parts)}</div>')


def _page(widgets: dict[str, Any], grid: Mapping[str, Sequence[Any]], labels: dict[str, list[str]],
          initial: dict[str, Any], states: list[str]) -> str:
    """The controls (a slider where the live one is a slider, a menu otherwise) above the states."""
    import ipywidgets

    controls = []
    for name, values in grid.items():
        at = list(values).index(initial[name])
        shown = labels[name]
        live = widgets[name]
        if isinstance(live, ipywidgets.SelectionSlider) or hasattr(live, "min"):
            widget = (f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{at}" '
                      f'aria-valuetext="{html.escape(shown[at])}" data-labels="{html.escape(json.dumps(shown))}">'
                      f'<output>{html.escape(shown[at])}</output>')
        else:
            widget = "<select>" + "".join(f'<option value="{i}"{" selected" if i == at else ""}>'
                                          f'{html.escape(label)}</option>' for i, label in enumerate(shown)) + "</select>"
        controls.append(f'<label class="dnnbook-explorer-control" data-name="{html.escape(name)}">'
                        f'<span>{html.escape(live.description or name)}</span>{widget}</label>')
    return ('<div class="dnnbook-explorer">'
            f'<div class="dnnbook-explorer-controls">{"".join(controls)}</div>'
            f'<div class="dnnbook-explorer-states" aria-live="polite">{"".join(states)}</div>'
            '<p class="dnnbook-explorer-note">Precomputed for this page: '
            f'{len(states)} settings. Run the chapter in Jupyter or Colab to choose any value.</p></div>')
