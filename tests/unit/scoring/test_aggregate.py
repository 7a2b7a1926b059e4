"""Scorecards over many visits: spec/scoring.md section 5."""

from __future__ import annotations

import math
import statistics

import pytest

from shopper.scoring import (
    VisitScores,
    aggregate_group,
    aggregate_location,
    summarize,
    t_quantile_975,
)


def visit(cx, service=None, experience=None, sections=None, touchpoints=None, critical=()):
    return VisitScores(cx=cx, service=service, experience=experience,
                       sections=sections or {}, touchpoints=touchpoints or {},
                       critical_failures=tuple(critical))


def test_summary_of_nothing_is_all_null():
    summary = summarize([])
    assert (summary.n, summary.mean, summary.sd, summary.ci95, summary.min, summary.max) == (
        0, None, None, None, None, None)


def test_summary_of_one_value_has_no_spread():
    summary = summarize([72.5])
    assert (summary.n, summary.mean, summary.sd, summary.ci95) == (1, 72.5, None, None)
    assert (summary.min, summary.max) == (72.5, 72.5)


def test_summary_uses_the_sample_sd_and_student_t():
    values = [60.0, 70.0, 80.0, 90.0]
    summary = summarize(values)
    sd = statistics.stdev(values)
    assert summary.mean == 75.0
    assert summary.sd == pytest.approx(sd)
    half = 3.182446305 * sd / 2  # t(0.975, 3 df) * sd / sqrt(4)
    assert summary.ci95 == pytest.approx((75.0 - half, 75.0 + half))


def test_confidence_interval_is_clipped_to_0_100():
    summary = summarize([0.0, 100.0])
    assert summary.ci95 == (0.0, 100.0)
    assert summarize([95.0, 100.0, 100.0]).ci95[1] == 100.0


def test_location_scorecard():
    visits = [
        visit(80.0, 70.0, 90.0, {"a": 80.0, "b": None}, {"t": 50.0}),
        visit(0.0, 0.0, None, {"a": 40.0, "b": 100.0}, {"t": None}, critical=["x"]),
        visit(None, None, None, {"a": None, "b": None}, {"t": None}),
    ]
    card = aggregate_location(visits, sections=["a", "b", "c"], touchpoints=["t"])
    assert card.visits == 3
    assert card.critical_failure_rate == pytest.approx(1 / 3)
    assert (card.cx.n, card.cx.mean, card.cx.min, card.cx.max) == (2, 40.0, 0.0, 80.0)
    assert (card.service.n, card.service.mean) == (2, 35.0)
    assert (card.experience.n, card.experience.mean, card.experience.sd) == (1, 90.0, None)
    assert card.sections == {"a": 60.0, "b": 100.0, "c": None}
    assert card.touchpoints == {"t": 50.0}


def test_location_without_visits():
    card = aggregate_location([], sections=["a"], touchpoints=["t"])
    assert card.visits == 0 and card.cx.n == 0 and card.cx.mean is None
    assert card.critical_failure_rate is None
    assert card.sections == {"a": None} and card.touchpoints == {"t": None}


def test_visits_of_different_questionnaires_merge_their_keys():
    card = aggregate_location([visit(50.0, sections={"a": 50.0}),
                               visit(70.0, sections={"b": 70.0, "a": None})])
    assert card.sections == {"a": 50.0, "b": 70.0}


def test_group_is_the_mean_of_location_means():
    big = aggregate_location([visit(90.0, 90.0)] * 9)
    small = aggregate_location([visit(50.0, None)])
    empty = aggregate_location([])
    group = aggregate_group([big, small, empty])
    assert (group.locations, group.visits) == (3, 10)
    assert group.cx == 70.0  # not the visit-weighted 86
    assert group.service == 90.0  # only locations with a service mean
    assert group.experience is None


def test_empty_group():
    group = aggregate_group([])
    assert (group.locations, group.visits, group.cx) == (0, 0, None)


# Student's t: the quantile must be right to 3 decimals for every n. The oracle is an
# independent inversion of the t distribution's CDF through the regularised incomplete
# beta function (continued fraction, as in Numerical Recipes).
def _incomplete_beta(a: float, b: float, x: float) -> float:
    def continued_fraction(a, b, x):
        tiny = 1e-300
        c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
        d = 1.0 / (d if abs(d) > tiny else tiny)
        h = d
        for m in range(1, 1000):
            for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                              -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
                d = 1.0 + numerator * d
                d = 1.0 / (d if abs(d) > tiny else tiny)
                c = 1.0 + numerator / c
                c = c if abs(c) > tiny else tiny
                h *= d * c
            if abs(d * c - 1.0) < 1e-15:
                break
        return h

    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * continued_fraction(a, b, x) / a
    return 1.0 - front * continued_fraction(b, a, 1 - x) / b


def _t_quantile_oracle(df: int) -> float:
    low, high = 0.0, 100.0
    for _ in range(100):
        t = (low + high) / 2
        upper_tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
        if 1 - upper_tail < 0.975:
            low = t
        else:
            high = t
    return (low + high) / 2


@pytest.mark.parametrize("df", [*range(1, 121), 150, 200, 500, 1000, 10_000, 999_999])
def test_t_quantile_is_right_to_three_decimals(df):
    assert t_quantile_975(df) == pytest.approx(_t_quantile_oracle(df), abs=5e-4)


@pytest.mark.parametrize(("df", "printed"), [
    (1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042), (60, 2.000), (120, 1.980),
])
def test_t_quantile_matches_printed_tables(df, printed):
    assert round(t_quantile_975(df), 3) == printed


def test_t_quantile_needs_a_degree_of_freedom():
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile_975(0)
