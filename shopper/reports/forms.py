"""The reports' forms: a schedule (admins), and the buttons that send, preview and
prepare (a CSRF token each, no JavaScript)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from .. import mail
from ..config import LANGUAGES

FREQUENCY_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly")}
KIND_LABELS = {"rollup": _l("Overview and a page per location"),
               "summary": _l("Overview only")}
LANGUAGE_LABELS = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}
#: Recipients of one schedule, at most.
MAX_RECIPIENTS = 50


def _entries(text: str) -> list[str]:
    return [line.strip() for line in text.replace(";", "\n").replace(",", "\n").splitlines()
            if line.strip()]


def recipient_list(text: str) -> list[str]:
    """The addresses of a recipients box: one per line, or separated by commas or
    semicolons; each checked (mail.InvalidAddress), duplicates dropped, order kept."""
    return list(dict.fromkeys(mail.valid_address(entry).lower() for entry in _entries(text)))


class ScheduleForm(FlaskForm):
    region = SelectField(_l("Scope"), coerce=str)
    recipients = TextAreaField(
        _l("Recipients"), validators=[InputRequired(_l("Give at least one address."))],
        render_kw={"rows": 4, "autocomplete": "off", "spellcheck": "false"})
    frequency = SelectField(_l("Cadence"), choices=[
        SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()])
    day_of_month = IntegerField(
        _l("Day of the month it is sent"),
        validators=[InputRequired(_l("Give a day from 1 to 28.")),
                    NumberRange(1, 28, _l("Give a day from 1 to 28."))],
        render_kw={"inputmode": "numeric"})
    locale = SelectField(_l("Language of the report"), choices=[
        SelectChoice(code, LANGUAGE_LABELS[code]) for code in LANGUAGES])
    kind = SelectField(_l("Report"), choices=[
        SelectChoice(value, label) for value, label in KIND_LABELS.items()])
    active = BooleanField(_l("Send it on its day (active)"), default=True)

    def validate_recipients(self, field) -> None:
        for entry in _entries(field.data or ""):
            try:
                mail.valid_address(entry)
            except mail.InvalidAddress:
                # gettext, not lazy_gettext: Flask-Babel's lazy string passes itself off
                # as markup (its __html__ is the bare text), so the typed address in it
                # would reach the page unescaped.
                raise ValidationError(_("%(address)s is not an e-mail address.",
                                        address=entry[:80])) from None
        addresses = recipient_list(field.data or "")
        if not addresses:
            raise ValidationError(_l("Give at least one address."))
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(_l("At most %(count)d addresses.", count=MAX_RECIPIENTS))
        field.addresses = addresses


class SendForm(FlaskForm):
    """Send now (a schedule's last complete period, or the one chosen)."""

    period = SelectField(_l("Period"), coerce=str)


class ButtonForm(FlaskForm):
    """A button that posts: its CSRF token and nothing else."""


class PrepareForm(FlaskForm):
    client = HiddenField()
    region = HiddenField()
    period = HiddenField()
    kind = HiddenField()


class AccountForm(FlaskForm):
    alerts = BooleanField(_l("E-mail me at once when a visit of my regions with a "
                             "critical failure is approved"))
