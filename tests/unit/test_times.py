"""One way of reading times and calendar days, in the programme's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shopper.exceptions import InvalidInput
from shopper.times import day_bounds, local_day, parse_day, parse_instant

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-22T10:15:00Z", datetime(2026, 11, 22, 10, 15, tzinfo=UTC)),
    ("2026-11-22T11:15:00+01:00", datetime(2026, 11, 22, 10, 15, tzinfo=UTC)),
    ("2026-11-22T12:09:00Z", datetime(2026, 11, 22, 12, 9, tzinfo=UTC)),  # a fast clock
])
def test_instants_are_read_to_utc(value, expected):
    assert parse_instant(value, "started_at", now=NOW) == expected


@pytest.mark.parametrize(("value", "code"), [
    (None, "missing"), ("", "missing"), (12, "missing"),
    ("yesterday", "not_a_time"), ("2026-11-22T10:15:00", "needs_time_zone"),
    ("2026-11-23T10:15:00Z", "in_future"), ("0001-01-01T00:00:00+14:00", "not_a_time"),
])
def test_bad_instants_are_named_errors(value, code):
    with pytest.raises(InvalidInput) as raised:
        parse_instant(value, "started_at", now=NOW)
    assert (raised.value.field, raised.value.code) == ("started_at", code)


def test_days_are_the_programmes_days():
    tokyo, london = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London")
    start, end = day_bounds(date(2026, 7, 1), date(2026, 7, 31), tokyo)
    assert start == datetime(2026, 6, 30, 15, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 31, 15, 0, tzinfo=UTC)
    assert end - start == timedelta(days=31)
    # Summer time in London: the day starts at 23:00 UTC the evening before.
    assert day_bounds(date(2026, 7, 1), None, london) == (
        datetime(2026, 6, 30, 23, 0, tzinfo=UTC), None)
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert local_day(late, london) == date(2026, 7, 1)
    assert local_day(late, UTC) == date(2026, 6, 30)


def test_the_ends_of_the_calendar_stay_open():
    assert day_bounds(date.min, date.max, UTC) == (datetime(1, 1, 1, tzinfo=UTC), None)
    east = timezone(timedelta(hours=14))  # the first day began before year 1 in UTC
    assert day_bounds(date.min, date(2026, 1, 1), east)[0] is None
    assert day_bounds(None, None, UTC) == (None, None)


def test_days_are_read_or_named():
    assert parse_day("2026-11-22", "from") == date(2026, 11, 22)
    with pytest.raises(InvalidInput) as raised:
        parse_day("last-week", "from")
    assert (raised.value.field, raised.value.code) == ("from", "not_a_date")
