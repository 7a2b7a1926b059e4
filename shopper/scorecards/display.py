"""Scorecard figures as the reader sees them: the charts with their words translated
and their numbers formatted by the one helper every page and PDF uses. The data comes
from `services`; the drawing from the pure `charts` module."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..scoring import localized
from ..templating import format_score, touchpoint_label
from . import charts
from .periods import Period
from .services import LocationFigures, LocationPage

HEADLINE_LABELS = {"cx": _l("Customer experience"), "service": _l("Customer service"),
                   "experience": _l("Experience")}
CORNER_LABELS = {
    "both_strong": _l("Both strong"),
    "service_rescues": _l("Service rescues a weak journey"),
    "weak_service": _l("A smooth journey with weak service"),
    "both_weak": _l("Both weak"),
}


def period_label(period: Period | None) -> str:
    """"November 2026", "Q4 2026", or "3 Nov 2026 – 20 Nov 2026" in the reader's locale."""
    if period is None:
        return ""
    locale = get_locale()
    if period.kind == "month":
        return format_date(period.first, "LLLL y", locale=locale)
    if period.kind == "quarter":
        return format_date(period.first, "QQQ y", locale=locale)
    return "{} – {}".format(format_date(period.first, "medium", locale=locale),
                            format_date(period.last, "medium", locale=locale))


def target_label(target: float) -> str:
    return _("Target %(score)s", score=format_score(target))


def journey_chart(page: LocationPage, *, chart_id: str = "journey",
                  fmt: Callable = format_score) -> Markup:
    """The touchpoints in journey order, service told apart from experience."""
    return charts.bar_chart(
        [charts.Bar(label=touchpoint_label(t.name), value=t.mean, kind=t.kind)
         for t in page.journey],
        chart_id=chart_id, title=_("Touchpoints in journey order"), fmt=fmt,
        no_data=_("no data"), target=page.client.target,
        target_label=target_label(page.client.target),
        legend={"service": _("Service touchpoint"), "experience": _("Experience touchpoint")})


def section_chart(page: LocationPage, *, chart_id: str = "sections",
                  fmt: Callable = format_score) -> Markup:
    locale = str(get_locale() or "en")
    return charts.bar_chart(
        [charts.Bar(label=localized(s.title, locale), value=s.mean, kind="score")
         for s in page.sections],
        chart_id=chart_id, title=_("Sections"), fmt=fmt, no_data=_("no data"),
        target=page.client.target, target_label=target_label(page.client.target))


def trend_charts(page: LocationPage, *, fmt: Callable = format_score, prefix: str = "",
                 compact: bool = False) -> dict[str, Markup]:
    """A 12-month trend of each headline score with its 95% interval band."""
    locale = get_locale()
    out = {}
    for name, months in page.trend.items():
        out[name] = charts.trend_chart(
            [charts.TrendPoint(label=format_date(m.month, "LLL", locale=locale),
                               mean=m.summary.mean,
                               low=m.summary.ci95[0] if m.summary.ci95 else None,
                               high=m.summary.ci95[1] if m.summary.ci95 else None)
             for m in months],
            chart_id=f"{prefix}trend-{name}",
            title=_("%(score)s, last 12 months", score=HEADLINE_LABELS[name]), fmt=fmt,
            no_data=_("no data"), target=page.client.target,
            target_label=target_label(page.client.target), compact=compact)
    return out


def quadrant(locations: Sequence[LocationFigures], target: float, *,
             href: Callable[[LocationFigures], str | None] = lambda f: None,
             chart_id: str = "quadrant", fmt: Callable = format_score) -> Markup:
    """Service against experience of every location, split at the client's target."""
    return charts.quadrant_chart(
        [charts.QuadrantPoint(label=f.location.name, service=f.card.service.mean,
                              experience=f.card.experience.mean, href=href(f))
         for f in locations],
        chart_id=chart_id, title=_("Service against experience"), fmt=fmt, target=target,
        corner_names={key: str(label) for key, label in CORNER_LABELS.items()},
        x_label=_("Customer service"), y_label=_("Experience"), no_data=_("no data"))


def corners(locations: Sequence[LocationFigures], target: float
            ) -> dict[str, list[LocationFigures]]:
    """The locations of each corner of the quadrant (those with both scores)."""
    out: dict[str, list[LocationFigures]] = {key: [] for key in charts.CORNERS}
    for figure in locations:
        service, experience = figure.card.service.mean, figure.card.experience.mean
        if service is not None and experience is not None:
            out[charts.corner(service, experience, target)].append(figure)
    return out


FIELD_LABELS = {"period": _l("Period"), "from": _l("From"), "to": _l("To")}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def significance(change) -> str:
    """Whether a change is larger than the noise, in words."""
    if change.significant is None:
        return _("too few visits to tell")
    return _("larger than the noise") if change.significant else _("within the noise")
