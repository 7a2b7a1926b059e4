"""Problems in the reader's language, by code.

The engine reports every problem with a stable `code` and its parameters
(`scoring.Problem`); the web form and the API translate it here by that code, never
by reading the English. The app adds a few codes of its own (a photo that did not
arrive, a channel that is not the location's, a time with no zone); their English
words are in `APP_TEMPLATES`.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .scoring import Problem

#: English words of the app's own codes (the engine's are in scoring.problems).
APP_TEMPLATES = {
    "photo_missing": "photo {ref} is not uploaded yet",
    "photo_too_large": "the photo is too large",
    "photo_unreadable": "not a JPEG, PNG or WebP image",
    "too_many_pixels": "the image has too many pixels",
    "wrong_channel": "must be {expected}, the channel of the location",
    "ends_before_start": "must not be before started_at",
    "not_a_time": "not an ISO 8601 date and time",
    "needs_time_zone": "needs a time zone (e.g. 2026-11-22T10:15:00Z)",
    "in_future": "is in the future",
    "not_a_uuid": "must be a UUID",
    "not_an_integer": "must be a whole number",
    "too_large": "is too large",
    "unknown_field": "unknown field",
    "missing": "required",
    "not_a_date": "must be a date, YYYY-MM-DD",
    "invalid": "is not valid",
}


def problem(path: str, code: str, **params: Any) -> Problem:
    """A problem of the app's own (or the engine's) code."""
    return Problem(path, code, tuple(params.items()))


def english(found: Problem) -> str:
    """The problem in English, as the API's `message` fallback and the logs say it."""
    template = APP_TEMPLATES.get(found.code)
    if template is not None:
        return template.format_map(found.params_dict)
    try:
        return found.message
    except KeyError:  # a code with no English words: say the code
        return found.code.replace("_", " ")


def _example_number() -> str:
    return format_decimal(4.5, locale=get_locale())


#: code -> the words a shopper reads (lazy: in the reader's language when shown).
_WORDS: dict[str, Any] = {
    "required": _l("Answer this question."),
    "not_allowed_na": _l("“Not applicable” is not allowed for this question."),
    "expected_yes_no": _l("Choose yes or no."),
    "not_an_option": _l("Choose one of the options."),
    "above_every_band": _l("This number is higher than the question allows."),
    "expected_text": _l("Enter text."),
    "expected_photo_refs": _l("Add photos only."),
    "unknown_question": _l("There is no such question in this questionnaire."),
    "unknown_channel": _l("Choose one of the questionnaire's channels."),
    "not_a_map": _l("Send the answers as a map of question id to answer."),
    "photo_missing": _l("A photo did not arrive; add it again."),
    "photo_too_large": _l("This photo is too large."),
    "photo_unreadable": _l("This file is not a JPEG, PNG or WebP photo."),
    "too_many_pixels": _l("This picture is too large to read: take the photo again or "
                          "send a smaller one."),
    "wrong_channel": _l("This visit is not on the location's channel."),
    "ends_before_start": _l("The visit cannot end before it started."),
    "not_a_time": _l("This is not a date and time (ISO 8601, like 2026-11-22T10:15:00Z)."),
    "needs_time_zone": _l("The time needs a time zone, like 2026-11-22T10:15:00Z."),
    "in_future": _l("This time is in the future: check the phone's clock."),
    "missing": _l("This is required."),
    "not_a_date": _l("Give a date as YYYY-MM-DD."),
    "not_a_uuid": _l("This is not a UUID."),
    "not_an_integer": _l("Give a whole number."),
    "too_large": _l("This number is too large."),
    "unknown_field": _l("This field is not part of a visit."),
}


def _out_of_range(found: Problem) -> str:
    if found.param("max") is None:
        return _l("Enter a number of 0 or more.")  # numbers: the engine's only open range
    return _l("Choose a whole number from %(low)d to %(high)d.", low=found.param("min"),
              high=found.param("max"))


#: Words with the problem's values in them.
_WORDS_WITH_VALUES = {
    "out_of_range": _out_of_range,
    "not_a_number": lambda found: _l("Enter a number, like %(example)s.",
                                     example=_example_number()),
}


def has_words(code: str) -> bool:
    """Whether `code` has words of its own here (else the problem's message is used)."""
    return code in _WORDS or code in _WORDS_WITH_VALUES


def describe(found: Problem) -> str:
    """The problem in the reader's language (the request's locale)."""
    if found.code in _WORDS_WITH_VALUES:
        return str(_WORDS_WITH_VALUES[found.code](found))
    if found.code in _WORDS:
        return str(_WORDS[found.code])
    return english(found)


def input_message(error) -> str:
    """The words of an InvalidInput: the message it was raised with when that is
    translatable (the service said exactly what is wrong), else its code's words, else
    the message as it is."""
    if isinstance(error.message, LazyString) or not has_words(error.code):
        return str(error.message)
    return describe(problem(error.field, error.code))
