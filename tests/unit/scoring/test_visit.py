"""Scoring one visit: spec/scoring.md sections 2 to 4, one small case per rule."""

from __future__ import annotations

import json

import pytest

from shopper.files import read_document
from shopper.scoring import InvalidAnswers, parse_questionnaire, score_visit, visible_questions
from tests.factories import (
    SPEC_EXAMPLES,
    choice,
    number,
    photo,
    questionnaire_doc,
    scale,
    text,
    yes_no,
)


def score(*questions, answers, channel=None, **top):
    questionnaire = parse_questionnaire(questionnaire_doc(*questions, **top))
    return score_visit(questionnaire, answers, channel)


def problems(*questions, answers, channel=None, **top) -> list[str]:
    with pytest.raises(InvalidAnswers) as caught:
        score(*questions, answers=answers, channel=channel, **top)
    return caught.value.messages


# (rule, question, answer, expected cx) for each way an answer turns into a fraction
FRACTIONS = [
    ("yes_no yes is 1", yes_no("q"), "yes", 100.0),
    ("yes_no no is 0", yes_no("q"), "no", 0.0),
    ("yes_no JSON true is yes", yes_no("q"), True, 100.0),
    ("yes_no JSON false is no", yes_no("q"), False, 0.0),
    ("yes_no invert makes yes bad", yes_no("q", invert=True), "yes", 0.0),
    ("yes_no invert makes no good", yes_no("q", invert=True), False, 100.0),
    ("scale is (v - min) / (max - min)", scale("q"), 2, 25.0),
    ("scale top is 1", scale("q"), 5, 100.0),
    ("scale bottom is 0", scale("q"), 1, 0.0),
    ("scale with its own range", scale("q", min=0, max=10), 7, 70.0),
    ("scale accepts an integral float", scale("q", min=0, max=10), 7.0, 70.0),
    ("choice is the option's score", choice("q"), "fair", 40.0),
    ("number first band that fits", number("q"), 1.5, 100.0),
    ("number band max is inclusive", number("q"), 2, 100.0),
    ("number second band", number("q"), 4, 50.0),
    ("number catch-all band", number("q"), 60, 0.0),
    ("number zero is in the first band", number("q"), 0, 100.0),
]


@pytest.mark.parametrize(("question", "answer", "expected"), [r[1:] for r in FRACTIONS],
                         ids=[r[0] for r in FRACTIONS])
def test_answer_fraction(question, answer, expected):
    assert score(question, answers={"q": answer}).cx == pytest.approx(expected)


# (rule, question, answer, message) for each way an answer is invalid
INVALID = [
    ("yes_no needs yes or no", yes_no("q"), "maybe", "q: expected yes or no"),
    ("yes_no is case-sensitive", yes_no("q"), "Yes", "q: expected yes or no"),
    ("yes_no is not a number", yes_no("q"), 1, "q: expected yes or no"),
    ("scale below min", scale("q"), 0, "q: expected integer 1..5"),
    ("scale above max", scale("q", min=0, max=10), 11, "q: expected integer 0..10"),
    ("scale not fractional", scale("q"), 2.5, "q: expected integer 1..5"),
    ("scale not a boolean", scale("q"), True, "q: expected integer 1..5"),
    ("scale not a string", scale("q"), "3", "q: expected integer 1..5"),
    ("choice unknown option", choice("q"), "great", "q: expected one of good, fair, poor"),
    ("choice not a list", choice("q"), ["good"], "q: expected one of good, fair, poor"),
    ("number not negative", number("q"), -1, "q: expected a number >= 0"),
    ("number not a string", number("q"), "4", "q: expected a number >= 0"),
    ("number not a boolean", number("q"), False, "q: expected a number >= 0"),
    ("number not infinite", number("q"), float("inf"), "q: expected a number >= 0"),
    ("number not NaN", number("q"), float("nan"), "q: expected a number >= 0"),
    ("number above every band without catch-all",
     number("q", bands=[{"max": 5, "score": 1}]), 6, "q: 6 is above every band"),
    ("text is a string", text("q"), 12, "q: expected text"),
    ("photo is a list", photo("q"), "p-1.jpg", "q: expected a list of photo references"),
    ("photo references are strings", photo("q"), [1], "q: expected a list of photo references"),
    ("na only where allowed", yes_no("q"), "na", "q: not applicable is not allowed"),
    ("na only where allowed, number", number("q"), "na", "q: not applicable is not allowed"),
    ("na only where allowed, even as text", text("q"), "na", "q: not applicable is not allowed"),
]


@pytest.mark.parametrize(("question", "answer", "message"), [r[1:] for r in INVALID],
                         ids=[r[0] for r in INVALID])
def test_invalid_answer_names_the_question(question, answer, message):
    assert problems(question, answers={"q": answer}) == [message]


def test_unknown_question_is_invalid():
    assert problems(yes_no("q"), answers={"q": "yes", "colour": "red"}) == [
        "colour: unknown question"
    ]


def test_every_problem_of_a_visit_is_reported_together():
    assert problems(yes_no("a"), scale("b"), choice("c"), answers={"b": 9, "c": "x", "d": 1}) == [
        "d: unknown question",
        "b: expected integer 1..5",
        "c: expected one of good, fair, poor",
        "a: required",
    ]


@pytest.mark.parametrize("channel", ["phone", "", ["in_store"], 1])
def test_unknown_channel_is_invalid(channel):
    assert problems(yes_no("q"), answers={"q": "yes"}, channel=channel) == [
        "channel: must be one of in_store"
    ]


def test_answers_must_be_a_map():
    questionnaire = parse_questionnaire(questionnaire_doc(yes_no("q")))
    with pytest.raises(InvalidAnswers) as caught:
        score_visit(questionnaire, ["yes"])
    assert caught.value.messages == ["answers: must be a map of question id to answer"]


# Which questions count: na, unanswered optional, weight 0, text and photo are out of
# both sums. Each case: answers to (a: yes, weight 1), plus one more question.
NOT_COUNTING = [
    ("na is out of both sums", yes_no("b", allow_na=True), "na"),
    ("na on a number is out of both sums", number("b", allow_na=True), "na"),
    ("unanswered optional is out", yes_no("b", required=False), None),
    ("null is unanswered", scale("b", required=False), None),
    ("weight 0 is out", yes_no("b", weight=0), "no"),
    ("text is never scored", text("b"), "Rude staff"),
    ("photo is never scored", photo("b"), ["p-1.jpg"]),
    ("empty optional text is unanswered", text("b", required=False), "  "),
    ("empty optional photo list is unanswered", photo("b", required=False), []),
]


@pytest.mark.parametrize(("question", "answer"), [r[1:] for r in NOT_COUNTING],
                         ids=[r[0] for r in NOT_COUNTING])
def test_questions_that_do_not_count(question, answer):
    answers = {"a": "yes"} | ({"b": answer} if answer is not None else {})
    result = score(yes_no("a"), question, answers=answers)
    assert result.cx == 100.0


@pytest.mark.parametrize(("question", "answer"), [
    (text("b"), ""), (photo("b"), []), (yes_no("b"), None),
])
def test_required_means_a_real_answer(question, answer):
    answers = {"a": "yes"} | ({"b": answer} if answer is not None else {})
    assert problems(yes_no("a"), question, answers=answers) == ["b: required"]


def test_nothing_counting_gives_null_scores():
    result = score(yes_no("a", allow_na=True), text("t"), answers={"a": "na", "t": "ok"})
    assert (result.cx, result.service, result.experience) == (None, None, None)
    assert result.sections == {"main": None}
    assert result.touchpoints == {"main": None}


def test_weighted_mean_split_by_dimension():
    result = score(
        yes_no("greet", weight=3, dimension="service", touchpoint="greeting"),
        scale("clean", weight=1, touchpoint="store"),
        choice("speed", weight=2, dimension="service", touchpoint="greeting"),
        answers={"greet": "yes", "clean": 3, "speed": "poor"},
    )
    assert result.cx == pytest.approx(100 * (3 + 0.5) / 6)
    assert result.service == pytest.approx(100 * 3 / 5)
    assert result.experience == pytest.approx(50.0)
    assert result.touchpoints == {"greeting": pytest.approx(60.0), "store": 50.0}
    assert result.sections == {"main": pytest.approx(100 * 3.5 / 6)}


def test_touchpoints_group_questions_across_sections():
    doc = questionnaire_doc(yes_no("a", touchpoint="checkout"))
    doc["sections"].append({"id": "later", "title": "Later", "questions": [
        yes_no("b", touchpoint="checkout"), yes_no("c")]})
    result = score_visit(parse_questionnaire(doc), {"a": "yes", "b": "no", "c": "yes"})
    assert result.touchpoints == {"checkout": 50.0, "later": 100.0}
    assert result.sections == {"main": 100.0, "later": 50.0}


def channel_doc():
    doc = questionnaire_doc(yes_no("greeted"), channels=["in_store", "online"])
    doc["sections"][0]["channels"] = ["in_store"]
    doc["sections"].append({"id": "site", "title": "Site", "channels": ["online"],
                            "questions": [yes_no("found")]})
    doc["sections"].append({"id": "all", "title": "All", "questions": [yes_no("paid")]})
    return parse_questionnaire(doc)


def test_default_channel_is_the_first():
    result = score_visit(channel_doc(), {"greeted": "no", "paid": "yes"})
    assert result.sections == {"main": 0.0, "site": None, "all": 100.0}


def test_section_of_another_channel_is_invisible_and_its_answers_ignored():
    result = score_visit(channel_doc(), {"greeted": "no", "found": "yes", "paid": "yes"},
                         "online")
    assert result.cx == 100.0
    assert result.sections == {"main": None, "site": 100.0, "all": 100.0}


def test_required_questions_of_another_channel_need_no_answer():
    assert score_visit(channel_doc(), {"found": "yes", "paid": "no"}, "online").cx == 50.0


def test_answers_to_invisible_questions_are_still_checked():
    with pytest.raises(InvalidAnswers) as caught:
        score_visit(channel_doc(), {"greeted": "maybe", "found": "yes", "paid": "no"}, "online")
    assert caught.value.messages == ["greeted: expected yes or no"]


SHOW_IF = [
    ("equals holds", {"question": "a", "equals": "yes"}, {"a": "yes", "b": "no"}, 50.0),
    ("equals fails: b ignored", {"question": "a", "equals": "no"}, {"a": "yes", "b": "no"}, 100.0),
    ("in holds", {"question": "a", "in": ["yes", "na"]}, {"a": "na", "b": "no"}, 0.0),
    ("JSON true counts as yes", {"question": "a", "equals": "yes"}, {"a": True, "b": "no"}, 50.0),
    ("unanswered reference hides", {"question": "a", "equals": "no"}, {"b": "no"}, None),
]


@pytest.mark.parametrize(("show_if", "answers", "expected"), [r[1:] for r in SHOW_IF],
                         ids=[r[0] for r in SHOW_IF])
def test_show_if(show_if, answers, expected):
    questionnaire = parse_questionnaire(questionnaire_doc(
        yes_no("a", allow_na=True, required=False), yes_no("b", show_if=show_if)))
    assert score_visit(questionnaire, answers).cx == pytest.approx(expected)


def test_show_if_hidden_required_question_needs_no_answer():
    assert score(yes_no("a"), yes_no("b", show_if={"question": "a", "equals": "yes"}),
                 answers={"a": "no"}).cx == 0.0


def test_show_if_on_a_choice_and_a_scale():
    questions = (choice("c"), scale("s", show_if={"question": "c", "in": ["fair", "poor"]}),
                 yes_no("y", show_if={"question": "s", "equals": 1}))
    assert score(*questions, answers={"c": "poor", "s": 1, "y": "yes"}).cx == pytest.approx(
        100 / 3)
    assert score(*questions, answers={"c": "good", "s": 1, "y": "yes"}).cx == 100.0


def test_show_if_is_chained_through_invisible_questions():
    # c depends on b, which depends on a: when a hides b, c is hidden too, even though
    # b's (ignored) answer would make c visible.
    questions = (yes_no("a", weight=0), yes_no("b", show_if={"question": "a", "equals": "yes"}),
                 yes_no("c", show_if={"question": "b", "equals": "yes"}))
    hidden = score(*questions, answers={"a": "no", "b": "yes", "c": "no"})
    assert hidden.cx is None
    shown = score(*questions, answers={"a": "yes", "b": "yes", "c": "no"})
    assert shown.cx == 50.0


def test_show_if_on_a_question_of_another_channel_is_never_shown():
    doc = questionnaire_doc(yes_no("a"), channels=["in_store", "online"])
    doc["sections"][0]["channels"] = ["in_store"]
    doc["sections"].append({"id": "b", "title": "B", "questions": [
        yes_no("follow", show_if={"question": "a", "equals": "yes"}), yes_no("z")]})
    result = score_visit(parse_questionnaire(doc), {"a": "yes", "follow": "no", "z": "yes"},
                         "online")
    assert result.cx == 100.0


# Critical questions (section 4)
def critical_questions():
    return (yes_no("greet", weight=2, dimension="service"),
            yes_no("safe", weight=1, critical=True, allow_na=True),
            scale("clean", weight=1))


def test_critical_failure_zeroes_headlines_but_not_sections():
    result = score(*critical_questions(), answers={"greet": "yes", "safe": "no", "clean": 5})
    assert (result.cx, result.service, result.experience) == (0.0, 0.0, 0.0)
    assert result.sections == {"main": 75.0}
    assert result.critical_failures == ("safe",)


def test_critical_failure_leaves_null_headlines_null():
    result = score(yes_no("safe", critical=True), answers={"safe": "no"})
    assert (result.cx, result.service, result.experience) == (0.0, None, 0.0)


def test_critical_passed_or_na_is_not_a_failure():
    passed = score(*critical_questions(), answers={"greet": "yes", "safe": "yes", "clean": 1})
    assert passed.critical_failures == () and passed.cx == 75.0
    na = score(*critical_questions(), answers={"greet": "yes", "safe": "na", "clean": 1})
    assert na.critical_failures == () and na.cx == pytest.approx(100 * 2 / 3)


def test_critical_failure_of_a_scale_is_its_minimum():
    result = score(scale("s", critical=True), yes_no("y"), answers={"s": 1, "y": "yes"})
    assert result.critical_failures == ("s",) and result.cx == 0.0
    assert score(scale("s", critical=True), answers={"s": 2}).critical_failures == ()


def test_critical_failures_are_listed_in_questionnaire_order():
    questions = (choice("b", critical=True), number("a", critical=True), yes_no("c"))
    result = score(*questions, answers={"a": 60, "b": "poor", "c": "yes"})
    assert result.critical_failures == ("b", "a")


def test_hidden_critical_question_cannot_fail():
    result = score(yes_no("a", weight=0),
                   yes_no("b", critical=True, show_if={"question": "a", "equals": "yes"}),
                   yes_no("c"), answers={"a": "no", "b": "no", "c": "yes"})
    assert result.critical_failures == () and result.cx == 100.0


def test_critical_with_weight_zero_never_counts():
    result = score(yes_no("a", critical=True, weight=0), yes_no("c"),
                   answers={"a": "no", "c": "yes"})
    assert result.critical_failures == () and result.cx == 100.0


# The explanation: "why this score"
def test_explanation_accounts_for_every_question():
    questionnaire = parse_questionnaire(read_document(SPEC_EXAMPLES / "retail.yaml"))
    visits = json.loads((SPEC_EXAMPLES / "retail-visits.json").read_text())
    v2 = visits[1]
    result = score_visit(questionnaire, v2["answers"], v2["channel"], explain=True)
    by_question = {e.question: e for e in result.explanation}
    assert [e.question for e in result.explanation] == [q.id for q in questionnaire.questions]
    assert {q: e.status for q, e in by_question.items()} == {
        "greeted": "counted", "wait_minutes": "counted", "store_clean": "counted",
        "found_product": "hidden", "site_speed": "hidden", "asked_needs": "not_applicable",
        "pushy": "counted", "had_problem": "weight_zero", "return_policy_correct": "counted",
        "checkout_ease": "counted", "receipt_photo": "unanswered", "comments": "unanswered",
    }
    wait = by_question["wait_minutes"]
    assert (wait.answer, wait.fraction, wait.earned, wait.possible) == (4, 0.5, 1.0, 2.0)
    pushy = by_question["pushy"]
    assert (pushy.fraction, pushy.earned, pushy.possible) == (0.0, 0.0, 1.0)
    earned = sum(e.earned for e in result.explanation)
    possible = sum(e.possible for e in result.explanation)
    assert 100 * earned / possible == pytest.approx(result.cx)  # 6.4 / 13
    assert earned == pytest.approx(6.4) and possible == 13


def test_explanation_marks_critical_failures_and_normalises_booleans():
    questionnaire = parse_questionnaire(questionnaire_doc(
        yes_no("safe", critical=True), text("t", required=False), photo("p", required=False)))
    result = score_visit(questionnaire, {"safe": False, "t": "Dirty floor"}, explain=True)
    safe, note, picture = result.explanation
    assert (safe.status, safe.answer, safe.critical_failure) == ("counted", "no", True)
    assert (note.status, note.answer, note.weight) == ("not_scored", "Dirty floor", 0.0)
    assert picture.status == "unanswered"


def test_scores_without_explanation_by_default():
    assert score(yes_no("q"), answers={"q": "yes"}).explanation is None


def test_inputs_are_not_changed():
    questionnaire = parse_questionnaire(questionnaire_doc(yes_no("a"), yes_no("b")))
    answers = {"a": True, "b": "no"}
    score_visit(questionnaire, answers, explain=True)
    assert answers == {"a": True, "b": "no"}


# --- visibility of an unfinished visit (what the form shows first) ---------------------

VISIBILITY = parse_questionnaire({
    "id": "vis", "title": "Visibility", "channels": ["in_store", "online"],
    "sections": [
        {"id": "store", "title": "Store", "channels": ["in_store"], "questions": [
            {"id": "problem", "text": "Problem?", "type": "yes_no", "allow_na": True},
            {"id": "solved", "text": "Solved?", "type": "yes_no",
             "show_if": {"question": "problem", "equals": "yes"}},
            {"id": "how", "text": "How?", "type": "text", "weight": 0,
             "show_if": {"question": "solved", "equals": "yes"}},
            {"id": "mood", "text": "Mood", "type": "scale",
             "show_if": {"question": "problem", "in": ["no", "na"]}},
        ]},
        {"id": "web", "title": "Web", "channels": ["online"], "questions": [
            {"id": "site", "text": "Site?", "type": "yes_no"}]},
    ]})


@pytest.mark.parametrize(("answers", "channel", "expected"), [
    ({}, "in_store", {"problem"}),
    ({"problem": "yes"}, "in_store", {"problem", "solved"}),
    ({"problem": True, "solved": True}, "in_store", {"problem", "solved", "how"}),
    ({"problem": "no", "solved": "yes"}, "in_store", {"problem", "mood"}),  # chain broken
    ({"problem": "maybe"}, "in_store", {"problem"}),  # unfinished and unvalidated
    ({"problem": "na"}, "in_store", {"problem", "mood"}),
    ({}, "online", {"site"}),
    ({"problem": "yes"}, "phone", set()),
])
def test_visible_questions_of_an_unfinished_visit(answers, channel, expected):
    assert visible_questions(VISIBILITY, answers, channel) == expected
