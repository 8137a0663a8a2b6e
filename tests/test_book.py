"""The HTML book as readers meet it: built with no warning, then opened in headless Chromium.

The book is built once (into a temporary copy, so the reader's _build is never touched), served
on 127.0.0.1, and every request to any other host is blocked and counted: the pages must work
with no network. axe-core checks every page in the theme's light and dark modes, and screenshots
of both land in _build/screenshots/ for a person to look at. The PDF edition (tools/pdf.py) is
printed from the same pages and checked from the PDF itself.
"""

import html as escape
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
try:
    import pdf as pdf_edition
    from number_chapters import chapters as chapters_in_toc_order
finally:
    sys.path.pop(0)
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    source = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".venv-compat", "_build", ".git", ".pytest_cache"))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(source), "--warningiserror", "--keep-going"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return source / "_build" / "html"


def test_every_chapter_page_is_built_with_its_colab_link(html):
    assert (html / "index.html").exists()
    for notebook in CHAPTERS:
        page = (html / "chapters" / f"{notebook.stem}.html").read_text()
        colab = REPOSITORY.replace("https://github.com/", "https://colab.research.google.com/github/")
        assert f"{colab}/blob/main/chapters/{notebook.name}" in page


def test_front_page_tables_come_from_the_notebooks(html):
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from results_table import FIGURE, _records, _stdout
    finally:
        sys.path.pop(0)
    intro = (html / "intro.html").read_text()
    for notebook in CHAPTERS:
        stored = json.loads(notebook.read_text())
        assert stored["metadata"]["dnnbook"]["executed_on"] in intro  # chapter map
        for figures in _records(_stdout(stored)):
            if "test accuracy" in figures:
                assert f"test accuracy {float(figures['test accuracy']):.1%}" in intro
            elif "validation bits per character" in figures:
                assert f"{figures['validation bits per character']} bits per character" in intro
    assert _records("test accuracy: 0.9\ntrain seconds: 3.0\nvalidation bits per character: 1.8\n"
                    "train seconds: 90.0\n") == [{"test accuracy": "0.9", "train seconds": "3.0"},
                                               {"validation bits per character": "1.8", "train seconds": "90.0"}]
    assert FIGURE.findall("test accuracy: 0.8876 (best)") == []  # only lines of exactly that form


@pytest.fixture(scope="module")
def browser(html):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: the set-up installs Debian's `chromium` when run as root")
        pytest.skip("needs Chromium (sudo apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with pdf_edition.serve(html) as base, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=pdf_edition.CHROMIUM_ARGS)
        yield chromium, base
        chromium.close()


def open_page(browser, path):
    chromium, base = browser
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    outside = []

    def only_loopback(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.on("response", lambda response: outside.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.goto(f"{base}/{path}", wait_until="networkidle")
    return page, outside


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_page_renders_offline(browser, notebook):
    page, outside = open_page(browser, f"chapters/{notebook.stem}.html")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    text = page.inner_text("article")
    assert page.locator("mjx-container").count() > 0, "MathJax rendered no equation"
    assert "$$" not in text and "\\frac" not in text, "raw TeX left on the page"
    assert page.locator("mjx-merror").count() == 0, "MathJax could not parse an equation"
    broken = page.evaluate("() => Array.from(document.images)"
                           ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []
    colab = page.locator("a[href*='colab.research.google.com']").first.get_attribute("href")
    assert colab.endswith(f"/chapters/{notebook.name}")
    if legacy_explorers(notebook):
        # Explorers not made by dnnbook.explore render from their saved state with the shipped widget scripts.
        page.wait_for_selector(".widget-interact .widget-output")
        assert page.locator(".widget-interact .widget-output").first.inner_html().strip(), "empty explorer"
    assert outside == [], f"failed or outside requests: {outside[:5]}"
    page.close()


def widget_views(notebook: Path) -> list[dict]:
    """The stored outputs of a chapter that show a widget (an explorer, a progress bar)."""
    return [output for cell in nbformat.read(notebook, as_version=4).cells for output in cell.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]


def static_explorers(notebook: Path) -> list[str]:
    """The static versions dnnbook.explore stored next to a chapter's live explorers, in page order."""
    return [output["data"]["text/html"] for output in widget_views(notebook)
            if 'class="dnnbook-explorer"' in output["data"].get("text/html", "")]


def legacy_explorers(notebook: Path) -> int:
    """How many of a chapter's explorers are still plain ipywidgets.interact (no static version)."""
    return sum("text/html" not in output["data"] and output["data"]["text/plain"].startswith("interactive(")
               for output in widget_views(notebook))


WITH_STATIC_EXPLORERS = [path for path in CHAPTERS if static_explorers(path)]
# What a state shows: its images (source and alternative text) and its printed text, on the page
# and, below, in the stored HTML.
SHOWN = """e => ({images: Array.from(e.querySelectorAll('img')).map(i => [i.getAttribute('src'), i.getAttribute('alt')]),
                 text: Array.from(e.querySelectorAll('pre')).map(p => p.textContent)})"""


def shown_in(state: str) -> dict:
    return {"images": [[escape.unescape(src), escape.unescape(alt)]
                       for src, alt in re.findall(r'<img src="([^"]*)"[^>]* alt="([^"]*)">', state)],
            "text": [escape.unescape(text) for text in re.findall(r"<pre[^>]*>(.*?)</pre>", state, re.S)]}


@pytest.mark.parametrize("notebook", WITH_STATIC_EXPLORERS, ids=[path.stem for path in WITH_STATIC_EXPLORERS])
def test_explorers_respond_with_no_kernel_within_their_budget(browser, html, notebook):
    """Each static explorer is on its page as stored, within its page-weight budget; moving one of
    its controls shows another state: the one computed, when the chapter ran, for the new settings."""
    from dnnbook.explorer import BUDGET_BYTES, STATE

    built = (html / "chapters" / f"{notebook.stem}.html").read_text()
    # The page embeds the static version of each explorer, not its widget view (which MyST-NB ranks
    # first unless the book's configuration says otherwise for this builder).
    views = re.findall(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', built, re.S)
    live_ids = [output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
                for output in widget_views(notebook) if 'class="dnnbook-explorer"' in output["data"].get("text/html", "")]
    assert len(live_ids) == len(static_explorers(notebook)) > 0
    assert not [model_id for model_id in live_ids if any(model_id in view for view in views)], "a widget view is shown"
    page, outside = open_page(browser, f"chapters/{notebook.stem}.html")
    assert page.locator(".dnnbook-explorer").count() == len(live_ids)
    if not legacy_explorers(notebook):  # no explorer on the page is drawn by the widget manager
        assert page.locator(".widget-interact").count() == 0
    for index, stored in enumerate(static_explorers(notebook)):
        assert stored in built and len(stored.encode()) <= BUDGET_BYTES, f"explorer {index}"
        computed = {escape.unescape(settings): (shown_in(content), not hidden)
                    for settings, hidden, content in STATE.findall(stored)}
        explorer = page.locator(".dnnbook-explorer").nth(index)

        def showing():
            visible = explorer.locator(".dnnbook-explorer-state:visible")
            assert visible.count() == 1
            settings = visible.get_attribute("data-settings")
            controls = explorer.locator(".dnnbook-explorer-control")
            chosen = {controls.nth(k).get_attribute("data-name"):
                      controls.nth(k).locator("output, select option:checked").first.inner_text().strip()
                      for k in range(controls.count())}
            assert json.loads(settings) == chosen, "the state shown is not the one the controls select"
            # What is shown is what the chapter computed for these settings (images, alt text, printing).
            assert visible.evaluate(SHOWN) == computed[settings][0]
            return settings

        before = showing()
        assert computed[before][1], "the page opens on another state than the stored one"
        control = explorer.locator(".dnnbook-explorer-control select, .dnnbook-explorer-control input").last
        if control.evaluate("e => e.tagName") == "SELECT":
            options = control.locator("option").count()
            control.select_option(str((int(control.input_value()) + 1) % options))
        else:
            control.focus()  # as a reader moves a slider: one step, back from the right end
            page.keyboard.press("ArrowLeft" if control.input_value() == control.get_attribute("max") else "ArrowRight")
        after = showing()
        assert after != before and computed[after][0] != computed[before][0], "the explorer did not change"
    assert outside == []
    page.close()


# What axe-core must not find: anything it rates serious or critical, and headings out of order
# (which it rates moderate, but a reader navigating by headings is lost without them).
AXE_IMPACTS = {"serious", "critical"}
AXE_HEADINGS = {"heading-order", "page-has-heading-one", "empty-heading"}
# axe's preload fetches the style sheets again to read them, and resolves the theme's
# `@import "../basic.css"` against the page instead of the sheet: a request that fails. What it
# preloads them for, css-orientation-lock, is then not checked: no style sheet of the book or
# its theme mentions orientation.
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}
# Highlighted code puts each token in a span of its own (9,000 on the MLP page), and measuring the
# contrast of every one takes axe minutes per book. Their contrast depends only on their colour and
# their code block's background, so the colour rules run on one block or span of each such
# combination on the page (marked by CODE_SAMPLES) and on everything outside code blocks; every
# other rule runs on the whole page. Only the colour rules depend on the mode, so only they run again
# in dark mode.
CODE_SAMPLES = """() => { const seen = new Set();
  for (const element of document.querySelectorAll('article .highlight pre, article .highlight pre span')) {
    element.removeAttribute('data-axe-sample');
    const key = [element, element.closest('pre'), element.closest('.highlight')]
      .map(e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]).join();
    if (element.textContent.trim() && !seen.has(key)) { seen.add(key); element.setAttribute('data-axe-sample', ''); }
  } }"""
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
COLOURS = ({"include": [["html"], ["[data-axe-sample]"]], "exclude": [["article .highlight pre"]]},
           {**AXE_OPTIONS, "runOnly": COLOUR_RULES})
AXE_RUNS = {"light": [({"include": [["html"]]},
                       {**AXE_OPTIONS, "rules": {rule: {"enabled": False} for rule in COLOUR_RULES}}), COLOURS],
            "dark": [COLOURS]}
PAGES = ["intro", *(f"chapters/{path.stem}" for path in CHAPTERS)]


@pytest.mark.parametrize("path", PAGES, ids=[Path(path).name for path in PAGES])
def test_page_is_accessible_in_light_and_dark_mode(browser, path):
    from axe_playwright_python.sync_playwright import Axe

    page, outside = open_page(browser, f"{path}.html")
    page.wait_for_function(pdf_edition.READY)  # equations typeset, explorers drawn
    page.evaluate(Axe().axe_script)  # axe-core, as the package bundles it
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for mode in ("light", "dark"):
        # What the theme's light/dark switch sets; its colours change in CSS transitions, which
        # must have ended before axe measures contrast.
        page.evaluate("mode => { document.documentElement.dataset.mode = mode;"
                      " document.documentElement.dataset.theme = mode; }", mode)
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
        page.evaluate(CODE_SAMPLES)
        found = [violation for context, options in AXE_RUNS[mode]
                 for violation in page.evaluate("([c, o]) => axe.run(c, o).then(r => r.violations)", [context, options])
                 if violation["impact"] in AXE_IMPACTS or violation["id"] in AXE_HEADINGS]
        assert found == [], f"{mode} mode: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}" for v in found)
        # The top of the page, and its first equation (or second cell, or section) with what surrounds it.
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / f"{Path(path).name}-{mode}.png"))
        page.evaluate("() => (document.querySelector('article div.math') || document.querySelectorAll("
                      "'article .cell')[1] || document.querySelector('article h2')).scrollIntoView()")
        page.screenshot(path=str(shots / f"{Path(path).name}-{mode}-body.png"))
    assert outside == []
    page.close()


def test_search_finds_the_autograd_chapter(browser):
    page, outside = open_page(browser, "search.html?q=gradient")
    page.wait_for_selector("ul.search li a")
    titles = page.locator("ul.search li a").all_inner_texts()
    assert any("Automatic differentiation" in title for title in titles), titles
    assert outside == []
    page.close()


@pytest.fixture(scope="module")
def book_pdf(browser, tmp_path_factory):
    """The PDF edition printed from the test's build, read back with pypdf: (reader, text by page)."""
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("pdf") / "dnnbook.pdf"
    pdf_edition.build(*browser, out)
    reader = PdfReader(out)
    return reader, [page.extract_text() for page in reader.pages]


def squeezed(text: str) -> str:
    """Text to compare with the PDF's: without whitespace, as the PDF wraps long lines of code and
    prose wherever they meet the margin, and with ligatures (the "ff" of "off") spelled out."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def bookmarks(reader) -> dict[str, tuple[range, list[int]]]:
    """Each top-level bookmark's title: its pages (up to the next one's) and the pages its sections start on."""
    top, sections = [], {}
    for item in reader.outline:
        if isinstance(item, list):
            sections[top[-1][0]] = [reader.get_destination_page_number(child) for child in item]
        else:
            top.append((item.title, reader.get_destination_page_number(item)))
    ends = [start for _, start in top[1:]] + [len(reader.pages)]
    return {title: (range(start, end), sections.get(title, [])) for (title, start), end in zip(top, ends)}


def chapter_titles() -> list[str]:
    return [nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].removeprefix("# ")
            for path in chapters_in_toc_order()]


def test_pdf_has_contents_bookmarks_and_page_numbers(book_pdf):
    reader, text = book_pdf
    titles = chapter_titles()
    marks = bookmarks(reader)
    assert list(marks)[0] == "Contents" and list(marks)[-len(titles):] == titles, list(marks)
    first_chapter = marks[titles[0]][0].start
    contents = squeezed("".join(text[marks["Contents"][0].start:first_chapter]))
    for title in titles:
        pages, sections = marks[title]
        assert squeezed(f"{title}{pages.start + 1}") in contents, f"the contents miss {title}"
        # Its sections are bookmarked under it, in order, each on a page of the chapter.
        assert len(sections) >= 3 and sections == sorted(sections) and set(sections) <= set(pages), title
    # On every page but the title page, its number, printed last.
    assert [page.split()[-1] for page in text[1:]] == [str(number) for number in range(2, len(text) + 1)]


def images(page) -> int:
    """The image XObjects a page draws, also those inside the forms it draws (as Chromium nests them)."""
    def count(resources, seen):
        found = 0
        for reference in resources.get("/XObject", {}).values():
            xobject = reference.get_object()
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            if xobject["/Subtype"] == "/Image":
                found += 1
            elif xobject["/Subtype"] == "/Form" and "/Resources" in xobject:
                found += count(xobject["/Resources"].get_object(), seen)
        return found
    return count(page.get("/Resources", {}), set())


# What raw TeX leaves in text: a command (\frac), or the delimiters $$, \( and \[.
TEX = re.compile(r"\\[A-Za-z]+|\$\$|\\[(\[]")


def test_pdf_has_every_chapter_with_its_outputs_equations_and_figures(book_pdf):
    reader, text = book_pdf
    marks = bookmarks(reader)
    assert not any("\\frac" in page for page in text), "raw TeX in the PDF"
    for path, title in zip(chapters_in_toc_order(), chapter_titles()):
        notebook = nbformat.read(path, as_version=4)
        pages = marks[title][0]
        printed = "".join(text[index] for index in pages)
        # Every section heading of the chapter, the first and last lines of every code cell (the
        # exercises' solutions included) and the first line of every stored text output.
        headings = [line.removeprefix("## ").replace("`", "") for cell in notebook.cells
                    if cell.cell_type == "markdown" for line in cell.source.splitlines() if line.startswith("## ")]
        code = [line for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()
                for line in (cell.source.strip().splitlines()[0], cell.source.strip().splitlines()[-1])]
        outputs = [output["text"].strip().splitlines()[0] for cell in notebook.cells
                   for output in cell.get("outputs", []) if output.get("name") == "stdout" and output["text"].strip()]
        whole = squeezed(printed)
        missing = [line for line in headings + code + outputs if squeezed(line) not in whole]
        assert headings and code and outputs and missing == [], f"{path.name}: not in the PDF: {missing[:5]}"
        # TeX commands appear only where the code itself writes them (matplotlib labels): the
        # equations of the prose were typeset.
        cells = "".join(cell.source + json.dumps(cell.get("outputs", [])) for cell in notebook.cells
                        if cell.cell_type == "code")
        raw = set(TEX.findall(printed)) - set(TEX.findall(cells.replace("\\\\", "\\")))
        assert raw == set(), f"{path.name}: raw TeX in the PDF: {sorted(raw)}"
        # Every figure the chapter's cells stored is embedded (explorers add theirs).
        figures = sum("image/png" in output.get("data", {}) for cell in notebook.cells
                      for output in cell.get("outputs", []))
        assert sum(images(reader.pages[index]) for index in pages) >= figures, path.name
