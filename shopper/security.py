"""CSRF on every form and browser API write, and the response headers of every page."""

from __future__ import annotations

import orjson
from flask import Flask, abort, current_app, request, session
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from .db import SAFE_METHODS

csrf = CSRFProtect()


#: The largest id a path or a query may name: PostgreSQL's integer (int4) ends here,
#: and a bigger number would fail in the database instead of naming nothing.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id too large for the database is no route (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested too deep to parse is malformed input
    (400), not a RecursionError (500), and that the API's answers are written by orjson
    (the same document, keys sorted, several times faster; dates still go through
    Flask's `default`). Pages' `tojson` keeps the standard library's dumps."""

    _OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)

    def response(self, *args, **kwargs):
        if self._app.debug or self.compact is False:
            return super().response(*args, **kwargs)  # indented for a reader
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self._OPTIONS)
        except TypeError:  # past what orjson writes (an integer beyond 64 bits)
            return super().response(*args, **kwargs)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None


def init_app(app: Flask) -> None:
    """Called before the blueprints are registered: their routes get IdConverter."""
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    csrf.init_app(app)
    app.before_request(_refuse_malformed)
    app.before_request(_check_csrf)
    app.after_request(_set_headers)


def _refuse_malformed() -> None:
    """400 for what no page or API call can mean and the database cannot hold: a NUL
    byte in the path, the query or a form field (PostgreSQL refuses NUL in text), and a
    form part with no name."""
    query = request.query_string
    if "\x00" in request.path or b"\x00" in query or b"%00" in query.lower():
        abort(400)
    if request.method in SAFE_METHODS or request.mimetype not in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        return
    form, files = request.form, request.files
    if None in form or None in files or "" in form or any(
            "\x00" in key or "\x00" in value for key, values in form.lists()
            for value in values):
        abort(400)


def _check_csrf() -> None:
    """Check the CSRF token of every unsafe request, except API calls authenticated by a
    bearer token (a token is not sent by the browser on its own, so it cannot be forged
    by another site the way a cookie can) and anonymous API calls (nothing to forge)."""
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # safe, or going to be a 404/405 anyway
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if request.path.startswith("/api/") and "user_id" not in session:
        # No session user and no token: the request carries no credential another site
        # could borrow, so a token adds nothing, and every API write is login_required,
        # which answers 401 (after load_user, which runs after this hook). Answering 400
        # here would tell a script its token is missing as if its body were bad. HTML
        # forms keep the check even when anonymous: the log-in form is where a forged
        # POST would log a victim into the forger's account. An anonymous API write
        # that changes the session (a cookie) must not be added without its own check.
        return
    csrf.protect()


def _set_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'",
    )
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
