"""Change between two periods: spec/scoring.md section 7."""

from __future__ import annotations

import json
import math

import pytest

from shopper.scoring import (
    Change,
    Summary,
    VisitScores,
    aggregate_location,
    change_document,
    compare_locations,
    compare_summaries,
    t_quantile,
)


def s(n, mean=None, sd=None):
    """A Summary with what the test needs (ci95, min and max play no part)."""
    return Summary(n=n, mean=mean, sd=sd)


# (this period A, the previous period B, change, significant). The Welch decisions were
# cross-checked with scipy 1.17.1, `ttest_ind_from_stats(..., equal_var=False).pvalue < 0.05`.
CASES = {
    "this period has no scores": (s(0), s(5, 70.0, 8.0), None, None),
    "the previous period has no scores": (s(4, 80.0, 5.0), s(0), None, None),
    "neither period has scores": (s(0), s(0), None, None),
    "one score now: a change but no test": (s(1, 90.0), s(5, 70.0, 8.0), 20.0, None),
    "one score before: a change but no test": (s(6, 60.0, 8.0), s(1, 90.0), -30.0, None),
    # no spread on either side: se == 0, and any difference is real
    "se == 0 with a change": (s(3, 80.0, 0.0), s(4, 75.0, 0.0), 5.0, True),
    "se == 0 without a change": (s(3, 80.0, 0.0), s(2, 80.0, 0.0), 0.0, False),
    # t = 15 / sqrt(64/40 + 100/35) = 7.10
    "clearly significant": (s(40, 85.0, 8.0), s(35, 70.0, 10.0), 15.0, True),
    # t = 2 / sqrt(225/10 + 196/12) = 0.32
    "clearly not significant": (s(10, 72.0, 15.0), s(12, 70.0, 14.0), 2.0, False),
    # t = -20 / sqrt(25/20 + 36/25) = -12.2
    "a significant fall": (s(20, 55.0, 5.0), s(25, 75.0, 6.0), -20.0, True),
    # t = -2 / sqrt(400/5 + 625/4) = -0.13
    "a fall within the noise": (s(5, 68.0, 20.0), s(4, 70.0, 25.0), -2.0, False),
    # unequal n and sd: va = 16/4 = 4, vb = 16/16 = 1, se = sqrt(5) = 2.236,
    # df = 25 / (4^2/3 + 1^2/15) = 375/81 = 4.63, q(0.975, 4.63) = 2.634;
    # t = 5 / 2.236 = 2.236 is below it, t = 7 / 2.236 = 3.130 above
    "unequal n and sd, not significant": (s(4, 80.0, 4.0), s(16, 75.0, 4.0), 5.0, False),
    "unequal n and sd, significant": (s(4, 78.0, 4.0), s(16, 71.0, 4.0), 7.0, True),
    # no spread on one side: df = n - 1 of the other side (5), q = 2.571, t = 10 / sqrt(6)
    "spread on one side only": (s(6, 90.0, 0.0), s(6, 80.0, 6.0), 10.0, True),
}


@pytest.mark.parametrize(("current", "previous", "change", "significant"), CASES.values(),
                         ids=CASES.keys())
def test_change(current, previous, change, significant):
    result = compare_summaries(current, previous)
    assert result == Change(previous=previous.mean, change=change, significant=significant)
    assert significant is None or type(result.significant) is bool


# The borderline cases, by hand. A: n = 3, sd = 3; B: n = 3, sd = 1. So va = 9/3 = 3,
# vb = 1/3, se^2 = 10/3, se = 1.825742, and
#     df = (10/3)^2 / (3^2 / 2 + (1/3)^2 / 2) = (100/9) / (82/18) = 100/41 = 2.439,
# between the whole numbers 2 (q = 4.303) and 3 (q = 3.182); q(0.975, 100/41) = 3.639
# (scipy 1.17.1: 3.639411179516069).
BORDER_DF = 100 / 41
BORDER_Q = 3.639411179516069


def test_welch_uses_fractional_degrees_of_freedom_above_the_quantile():
    # change 7: t = 7 / 1.825742 = 3.834. Rounding df down (or to the nearest, 2) would
    # call it noise: 3.834 < q(2) = 4.303; the fractional df calls it significant.
    t = 7.0 / math.sqrt(10 / 3)
    assert BORDER_Q < t < t_quantile(0.975, 2)
    result = compare_summaries(s(3, 80.0, 3.0), s(3, 73.0, 1.0))
    assert result == Change(previous=73.0, change=7.0, significant=True)


def test_welch_uses_fractional_degrees_of_freedom_below_the_quantile():
    # change 6: t = 6 / 1.825742 = 3.286. Rounding df up (3) would call it significant:
    # 3.286 > q(3) = 3.182; the fractional df calls it noise.
    t = 6.0 / math.sqrt(10 / 3)
    assert t_quantile(0.975, 3) < t < BORDER_Q
    result = compare_summaries(s(3, 80.0, 3.0), s(3, 74.0, 1.0))
    assert result == Change(previous=74.0, change=6.0, significant=False)


def test_borderline_quantile_is_the_fractional_one():
    assert t_quantile(0.975, BORDER_DF) == pytest.approx(BORDER_Q, rel=1e-9)


def test_change_is_current_minus_previous_at_full_precision():
    result = compare_summaries(s(2, 70.1, 1.0), s(2, 60.3, 1.0))
    assert result.change == 70.1 - 60.3 and result.previous == 60.3


def visit(cx, service, experience):
    return VisitScores(cx=cx, service=service, experience=experience, sections={},
                       touchpoints={}, critical_failures=())


def test_compare_locations():
    now = aggregate_location([visit(90.0, 80.0, None), visit(94.0, 84.0, None),
                              visit(92.0, 82.0, 50.0)])
    before = aggregate_location([visit(60.0, 79.0, None), visit(64.0, 85.0, None),
                                 visit(62.0, None, None)])
    changes = compare_locations(now, before)
    assert list(changes) == ["cx", "service", "experience"]
    assert changes["cx"] == Change(previous=62.0, change=30.0, significant=True)
    assert changes["service"] == compare_summaries(now.service, before.service)
    assert changes["service"].change == pytest.approx(0.0, abs=1e-12)
    assert changes["service"].significant is False
    assert changes["experience"] == Change(previous=None, change=None, significant=None)


def test_change_document():
    changes = {"cx": Change(previous=62.0, change=1 / 3, significant=True),
               "service": Change(previous=82.0, change=0.0, significant=False),
               "experience": Change(previous=None, change=None, significant=None)}
    document = change_document(changes)
    assert document == {
        "cx": {"previous": 62.0, "change": 1 / 3, "significant": True},
        "service": {"previous": 82.0, "change": 0.0, "significant": False},
        "experience": {"previous": None, "change": None, "significant": None},
    }
    assert list(document) == ["cx", "service", "experience"]
    assert json.loads(json.dumps(document)) == document  # JSON-ready, full precision
