"""The review desk's forms: each carries the revision the reviewer was shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput


class ActionForm(FlaskForm):
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class ApproveForm(ActionForm):
    pass


class ReturnForm(ActionForm):
    """Per-question notes come as `note-<question id>` beside it (one per question)."""

    note = TextAreaField(_l("Note to the shopper"), render_kw={"rows": 3})


class EditForm(ActionForm):
    question = SelectField(_l("Question"), validate_choice=False)
    answer = StringField(_l("New answer"))
    reason = TextAreaField(_l("Why it changes"), render_kw={"rows": 2})


class ApproveSelectedForm(FlaskForm):
    """The queue's bulk approval: ticked `visit` boxes, each `<uuid>:<revision>`."""
