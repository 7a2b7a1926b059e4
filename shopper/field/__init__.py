"""The shopper's side: assignments, the visit form, drafts, photos, submission."""

from flask import Blueprint

bp = Blueprint("field", __name__)

from . import views  # noqa: E402, F401
