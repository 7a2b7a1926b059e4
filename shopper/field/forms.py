"""The visit form, built from the questionnaire (after Indico's make_survey_form).

One field per question, named `q-<question id>`, in journey order; the engine, not the
form, decides what is valid, and its problems come back as field errors in the
shopper's language. The same form serves the plain HTML post (no JavaScript) and the
enhanced page, whose script submits through the API instead.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..scoring import Question, Questionnaire, Section, localized

FIELD_PREFIX = "q-"

YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}
NOT_APPLICABLE = _l("N/A")


class VisitFormBase(FlaskForm):
    """What every visit form carries besides its questions."""

    visit_uuid = HiddenField()
    started_at = HiddenField()
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
    position_status = HiddenField()


def field_name(question: Question) -> str:
    return FIELD_PREFIX + question.id


def visible_sections(questionnaire: Questionnaire, channel: str) -> list[Section]:
    """The sections a visit on `channel` shows (the others are never rendered)."""
    return [s for s in questionnaire.sections if channel in questionnaire.section_channels(s)]


def build_visit_form(questionnaire: Questionnaire, channel: str, locale: str,
                     **form_kwargs: Any) -> VisitFormBase:
    """A FlaskForm with one field per question shown on `channel`."""

    class VisitForm(VisitFormBase):
        pass

    for section in visible_sections(questionnaire, channel):
        for question in section.questions:
            label = localized(question.text, locale)
            setattr(VisitForm, field_name(question), _field_for(question, label, locale))
            if question.type == "photo":
                # Photos already stored (uploaded earlier, or by the page's script).
                setattr(VisitForm, field_name(question) + "-refs", HiddenField())
            if question.allow_na and question.type in ("number", "photo"):
                setattr(VisitForm, field_name(question) + "-na", BooleanField(NOT_APPLICABLE))
    return VisitForm(**form_kwargs)


def _field_for(question: Question, label: str, locale: str):
    na = [SelectChoice("na", NOT_APPLICABLE)] if question.allow_na else []
    if question.type == "yes_no":
        return RadioField(label, choices=[SelectChoice("yes", YES_NO_LABELS["yes"]),
                                          SelectChoice("no", YES_NO_LABELS["no"]), *na],
                          validate_choice=False)
    if question.type == "scale":
        choices = [SelectChoice(str(v), str(v)) for v in range(question.min, question.max + 1)]
        return RadioField(label, choices=[*choices, *na], validate_choice=False)
    if question.type == "choice":
        choices = [SelectChoice(o.value, localized(o.label, locale)) for o in question.options]
        return RadioField(label, choices=[*choices, *na], validate_choice=False)
    if question.type == "number":
        return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"})
    if question.type == "text":
        return TextAreaField(label, render_kw={"rows": 3})
    return MultipleFileField(label)


def answers_from_form(form: VisitFormBase, questionnaire: Questionnaire, channel: str,
                      locale: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers in a posted form, and the questions whose input could not be read
    (a number that is no number), as `{question id: message}`."""
    answers: dict[str, Any] = {}
    unreadable: dict[str, Any] = {}
    for section in visible_sections(questionnaire, channel):
        for question in section.questions:
            field = form[field_name(question)]
            na_field = form._fields.get(field_name(question) + "-na")
            if na_field is not None and na_field.data:
                answers[question.id] = "na"
                continue
            if question.type == "photo":
                refs = [r for r in (form[field_name(question) + "-refs"].data or "").split()
                        if r]
                if refs:
                    answers[question.id] = refs
                continue
            raw = field.data
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            raw = raw.strip() if question.type != "text" else raw
            if raw == "na" or question.type in ("yes_no", "choice", "text"):
                answers[question.id] = raw
            elif question.type == "scale":
                answers[question.id] = int(raw) if raw.lstrip("-").isdigit() else raw
            else:
                number = _parse_number(raw, locale)
                if number is None:
                    unreadable[question.id] = _l("Enter a number, like 4 or 4.5.")
                else:
                    answers[question.id] = number
    return answers, unreadable


def _parse_number(raw: str, locale: str) -> int | float | None:
    for candidate_locale in (locale, "en"):
        try:
            # strict: "4.5" on a German phone is not forty-five
            value = parse_decimal(raw, locale=candidate_locale, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
        return _plain_number(value)
    # A decimal comma on a phone set to English ("2,5"): one separator, read as decimal.
    if raw.count(",") == 1 and "." not in raw:
        try:
            return _plain_number(Decimal(raw.replace(",", ".")))
        except InvalidOperation:
            return None
    return None


def _plain_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def error_message(question: Question, engine_message: str):
    """The engine's problem with an answer, in words a shopper reads (translated)."""
    if engine_message == "required":
        return _l("Answer this question.")
    if engine_message.startswith("not applicable"):
        return _l("“Not applicable” is not allowed for this question.")
    if engine_message.endswith("above every band"):
        return _l("This number is higher than the question allows.")
    if engine_message.startswith("photo "):
        return _l("A photo did not arrive; add it again.")
    by_type = {
        "yes_no": _l("Choose yes or no."),
        "choice": _l("Choose one of the options."),
        "number": _l("Enter a number of 0 or more."),
        "text": _l("Enter text."),
        "photo": _l("Add photos only."),
    }
    if question.type == "scale":
        return _l("Choose a whole number from %(low)d to %(high)d.", low=question.min,
                  high=question.max)
    return by_type[question.type]
