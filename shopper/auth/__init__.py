"""Log-in, roles, and who may see what."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from .session import load_user

    app.before_request(load_user)


from . import views  # noqa: E402, F401  (routes on bp)
