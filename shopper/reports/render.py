"""Reports drawn as PDFs: the plain data of `data`, the HTML templates of
templates/reports/, WeasyPrint through `pdf` (which fetches nothing but the app's
static files). A PDF is kept in REPORT_DIR under its cache key, so an unchanged report
is never drawn twice; a roll-up is drawn only by a job (jobs.py), never in a request.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import Session

from ..models import Client, Location, Region, utcnow
from ..periods import client_zone
from ..scorecards import charts, display, services
from ..scorecards.periods import Period
from ..scorecards.services import LocationPage, Scope
from ..scoring import localized
from ..templating import format_score, touchpoint_label
from . import data, pdf

#: The reports' print CSS, parsed once per process (pdf.render_pdf).
STYLESHEETS = ("css/report.css",)
#: Location pages per part of a roll-up, at least: a part has a fixed cost (fonts,
#: writing its PDF); past that, two parts per drawing process (measured with 50
#: locations on 2 cores: 4 parts of 13 drew in 7.7 to 8.1 s, 9 parts of 6 in 8.0 to 8.6).
PAGES_PER_PART = 4


# --- the kept PDFs ----------------------------------------------------------------------


def kept_path(key: str) -> Path:
    return Path(current_app.config["REPORT_DIR"]) / f"{key}.pdf"


def kept(key: str) -> bytes | None:
    """The PDF kept under `key`, or None."""
    try:
        return kept_path(key).read_bytes()
    except FileNotFoundError:
        return None


def keep(key: str, content: bytes) -> Path:
    """Write the PDF whole or not at all (a temporary file renamed into place)."""
    path = kept_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --- drawing ----------------------------------------------------------------------------


def css_string(text: str) -> str:
    """`text` as a CSS string literal: every character that is not plainly safe is
    escaped, so a client's or a location's name cannot end the string or the rule."""
    safe = []
    for char in text:
        if char.isalnum() or char in " .,:;·–-()/":
            safe.append(char)
        else:
            # CSS takes the one space after an escape as its end: written here, so that
            # a space of the text after it is kept ("Marks & Spencer", not "&Spencer").
            safe.append(f"\\{ord(char):06x} ")
    return '"' + "".join(safe) + '"'


def page_counter_css() -> str:
    """'Page 3 of 7' in the reader's language as CSS content, the numbers counters."""
    label = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    before, rest = label.split("\x00", 1)
    middle, after = rest.split("\x01", 1)
    parts = [css_string(before), "counter(page)", css_string(middle), "counter(pages)"]
    if after:
        parts.append(css_string(after))
    return " ".join(parts)


def page_label() -> str:
    """The same label for the roll-up's stamp (str.format fields)."""
    return _("Page %(page)s of %(pages)s", page="{page}", pages="{pages}")


def _generated() -> str:
    return format_date(utcnow().date(), "long", locale=get_locale())


def _footer_text(client_name: str, period: Period) -> str:
    return _("%(client)s · %(period)s · generated on %(date)s", client=client_name,
             period=display.period_label(period), date=_generated())


@dataclass(frozen=True, slots=True)
class PrintBar:
    """A bar of a printed chart: its label, its value (0 to 100, or None: no data), the
    value as the pages write it, and its kind (service, experience, score)."""

    label: str
    value: float | None
    text: str
    kind: str


def _print_font(svg: Markup) -> Markup:
    """The chart with the report's one font family: WeasyPrint need not match the
    screen's font list for every text of every chart."""
    # Both are constants of the charts and of this module: no user text.
    return svg.replace(Markup(f'font-family="{charts.FONT_FAMILY}"'),  # nosec B704
                       Markup('font-family="DejaVu Sans, sans-serif"'))


def _page_charts(page: LocationPage) -> dict:
    """A location's printed charts. Bars are drawn in HTML and CSS (the same figures as
    the SVG bars of the pages): WeasyPrint lays out an SVG text about twenty times
    slower than a line of HTML, and the journey and sections hold most of the labels.
    The trends stay SVG."""
    locale = str(get_locale() or "en")
    suffix = page.figures.location.id
    return {
        "journey": [PrintBar(touchpoint_label(t.name), t.mean, format_score(t.mean), t.kind)
                    for t in page.journey],
        "sections": [PrintBar(str(localized(s.title, locale)), s.mean, format_score(s.mean),
                              "score") for s in page.sections],
        "trends": {name: _print_font(svg) for name, svg in
                   display.trend_charts(page, prefix=f"location-{suffix}-",
                                        compact=True).items()},
    }


def _common(locale: str, zone) -> dict:
    return {"display": display, "thin_evidence": services.THIN_EVIDENCE, "locale": locale,
            "zone": zone, "generated": _generated(),
            "target_label": display.target_label}


def _static_dir() -> str:
    return current_app.static_folder


def _zone(client: Client):
    return client_zone(client, current_app.config["DEFAULT_TIMEZONE"])


def location_html(page: LocationPage, *, locale: str, zone) -> str:
    title = f"{page.figures.location.name} · {display.period_label(page.period)}"
    # Markup: css_string escaped every character that could end the string or the rule.
    left = css_string(_footer_text(page.client.name, page.period))
    footer = {"left": Markup(left), "right": Markup(page_counter_css())}  # nosec B704
    return render_template("reports/location.html", page=page, charts=_page_charts(page),
                           title=title, footer_css=footer, **_common(locale, zone))


def location_pdf(*, session: Session, location: Location, period: Period,
                 locale: str) -> tuple[str, bytes]:
    """A location's scorecard PDF (A4, about two pages), kept under its key. Fast
    enough to draw in a request."""
    key = data.location_key(session=session, location=location, period=period,
                            locale=locale)
    content = kept(key)
    if content is not None:
        return key, content
    region = session.get(Region, location.region_id)
    client = session.get(Client, region.client_id)
    with force_locale(locale):
        page = services.location_page(session=session, location=location, period=period,
                                      default_zone=current_app.config["DEFAULT_TIMEZONE"])
        html = location_html(page, locale=locale, zone=_zone(client))
    content = pdf.render_pdf(html, static_dir=_static_dir(), stylesheets=STYLESHEETS)
    keep(key, content)
    return key, content


def rollup_parts(session: Session, scope: Scope, period: Period, kind: str, *,
                 locale: str) -> Iterator[str]:
    """The roll-up's HTML in parts, made as they are drawn: the cover, overview and map
    first, then the location pages a few at a time (`pdf.render_numbered` draws each
    part as soon as it is made, in parallel). Each region's headline is computed once."""
    default_zone = current_app.config["DEFAULT_TIMEZONE"]
    overview = services.overview(session=session, user=None, period=period, scope=scope)
    title = overview.client.name
    common = _common(locale, _zone(scope.client))
    rows = services.sorted_locations(overview.locations, "cx", True)
    yield render_template(
        "reports/rollup.html", title=title, footer_css=None, overview=overview, rows=rows,
        quadrant=_print_font(display.quadrant(overview.locations, overview.client.target)),
        corners=display.corners(overview.locations, overview.client.target), pages=[],
        page_charts=[], **common)
    if kind != "rollup":
        return
    regions: dict[int, object] = {}
    processes = current_app.config.get("REPORT_PROCESSES") or os.cpu_count() or 1
    size = max(PAGES_PER_PART, -(-len(scope.locations) // (2 * processes)))
    for start in range(0, len(scope.locations), size):
        chunk = []
        for location, region in scope.locations[start:start + size]:
            if region.id not in regions:
                regions[region.id] = services.region_group(session=session, region=region,
                                                           period=period)
            chunk.append(services.location_page(
                session=session, location=location, period=period,
                default_zone=default_zone, region_figure=regions[region.id]))
        yield render_template(
            "reports/rollup.html", title=title, footer_css=None, overview=None, pages=chunk,
            page_charts=[_page_charts(page) for page in chunk], **common)


def rollup_pdf(*, session: Session, scope: Scope, period: Period, kind: str,
               locale: str) -> tuple[str, bytes]:
    """A client's or a region's report, kept under its key. Drawn in parallel
    processes: call it from a job or a command, never in a web request."""
    key = data.scope_key(session=session, scope=scope, kind=kind, period=period,
                         locale=locale)
    content = kept(key)
    if content is not None:
        return key, content
    with force_locale(locale):
        content = pdf.render_numbered(
            rollup_parts(session, scope, period, kind, locale=locale),
            static_dir=_static_dir(), footer=_footer_text(scope.client.name, period),
            page_label=page_label(), stylesheets=STYLESHEETS,
            processes=current_app.config.get("REPORT_PROCESSES"))
    keep(key, content)
    return key, content


def file_name(*, client_name: str, scope_name: str | None, period: Period) -> str:
    """A download's file name: ASCII letters, digits and dashes only."""
    words = [client_name, scope_name or "", period.key]
    cleaned = "-".join("".join(c if c.isascii() and c.isalnum() else "-" for c in w)
                       .strip("-") for w in words if w)
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return f"{cleaned or 'report'}.pdf"


def today_in(client: Client) -> date:
    return utcnow().astimezone(_zone(client)).date()
