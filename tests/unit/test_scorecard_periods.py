"""Scorecard periods and the period each is compared with (spec/scoring.md section 7:
the previous one of the same length)."""

from __future__ import annotations

from datetime import date

import pytest

from shopper.exceptions import InvalidInput
from shopper.scorecards.periods import (
    Period,
    default_period,
    month,
    months_ending,
    parse_period,
    quarter,
    recent_periods,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("period, previous", [
    (month(date(2026, 3, 15)), Period("month", date(2026, 2, 1), date(2026, 2, 28))),
    (month(date(2024, 3, 1)), Period("month", date(2024, 2, 1), date(2024, 2, 29))),
    (month(date(2026, 1, 31)), Period("month", date(2025, 12, 1), date(2025, 12, 31))),
    (quarter(date(2026, 2, 10)), Period("quarter", date(2025, 10, 1), date(2025, 12, 31))),
    (quarter(date(2026, 8, 1)), Period("quarter", date(2026, 4, 1), date(2026, 6, 30))),
    (Period("range", date(2026, 11, 10), date(2026, 11, 19)),
     Period("range", date(2026, 10, 31), date(2026, 11, 9))),
    (Period("range", date(2026, 3, 1), date(2026, 3, 1)),
     Period("range", date(2026, 2, 28), date(2026, 2, 28))),
])
def test_each_period_is_compared_with_the_one_before(period, previous):
    assert period.previous() == previous
    if period.kind == "range":
        assert previous.days == period.days


def test_the_start_of_the_calendar_has_no_previous_period():
    assert Period("range", date.min, date(1, 1, 10)).previous() is None


@pytest.mark.parametrize("value, first, last", [
    (None, None, None), ("2026-11", None, None), ("2026-Q4", None, None),
    (None, "2026-11-03", "2026-11-20")])
def test_parse(value, first, last):
    period = parse_period(value, first, last, today=TODAY)
    expected = {None: default_period(TODAY), "2026-11": month(date(2026, 11, 1)),
                "2026-Q4": quarter(date(2026, 10, 1))}.get(value)
    if first:
        expected = Period("range", date(2026, 11, 3), date(2026, 11, 20))
    assert period == expected
    assert parse_period(period.key if period.kind != "range" else None,
                        first, last, today=TODAY) == period


def test_the_default_is_the_last_whole_month():
    assert default_period(TODAY) == Period("month", date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize("value, first, last, field", [
    ("2026-13", None, None, "period"), ("2026-Q5", None, None, "period"),
    ("November", None, None, "period"), ("0000-01", None, None, "period"),
    (None, "2026-11-03", None, "to"), (None, None, "2026-11-03", "from"),
    (None, "2026-11-20", "2026-11-03", "to"), (None, "2026-11-31", "2026-12-03", "from"),
    (None, "2020-01-01", "2026-12-31", "to")])
def test_bad_periods_name_their_field(value, first, last, field):
    with pytest.raises(InvalidInput) as raised:
        parse_period(value, first, last, today=TODAY)
    assert raised.value.field == field


def test_trend_months_and_picker_choices():
    assert months_ending(date(2026, 3, 31), 4) == [date(2025, 12, 1), date(2026, 1, 1),
                                                   date(2026, 2, 1), date(2026, 3, 1)]
    choices = recent_periods(TODAY)
    assert choices[0] == month(TODAY) and choices[1] == default_period(TODAY)
    assert quarter(TODAY) in choices and len({c.key for c in choices}) == len(choices)
