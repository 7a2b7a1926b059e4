"""Times and calendar days, the same way everywhere.

A visit's times are instants (UTC in the database). Which calendar day one belongs to,
and how it is shown, is decided in the programme's time zone: the client's `timezone`,
else the DEFAULT_TIMEZONE setting. Periods given in dates (the API's `from`/`to`,
scorecards, reports) are whole days of that zone, both ends inclusive.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flask_babel import lazy_gettext as _l

from .exceptions import InvalidInput

#: How far ahead of the server's clock a phone's clock may run.
CLOCK_SKEW = timedelta(minutes=10)


def zone(name: str | None, default: str = "UTC") -> tzinfo:
    """The time zone called `name` (an IANA name), else `default`."""
    for candidate in (name, default):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def parse_instant(value: object, field: str, *, now: datetime) -> datetime:
    """An ISO 8601 date and time with a time zone, not in the future (beyond a phone's
    clock running a little fast). InvalidInput names `field` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, _l("Give a date and time with a time zone, like "
                                     "2026-11-22T10:15:00Z."), code="missing")
    try:
        instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, _l("This is not a date and time (ISO 8601, like "
                                     "2026-11-22T10:15:00Z)."), code="not_a_time") from None
    if instant.tzinfo is None:
        raise InvalidInput(field, _l("The time needs a time zone, like 2026-11-22T10:15:00Z."),
                           code="needs_time_zone")
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(field, _l("This is not a date and time (ISO 8601, like "
                                     "2026-11-22T10:15:00Z)."), code="not_a_time") from None
    if instant > now + CLOCK_SKEW:
        raise InvalidInput(field, _l("This time is in the future: check the phone's clock."),
                           code="in_future")
    return instant


def parse_day(value: object, field: str) -> date:
    """A calendar date, YYYY-MM-DD; InvalidInput names `field` otherwise."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(field, _l("must be a date, YYYY-MM-DD"), code="not_a_date") from None


def day_bounds(first_day: date | None, last_day: date | None, zone_info: tzinfo
               ) -> tuple[datetime | None, datetime | None]:
    """The instants [start, end) of the days first_day..last_day (both inclusive) in
    `zone_info`, in UTC; None for an open end. The ends of the calendar stay open."""
    start = end = None
    if first_day is not None:
        start = _midnight(first_day, zone_info)
    if last_day is not None and last_day < date.max:
        end = _midnight(last_day + timedelta(days=1), zone_info)
    return start, end


def _midnight(day: date, zone_info: tzinfo) -> datetime | None:
    try:
        return datetime.combine(day, time(), tzinfo=zone_info).astimezone(UTC)
    except OverflowError:  # date.min in a zone east of UTC
        return None


def local_day(instant: datetime, zone_info: tzinfo) -> date:
    """The calendar day `instant` falls on in `zone_info`."""
    return instant.astimezone(zone_info).date()
