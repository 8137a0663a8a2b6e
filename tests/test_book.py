"""The HTML book as readers meet it: built with no warning, then opened in headless Chromium.

The book is built once (into a temporary copy, so the reader's _build is never touched), served
on 127.0.0.1, and every request to any other host is blocked and counted: the pages must work
with no network. Screenshots of each chapter page land in _build/screenshots/ for a person to look at.
"""

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
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

    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium, f"http://127.0.0.1:{server.server_address[1]}"
        chromium.close()
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


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
    if "application/vnd.jupyter.widget-view+json" in notebook.read_text():
        # The explorers render from their saved state with the shipped widget scripts.
        page.wait_for_selector(".widget-interact .widget-output")
        assert page.locator(".widget-interact .widget-output").first.inner_html().strip(), "empty explorer"
    assert outside == [], f"failed or outside requests: {outside[:5]}"
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{notebook.stem}.png"))
    page.close()


def test_search_finds_the_autograd_chapter(browser):
    page, outside = open_page(browser, "search.html?q=gradient")
    page.wait_for_selector("ul.search li a")
    titles = page.locator("ul.search li a").all_inner_texts()
    assert any("Automatic differentiation" in title for title in titles), titles
    assert outside == []
    page.close()
