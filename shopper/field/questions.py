"""One class per question type: its form fields and their names, reading what was
posted in the shopper's language, putting a draft back, and what the template needs
(after Indico's `create_wtf_field` per field type).

The plain HTML post, the page's script (which reads numbers by the same rules, with
the separators this module hands to the page) and the prefill of a draft all go
through these classes, so a question's names are written once.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from ..scoring import Question, localized
from ..scoring.questionnaire import NA
from .numbers import NotANumber, read_number

PREFIX = "q-"
NOT_APPLICABLE = _l("N/A")


class Unreadable(ValueError):
    """What was typed cannot be read as an answer (a number that is no number): the
    shopper is asked again. `code` names the problem."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


#: Nothing was answered (distinct from None, which no answer ever is).
UNANSWERED = object()


class QuestionField:
    """A question of the visit form. Subclasses say which fields it has."""

    #: The question type this class serves (spec/scoring.md section 1).
    type: ClassVar[str]
    #: N/A is a separate check box (number, photo), not one of the choices.
    na_box: ClassVar[bool] = False

    def __init__(self, question: Question, locale: str):
        self.question = question
        self.locale = locale

    # --- names ------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def name(self) -> str:
        """The name of the question's main input."""
        return PREFIX + self.question.id

    @property
    def na_name(self) -> str:
        return self.name + "-na"

    @property
    def label(self) -> str:
        return localized(self.question.text, self.locale)

    # --- the form ---------------------------------------------------------------------

    def unbound_fields(self) -> dict[str, Any]:
        """The WTForms fields this question adds to the form class, by name."""
        fields = {self.name: self.main_field()}
        if self.na_box and self.question.allow_na:
            fields[self.na_name] = BooleanField(NOT_APPLICABLE)
        return fields

    def main_field(self):
        raise NotImplementedError

    def parts(self, form) -> dict[str, Any]:
        """The bound fields the template renders: `field` and, when there is one, `na`."""
        parts = {"field": form[self.name]}
        if self.na_name in form:
            parts["na"] = form[self.na_name]
        return parts

    def na_checked(self, form) -> bool:
        if self.na_name in form and form[self.na_name].data:
            return True
        return form[self.name].data == NA

    # --- reading and prefilling -------------------------------------------------------

    def read(self, form) -> Any:
        """The answer posted in `form` (UNANSWERED when none); raises Unreadable."""
        if self.na_checked(form):
            return NA
        raw = form[self.name].data
        if raw is None or not str(raw).strip():
            return UNANSWERED
        return self.parse(str(raw).strip())

    def parse(self, raw: str) -> Any:
        return raw

    def prefill(self, form, value: Any) -> None:
        """Put a stored answer (a draft's, a returned visit's) back into the form."""
        if value == NA and self.na_name in form:
            form[self.na_name].data = True
            return
        form[self.name].data = self.display(value)

    def display(self, value: Any) -> str:
        return str(value)


class _Choices(QuestionField):
    """Radio buttons; N/A, where allowed, is the last of them."""

    def choices(self) -> list[SelectChoice]:
        raise NotImplementedError

    def main_field(self):
        na = [SelectChoice(NA, NOT_APPLICABLE)] if self.question.allow_na else []
        return RadioField(self.label, choices=[*self.choices(), *na], validate_choice=False)


class YesNoField(_Choices):
    type = "yes_no"
    LABELS: ClassVar[dict[str, Any]] = {"yes": _l("Yes"), "no": _l("No")}

    def choices(self):
        return [SelectChoice(value, label) for value, label in self.LABELS.items()]

    def display(self, value):
        if isinstance(value, bool):  # the API takes JSON booleans too
            return "yes" if value else "no"
        return str(value)


class ScaleField(_Choices):
    type = "scale"

    def choices(self):
        return [SelectChoice(str(v), str(v))
                for v in range(self.question.min, self.question.max + 1)]

    def parse(self, raw):
        # ASCII digits only, and few of them: str.isdigit() also takes "²" and strings
        # too long for int(), which raise. What is not a whole number goes to the
        # engine as it was typed, and the engine names it.
        return int(raw) if _WHOLE_NUMBER.fullmatch(raw) else raw


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,15}")


class ChoiceField(_Choices):
    type = "choice"

    def choices(self):
        return [SelectChoice(o.value, localized(o.label, self.locale))
                for o in self.question.options]


class NumberField(QuestionField):
    type = "number"
    na_box = True

    def main_field(self):
        return StringField(self.label)

    @property
    def unit(self) -> str | None:
        return localized(self.question.unit, self.locale) if self.question.unit else None

    def parse(self, raw):
        try:
            value = read_number(raw, self.locale)
        except NotANumber:
            raise Unreadable("not_a_number") from None
        return UNANSWERED if value is None else value

    def display(self, value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_decimal(value, locale=self.locale, group_separator=False)
        return str(value)


class TextField(QuestionField):
    type = "text"

    def main_field(self):
        return TextAreaField(self.label, render_kw={"rows": 3})

    def read(self, form):
        raw = form[self.name].data
        if raw is None or not raw.strip():
            return UNANSWERED
        return raw  # the shopper's words as typed, spaces and all


class PhotoField(QuestionField):
    """Files to upload, the photos already stored (`-refs`, uploaded earlier or by the
    page's script) and the stored ones the shopper removes (`-remove`)."""

    type = "photo"
    na_box = True

    @property
    def refs_name(self) -> str:
        return self.name + "-refs"

    @property
    def remove_name(self) -> str:
        return self.name + "-remove"

    def main_field(self):
        return MultipleFileField(self.label)

    def unbound_fields(self):
        fields = super().unbound_fields()
        fields[self.refs_name] = HiddenField()
        fields[self.remove_name] = SelectMultipleField(choices=[], validate_choice=False)
        return fields

    def parts(self, form):
        return super().parts(form) | {"refs": form[self.refs_name],
                                      "remove": form[self.remove_name]}

    def na_checked(self, form):
        return self.na_name in form and bool(form[self.na_name].data)

    def refs(self, form) -> list[str]:
        """The stored photos the form keeps (those not marked for removal)."""
        removed = set(form[self.remove_name].data or ())
        return [ref for ref in (form[self.refs_name].data or "").split() if ref not in removed]

    def set_refs(self, form, refs: list[str]) -> None:
        form[self.refs_name].data = " ".join(refs)

    def uploads(self, form) -> list:
        """The files posted with the plain form."""
        return [f for f in (form[self.name].data or ()) if f and getattr(f, "filename", "")]

    def read(self, form):
        if self.na_checked(form):
            return NA
        refs = self.refs(form)
        return refs if refs else UNANSWERED

    def prefill(self, form, value):
        if value == NA and self.na_name in form:
            form[self.na_name].data = True
        elif isinstance(value, list):
            self.set_refs(form, [str(ref) for ref in value])


QUESTION_FIELDS: dict[str, type[QuestionField]] = {
    cls.type: cls for cls in (YesNoField, ScaleField, ChoiceField, NumberField, TextField,
                              PhotoField)
}


def question_field(question: Question, locale: str) -> QuestionField:
    """The form field object of `question`."""
    return QUESTION_FIELDS[question.type](question, locale)
