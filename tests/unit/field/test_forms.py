"""The question field objects (names, reading, prefill), and the shopper's words for
every problem code."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from shopper.field.forms import answers_from_form, build_visit_form, prefill
from shopper.problems import describe, problem
from shopper.scoring import InvalidAnswers, parse_questionnaire, score_visit
from tests.factories import choice, number, photo, questionnaire_doc, scale, text, yes_no

QUESTIONNAIRE = parse_questionnaire(questionnaire_doc(
    yes_no("y", allow_na=True), scale("s", min=0, max=10), choice("c"),
    number("n", allow_na=True, unit={"en": "minutes", "de": "Minuten"}), text("t"),
    photo("p", allow_na=True, required=False)))


def posted(app, data: dict, locale: str = "en"):
    with app.test_request_context("/", method="POST", data=MultiDict(data)):
        form = build_visit_form(QUESTIONNAIRE, "in_store", locale, meta={"csrf": False})
        return answers_from_form(form)


def test_each_question_owns_its_names(app):
    with app.test_request_context("/"):
        form = build_visit_form(QUESTIONNAIRE, "in_store", "en", meta={"csrf": False})
    names = {field.name for field in form}
    assert {"q-y", "q-s", "q-c", "q-n", "q-n-na", "q-t", "q-p", "q-p-na", "q-p-refs",
            "q-p-remove"} <= names
    assert "q-y-na" not in names  # N/A of a choice is one of its radio buttons
    assert [q.type for q in form.questions.values()] == [
        "yes_no", "scale", "choice", "number", "text", "photo"]


@pytest.mark.parametrize(("data", "locale", "answers", "unreadable"), [
    ({"q-y": "yes", "q-s": "7", "q-c": "fair", "q-n": "4,5", "q-t": "  kind  "}, "de",
     {"y": "yes", "s": 7, "c": "fair", "n": 4.5, "t": "  kind  "}, {}),
    ({"q-n": "1.000"}, "de", {"n": 1000}, {}),
    ({"q-n": "1.000"}, "en", {"n": 1}, {}),
    ({"q-n": "2,5"}, "en", {}, {"n": "not_a_number"}),
    ({"q-n": "ten", "q-y": "na"}, "en", {"y": "na"}, {"n": "not_a_number"}),
    ({"q-n": "3", "q-n-na": "y"}, "en", {"n": "na"}, {}),
    ({"q-p-refs": "a b c", "q-p-remove": "b"}, "en", {"p": ["a", "c"]}, {}),
    ({"q-p-na": "y"}, "en", {"p": "na"}, {}),
    ({"q-t": "   ", "q-n": ""}, "en", {}, {}),
])
def test_posted_values_are_read_by_their_question(app, data, locale, answers, unreadable):
    assert posted(app, data, locale) == (answers, unreadable)


def test_a_draft_is_put_back_in_the_shoppers_language(app):
    with app.test_request_context("/"):
        form = build_visit_form(QUESTIONNAIRE, "in_store", "de", meta={"csrf": False})
        prefill(form, {"y": True, "s": 3, "n": 1234.5, "p": ["r1", "r2"], "t": "ok"})
        assert form["q-y"].data == "yes"
        assert form["q-s"].data == "3"
        assert form["q-n"].data == "1234,5"  # read back by the same rules as it was typed
        assert form["q-p-refs"].data == "r1 r2"
        assert form.questions["n"].unit == "Minuten"
        prefill(form, {"n": "na"})
        assert form["q-n-na"].data is True


def engine_problem(answers: dict):
    with pytest.raises(InvalidAnswers) as raised:
        score_visit(QUESTIONNAIRE, answers, "in_store")
    return raised.value.problems


COMPLETE = {"y": "yes", "s": 5, "c": "good", "n": 1, "t": "fine"}


@pytest.mark.parametrize(("answers", "locale", "expected"), [
    ({**COMPLETE, "y": None}, "en", "Answer this question."),
    ({**COMPLETE, "s": "na"}, "en", "“Not applicable” is not allowed for this question."),
    ({**COMPLETE, "y": "maybe"}, "en", "Choose yes or no."),
    ({**COMPLETE, "s": 11}, "en", "Choose a whole number from 0 to 10."),
    ({**COMPLETE, "c": "great"}, "en", "Choose one of the options."),
    ({**COMPLETE, "n": -1}, "en", "Enter a number of 0 or more."),
    ({**COMPLETE, "t": 5}, "en", "Enter text."),
    ({**COMPLETE, "p": "x"}, "en", "Add photos only."),
    ({**COMPLETE, "y": None}, "de", "Beantworten Sie diese Frage."),
    ({**COMPLETE, "c": "great"}, "fr", "Choisissez l'une des options."),
])
def test_engine_problems_are_translated_by_code(app, answers, locale, expected):
    answers = {k: v for k, v in answers.items() if v is not None}
    found = engine_problem(answers)[0]
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        assert describe(found) == expected


@pytest.mark.parametrize(("code", "params", "locale", "expected"), [
    ("not_a_number", {}, "en", "Enter a number, like 4.5."),
    ("not_a_number", {}, "de", "Geben Sie eine Zahl ein, zum Beispiel 4,5."),
    ("photo_missing", {"ref": "abc"}, "en", "A photo did not arrive; add it again."),
    ("in_future", {}, "en", "This time is in the future: check the phone's clock."),
])
def test_app_problems_are_translated_by_code(app, code, params, locale, expected):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        assert describe(problem("q", code, **params)) == expected
