"""dnnbook.explore: the static states it computes, the errors it gives, and the page script that
switches between the states (_assets/dnnbook.js), driven in Chromium on a page of its own."""

import base64
import html
import io
import json
import re
import shutil
import sys
from pathlib import Path
from unittest import mock

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
from PIL import Image

import dnnbook
from dnnbook import explore
from dnnbook.explorer import STATE

ROOT = Path(__file__).parents[1]


def states(explorer: dnnbook.Explorer) -> list[tuple[dict, bool, str]]:
    """(settings as shown, visible, content) of each state, in the page's order."""
    return [(json.loads(html.unescape(settings)), not hidden, content)
            for settings, hidden, content in STATE.findall(explorer.html)]


def describe(shape="(2, 3)", scale=1.0, loud=False):
    print(f"shape {shape} scaled by {scale:.1f}{'!' if loud else ''}")


@pytest.fixture
def shown():
    """What explore displays, instead of displaying it."""
    with mock.patch("IPython.display.display") as display:
        yield display


def test_one_state_per_setting_in_the_order_of_the_grid_product(shown):
    explorer = explore(describe, {"shape": ["(2, 3)", "(4,)"], "scale": [0.5, 1.0, 2.0]}, shape="(2, 3)", scale=widgets.FloatSlider(value=1.0, min=0, max=2, step=0.5), loud=widgets.fixed(True))
    assert explorer.settings == [{"shape": s, "scale": x} for s in ("(2, 3)", "(4,)") for x in (0.5, 1.0, 2.0)]
    found = states(explorer)
    # What the function prints for each setting; the controls left out of the grid keep their value.
    assert [content for *_, content in found] == [
        f'<pre class="dnnbook-explorer-text">shape {html.escape(s)} scaled by {x:.1f}!</pre>'
        for s in ("(2, 3)", "(4,)") for x in (0.5, 1.0, 2.0)]
    # Labels as the live control reads them (the slider's two decimals); only the initial state shows.
    assert [(settings, visible) for settings, visible, _ in found][:2] == [
        ({"shape": "(2, 3)", "scale": "0.50"}, False), ({"shape": "(2, 3)", "scale": "1.00"}, True)]
    assert sum(visible for _, visible, _ in found) == 1
    # A menu for the text box, a slider over the grid's indices for the slider, at the initial values.
    assert '<option value="0" selected>(2, 3)</option><option value="1">(4,)</option>' in explorer.html
    assert 'type="range" min="0" max="2" step="1" value="1" aria-valuetext="1.00"' in explorer.html
    # One output with the live widget and the static version; the live explorer is what interact builds.
    (bundle,), options = shown.call_args
    assert options == {"raw": True} and bundle["text/html"] == explorer.html
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.live.model_id
    assert isinstance(explorer.live, widgets.interactive) and explorer.nbytes == len(explorer.html.encode())


def draw(kind="line", width=2):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, width] if kind == "line" else [width, 0])
    plt.show()


def test_figures_become_small_images_with_their_alternative_text(shown):
    with mock.patch.object(plt, "show"):  # the live explorer's first run, which the book never sees
        explorer = explore(draw, {"kind": ["line", "fall"], "width": [1, 2, 3]},
                           alt="A {kind} drawn {width} units high on a small plot of two axes", kind=["line", "fall"],
                           width=widgets.IntSlider(value=2, min=1, max=3))
    plt.close("all")
    found = states(explorer)
    images = [re.fullmatch(r'<img src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)" alt="([^"]+)">', content)
              for *_, content in found]
    assert all(images) and len(images) == 6
    assert [image[4] for image in images][:2] == ["A line drawn 1 units high on a small plot of two axes",
                                                   "A line drawn 2 units high on a small plot of two axes"]
    png = Image.open(io.BytesIO(base64.b64decode(images[0][1])))
    assert png.mode == "P" and png.size == (int(images[0][2]), int(images[0][3]))
    assert len({image[1] for image in images}) == 6  # every state its own figure
    # The same figure gives the same bytes: stored notebooks change only where a figure does.
    with mock.patch.object(plt, "show"):
        again = explore(draw, {"kind": ["line", "fall"]}, alt="A {kind} drawn from one corner on a small plot", kind=["line", "fall"],
                        width=widgets.fixed(1))
    plt.close("all")
    assert images[0][1] in states(again)[0][2]


@pytest.mark.parametrize("grid, controls, message", [
    ({"loud": [True, False]}, {}, "no control the reader can move"),
    ({"shape": ["(4,)", "(5,)"]}, {}, "must contain the control's initial value '(2, 3)'"),
    ({"shape": ["(2, 3)"]}, {}, "two or more values"),
    ({"scale": [1.0, 3.0]}, {"scale": widgets.FloatSlider(value=1.0, min=0, max=2)}, "from 0.0 to 2.0"),
    ({"scale": [1.0, 0.5]}, {"scale": widgets.FloatSlider(value=1.0, min=0, max=2)}, "increasing order"),
    ({"scale": [1.0, 4.0]}, {"scale": [1.0, 2.0]}, "offers [1.0, 2.0], not [4.0]"),
    ({"loud": [False, 1]}, {"loud": False}, "checkbox"),
    ({"shape": ["(2, 3)"] + [f"({n},)" for n in range(300)]}, {}, "more than 200"),
    # Values the live control cannot take, or that the page could not tell apart.
    ({"scale": [1.0, 1.333]}, {"scale": widgets.FloatSlider(value=1.0, min=0, max=2, step=0.05)},
     "from 0.0 to 2.0, in steps of 0.05: the live control cannot show [1.333]"),
    ({"scale": [1, 1.0, 2]}, {"scale": widgets.FloatSlider(value=1.0, min=0, max=2)}, "cannot tell 1 from 1.0"),
    ({"scale": [1, True]}, {"scale": widgets.Dropdown(options=[("one", 1), ("yes", True)])}, "cannot tell 1 from True"),
    ({"scale": [True, 2]}, {"scale": widgets.IntSlider(value=2, min=0, max=4)}, "takes whole numbers"),
    ({"scale": [0.01, 0.005]}, {"scale": widgets.FloatLogSlider(value=0.01, min=-4, max=0, step=0.5)},
     "from 0.0001 to 1, in steps of 0.5 in log10: the live control cannot show [0.005]"),
    ({"scale": ["b", "a"]}, {"scale": widgets.SelectionSlider(options=["a", "b"], value="b")}, "order of its options"),
    ({"scale": [(0, 1), (1, 2)]}, {"scale": widgets.IntRangeSlider(value=(0, 1))}, "IntRangeSlider, which has no static"),
])
def test_a_grid_that_does_not_fit_its_control_is_refused_with_the_reason(shown, grid, controls, message):
    with pytest.raises(ValueError) as error:
        explore(describe, grid, **{"shape": "(2, 3)", "loud": widgets.fixed(False), **controls})
    assert message in str(error.value)
    shown.assert_not_called()


def test_alt_text_and_budget_are_checked(shown):
    plt_show = mock.patch.object(plt, "show")  # the live explorer's first run, which the book never sees
    plt_show.start()
    with pytest.raises(ValueError, match=r"alt names 'width', which is no control with a grid: use one of \['kind'\]"):
        explore(draw, {"kind": ["line", "fall"]}, alt="A {kind} drawn {width} units high on a small plot", kind=["line", "fall"], width=widgets.fixed(1))
    with pytest.raises(ValueError, match="the explorer draws figures: describe them in alt"):
        explore(draw, {"kind": ["line", "fall"]}, kind=["line", "fall"], width=widgets.fixed(1))
    with pytest.raises(ValueError, match="alt must describe the figure in at least 8 words"):
        explore(draw, {"kind": ["line", "fall"]}, alt="A {kind} on a plot", kind=["line", "fall"], width=widgets.fixed(1))
    with pytest.raises(ValueError, match=r"alt cannot be filled in .*without a format spec, or pass a callable alt"):
        explore(draw, {"width": [1, 2]}, alt="A line drawn {width:.1f} units high on a small plot", kind=widgets.fixed("line"),
                width=widgets.IntSlider(value=1, min=1, max=2))
    with pytest.raises(ValueError, match=r"returned 'a line': it must return a description of at least 8 words"):
        explore(draw, {"kind": ["line", "fall"]}, alt=lambda settings, printed: "a line", kind=["line", "fall"],
                width=widgets.fixed(1))
    with pytest.raises(ValueError, match=r"weighs \d+ kB, over its budget of 3 kB: give the grid fewer values"):
        explore(draw, {"kind": ["line", "fall"]}, alt="A {kind} drawn from one corner on a small plot", kind=["line", "fall"],
                width=widgets.fixed(1), budget_bytes=3_000)
    with pytest.raises(RuntimeError, match=r"failed for \{'kind': 'line', 'width': 0\}: ZeroDivisionError"):
        explore(lambda kind, width: 1 / width, {"kind": ["line", "fall"]}, alt="A {kind} drawn from one corner on a small plot",
                kind=["line", "fall"], width=widgets.fixed(0))
    shown.assert_not_called()
    plt_show.stop()
    plt.close("all")


def test_alt_may_say_what_each_state_shows(shown):
    def plot(width=2):
        print(f"height {width}")
        draw("line", width)

    with mock.patch.object(plt, "show"):
        explorer = explore(plot, {"width": [1, 3]}, alt=lambda settings, printed: (
            f"A line rising to {settings['width']} units on a small plot, printed above as '{printed.strip()}'"),
            width=widgets.IntSlider(value=1, min=1, max=3))
    plt.close("all")
    assert [re.search(r'alt="([^"]*)"', content)[1] for *_, content in states(explorer)] == [
        "A line rising to 1 units on a small plot, printed above as &#x27;height 1&#x27;",
        "A line rising to 3 units on a small plot, printed above as &#x27;height 3&#x27;"]
    assert repr(explorer) == f"<Explorer of plot: 2 states, {explorer.nbytes / 1e3:,.0f} kB>"  # not the page


def test_menus_label_each_value_as_the_live_menu_does(shown):
    # 1 and True are equal in Python but two options here: the labels follow the option, not ==.
    menu = widgets.Dropdown(options=[("one", 1), ("yes", True), ("half", 0.5)])
    explorer = explore(describe, {"scale": [1, 0.5]}, shape="(2, 3)", scale=menu, loud=widgets.fixed(False))
    assert [(settings, visible) for settings, visible, _ in states(explorer)] == [
        ({"scale": "one"}, True), ({"scale": "half"}, False)]
    # Options that are lists (unhashable), a grid from a generator, a number box as a menu.
    lists = widgets.Dropdown(options=[("short", [1]), ("long", [1, 2, 3])], value=[1])
    explorer = explore(describe, {"shape": (value for value in ([1], [1, 2, 3]))}, shape=lists, loud=widgets.fixed(False))
    assert explorer.settings == [{"shape": [1]}, {"shape": [1, 2, 3]}]
    box = widgets.BoundedFloatText(value=1.0, min=0, max=2)
    explorer = explore(describe, {"scale": [0.333, 1.0]}, shape="(2, 3)", scale=box, loud=widgets.fixed(False))
    assert '<select><option value="0">0.333</option><option value="1" selected>1.0</option></select>' in explorer.html
    # A log slider's grid is of values (not exponents), shown as the live readout shows them.
    rate = widgets.FloatLogSlider(value=0.01, min=-4, max=0, step=0.5)
    explorer = explore(describe, {"scale": [1e-3, 1e-2, 10 ** -1.5]}, shape="(2, 3)", scale=rate, loud=widgets.fixed(False))
    assert 'value="1" aria-valuetext="0.01" data-labels="[&quot;0.001&quot;, &quot;0.01&quot;, &quot;0.0316&quot;]"' \
        in explorer.html


def test_bad_input_fails_before_the_function_runs_with_the_reason(shown):
    calls = []

    def slow(rate=0.1, dpi=100):
        calls.append(rate)

    with pytest.raises(ValueError, match=r"\['dpi'\] name explore's own options .* rename the parameter"):
        explore(slow, {"rate": [0.1, 0.2]}, rate=widgets.FloatSlider(value=0.1, min=0, max=1), dpi=widgets.fixed(72))
    with pytest.raises(ValueError, match="must contain the control's initial value"):
        explore(lambda rate=0.1: calls.append(rate), {"rate": [0.2, 0.3]}, rate=widgets.FloatSlider(value=0.1, max=1))
    with pytest.raises(TypeError, match="the grid maps control names to lists of values"):
        explore(lambda rate=0.1: calls.append(rate), [0.1, 0.2], rate=widgets.FloatSlider(value=0.1, max=1))
    assert calls == [] and shown.call_count == 0


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("needs Chromium (sudo apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from pdf import CHROMIUM_ARGS
    finally:
        sys.path.pop(0)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_page_script_shows_the_state_the_controls_select(shown, chromium):
    explorer = explore(describe, {"shape": ["(2, 3)", "(4,)", "(1, 1)"], "scale": [0.5, 1.0, 2.0]},
                       shape="(2, 3)",
                       scale=widgets.FloatSlider(value=1.0, min=0, max=2, step=0.5), loud=widgets.fixed(False))
    page = chromium.new_page()
    page.set_content(f'<!doctype html><html lang="en"><body>{explorer.html}</body></html>')
    page.add_script_tag(path=str(ROOT / "_assets" / "dnnbook.js"))
    visible = page.locator(".dnnbook-explorer-state:visible")

    def showing():
        assert visible.count() == 1
        return visible.inner_text(), json.loads(visible.get_attribute("data-settings"))

    assert showing() == ("shape (2, 3) scaled by 1.0", {"shape": "(2, 3)", "scale": "1.00"})
    page.focus("input[type=range]")
    page.keyboard.press("ArrowRight")  # as a reader moves the slider
    assert showing() == ("shape (2, 3) scaled by 2.0", {"shape": "(2, 3)", "scale": "2.00"})
    assert page.locator("input[type=range]").get_attribute("aria-valuetext") == "2.00"
    assert page.locator(".dnnbook-explorer-control output").inner_text() == "2.00"
    page.select_option("select", label="(1, 1)")
    assert showing() == ("shape (1, 1) scaled by 2.0", {"shape": "(1, 1)", "scale": "2.00"})
    page.focus("input[type=range]")
    page.keyboard.press("Home")
    assert showing() == ("shape (1, 1) scaled by 0.5", {"shape": "(1, 1)", "scale": "0.50"})
    # Every state the script can show is the one computed for the controls' values.
    assert [settings for settings, _, _ in states(explorer)][6] == {"shape": "(1, 1)", "scale": "0.50"}
    page.close()
