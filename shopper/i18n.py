"""Languages: English, Spanish, French and German (Flask-Babel 4)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel

babel = Babel()


def select_locale() -> str:
    """The user's chosen language, else the one picked on the log-in page, else the
    browser's best match."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line, jobs: English unless told
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = g.get("user")
    if user is not None and user.locale in languages:
        return user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
