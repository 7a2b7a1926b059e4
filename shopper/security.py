"""CSRF on every form and browser API write, and the response headers of every page."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_wtf.csrf import CSRFProtect

from .db import SAFE_METHODS

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_set_headers)


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
