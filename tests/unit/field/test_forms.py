"""Reading the plain form's inputs, and the shopper's words for the engine's problems."""

from __future__ import annotations

import pytest

from shopper.field.forms import _parse_number, error_message
from shopper.scoring import parse_questionnaire
from tests.factories import choice, number, photo, questionnaire_doc, scale, text, yes_no


@pytest.mark.parametrize(("raw", "locale", "expected"), [
    ("4", "en", 4), ("4.5", "en", 4.5), ("4,5", "en", 4.5), ("0", "en", 0),
    ("4,5", "de", 4.5), ("4.5", "de", 4.5), ("1.234,5", "de", 1234.5), ("12,25", "fr", 12.25),
    ("1,234.5", "en", 1234.5), ("ten", "en", None), ("4..5", "en", None), ("", "en", None),
])
def test_numbers_are_read_in_the_shoppers_language(raw, locale, expected):
    value = _parse_number(raw, locale)
    assert value == expected
    if expected is not None:
        assert type(value) is (int if float(expected).is_integer() else float)


QUESTIONS = parse_questionnaire(questionnaire_doc(
    yes_no("y", allow_na=False), scale("s", min=0, max=10), choice("c"), number("n"), text("t"),
    photo("p"))).questions


@pytest.mark.parametrize(("index", "engine_message", "expected"), [
    (0, "required", "Answer this question."),
    (0, "not applicable is not allowed", "“Not applicable” is not allowed for this question."),
    (0, "expected yes or no", "Choose yes or no."),
    (1, "expected integer 0..10", "Choose a whole number from 0 to 10."),
    (2, "expected one of good, fair, poor", "Choose one of the options."),
    (3, "expected a number >= 0", "Enter a number of 0 or more."),
    (3, "60 is above every band", "This number is higher than the question allows."),
    (4, "expected text", "Enter text."),
    (5, "photo 1234 is not uploaded yet", "A photo did not arrive; add it again."),
    (5, "expected a list of photo references", "Add photos only."),
])
def test_engine_problems_in_the_shoppers_words(app, index, engine_message, expected):
    with app.test_request_context("/"):
        assert str(error_message(QUESTIONS[index], engine_message)) == expected
