"""Properties of the engine that must hold for every questionnaire and every visit."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.scoring import (
    InvalidAnswers,
    aggregate_group,
    aggregate_location,
    parse_questionnaire,
    score_visit,
)

settings.register_profile("shopper", max_examples=150, deadline=None)
settings.load_profile("shopper")

TOUCHPOINTS = ("greeting", "advice", "checkout", "store")
CHANNELS = ("in_store", "online")


@st.composite
def question_docs(draw, qid: str, earlier: list[dict]) -> dict:
    kind = draw(st.sampled_from(["yes_no", "scale", "choice", "number", "text", "photo"]))
    doc: dict = {"id": qid, "text": qid, "type": kind,
                 "dimension": draw(st.sampled_from(["service", "experience"])),
                 "touchpoint": draw(st.sampled_from(TOUCHPOINTS)),
                 "allow_na": draw(st.booleans()), "required": draw(st.booleans())}
    if kind in ("text", "photo"):
        return doc
    doc["weight"] = draw(st.sampled_from([0, 0.5, 1, 2, 3, 7.25]))
    doc["critical"] = draw(st.booleans()) and draw(st.booleans())
    if kind == "yes_no":
        doc["invert"] = draw(st.booleans())
    elif kind == "scale":
        low = draw(st.integers(-2, 3))
        doc["min"], doc["max"] = low, low + draw(st.integers(1, 10))
    elif kind == "choice":
        scores = draw(st.lists(st.sampled_from([0, 0.25, 0.5, 1]), min_size=1, max_size=4))
        doc["options"] = [{"value": f"o{i}", "label": f"O{i}", "score": s}
                          for i, s in enumerate(scores)]
    else:
        doc["bands"] = [{"max": 2, "score": draw(st.sampled_from([0, 1]))},
                        {"max": 5, "score": 0.5}, {"score": draw(st.sampled_from([0, 0.2]))}]
    yes_nos = [q for q in earlier if q["type"] == "yes_no"]
    if yes_nos and draw(st.booleans()):
        doc["show_if"] = {"question": draw(st.sampled_from(yes_nos))["id"],
                          "equals": draw(st.sampled_from(["yes", "no"]))}
    return doc


@st.composite
def questionnaires(draw) -> dict:
    sections, earlier = [], []
    for s in range(draw(st.integers(1, 4))):
        questions = []
        for _ in range(draw(st.integers(1, 5))):
            question = draw(question_docs(f"q{len(earlier)}", earlier))
            questions.append(question)
            earlier.append(question)
        section = {"id": f"s{s}", "title": f"S{s}", "questions": questions}
        if draw(st.booleans()):
            section["channels"] = [draw(st.sampled_from(CHANNELS))]
        sections.append(section)
    return {"id": "prop", "title": "Property", "channels": list(CHANNELS), "sections": sections}


def answer_for(draw, question: dict):
    """A valid answer; "na" sometimes where allowed; None sometimes where optional."""
    if question.get("allow_na") and draw(st.integers(0, 5)) == 0:
        return "na"
    if not question.get("required", True) and draw(st.integers(0, 5)) == 0:
        return None
    kind = question["type"]
    if kind == "yes_no":
        return draw(st.sampled_from(["yes", "no", True, False]))
    if kind == "scale":
        return draw(st.integers(question["min"], question["max"]))
    if kind == "choice":
        return draw(st.sampled_from([o["value"] for o in question["options"]]))
    if kind == "number":
        return draw(st.one_of(st.integers(0, 10), st.floats(0, 1e6, allow_nan=False)))
    if kind == "text":
        # "na" is not applicable for every type (spec section 2), text included
        return draw(st.text(min_size=1, max_size=5).filter(lambda t: t.strip() and t != "na"))
    return draw(st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=2))


@st.composite
def visits(draw, document: dict | None = None):
    """(questionnaire document, answers, channel) of a valid visit."""
    document = document or draw(questionnaires())
    answers = {}
    for section in document["sections"]:
        for question in section["questions"]:
            value = answer_for(draw, question)
            if value is not None:
                answers[question["id"]] = value
    return document, answers, draw(st.sampled_from(CHANNELS))


def scores_of(document, answers, channel):
    return score_visit(parse_questionnaire(document), answers, channel)


def all_scores(result):
    yield from (result.cx, result.service, result.experience)
    yield from result.sections.values()
    yield from result.touchpoints.values()


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same_scores(first, second):
    assert first.critical_failures == second.critical_failures
    for x, y in zip(all_scores(first), all_scores(second), strict=True):
        assert same(x, y), (first, second)


@given(visits())
def test_every_score_is_in_0_100_or_null(visit):
    result = scores_of(*visit)
    for value in all_scores(result):
        assert value is None or 0.0 <= value <= 100.0


def with_question(document: dict, data, question: dict) -> dict:
    """A copy of `document` with `question` added to a random section, on one of the
    touchpoints already there (a new touchpoint would add a key to the scores)."""
    changed = copy.deepcopy(document)
    section = data.draw(st.sampled_from(changed["sections"]))
    touchpoint = data.draw(st.sampled_from([q["touchpoint"] for q in section["questions"]]))
    section["questions"].append({"id": "added", "text": "Added", "critical": True,
                                 "touchpoint": touchpoint, **question})
    return changed


@given(visits(), st.data())
def test_adding_a_question_answered_na_changes_nothing(visit, data):
    document, answers, channel = visit
    changed = with_question(document, data, {"type": "scale", "weight": 5, "allow_na": True})
    assert_same_scores(scores_of(document, answers, channel),
                       scores_of(changed, answers | {"added": "na"}, channel))


@given(visits(), st.data())
def test_adding_a_weight_zero_question_changes_nothing(visit, data):
    document, answers, channel = visit
    changed = with_question(document, data, {"type": "yes_no", "weight": 0})
    answer = data.draw(st.sampled_from(["yes", "no"]))
    assert_same_scores(scores_of(document, answers, channel),
                       scores_of(changed, answers | {"added": answer}, channel))


@given(visits(), st.sampled_from([0.1, 0.5, 3, 12.5, 1000]))
def test_scaling_every_weight_changes_nothing(visit, factor):
    document, answers, channel = visit
    before = scores_of(document, answers, channel)
    scaled = copy.deepcopy(document)
    for section in scaled["sections"]:
        for question in section["questions"]:
            if "weight" in question:
                question["weight"] *= factor
    assert_same_scores(before, scores_of(scaled, answers, channel))


@given(visits(), st.sampled_from(TOUCHPOINTS), st.sampled_from(["service", "experience"]))
def test_critical_failure_zeroes_headlines_and_leaves_sections(visit, touchpoint, dimension):
    document, answers, channel = visit
    failing = copy.deepcopy(document)
    failing["sections"].append({"id": "safety", "title": "Safety", "questions": [
        {"id": "safe", "text": "Safe?", "type": "yes_no", "critical": True,
         "touchpoint": touchpoint, "dimension": dimension}]})
    lenient = copy.deepcopy(failing)
    lenient["sections"][-1]["questions"][0]["critical"] = False
    result = scores_of(failing, answers | {"safe": "no"}, channel)
    without = scores_of(lenient, answers | {"safe": "no"}, channel)
    assert result.critical_failures[-1:] == ("safe",)
    assert result.cx == 0.0
    assert result.service == (None if without.service is None else 0.0)
    assert result.experience == (None if without.experience is None else 0.0)
    assert result.sections == without.sections
    assert result.touchpoints == without.touchpoints


@given(visits())
def test_aggregate_of_one_visit_is_that_visit(visit):
    result = scores_of(*visit)
    card = aggregate_location([result])
    assert card.visits == 1
    assert card.critical_failure_rate == (1.0 if result.critical_failures else 0.0)
    for name in ("cx", "service", "experience"):
        summary, value = getattr(card, name), getattr(result, name)
        assert summary.n == (0 if value is None else 1)
        assert summary.mean == value and summary.min == value and summary.max == value
        assert summary.sd is None and summary.ci95 is None
    assert card.sections == result.sections
    assert card.touchpoints == result.touchpoints


@given(questionnaires().flatmap(
    lambda doc: st.lists(st.tuples(visits(doc), st.sampled_from("abc")), min_size=1,
                         max_size=12)))
def test_group_score_is_the_mean_of_location_means(located_visits):
    by_location: dict[str, list] = {}
    for (document, answers, channel), location in located_visits:
        by_location.setdefault(location, []).append(scores_of(document, answers, channel))
    cards = [aggregate_location(v) for v in by_location.values()]
    group = aggregate_group(cards)
    assert group.visits == len(located_visits)
    assert group.locations == len(by_location)
    for name in ("cx", "service", "experience"):
        means = [getattr(c, name).mean for c in cards if getattr(c, name).mean is not None]
        expected = sum(means) / len(means) if means else None
        assert same(getattr(group, name), expected)
        for card in cards:
            summary = getattr(card, name)
            if summary.ci95 is not None:
                assert 0.0 <= summary.ci95[0] <= summary.mean <= summary.ci95[1] <= 100.0


WRONG_ANSWERS = {"yes_no": "maybe", "scale": 3.5, "choice": "nope", "number": -1,
                 "text": 42, "photo": "not-a-list"}


@given(visits(), st.data())
def test_an_invalid_answer_is_reported_by_its_question(visit, data):
    document, answers, channel = visit
    questions = [q for s in document["sections"] for q in s["questions"]]
    target = data.draw(st.sampled_from(questions))
    with pytest.raises(InvalidAnswers) as caught:
        scores_of(document, answers | {target["id"]: WRONG_ANSWERS[target["type"]]}, channel)
    assert [question for question, _ in caught.value.errors] == [target["id"]]
