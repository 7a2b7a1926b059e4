"""What templates may call: labels (translated), formatting, navigation per role."""

from __future__ import annotations

import functools
import math
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from flask import Flask, current_app, g
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .scoring import localized

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}

CHANNEL_LABELS = {"in_store": _l("In store"), "online": _l("Online"), "phone": _l("Phone")}
ROLE_LABELS = {"admin": _l("Administrators"), "manager": _l("Managers"),
               "shopper": _l("Shoppers"), "client": _l("Client viewers")}
#: One person's role, as their account page names it.
ROLE_NAMES = {"admin": _l("Administrator"), "manager": _l("Regional manager"),
              "shopper": _l("Shopper"), "client": _l("Client viewer")}
VISIT_STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"),
                       "approved": _l("Approved"), "returned": _l("Returned")}
FLAG_LABELS = {"too_short": _l("Too short"), "far_from_location": _l("Far from the location"),
               "outside_window": _l("Outside its window"), "photo_reused": _l("Photo used before")}
#: What each flag means, for the reviewer.
FLAG_EXPLANATIONS = {
    "too_short": _l("The visit took less time than a real visit needs."),
    "far_from_location": _l("The phone checked in far from the location."),
    "outside_window": _l("The visit started outside its assignment's window."),
    "photo_reused": _l("A photo of this visit was sent before for another visit."),
}
EVENT_LABELS = {"submitted": _l("Submitted"), "resubmitted": _l("Resubmitted"),
                "approved": _l("Approved"), "returned": _l("Returned to the shopper"),
                "edited": _l("Answer changed"), "reopened": _l("Reopened")}
ASSIGNMENT_STATE_LABELS = {"new": _l("New"), "draft": _l("Draft saved"), "sent": _l("Sent"),
                           "returned": _l("Returned to you")}

#: The navigation of each role: (endpoint, label).
NAVIGATION = {
    "shopper": (("main.home_shopper", _l("My visits")),),
    "manager": (("main.home_manager", _l("My regions")), ("review.review_queue", _l("Review")),
                ("scorecards.overview", _l("Scorecards")), ("reports.index", _l("Reports"))),
    "admin": (("main.home_admin", _l("Programme")), ("review.review_queue", _l("Review")),
              ("scorecards.overview", _l("Scorecards")), ("reports.index", _l("Reports"))),
    "client": (("main.home_client", _l("Our locations")),
               ("scorecards.overview", _l("Scorecards")), ("reports.index", _l("Reports"))),
}


def nav_items():
    user = g.get("user")
    return NAVIGATION.get(user.role, ()) if user else ()


def form_errors(form) -> list[tuple[str, str]]:
    """(field id, message) for every error of a form, in field order."""
    errors = []
    for field in form:
        for message in field.errors:
            errors.append((field.id, message))
    return errors


def local_date(moment: datetime | None, zone: tzinfo, format: str = "medium") -> str:
    """The calendar day of `moment` in the programme's `zone`, in the reader's locale."""
    if moment is None:
        return ""
    return babel_format_date(moment.astimezone(zone).date(), format, locale=get_locale())


def local_time(moment: datetime | None, zone: tzinfo) -> str:
    """Date and time of `moment` in the programme's `zone`, in the reader's locale
    ("Nov 23, 2026, 11:54 AM"; "23.11.2026, 11:54"). The scripts show times the same
    way (static/js/text.js: medium date, short time, the page's time zone)."""
    if moment is None:
        return ""
    locale = get_locale()
    local = moment.astimezone(zone)
    text = (locale.datetime_formats["medium"]
            .replace("{1}", babel_format_date(local.date(), "medium", locale=locale))
            .replace("{0}", babel_format_time(local, "short", tzinfo=zone, locale=locale)))
    return text.replace("\u202f", " ")  # CLDR's narrow space before AM: as the script


def event_label(event) -> str:
    """A review event in words; a submission after a return is a resubmission."""
    action = event.action
    if action == "submitted" and (event.revision or 1) > 1:
        action = "resubmitted"
    return str(EVENT_LABELS.get(action, action))


def touchpoint_label(name: str) -> str:
    """A touchpoint's name as words: speed_of_help -> "Speed of help"."""
    return name.replace("_", " ").strip().capitalize()


#: One decimal, rounded half to even from the shortest repr, as Babel's "0.0" rounds.
_TENTH = Decimal("0.1")


@functools.lru_cache(maxsize=32)
def _number_symbols(locale: str) -> tuple[str, str]:
    symbols = Locale.parse(locale).number_symbols.get("latn", {})
    return symbols.get("decimal", "."), symbols.get("minusSign", "-")


def format_score(value: float | None) -> str:
    """A score as every page, chart and report shows it: one decimal, in the reader's
    locale (83.3; 83,3 in German). The same digits as Babel's format_decimal(value,
    "0.0"), without its cost per call (a scorecard page shows hundreds of numbers)."""
    if value is None:
        return "–"
    if not math.isfinite(value) or abs(value) >= 1000:  # no grouping needed below
        return format_decimal(value, "0.0")
    decimal, minus = _number_symbols(str(get_locale() or "en"))
    text = str(Decimal(repr(float(value))).quantize(_TENTH, rounding=ROUND_HALF_EVEN))
    return text.replace("-", minus).replace(".", decimal)


def format_change(value: float | None) -> str:
    """A change between periods with its sign, one decimal, in the reader's locale."""
    if value is None:
        return "–"
    if abs(value) < 0.05:  # shown as 0.0: no sign for what rounds to nothing
        return format_decimal(0, "0.0")
    return format_decimal(value, "+0.0;-0.0")


def format_interval(interval: tuple[float, float] | None) -> str:
    """A 95% interval as its two ends: "76.1–88.0"."""
    if interval is None:
        return "–"
    return f"{format_score(interval[0])}–{format_score(interval[1])}"


def language_names():
    return [(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        nav_items=nav_items,
        form_errors=form_errors,
        language_names=language_names,
        current_locale=lambda: str(get_locale() or "en"),
        channel_label=lambda c: CHANNEL_LABELS.get(c, c),
        role_label=lambda r: ROLE_LABELS.get(r, r),
        role_name=lambda r: ROLE_NAMES.get(r, r),
        visit_status_label=lambda s: VISIT_STATUS_LABELS.get(s, s),
        assignment_state_label=lambda s: ASSIGNMENT_STATE_LABELS.get(s, s),
        localized=localized,
        local_date=local_date,
        format_score=format_score,
        touchpoint_label=touchpoint_label,
        format_change=format_change,
        format_interval=format_interval,
        event_label=event_label,
        flag_label=lambda f: FLAG_LABELS.get(f, f),
        flag_explanation=lambda f: FLAG_EXPLANATIONS.get(f, ""),
        local_time=local_time,
        format_number=format_number,
        format_percent=format_percent,
        format_decimal=format_decimal,
        _=_,
    )
