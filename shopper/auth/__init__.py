"""Log-in, roles, and who may see what; the blueprint is in `views`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .session import load_user

    app.before_request(load_user)
