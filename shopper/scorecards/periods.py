"""Scorecard periods: a calendar month, a quarter or a range of days, and the period
each is compared with (spec/scoring.md section 7: the previous one of the same
length). Days are the client's calendar days, both ends inclusive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from ..exceptions import InvalidInput
from ..times import parse_day

PERIOD_KINDS = ("month", "quarter", "range")
#: The longest custom range, in days (a trend covers more, but a period is a report's).
LONGEST_RANGE = 3 * 366

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def key(self) -> str:
        """The period as the picker and links name it: 2026-11, 2026-Q4, or a range."""
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period | None:
        """The period compared with: the previous month, the previous quarter, or the
        same number of days just before (None before the start of the calendar)."""
        try:
            if self.kind == "month":
                return month(_add_months(self.first, -1))
            if self.kind == "quarter":
                return quarter(_add_months(self.first, -3))
            return Period("range", self.first - timedelta(days=self.days),
                          self.first - timedelta(days=1))
        except (OverflowError, ValueError):
            return None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month(day: date) -> Period:
    first = day.replace(day=1)
    return Period("month", first, _add_months(first, 1) - timedelta(days=1))


def quarter(day: date) -> Period:
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period("quarter", first, _add_months(first, 3) - timedelta(days=1))


def months_ending(last: date, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with `last`'s month, oldest first."""
    end = last.replace(day=1)
    return [_add_months(end, -offset) for offset in range(count - 1, -1, -1)]


def default_period(today: date) -> Period:
    """The last whole month: the one a monthly scorecard is about."""
    return month(today.replace(day=1) - timedelta(days=1))


def parse_period(value: str | None, first: str | None = None, last: str | None = None, *,
                 today: date) -> Period:
    """The period a request names: `period` as 2026-11 or 2026-Q4, else `from` and
    `to` as dates, else the default. InvalidInput names the field at fault."""
    if first or last:
        if not first:
            raise InvalidInput("from", _l("Give the first day of the range."), code="missing")
        if not last:
            raise InvalidInput("to", _l("Give the last day of the range."), code="missing")
        start, end = parse_day(first, "from"), parse_day(last, "to")
        if end < start:
            raise InvalidInput("to", _l("The last day comes before the first."),
                               code="before_start")
        if (end - start).days + 1 > LONGEST_RANGE:
            raise InvalidInput("to", _l("Choose at most %(count)d days.", count=LONGEST_RANGE),
                               code="too_long")
        return Period("range", start, end)
    if not value:
        return default_period(today)
    text = value.strip()
    if match := _MONTH.match(text):
        year, number = int(match[1]), int(match[2])
        if 1 <= number <= 12 and 1900 < year < 9000:
            return month(date(year, number, 1))
    if match := _QUARTER.match(text):
        year = int(match[1])
        if 1900 < year < 9000:
            return quarter(date(year, (int(match[2]) - 1) * 3 + 1, 1))
    raise InvalidInput("period", _l("Choose a month (2026-11) or a quarter (2026-Q4)."),
                       code="not_a_period")


def recent_periods(today: date, months: int = 13, quarters: int = 6) -> list[Period]:
    """The picker's choices: this month and the months before, then this quarter and
    the quarters before."""
    return ([month(first) for first in reversed(months_ending(today, months))]
            + [quarter(_add_months(today.replace(day=1), -3 * offset))
               for offset in range(quarters)])
