"""Scorecards over many visits (spec/scoring.md section 5)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


def summarize(values: Sequence[float]) -> Summary:
    """n, mean, sample sd, Student-t 95% interval, min and max of some scores."""
    n = len(values)
    if n == 0:
        return Summary(n=0)
    mean, sd = mean_sd(list(values))
    ci95 = None
    if sd is not None:
        half = t_quantile_975(n - 1) * sd / math.sqrt(n)
        ci95 = (max(0.0, mean - half), min(100.0, mean + half))
    return Summary(n=n, mean=mean, sd=sd, ci95=ci95, min=min(values), max=max(values))


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
