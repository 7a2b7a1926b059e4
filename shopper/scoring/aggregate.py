"""Scorecards over many visits (spec/scoring.md section 5)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .stats import mean_sd, t_quantile_975
from .visit import VisitScores

HEADLINES = ("cx", "service", "experience")


@dataclass(frozen=True, slots=True)
class Summary:
    """Distribution of one headline score over a location's visits."""

    n: int
    mean: float | None = None
    sd: float | None = None
    #: 95% confidence interval of the mean, each end clipped to [0, 100].
    ci95: tuple[float, float] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class LocationScorecard:
    visits: int
    #: Share of visits with at least one critical failure (None with no visits).
    critical_failure_rate: float | None
    cx: Summary
    service: Summary
    experience: Summary
    sections: dict[str, float | None]
    touchpoints: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class GroupScorecard:
    """A region, a client or everything: each location weighs the same."""

    locations: int
    visits: int
    cx: float | None
    service: float | None
    experience: float | None


def _ci95(n: int, mean: float, sd: float | None) -> tuple[float, float] | None:
    """The Student-t 95% interval of a mean, each end clipped to [0, 100]."""
    if sd is None:
        return None
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return (max(0.0, mean - half), min(100.0, mean + half))


def summarize(values: Sequence[float]) -> Summary:
    """n, mean, sample sd, Student-t 95% interval, min and max of some scores."""
    n = len(values)
    if n == 0:
        return Summary(n=0)
    mean, sd = mean_sd(list(values))
    return Summary(n=n, mean=mean, sd=sd, ci95=_ci95(n, mean, sd),
                   min=min(values), max=max(values))


@dataclass(frozen=True, slots=True)
class Sums:
    """What SQL can add up about some scores: COUNT, SUM, SUM of squares, MIN, MAX.

    A scorecard over a long period need not fetch every visit: the database returns
    these (per location and day, say), `+` merges them, and `summary_from_sums` turns
    them into the same `Summary` as `summarize`, so that the formulas stay here.
    """

    n: int = 0
    #: The sum of the values.
    total: float = 0.0
    #: The sum of their squares.
    squares: float = 0.0
    low: float | None = None
    high: float | None = None

    @classmethod
    def of(cls, values: Iterable[float]) -> Sums:
        """The sums of some values, exactly rounded (what an ideal database returns)."""
        values = list(values)
        if not values:
            return cls()
        return cls(n=len(values), total=math.fsum(values), squares=_sum_of_squares(values),
                   low=min(values), high=max(values))

    def __add__(self, other: object) -> Sums:
        """The sums of both sets of values (two days of a period, say)."""
        if not isinstance(other, Sums):
            return NotImplemented
        return Sums(n=self.n + other.n, total=self.total + other.total,
                    squares=self.squares + other.squares,
                    low=_either(min, self.low, other.low),
                    high=_either(max, self.high, other.high))


def _either(pick, a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else pick(a, b)


def _split(a: float) -> tuple[float, float]:
    """Veltkamp's split of a float into two halves of 26 bits, whose products are exact."""
    c = 134217729.0 * a  # 2^27 + 1
    high = c - (c - a)
    return high, a - high


def _product(a: float, b: float) -> tuple[float, float]:
    """a * b as an unevaluated sum p + e, exactly (Dekker's two-product)."""
    p = a * b
    a1, a2 = _split(a)
    b1, b2 = _split(b)
    return p, ((a1 * b1 - p) + a1 * b2 + a2 * b1) + a2 * b2


def _sum_of_squares(values: list[float]) -> float:
    """The sum of squares, rounded once: each square is split exactly into two floats."""
    return math.fsum(part for x in values for part in _product(x, x))


def _mean(sums: Sums) -> float | None:
    """total / n, kept within [low, high]: a database's sum is not always exactly rounded,
    and a mean outside the values is never right."""
    if sums.n == 0:
        return None
    mean = float(sums.total) / sums.n
    if sums.low is not None and sums.high is not None:
        mean = min(max(mean, float(sums.low)), float(sums.high))
    return mean


def _variance(sums: Sums, mean: float) -> float:
    """The sample variance, (squares - total^2 / n) / (n - 1), for n >= 2.

    This formula subtracts two nearly equal numbers when the values are close to each
    other, and the sums themselves carry rounding errors of about 1e-16 of squares. The
    difference is therefore computed as the exactly rounded value of
    n * squares - total^2 (both products split exactly by Dekker's method), so that only
    the sums' own errors remain, and it is then held within what min and max allow:
    with the mean m, the values' squared deviations add up to at least
    (low - m)^2 + (high - m)^2 (the two extremes, the others at the mean) and at most
    n (high - m)(m - low) (the Bhatia-Davis inequality). That also gives exactly 0 when
    low == high, and never a negative variance.
    """
    n, total, squares = sums.n, float(sums.total), float(sums.squares)
    deviations = math.fsum((*_product(float(n), squares), *(-x for x in _product(total, total))))
    variance = max(0.0, deviations / n / (n - 1))
    if sums.low is not None and sums.high is not None:
        low, high = float(sums.low), float(sums.high)
        least = ((mean - low) ** 2 + (high - mean) ** 2) / (n - 1)
        most = n * (high - mean) * (mean - low) / (n - 1)
        variance = min(max(variance, least), max(most, least))
    return variance


def summary_from_sums(sums: Sums) -> Summary:
    """The `Summary` of the values whose sums these are: `summarize` without the values,
    so that a long period's scorecard can come from what the database adds up.

    The mean agrees with `summarize` to rounding, and so does the spread of scores that
    really differ. Sums of doubles keep the squares to about 16 digits, though, so for
    values that nearly tie (all within ~1e-5 of each other, near 100) no formula can
    recover the sd better than about 1e-6; min and max bound it there (exactly 0 when
    they are equal, exact for two values).
    """
    n = sums.n
    if n == 0:
        return Summary(n=0)
    mean = _mean(sums)
    low = None if sums.low is None else float(sums.low)
    high = None if sums.high is None else float(sums.high)
    sd = math.sqrt(_variance(sums, mean)) if n >= 2 else None
    return Summary(n=n, mean=mean, sd=sd, ci95=_ci95(n, mean, sd), min=low, max=high)


def _means(visits: Sequence[VisitScores], attribute: str, keys: Iterable[str]) -> dict:
    """Per key, the mean of the visits' non-null scores (None when there are none)."""
    scores: dict[str, list[float]] = {key: [] for key in keys}
    maps = [getattr(visit, attribute) for visit in visits]
    first = list(maps[0]) if maps else []
    if all(list(m) == first for m in maps):  # one questionnaire: transpose at C speed
        columns = zip(*(m.values() for m in maps), strict=True)
        for key, column in zip(first, columns, strict=True):
            scores[key] = [s for s in column if s is not None]
    else:
        for m in maps:
            for key, score in m.items():
                column = scores.setdefault(key, [])
                if score is not None:
                    column.append(score)
    return {key: (math.fsum(column) / len(column) if column else None)
            for key, column in scores.items()}


def aggregate_location(
    visits: Iterable[VisitScores],
    *,
    sections: Iterable[str] = (),
    touchpoints: Iterable[str] = (),
) -> LocationScorecard:
    """A location's scorecard over some visits' scores.

    `sections` and `touchpoints` name keys to include even when no visit has them
    (pass the questionnaire's, so that an empty period still lists them).
    """
    visits = list(visits)
    summaries = {
        name: summarize([s for v in visits if (s := getattr(v, name)) is not None])
        for name in HEADLINES
    }
    failed = sum(1 for v in visits if v.critical_failures)
    return LocationScorecard(
        visits=len(visits),
        critical_failure_rate=failed / len(visits) if visits else None,
        sections=_means(visits, "sections", sections),
        touchpoints=_means(visits, "touchpoints", touchpoints),
        **summaries,
    )


def _keyed_means(sums: Mapping[str, Sums], keys: Iterable[str]) -> dict[str, float | None]:
    """Per key, total / n (None when n == 0): `keys` first, in their order, then the
    mapping's other keys in its order, as `aggregate_location` lists them."""
    means: dict[str, float | None] = {key: None for key in keys}
    for key, value in sums.items():
        means[key] = _mean(value)
    return means


def location_from_sums(
    *,
    visits: int,
    critical: int,
    headline: Mapping[str, Sums],
    sections: Mapping[str, Sums],
    touchpoints: Mapping[str, Sums],
    section_keys: Iterable[str] = (),
    touchpoint_keys: Iterable[str] = (),
) -> LocationScorecard:
    """A location's scorecard from what the database adds up, not from every visit.

    `visits` counts the visits and `critical` those with at least one critical failure;
    `headline` has the `Sums` of the visits' non-null cx, service and experience (a
    missing one: no such score); `sections` and `touchpoints` those of each key's
    non-null scores. `section_keys` and `touchpoint_keys` name keys to list even
    without scores, first and in that order, like `aggregate_location`'s arguments.
    The same visits give the same scorecard as `aggregate_location`, to rounding.
    """
    summaries = {name: summary_from_sums(headline.get(name, Sums())) for name in HEADLINES}
    return LocationScorecard(
        visits=visits,
        critical_failure_rate=critical / visits if visits else None,
        sections=_keyed_means(sections, section_keys),
        touchpoints=_keyed_means(touchpoints, touchpoint_keys),
        **summaries,
    )


def aggregate_group(locations: Iterable[LocationScorecard]) -> GroupScorecard:
    """The mean of location means, over locations whose mean is not null."""
    locations = list(locations)
    headline = {}
    for name in HEADLINES:
        means = [m for loc in locations if (m := getattr(loc, name).mean) is not None]
        headline[name] = math.fsum(means) / len(means) if means else None
    return GroupScorecard(
        locations=len(locations), visits=sum(loc.visits for loc in locations), **headline
    )
