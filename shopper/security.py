"""CSRF on every form and browser API write, and the response headers of every page."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

from .db import SAFE_METHODS

csrf = CSRFProtect()



def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_set_headers)


def _check_csrf() -> None:
    """Check the CSRF token of every unsafe request, except API calls authenticated by a
    bearer token: a token is not sent by the browser on its own, so it cannot be forged
    by another site the way a cookie can."""
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # safe, or going to be a 404/405 anyway
    if request.headers.get("Authorization", "").startswith("Bearer "):
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
