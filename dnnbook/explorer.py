"""Explorers that respond everywhere: live in Jupyter and Colab, precomputed in the HTML book.

``explore(f, grid, alt=..., **controls)`` takes what ``ipywidgets.interact(f, **controls)`` takes,
plus, for each control the reader may move in the book, a small grid of its values. It shows one
output carrying two views of the same explorer:

- ``application/vnd.jupyter.widget-view+json``: the live ``interact`` explorer, which every widget
  front end (JupyterLab, Notebook, Colab, VS Code) ranks first and runs with the kernel;
- ``text/html``: a static explorer for pages with no kernel. ``f`` is called once for every
  combination of the grid's values while the chapter executes; what it prints and the figures it
  shows with ``plt.show()`` (or leaves open) are kept, each state in its own hidden block. The
  book's configuration ranks ``text/html`` first for its HTML builders, and ``_assets/dnnbook.js``
  makes the page's own controls show the state of their values: a slider where the live control
  is a slider, a menu otherwise. Without JavaScript, and in the PDF edition, the state of the
  controls' initial values is what shows.

Controls without a grid keep their initial value in the static explorer. Each grid must contain its
control's initial value (so the book opens on what Jupyter opens on) and only values the live
control can take, in a slider's order. Figures are stored as small palette PNGs; the static
explorer must fit in ``budget_bytes`` (one megabyte unless told), or ``explore`` says by how much
it is over. Every check runs before ``f`` is first called, so a bad grid fails at once.
"""

from __future__ import annotations

import base64
import contextlib
import html
import inspect
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any
from unittest import mock

BUDGET_BYTES = 1_000_000  # added page weight allowed per explorer
MAX_STATES = 200  # beyond this a grid is too fine for a page, whatever its figures weigh
PALETTE_COLOURS = 64  # plots of a few lines and fills look the same, at a third of the bytes
MIN_ALT_WORDS = 8  # as the book's test of every other figure's alternative text
RESERVED = ("alt", "budget_bytes", "dpi")  # explore's own options: no control may be called so
# One precomputed state in the static HTML: its settings as shown (JSON), whether it starts hidden,
# and what it shows. The tests read the stored pages with it.
STATE = re.compile(r'<div class="dnnbook-explorer-state" data-settings="([^"]*)"( hidden)?>(.*?)</div>', re.S)


@dataclass(frozen=True, repr=False)
class Explorer:
    """What ``explore`` showed: the live widget and the static version's states."""

    live: Any  # the ipywidgets.interactive explorer
    settings: list[dict[str, Any]] = field(repr=False)  # each precomputed state's values, in the page's order
    html: str = field(repr=False)  # the static explorer, as the HTML book embeds it

    @property
    def nbytes(self) -> int:
        """The page weight the static explorer adds."""
        return len(self.html.encode())

    def __repr__(self) -> str:  # short: a cell that ends with an explorer must not print its page
        return f"<Explorer of {self.live.f.__name__}: {len(self.settings)} states, {self.nbytes / 1e3:,.0f} kB>"


def explore(function: Callable[..., Any], grid: Mapping[str, Iterable[Any]], /, *,
            alt: str | Callable[[dict[str, Any], str], str] | None = None,
            budget_bytes: int = BUDGET_BYTES, dpi: float | None = None, **controls: Any) -> Explorer:
    """``ipywidgets.interact(function, **controls)``, with a static version over ``grid`` for the book.

    ``alt`` describes each figure ``function`` draws (needed when it draws one), for readers who
    cannot see it. Either a str, in which ``{name}`` becomes the value of control ``name`` as the
    page shows it, e.g. ``alt="The tangent to {function} at x0 = {x0}"``; or, so that it can also
    say what the state shows, a callable ``alt(settings, printed)`` of the values of all controls
    in that state and the text ``function`` printed there. ``dpi`` defaults to matplotlib's
    ``savefig.dpi`` (the book style's, once ``dnnbook.use_book_style`` has run).
    """
    import ipywidgets
    from IPython.display import display

    if not isinstance(grid, Mapping):
        raise TypeError(f"the grid maps control names to lists of values, e.g. {{'x0': [0.0, 0.5]}}; got {grid!r}")
    grid = {name: list(values) for name, values in grid.items()}  # generators too, read once
    taken = [name for name in RESERVED if name in _parameters(function) or name in grid]
    if taken:
        raise ValueError(f"{taken} name explore's own options (alt=, budget_bytes=, dpi=), so a control of that "
                         f"name would never reach {getattr(function, '__name__', 'the function')}: rename the parameter")
    if alt is not None and not callable(alt) and (not isinstance(alt, str) or len(alt.split()) < MIN_ALT_WORDS):
        raise ValueError(f"alt must describe the figure in at least {MIN_ALT_WORDS} words: a str (with {{name}} for a "
                         "control's value) or a callable alt(settings, printed) that returns one")
    sizes = [len(values) for values in grid.values()]
    if math.prod(sizes) > MAX_STATES:
        raise ValueError(f"the grid {dict(zip(grid, sizes))} makes {math.prod(sizes)} states, more than "
                         f"{MAX_STATES}: give the controls fewer values")

    # The live explorer, built with a function that does nothing, so that its widgets (made by
    # interact from the controls) can be checked before the first, perhaps slow, call of `function`.
    live = ipywidgets.interactive(_signature_only(function), **controls)
    by_name = {widget._kwarg: widget for widget in live.kwargs_widgets}
    initial = {name: widget.get_interact_value() for name, widget in by_name.items()}
    labels, at_start = {}, {}
    for name, values in grid.items():
        labels[name] = _labels(name, by_name.get(name), values)
        at_start[name] = _index(values, initial[name])
        if at_start[name] is None:
            raise ValueError(f"the grid of {name!r} must contain the control's initial value {initial[name]!r}, "
                             "so the book opens on what Jupyter opens on")
    if isinstance(alt, str):
        _describe(alt, {name: shown[0] for name, shown in labels.items()}, {}, "")  # a bad alt fails here

    settings, states = [], []
    for indices in itertools.product(*map(range, sizes)):  # the first control varies slowest
        setting = {name: values[i] for (name, values), i in zip(grid.items(), indices)}
        shown = {name: labels[name][i] for name, i in zip(grid, indices)}
        text, figures = _capture(function, {**initial, **setting}, dpi)
        description = None if alt is None else _describe(alt, shown, {**initial, **setting}, text)
        if figures and description is None:
            raise ValueError("the explorer draws figures: describe them in alt, for readers who cannot see them")
        settings.append(setting)
        states.append(_state(shown, text, figures, description,
                             visible=all(i == at_start[name] for name, i in zip(grid, indices))))
    static = _page({name: by_name[name] for name in grid}, labels, at_start, states)
    if len(static.encode()) > budget_bytes:
        raise ValueError(f"the static explorer weighs {len(static.encode()) / 1e3:,.0f} kB, over its budget of "
                         f"{budget_bytes / 1e3:,.0f} kB: give the grid fewer values or draw smaller figures")
    live.f = function
    live.update()  # the live explorer's first run, as interact does it
    display({**live._repr_mimebundle_(), "text/html": static}, raw=True)
    return Explorer(live, settings, static)


def _parameters(function: Callable[..., Any]) -> set[str]:
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: interact cannot inspect it either
        return set()


def _signature_only(function: Callable[..., Any]) -> Callable[..., None]:
    """A function with ``function``'s signature (interact reads it) that does nothing."""
    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    try:
        nothing.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
    except (TypeError, ValueError):  # no signature to read: interact then takes the controls as given
        pass
    nothing.__name__ = getattr(function, "__name__", "explorer")
    return nothing


def _describe(alt: str | Callable[[dict[str, Any], str], str], shown: dict[str, str], values: dict[str, Any],
              printed: str) -> str:
    """The alternative text of one state's figures."""
    if callable(alt):
        description = alt(values, printed)
        if not isinstance(description, str) or len(description.split()) < MIN_ALT_WORDS:
            raise ValueError(f"alt({values}, printed) returned {description!r}: it must return a description of "
                             f"at least {MIN_ALT_WORDS} words")
        return description
    try:
        return alt.format(**shown)
    except (KeyError, IndexError) as error:
        raise ValueError(f"alt names {error}, which is no control with a grid: use one of {list(shown)}") from None
    except (ValueError, TypeError) as error:
        raise ValueError(f"alt cannot be filled in ({error}): {{name}} stands for the value as the page shows it, "
                         "a str, so write {name} without a format spec, or pass a callable alt") from None


def _same(a: Any, b: Any) -> bool:
    """Whether a grid's value is this option or initial value: equal numbers (1 and 1.0), or equal
    values of one type. True is not 1 here, as a menu shows them apart ("yes" and "one")."""
    if isinstance(a, Real) and isinstance(b, Real) and not isinstance(a, bool) and not isinstance(b, bool):
        return _equal(a, b)
    return a is b or (type(a) is type(b) and _equal(a, b))


def _index(values: list[Any], value: Any) -> int | None:
    return next((i for i, v in enumerate(values) if _same(v, value)), None)


def _labels(name: str, widget: Any, values: list[Any]) -> list[str]:
    """The values of a control's grid as the reader reads them; checks they suit the live control."""
    import ipywidgets

    if widget is None or isinstance(widget, ipywidgets.fixed):
        raise ValueError(f"the grid names {name!r}, which is no control the reader can move")
    clash = next(((a, b) for i, a in enumerate(values) for b in values[i + 1:] if a is b or _equal(a, b)), None)
    if len(values) < 2 or clash:
        raise ValueError(f"the grid of {name!r} needs two or more values, no two of them equal (Python's == "
                         f"cannot tell {clash[0]!r} from {clash[1]!r})" if clash else
                         f"the grid of {name!r} needs two or more values, got {values!r}")
    if isinstance(widget, ipywidgets.widgets.widget_selection._Selection):  # menus, selection sliders
        # The (label, value) pairs ipywidgets made of `options` (a list, a dict or pairs), as it shows them.
        options, shown = list(widget._options_values), list(widget._options_labels)
        where = [_index(options, value) for value in values]
        wrong = [value for value, i in zip(values, where) if i is None]
        if wrong:
            raise ValueError(f"{name!r} offers {options}, not {wrong}")
        if isinstance(widget, ipywidgets.SelectionSlider) and where != sorted(where):
            raise ValueError(f"the grid of {name!r} is a slider's: give its values in the order of its options")
        return [shown[i] for i in where]
    if isinstance(widget, (ipywidgets.Checkbox, ipywidgets.ToggleButton)):
        if not all(isinstance(value, bool) for value in values):
            raise ValueError(f"{name!r} is a checkbox: its grid holds True and False, got {values!r}")
        return ["on" if value else "off" for value in values]
    if isinstance(widget, (ipywidgets.Text, ipywidgets.Textarea)):
        if not all(isinstance(value, str) for value in values):
            raise ValueError(f"{name!r} takes text: its grid holds strings, got {values!r}")
        return values
    number = Integral if isinstance(widget, (ipywidgets.IntSlider, ipywidgets.IntText, ipywidgets.BoundedIntText)) else Real
    if not isinstance(widget, (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.FloatLogSlider,
                               ipywidgets.IntText, ipywidgets.FloatText, ipywidgets.BoundedIntText,
                               ipywidgets.BoundedFloatText)):
        raise ValueError(f"{name!r} is a {type(widget).__name__}, which has no static version; "
                         "use a slider, a number box, a menu, a checkbox or a text box")
    if not all(isinstance(value, number) and not isinstance(value, bool) for value in values):
        raise ValueError(f"{name!r} takes {'whole ' if number is Integral else ''}numbers, got {values!r}")
    if isinstance(widget, ipywidgets.FloatLogSlider):  # min, max and step are exponents of base
        low, high = widget.base ** widget.min, widget.base ** widget.max
        steps = [(math.log(value, widget.base) - widget.min) / widget.step if value > 0 else math.nan
                 for value in values]
        reach = f"{low:g} to {high:g}, in steps of {widget.step:g} in log{widget.base:g}"
    elif hasattr(widget, "min"):
        low, high = widget.min, widget.max
        sliding = isinstance(widget, (ipywidgets.IntSlider, ipywidgets.FloatSlider))
        steps = [(value - low) / widget.step if sliding else 0 for value in values]  # a box takes any number
        reach = f"{low} to {high}" + (f", in steps of {widget.step}" if sliding else "")
    else:
        low, high, steps, reach = -math.inf, math.inf, [0] * len(values), "any number"
    off = [value for value, step in zip(values, steps)  # a step count must be whole, up to rounding
           if not low - 1e-9 <= value <= high + 1e-9 or not (math.isfinite(step) and abs(step - round(step)) < 1e-6)]
    if off:
        raise ValueError(f"{name!r} takes numbers from {reach}: the live control cannot show {off}")
    if isinstance(widget, (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.FloatLogSlider)) \
            and values != sorted(values):
        raise ValueError(f"the grid of {name!r} is a slider's: give its values in increasing order")
    return [_format(value, getattr(widget, "readout_format", "")) for value in values]


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _format(value: Real, spec: str) -> str:
    try:
        return format(value, spec)
    except ValueError:
        return str(value)


def _capture(function: Callable[..., Any], kwargs: dict[str, Any], dpi: float | None) -> tuple[str, list[bytes]]:
    """What ``function(**kwargs)`` prints, and the PNG of each figure it shows or leaves open."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    figures: list[bytes] = []

    def keep_new_figures(*_: Any, **__: Any) -> None:  # plt.show's arguments (block=...) do not matter here
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


def _png(figure: Any, dpi: float | None) -> bytes:
    """The figure as a palette PNG: no metadata, so the same figure always gives the same bytes."""
    import matplotlib.pyplot as plt
    from PIL import Image

    if dpi is None:  # as the book draws every other figure (matplotlib's savefig.dpi may say "figure")
        dpi = plt.rcParams["savefig.dpi"] if plt.rcParams["savefig.dpi"] != "figure" else figure.dpi
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
                     f'width="{width}" height="{height}" alt="{html.escape(alt or "")}">')
    return (f'<div class="dnnbook-explorer-state" data-settings="{html.escape(json.dumps(shown))}"'
            f'{"" if visible else " hidden"}>{"".join(parts)}</div>')


def _page(widgets: dict[str, Any], labels: dict[str, list[str]], at_start: dict[str, int], states: list[str]) -> str:
    """The controls (a slider where the live one is a slider, a menu otherwise) above the states."""
    import ipywidgets

    sliders = (ipywidgets.SelectionSlider, ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.FloatLogSlider)
    controls = []
    for name, shown in labels.items():
        at, live = at_start[name], widgets[name]
        if isinstance(live, sliders):
            widget = (f'<input type="range" min="0" max="{len(shown) - 1}" step="1" value="{at}" '
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
