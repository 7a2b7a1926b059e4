"""WeasyPrint, locked down: HTML strings in, PDF bytes out.

Templates get plain data and are rendered by the caller; this module only turns the
resulting HTML into a PDF. Every resource a document asks for goes through
:class:`StaticOnlyFetcher`, which serves data: URLs and files under the static directory
and refuses everything else, so a report can neither reach the network nor read a file
outside ``static/`` (WeasyPrint logs the refused resource and renders without it).

A roll-up (one section per location, say) is rendered with :func:`render_numbered`:
each part in its own process, the parts merged in order, then a footer with
"Page i of N" stamped on every page. Stamping after the merge is what lets the parts
render in parallel: no part needs to know how many pages came before it, nor how many
there are in all. The stamp is one small WeasyPrint document of N pages that holds only
the footer in its page margin, so its text is set by the same engine and fonts as the
parts; pikepdf (qpdf) lays overlay page i over page i. Parts keep their bottom margin (18 mm, as in
static/css/report.css) free for it and carry no footer of their own.

The pool forks where the platform can (a worker starts with WeasyPrint already
imported). A fork copies only the forking thread, so a lock that another thread held
inside Pango or fontconfig at that moment would stay locked in the child forever; hence
the parent renders and forks under one lock, and the workers never take it.
"""

from __future__ import annotations

import contextlib
import gc
import html as html_escape
import mimetypes
import multiprocessing
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import DataHandler, Request, url2pathname

import pikepdf
import weasyprint
from PIL import ImageFile
from pypdf import PdfReader
from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
from weasyprint.urls import URLFetcherResponse

# Importing WeasyPrint makes Pillow accept truncated images in the whole process
# (weasyprint/images.py); the photo checks rely on Pillow refusing them. Reports draw
# only the app's own static files and data: URLs, which are never truncated.
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Held while this process runs WeasyPrint and while it forks render workers.
_WEASYPRINT_LOCK = threading.Lock()

#: The stamp: footer text bottom left, page label bottom right, nothing else on the page.
#: Margins and type match the page margin boxes of static/css/report.css.
_OVERLAY_CSS = """
@page {
  size: A4;
  margin: 0 14mm 18mm;
  @bottom-left { content: element(footer); vertical-align: middle; }
  @bottom-right { content: element(page-label); vertical-align: middle; text-align: right; }
}
html { font: 7.5pt/1.25 "DejaVu Sans", sans-serif; color: #555; }
.footer { position: running(footer); }
.page-label { position: running(page-label); }
.stamp + .stamp { break-before: page; }
"""


class StaticOnlyFetcher(weasyprint.urls.URLFetcher):
    """Fetches data: URLs and files under ``static_dir``, and nothing else.

    A file is served only when its real path (symlinks and ``..`` resolved) is inside the
    static directory. Any other URL (http, https, ftp, a file elsewhere, an unknown
    scheme) raises ``ValueError`` before the network or the disk is touched; WeasyPrint
    catches it, logs the resource as unreachable and goes on without it.
    """

    def __init__(self, static_dir: str | Path, **kwargs) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, **kwargs)
        given = Path(static_dir).absolute()
        self.static_dir = given.resolve(strict=True)
        # Paths are first checked as written, before any lookup on disk; a caller may
        # spell the directory through a symlink, so both spellings count there.
        self._spellings = {given, self.static_dir}

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            # The data handler alone: no opener, hence no proxy or other handler.
            response = DataHandler().data_open(Request(url))
            return URLFetcherResponse(url, response.read(), dict(response.headers.items()))
        if scheme == "file":
            return self._fetch_static_file(url)
        raise ValueError(f"Refused (only data: and static files): {url}")

    def _fetch_static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused (file on another host): {url}")
        path = Path(os.path.normpath(url2pathname(parts.path)))
        if not path.is_absolute() or not any(path.is_relative_to(d) for d in self._spellings):
            raise ValueError(f"Refused (outside the static directory): {url}")
        real = path.resolve(strict=True)
        if not real.is_relative_to(self.static_dir) or not real.is_file():
            raise ValueError(f"Refused (outside the static directory): {url}")
        content_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            real.as_uri(), real.read_bytes(), {"Content-Type": content_type}
        )


#: Parsed stylesheets, by (static dir, path, mtime): parsed once per process (and before
#: a pool forks, so its workers start with them), not once per document.
_STYLESHEETS: dict[tuple[str, str, float], weasyprint.CSS] = {}


def _stylesheets(static_dir: str | Path, paths: tuple[str, ...],
                 fetcher: StaticOnlyFetcher) -> list[weasyprint.CSS]:
    parsed = []
    for path in paths:
        full = fetcher.static_dir / path
        key = (str(fetcher.static_dir), path, full.stat().st_mtime)
        if key not in _STYLESHEETS:
            _STYLESHEETS[key] = weasyprint.CSS(url=full.as_uri(), url_fetcher=fetcher)
        parsed.append(_STYLESHEETS[key])
    return parsed


@contextlib.contextmanager
def _no_collection():
    """No cyclic garbage collection while a document is drawn: WeasyPrint allocates
    hundreds of thousands of objects, and each collection walks the whole heap of the
    app around it (measured: a location's PDF 0.38 s median with it, 0.26 s without).
    The cycles it leaves are collected once drawing ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_pdf(html: str, static_dir: str | Path, base_url: str | None,
               stylesheets: tuple[str, ...] = ()) -> bytes:
    """Render without the lock: the body of :func:`render_pdf` and of a pool worker."""
    fetcher = StaticOnlyFetcher(static_dir)
    if base_url is None:
        base_url = fetcher.static_dir.as_uri() + "/"
    sheets = _stylesheets(static_dir, stylesheets, fetcher)
    with _no_collection():
        return weasyprint.HTML(string=html, base_url=base_url,
                               url_fetcher=fetcher).write_pdf(stylesheets=sheets)


def render_pdf(html: str, *, static_dir: str | Path, base_url: str | None = None,
               stylesheets: tuple[str, ...] = ()) -> bytes:
    """Render one HTML document to PDF bytes.

    Relative URLs resolve against ``base_url``, by default the static directory, so a
    template can write ``<link rel="stylesheet" href="css/report.css">``; `stylesheets`
    (paths under the static directory) are applied too, parsed once per process.
    Resources are fetched only through :class:`StaticOnlyFetcher`.
    """
    with _WEASYPRINT_LOCK:
        return _write_pdf(html, static_dir, base_url, tuple(stylesheets))


def render_numbered(
    parts: Iterable[str],
    *,
    static_dir: str | Path,
    footer: str,
    processes: int | None = None,
    page_label: str = "Page {page} of {pages}",
    stylesheets: tuple[str, ...] = (),
) -> bytes:
    """Render ``parts`` in parallel, merge them in order and number the pages.

    Each HTML string is rendered in a worker process (``processes`` of them, by default
    one per CPU, never more than there are parts). Every page of the merged document then
    gets ``footer`` (plain text) bottom left and ``page_label`` formatted with ``page=`` and
    ``pages=`` bottom right, numbered across all parts; the caller passes the label
    already translated.
    """
    workers = processes or os.cpu_count() or 1
    if isinstance(parts, list | tuple):
        if not parts:
            raise ValueError("render_numbered needs at least one part")
        workers = min(workers, len(parts))
    context = (
        multiprocessing.get_context("fork")
        if "fork" in multiprocessing.get_all_start_methods()
        else None
    )
    static_dir = Path(static_dir)
    stylesheets = tuple(stylesheets)
    _stylesheets(static_dir, stylesheets, StaticOnlyFetcher(static_dir))  # before the fork
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        # Each part is drawn as soon as it is made: the caller may still be reading the
        # data of the next ones. With fork, a submit may start a worker; see the module
        # docstring for the lock.
        futures = []
        for part in parts:
            with _WEASYPRINT_LOCK:
                futures.append(pool.submit(_write_pdf, part, static_dir, None, stylesheets))
        if not futures:
            raise ValueError("render_numbered needs at least one part")
        pdfs = [future.result() for future in futures]
        # The merge can count the pages now; the stamp is drawn in the same processes,
        # a run of pages each, meanwhile.
        merged = pikepdf.Pdf.new()
        for part in pdfs:
            merged.pages.extend(pikepdf.Pdf.open(BytesIO(part)).pages)
        pages = len(merged.pages)
        runs = _runs(pages, workers)
        with _WEASYPRINT_LOCK:
            stamps = [pool.submit(_write_pdf, _overlay_html(footer, page_label, pages, run),
                                  static_dir, None) for run in runs]
        overlays = [pikepdf.Pdf.open(BytesIO(stamp.result())) for stamp in stamps]
    finally:
        pool.shutdown(cancel_futures=True)

    # pikepdf (qpdf, C++) merges, stamps and writes in about 1.2 s the 86 pages that
    # took pypdf 4.7 s, and shares what the parts have in common (a third of the size).
    overlay_pages = [page for overlay in overlays for page in overlay.pages]
    for page, stamp in zip(merged.pages, overlay_pages, strict=True):
        page.add_overlay(stamp)
    output = BytesIO()
    merged.save(output, compress_streams=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return output.getvalue()


def _runs(pages: int, count: int) -> list[range]:
    """Pages 1..pages in at most `count` consecutive runs of nearly equal length."""
    size = -(-pages // max(count, 1))
    return [range(first, min(first + size, pages + 1)) for first in range(1, pages + 1, size)]


def _overlay_html(footer: str, page_label: str, pages: int,
                  run: range | None = None) -> str:
    """The stamp of pages `run` (all by default) of a document of `pages` pages."""
    footer_html = f'<p class="footer">{html_escape.escape(footer)}</p>'
    stamps = "".join(
        f'<div class="stamp">{footer_html}<p class="page-label">'
        f"{html_escape.escape(page_label.format(page=page, pages=pages))}</p></div>"
        for page in (run or range(1, pages + 1))
    )
    return f"<!doctype html><html><head><style>{_OVERLAY_CSS}</style></head><body>{stamps}"


def fast_font_subsetting() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz rather than the slow fontTools.

    The same test as WeasyPrint 70's ``Font.subset`` (weasyprint/pdf/fonts.py): the
    libharfbuzz-subset0 library loaded and HarfBuzz is at least 4.1.0. Without it every
    PDF takes far longer (WeasyPrint issues #2120 and #2443).
    """
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, its pages joined with form feeds."""
    return "\f".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
