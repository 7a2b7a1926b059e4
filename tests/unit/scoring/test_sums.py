"""Scorecards from the sums a database returns: the same numbers as from the visits."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.scoring import (
    LocationScorecard,
    Summary,
    Sums,
    VisitScores,
    aggregate_location,
    location_from_sums,
    summarize,
    summary_from_sums,
)

HEADLINES = ("cx", "service", "experience")
KEYS = ("a", "b", "c", "d", "e")
TOLERANCE = 1e-6


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOLERANCE


def assert_same_summary(got: Summary, expected: Summary):
    assert got.n == expected.n
    for name in ("mean", "sd", "min", "max"):
        assert close(getattr(got, name), getattr(expected, name)), (name, got, expected)
    if expected.ci95 is None:
        assert got.ci95 is None
    else:
        assert close(got.ci95[0], expected.ci95[0]) and close(got.ci95[1], expected.ci95[1])


# Scores as the engine makes them: anywhere in [0, 100], round ones, the ends, and
# often the same few values again and again (many visits score 100).
scores = st.one_of(
    st.floats(0, 100, allow_nan=False),
    st.integers(0, 100).map(float),
    st.sampled_from([0.0, 100.0, 50.0, 200 / 3, 100 / 7, 99.99999999999999]),
)


@st.composite
def score_lists(draw, max_size=60):
    pool = draw(st.lists(scores, min_size=1, max_size=4))
    return draw(st.lists(st.one_of(st.sampled_from(pool), scores), max_size=max_size))


@settings(max_examples=400, deadline=None)
@given(score_lists())
def test_summary_from_sums_is_summarize(values):
    assert_same_summary(summary_from_sums(Sums.of(values)), summarize(values))


@settings(max_examples=300, deadline=None)
@given(score_lists(), st.lists(st.integers(0, 60), max_size=6))
def test_sums_of_chunks_add_up(values, cuts):
    cuts = sorted(c for c in cuts if c <= len(values))
    bounds = [0, *cuts, len(values)]
    chunks = [Sums.of(values[i:j]) for i, j in pairwise(bounds)]
    total = Sums()
    for chunk in chunks:
        total = total + chunk
    whole = Sums.of(values)
    assert (total.n, total.low, total.high) == (whole.n, whole.low, whole.high)
    assert_same_summary(summary_from_sums(total), summarize(values))


optional_scores = st.one_of(st.none(), scores)


@st.composite
def visit_scores(draw):
    """Visits of one or several questionnaires: each has some of KEYS, maybe null."""
    def scores_map():
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
        return {key: draw(optional_scores) for key in keys}

    shared = draw(st.booleans())  # one questionnaire: the same keys in every visit
    sections, touchpoints = scores_map(), scores_map()
    visits = []
    for _ in range(draw(st.integers(0, 25))):
        if shared:
            visit_sections = {key: draw(optional_scores) for key in sections}
            visit_touchpoints = {key: draw(optional_scores) for key in touchpoints}
        else:
            visit_sections, visit_touchpoints = scores_map(), scores_map()
        visits.append(VisitScores(
            cx=draw(optional_scores), service=draw(optional_scores),
            experience=draw(optional_scores), sections=visit_sections,
            touchpoints=visit_touchpoints,
            critical_failures=tuple(draw(st.lists(st.sampled_from(["q1", "q7"]), max_size=2,
                                                  unique=True))),
        ))
    return visits


def sums_by_key(maps: list[dict]) -> dict[str, Sums]:
    """What GROUP BY key would return: the key's non-null scores' sums (Sums() when all
    are null), keys in the order of their first appearance."""
    values: dict[str, list[float]] = {}
    for m in maps:
        for key, score in m.items():
            values.setdefault(key, [])
            if score is not None:
                values[key].append(score)
    return {key: Sums.of(v) for key, v in values.items()}


def assert_same_scorecard(got: LocationScorecard, expected: LocationScorecard):
    assert got.visits == expected.visits
    assert close(got.critical_failure_rate, expected.critical_failure_rate)
    for name in HEADLINES:
        assert_same_summary(getattr(got, name), getattr(expected, name))
    for name in ("sections", "touchpoints"):
        got_means, expected_means = getattr(got, name), getattr(expected, name)
        assert list(got_means) == list(expected_means)
        for key in expected_means:
            assert close(got_means[key], expected_means[key]), (name, key)


@settings(max_examples=300, deadline=None)
@given(visit_scores(), st.lists(st.sampled_from(KEYS), unique=True),
       st.lists(st.sampled_from(KEYS), unique=True), st.booleans())
def test_location_from_sums_is_aggregate_location(visits, section_keys, touchpoint_keys,
                                                  drop_empty):
    expected = aggregate_location(visits, sections=section_keys, touchpoints=touchpoint_keys)
    headline = {name: Sums.of(s for v in visits if (s := getattr(v, name)) is not None)
                for name in HEADLINES}
    if drop_empty:  # a database returns no row for a score no visit has
        headline = {name: sums for name, sums in headline.items() if sums.n}
    card = location_from_sums(
        visits=len(visits), critical=sum(1 for v in visits if v.critical_failures),
        headline=headline, sections=sums_by_key([v.sections for v in visits]),
        touchpoints=sums_by_key([v.touchpoints for v in visits]),
        section_keys=section_keys, touchpoint_keys=touchpoint_keys,
    )
    assert_same_scorecard(card, expected)


def test_sums_of_nothing():
    assert Sums.of([]) == Sums() == Sums() + Sums()
    assert summary_from_sums(Sums()) == Summary(n=0) == summarize([])


def test_sums_of_one_value():
    assert Sums.of([72.5]) == Sums(n=1, total=72.5, squares=72.5**2, low=72.5, high=72.5)
    assert summary_from_sums(Sums.of([72.5])) == Summary(n=1, mean=72.5, min=72.5, max=72.5)


def test_adding_sums():
    assert Sums.of([1.0, 5.0]) + Sums.of([3.0]) == Sums(n=3, total=9.0, squares=35.0,
                                                        low=1.0, high=5.0)
    assert Sums.of([4.0]) + Sums() == Sums.of([4.0]) == Sums() + Sums.of([4.0])
    with pytest.raises(TypeError):
        Sums() + 1


def test_summary_from_sums_uses_the_sample_sd_and_student_t():
    summary = summary_from_sums(Sums(n=4, total=300.0, squares=23000.0, low=60.0, high=90.0))
    assert summary == summarize([60.0, 70.0, 80.0, 90.0])
    assert summary.sd == pytest.approx(math.sqrt(500 / 3), rel=1e-15)


@pytest.mark.parametrize("value", [0.1, 100 / 3, 99.99999999999999, 100.0, 0.0, 1e-300])
@pytest.mark.parametrize("n", [2, 3, 7, 1000])
def test_equal_values_have_no_spread_at_all(value, n):
    # total^2 / n and squares need not agree to the last bit (0.1 * 0.1 is not 0.01);
    # low == high makes the sd exactly 0, and the interval a point
    summary = summary_from_sums(Sums.of([value] * n))
    assert summary.sd == 0.0
    assert summary.ci95 == (summary.mean, summary.mean)
    assert summary.mean == pytest.approx(value, rel=1e-15)


def test_values_equal_to_15_digits_keep_their_tiny_spread():
    below = math.nextafter(100.0, 0.0)
    values = [100.0, below, 100.0, below, below]
    summary = summary_from_sums(Sums.of(values))
    assert summary.sd == pytest.approx(summarize(values).sd, abs=1e-13)
    assert 0.0 < summary.sd < 1e-13


def test_sums_from_a_database_need_not_be_exact():
    # a database adds up in its own order, without fsum; ints and rounding errors
    values = [0.1 * k for k in range(1, 200)]
    naive = Sums(n=len(values), total=sum(values), squares=sum(x * x for x in values),
                 low=min(values), high=max(values))
    assert_same_summary(summary_from_sums(naive), summarize(values))
    ints = summary_from_sums(Sums(n=2, total=150, squares=11300, low=70, high=80))
    assert ints == summarize([70.0, 80.0]) and type(ints.mean) is float


def test_mean_stays_within_min_and_max():
    # a sum rounded up by a database cannot push the mean above the largest value
    assert summary_from_sums(Sums(n=3, total=300.00000000000006, squares=30000.0,
                                  low=100.0, high=100.0)).mean == 100.0


def test_location_from_sums_orders_keys_like_aggregate_location():
    card = location_from_sums(
        visits=4, critical=1,
        headline={"cx": Sums.of([80.0, 60.0])},
        sections={"z": Sums.of([50.0]), "b": Sums.of([10.0, 30.0]), "a": Sums()},
        touchpoints={},
        section_keys=["a", "c", "b"], touchpoint_keys=["t"],
    )
    assert list(card.sections.items()) == [("a", None), ("c", None), ("b", 20.0), ("z", 50.0)]
    assert card.touchpoints == {"t": None}
    assert card.critical_failure_rate == 0.25
    assert card.cx == summarize([80.0, 60.0])
    assert card.service == card.experience == Summary(n=0)


def test_location_from_sums_without_visits():
    card = location_from_sums(visits=0, critical=0, headline={}, sections={}, touchpoints={},
                              section_keys=["a"], touchpoint_keys=["t"])
    assert card == aggregate_location([], sections=["a"], touchpoints=["t"])
    assert card.critical_failure_rate is None
