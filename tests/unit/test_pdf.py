"""The PDF core: a fetcher that reaches nothing outside static/, numbered roll-ups."""

from __future__ import annotations

import base64
import logging
import re
import subprocess
import sys
import textwrap
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin

import pytest
import weasyprint
from PIL import Image
from pypdf import PdfReader

from shopper.reports.pdf import (
    StaticOnlyFetcher,
    fast_font_subsetting,
    pdf_text,
    render_numbered,
    render_pdf,
)
from tests.listener import Listener


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(BytesIO(pdf)).pages)


@pytest.fixture
def static_dir(tmp_path):
    """A static directory with an image, next to a secret it must not serve."""
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "logo.png").write_bytes(png_bytes())
    (tmp_path / "secret.txt").write_text("secret-token-4f1c")
    (static / "leak.txt").symlink_to(tmp_path / "secret.txt")
    return static


@pytest.fixture
def listener():
    listener = Listener()
    yield listener
    listener.close()


def hostile_html(port: int) -> str:
    return f"""
    <style>
      @import url(http://127.0.0.1:{port}/a.css);
      body {{ background: url(http://127.0.0.1:{port}/bg.png); }}
      @font-face {{ font-family: Trap; src: url(http://127.0.0.1:{port}/f.woff); }}
    </style>
    <link rel=stylesheet href="http://127.0.0.1:{port}/b.css">
    <link rel=attachment href="file:///etc/hostname">
    <link rel=attachment href="leak.txt">
    <p style="font-family: Trap">Visit report</p>
    <img src="http://127.0.0.1:{port}/x.png">
    <img src="file:///etc/passwd">
    <img src="file:///etc/hostname">
    <img src="../../../../etc/passwd">
    <img src="../secret.txt">
    <img src="leak.txt">
    <svg width="10" height="10"><image href="http://127.0.0.1:{port}/s.png"/></svg>
    """


def test_hostile_resources_are_refused(static_dir, listener, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(hostile_html(listener.port), static_dir=static_dir)
    assert listener.close() == []
    text = pdf_text(pdf)
    assert "Visit report" in text
    assert "secret-token" not in text
    hostname = Path("/etc/hostname").read_text().strip()
    assert not hostname or hostname not in text
    reader = PdfReader(BytesIO(pdf))
    assert reader.attachments == {}
    assert image_count(pdf) == 0
    # Each one was asked for and refused by the fetcher, not merely never requested.
    refused = set(re.findall(r"Refused \([^)]*\): (\S+)", caplog.text))
    web = {f"http://127.0.0.1:{listener.port}/{name}"
           for name in ("a.css", "b.css", "bg.png", "x.png", "s.png")}
    files = {
        "file:///etc/passwd",
        "file:///etc/hostname",
        urljoin(static_dir.as_uri() + "/", "../../../../etc/passwd"),
        (static_dir.parent / "secret.txt").as_uri(),
        (static_dir / "leak.txt").as_uri(),
    }
    assert refused == web | files
    assert "Font-face 'Trap' cannot be loaded" in caplog.text


def test_the_listener_sees_an_unguarded_fetch(listener, monkeypatch):
    """The trap works: WeasyPrint's own fetcher does connect to it."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    html = f'<img src="http://127.0.0.1:{listener.port}/x.png">'
    weasyprint.HTML(string=html, url_fetcher=weasyprint.urls.URLFetcher(timeout=5)).write_pdf()
    assert len(listener.close()) == 1


def test_data_urls_and_static_files_are_embedded(static_dir):
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    assert image_count(render_pdf(f'<img src="{data_url}">', static_dir=static_dir)) == 1
    assert image_count(render_pdf('<img src="img/logo.png">', static_dir=static_dir)) == 1
    absolute = (static_dir / "img" / "logo.png").as_uri()
    assert image_count(render_pdf(f'<img src="{absolute}">', static_dir=static_dir)) == 1


def test_static_stylesheets_apply(static_dir):
    (static_dir / "css").mkdir()
    (static_dir / "css" / "report.css").write_text("p::after { content: ' styled'; }")
    html = '<link rel=stylesheet href="css/report.css"><p>Report</p>'
    assert "Report styled" in pdf_text(render_pdf(html, static_dir=static_dir))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.com/report.css",
    "ftp://example.com/x.png",
    "gopher://example.com/x",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "file://example.com{static}/img/logo.png",
    "file://{static}/../secret.txt",
    "file://{static}/%2e%2e/secret.txt",
    "file://{static}/leak.txt",
    "file://{static}/img",
    "file:img/logo.png",
])
def test_fetcher_refuses(static_dir, url):
    with pytest.raises(ValueError, match="Refused"):
        StaticOnlyFetcher(static_dir).fetch(url.format(static=static_dir))


def test_fetcher_serves_static_files_with_their_type(static_dir):
    response = StaticOnlyFetcher(static_dir).fetch((static_dir / "img" / "logo.png").as_uri())
    assert response.content_type == "image/png"
    assert response.read() == png_bytes()


def numbered_part(name: str, pages: int) -> str:
    sections = "".join(f"<section>{name} {n}</section>" for n in range(1, pages + 1))
    return f"<style>section:not(:last-child) {{ break-after: page }}</style>{sections}"


def test_parts_are_merged_and_numbered_across(static_dir, tmp_path):
    parts = [numbered_part("Alpha", 1), numbered_part("Bravo", 2), numbered_part("Charlie", 3)]
    footer = "Demo Retail · generated 1 December 2026"
    pdf = render_numbered(parts, static_dir=static_dir, footer=footer, processes=2)
    pages = pdf_text(pdf).split("\f")
    expected = ["Alpha 1", "Bravo 1", "Bravo 2", "Charlie 1", "Charlie 2", "Charlie 3"]
    assert len(pages) == len(expected)
    for number, (text, body) in enumerate(zip(pages, expected, strict=True), start=1):
        assert body in text
        assert f"Page {number} of 6" in text
        assert footer in text
    for page in PdfReader(BytesIO(pdf)).pages:
        assert page["/Contents"].get_object()["/Filter"] == "/FlateDecode"
    # Poppler reads the same.
    (tmp_path / "rollup.pdf").write_bytes(pdf)
    poppler = subprocess.run(
        ["pdftotext", "-f", "5", "-l", "5", tmp_path / "rollup.pdf", "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "Charlie 2" in poppler
    assert "Page 5 of 6" in poppler


def test_footer_is_plain_text_and_label_translatable(static_dir):
    pdf = render_numbered(
        ["<p>Eins</p>", "<p>Zwei</p>"],
        static_dir=static_dir,
        footer="<b>x</b> & y",
        page_label="Seite {page} von {pages}",
    )
    text = pdf_text(pdf)
    assert text.count("<b>x</b> & y") == 2
    assert "Seite 1 von 2" in text
    assert "Seite 2 von 2" in text


def test_more_parts_than_workers(static_dir):
    parts = [f"<p>Part {n}</p>" for n in range(5)]
    pdf = render_numbered(parts, static_dir=static_dir, footer="F", processes=1)
    pages = pdf_text(pdf).split("\f")
    assert [f"Part {n}" in page for n, page in enumerate(pages)] == [True] * 5


def test_no_parts_is_an_error(static_dir):
    with pytest.raises(ValueError, match="at least one part"):
        render_numbered([], static_dir=static_dir, footer="F")


def test_workers_fork_from_a_parent_that_has_rendered(static_dir):
    """Pango and fontconfig state live in the parent (and busy in a thread) survive a fork."""
    script = textwrap.dedent("""
        import sys, threading
        from shopper.reports.pdf import pdf_text, render_numbered, render_pdf

        static = sys.argv[1]
        kept = render_pdf("<p>Parent</p>", static_dir=static)
        stop = threading.Event()

        def busy():
            # A pause between documents, as a server thread has; without one it would
            # take the (unfair) render lock back at once and starve the main thread.
            while not stop.wait(0.005):
                render_pdf("<p>Busy</p>", static_dir=static)

        thread = threading.Thread(target=busy)
        thread.start()
        try:
            for _ in range(3):
                pdf = render_numbered(["<p>One</p>", "<p>Two</p>"], static_dir=static,
                                      footer="F", processes=2)
        finally:
            stop.set()
            thread.join()
        print(pdf_text(pdf))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script, str(static_dir)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert "One" in result.stdout
    assert "Page 2 of 2" in result.stdout


def test_fast_font_subsetting(static_dir, caplog):
    assert fast_font_subsetting() is True
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf("<p>Subset me</p>", static_dir=static_dir)
    assert "fontTools" not in caplog.text


def test_two_page_document_renders_quietly(static_dir, capfd):
    html = "<h1>Store A</h1><table>" + "<tr><td>Question</td><td>92%</td></tr>" * 60 + "</table>"
    pdf = render_pdf(html, static_dir=static_dir)
    assert len(PdfReader(BytesIO(pdf)).pages) == 2
    assert capfd.readouterr() == ("", "")
