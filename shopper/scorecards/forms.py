"""The scorecards' one form: a client's target score (admins)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class TargetForm(FlaskForm):
    #: Read in the admin's locale (80,5 in German) by the service.
    target = StringField(_l("Target score"), render_kw={"inputmode": "decimal",
                                                         "autocomplete": "off"})
