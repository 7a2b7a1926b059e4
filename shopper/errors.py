"""Error pages and JSON errors: a person never sees a traceback.

Unexpected errors roll back, get an incident id that is both logged (with the
traceback) and shown, and answer a plain page (or JSON under /api/).
"""

from __future__ import annotations

import uuid

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as werkzeug_errors
from werkzeug.exceptions import HTTPException, InternalServerError

from .exceptions import NotFound, PermissionDenied


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(status: int, title: str, message: str, incident: str | None = None) -> Response:
    if _wants_json():
        body = {"error": title, "message": message}
        if incident:
            body["incident"] = incident
        response = jsonify(body)
    else:
        response = make_response(render_template(
            "errors/error.html", status=status, title=title, message=message,
            incident=incident))
    response.status_code = status
    return response


def handle_http(error: HTTPException):
    if isinstance(error, InternalServerError):
        return handle_unexpected(error.original_exception or error)
    messages = {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Log-in needed"), _("Log in to continue.")),
        403: (_("Not allowed"), _("You are not allowed to do this.")),
        404: (_("Page not found"), _("There is nothing here, or it is not yours to see.")),
        405: (_("Not allowed"), _("This address does not accept that method.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
    }
    title, message = messages.get(error.code, (error.name, error.description or ""))
    response = _render(error.code or 500, title, message)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf(error: CSRFError):
    return _render(400, _("The form expired"),
                   _("The page was open too long or cookies are blocked. Go back, reload "
                     "the page and try again."))


def handle_unexpected(error: BaseException):
    from .db import close_session

    incident = uuid.uuid4().hex[:12]
    current_app.logger.error("incident %s on %s %s", incident, request.method, request.path,
                             exc_info=error)
    close_session()  # roll back whatever the request had written
    return _render(500, _("Something went wrong"),
                   _("The error was logged. If it happens again, tell the support team this "
                     "incident number."), incident)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    # The project's own exceptions answer as their HTTP twins, with the same words.
    app.register_error_handler(NotFound, lambda e: handle_http(werkzeug_errors.NotFound()))
    app.register_error_handler(PermissionDenied,
                               lambda e: handle_http(werkzeug_errors.Forbidden()))
    app.register_error_handler(Exception, handle_unexpected)
