"""The PDF edition: the built HTML book printed by headless Chromium and joined into one PDF.

    python tools/pdf.py [HTML_DIR] [OUT]     (after `make book`; `make pdf` runs it)

Each page of the book (in `_toc.yml`'s order) is opened exactly as a reader's browser opens it,
served from 127.0.0.1 with every other host blocked; once MathJax has typeset it and the
explorers have drawn their saved state, Chromium prints it with the print styles of
`_assets/dnnbook.css`. pypdf then joins a title page, a table of contents and the pages, adds a
bookmark for each page and each of its sections (from the headings Chromium records in its
outline), and stamps the page numbers. Hidden cells (the exercises' solutions) are printed open.

Printing the HTML, rather than Jupyter Book's LaTeX builder, keeps the PDF identical to the pages
the browser test checks (equations, stored outputs, tables and explorers as rendered) and needs
nothing beyond the Chromium that test already uses; the LaTeX route needs a TeX installation on
every machine that builds the book, and cannot show the explorers, whose saved state only a
browser draws.
"""

import contextlib
import functools
import html as escape
import http.server
import shutil
import sys
import threading
from datetime import date
from io import BytesIO
from pathlib import Path

import yaml
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from number_chapters import chapters

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# A4 with room for the page number in the bottom margin; the overlay that carries the numbers
# is printed with the same margins, so it lines up with every page.
PAPER = {"format": "A4", "margin": {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}}
FOOTER = ('<div style="width: 100%; font-size: 12px; text-align: center; color: #333;">'
          '<span class="pageNumber"></span></div>')
# Rendered when every equation is typeset (on a page that loads MathJax) and every saved widget
# (explorer, progress bar) is drawn.
READY = """async () => {
  if (document.querySelector('script[src*="mathjax"]')) {
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
    await MathJax.startup.promise;
  }
  return Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
              .every(view => view.parentElement.querySelector('.jupyter-widgets'));
}"""
# The page's title and section titles as the reader sees them (without the "#" permalinks).
HEADINGS = """() => Array.from(document.querySelectorAll('article.bd-article h1, article.bd-article h2'))
  .map(heading => { const copy = heading.cloneNode(true);
                    copy.querySelectorAll('.headerlink').forEach(link => link.remove());
                    return copy.textContent.replace(/\\s+/g, ' ').trim(); })"""


def toc_pages(root: Path = ROOT) -> list[str]:
    """The book's pages as paths relative to the built HTML, in `_toc.yml`'s order."""
    front = yaml.safe_load((root / "_toc.yml").read_text())["root"]
    return [f"{front}.html"] + [path.relative_to(root).with_suffix(".html").as_posix() for path in chapters(root)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def print_page(chromium, base: str, path: str) -> "PrintedPage":
    """One page of the book as Chromium prints it, with its title and its sections' pages."""
    page = chromium.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    try:
        page.goto(f"{base}/{path}", wait_until="networkidle")
        page.wait_for_function(READY, timeout=60_000)
        # Hidden cells (the exercises' solutions) are printed open: a PDF has no toggle to click.
        page.evaluate("() => document.querySelectorAll('article details').forEach(details => details.open = true)")
        page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
        headings = page.evaluate(HEADINGS)
        pdf = page.pdf(**PAPER, print_background=True, outline=True, tagged=True)
        return PrintedPage(path, headings[0], headings[1:], pdf)
    finally:
        page.close()


# The title page, the contents and the page numbers.
STYLE = """
body { font-family: sans-serif; color: #222; }
.title { margin-top: 35%; text-align: center; }
.title h1 { font-size: 32px; font-weight: normal; margin-bottom: 24px; }
.title p { font-size: 15px; margin: 6px; }
h2 { font-size: 22px; font-weight: normal; }
.toc { width: 100%; border-collapse: collapse; font-size: 12px; }
.toc td { padding: 2px 0; }
.toc td:last-child { text-align: right; width: 3em; }
.toc tr.chapter td { font-weight: bold; padding-top: 9px; }
.toc tr.section td:first-child { padding-left: 1.5em; }
.blank { height: 1px; break-after: page; }
"""


def print_html(chromium, body: str, **options) -> PdfReader:
    """A small document of our own (title page, contents, page numbers) printed like the pages."""
    page = chromium.new_page()
    try:
        page.set_content(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><style>{STYLE}</style>"
                         f"</head><body>{body}</body></html>")
        return PdfReader(BytesIO(page.pdf(**PAPER, **options)))
    finally:
        page.close()


class PrintedPage:
    """A printed page of the book: its title, and its sections with the pages they start on.

    The pages come from the outline Chromium records (the h1, then the h2s under it); the titles
    from the page itself, as Chromium's outline titles can lose the spaces at line breaks or repeat words."""

    def __init__(self, path: str, title: str, sections: list[str], pdf: bytes):
        self.path, self.title = path, title
        self.reader = PdfReader(BytesIO(pdf))
        outline = self.reader.outline
        children = outline[1] if len(outline) > 1 and isinstance(outline[1], list) else []
        pages = [self.reader.get_destination_page_number(item) for item in children if not isinstance(item, list)]
        if len(pages) != len(sections):
            raise ValueError(f"{path}: the page has the sections {sections}, but Chromium's outline "
                             f"records {[item.title for item in children if not isinstance(item, list)]}")
        self.sections = list(zip(sections, pages))


def contents(printed: list[PrintedPage], starts: list[int]) -> str:
    """The table of contents, as HTML: each page's title and sections with their page numbers."""
    rows = []
    for chapter, start in zip(printed, starts):
        rows.append(f"<tr class='chapter'><td>{escape.escape(chapter.title)}</td><td>{start + 1}</td></tr>")
        rows += [f"<tr class='section'><td>{escape.escape(title)}</td><td>{start + offset + 1}</td></tr>"
                 for title, offset in chapter.sections]
    return f"<h2>Contents</h2><table class='toc'>{''.join(rows)}</table>"


def build(chromium, base: str, out: Path, root: Path = ROOT) -> PdfWriter:
    """Print every page of the book served at `base` and write the PDF edition to `out`."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    printed = [print_page(chromium, base, path) for path in toc_pages(root)]
    title = print_html(chromium, f"<div class='title'><h1>{escape.escape(config['title'])}</h1>"
                                 f"<p>{escape.escape(config['author'])}</p>"
                                 f"<p>Printed from the HTML book on {date.today():%d %B %Y}</p></div>")

    # The contents list the pages chapters start on, which depend on how long the contents are:
    # lay them out until their own length stops changing (once or twice).
    length = 1
    while True:
        starts, page = [], len(title.pages) + length
        for chapter in printed:
            starts.append(page)
            page += len(chapter.reader.pages)
        toc = print_html(chromium, contents(printed, starts))
        if len(toc.pages) == length:
            break
        length = len(toc.pages)

    writer = PdfWriter()
    writer.append(title, import_outline=False)
    writer.append(toc, import_outline=False)
    writer.add_outline_item(title="Contents", page_number=len(title.pages))
    for chapter, start in zip(printed, starts):
        writer.append(chapter.reader, import_outline=False)
        parent = writer.add_outline_item(title=chapter.title, page_number=start)
        for section, offset in chapter.sections:
            writer.add_outline_item(title=section, page_number=start + offset, parent=parent)
    local_links_to_pages(writer, base, {chapter.path: start for chapter, start in zip(printed, starts)})

    # Page numbers: a blank document of as many pages, printed with a footer that numbers them,
    # laid over the book (the title page goes unnumbered).
    numbers = print_html(chromium, "<div class='blank'></div>" * len(writer.pages),
                         display_header_footer=True, header_template="<span></span>", footer_template=FOOTER)
    if len(numbers.pages) != len(writer.pages):
        raise RuntimeError(f"{len(numbers.pages)} page numbers printed for {len(writer.pages)} pages")
    for page, number in list(zip(writer.pages, numbers.pages))[1:]:
        page.merge_page(number)
        page.compress_content_streams()  # merging leaves them uncompressed: 30 MB instead of 7

    writer.add_metadata({"/Title": config["title"], "/Author": config["author"]})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as file:
        writer.write(file)
    return writer


def local_links_to_pages(writer: PdfWriter, base: str, starts: dict[str, int]) -> None:
    """Links into the page server, which exists only while the book is printed, lead to the
    page of the PDF where the linked page of the book starts (or are removed, if it is not in it)."""
    for page in writer.pages:
        if "/Annots" not in page:
            continue
        kept = ArrayObject()
        for reference in page["/Annots"]:
            annotation = reference.get_object()
            uri = str(annotation.get("/A", {}).get("/URI", ""))
            if uri.startswith(base):
                target = uri[len(base):].lstrip("/").split("#")[0]
                if target not in starts:
                    continue
                annotation[NameObject("/A")] = DictionaryObject({
                    NameObject("/S"): NameObject("/GoTo"),
                    NameObject("/D"): ArrayObject([writer.pages[starts[target]].indirect_reference,
                                                   NameObject("/Fit")])})
            kept.append(reference)
        page[NameObject("/Annots")] = kept


def main(argv: list[str]) -> None:
    html = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "html"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "_build" / "pdf" / "dnnbook.pdf"
    if not (html / "index.html").exists():
        sys.exit(f"No built book in {html}: run `make book` first.")
    chromium_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium_path is None:
        sys.exit("The PDF is printed by Chromium: sudo apt-get install chromium (or `make system` as root).")
    from playwright.sync_api import sync_playwright

    with serve(html) as base, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            writer = build(chromium, base, out)
        finally:
            chromium.close()
    print(f"{out}: {len(writer.pages)} pages")


if __name__ == "__main__":
    main(sys.argv)
