"""The visit form, built from the questionnaire (after Indico's make_survey_form).

Each question adds the fields of its type (`questions.py`), in journey order; the
engine, not the form, decides what is valid, and its problems come back as field
errors in the shopper's language. The same form serves the plain HTML post (no
JavaScript) and the enhanced page, whose script submits through the API instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..scoring import Questionnaire, Section
from .questions import UNANSWERED, QuestionField, Unreadable, question_field


class VisitFormBase(FlaskForm):
    """What every visit form carries besides its questions."""

    visit_uuid = HiddenField()
    started_at = HiddenField()
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
    position_status = HiddenField()


@dataclass(frozen=True)
class FormSection:
    """A section of the form as the template shows it."""

    section: Section
    questions: tuple[QuestionField, ...]


def visible_sections(questionnaire: Questionnaire, channel: str) -> list[Section]:
    """The sections a visit on `channel` shows (the others are never rendered)."""
    return [s for s in questionnaire.sections if channel in questionnaire.section_channels(s)]


def build_visit_form(questionnaire: Questionnaire, channel: str, locale: str,
                     **form_kwargs: Any) -> VisitFormBase:
    """A FlaskForm with the fields of every question shown on `channel`.

    The form carries its sections (`form.sections`) and question objects
    (`form.questions`, by question id) for the view and the template.
    """
    sections = tuple(
        FormSection(section, tuple(question_field(q, locale) for q in section.questions))
        for section in visible_sections(questionnaire, channel))

    class VisitForm(VisitFormBase):
        pass

    for section in sections:
        for question in section.questions:
            for name, field in question.unbound_fields().items():
                setattr(VisitForm, name, field)
    form = VisitForm(**form_kwargs)
    form.sections = sections
    form.questions = {q.id: q for section in sections for q in section.questions}
    return form


def answers_from_form(form: VisitFormBase) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers in a posted form, and the questions whose input could not be read
    (a number that is no number), as `{question id: problem code}`."""
    answers: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for question in form.questions.values():
        try:
            value = question.read(form)
        except Unreadable as error:
            unreadable[question.id] = error.code
            continue
        if value is not UNANSWERED:
            answers[question.id] = value
    return answers, unreadable


def prefill(form: VisitFormBase, answers: dict[str, Any]) -> None:
    """Put a draft's (or a returned visit's) answers back into the form."""
    for question in form.questions.values():
        value = answers.get(question.id)
        if value is not None:
            question.prefill(form, value)
