"""Error pages and JSON errors: a person never sees a traceback.

Unexpected errors roll back, get an incident id that is both logged (with the
traceback) and shown, and answer a plain page (or JSON under /api/).
"""

from __future__ import annotations

import uuid

import sqlalchemy
from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as werkzeug_errors
from werkzeug.exceptions import HTTPException, InternalServerError

from .exceptions import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Throttled,
    TooLarge,
    Unprocessable,
)
from .problems import describe, input_message


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


def unprocessable(errors: list[tuple[str, str, str]]) -> Response:
    """422: `(question or field, code, message in the reader's language)` for each
    problem; nothing was stored. The visit form renders its own page instead."""
    if _wants_json():
        response = jsonify(
            error="invalid",
            errors=[{"question": q, "code": code, "message": m} for q, code, m in errors],
            messages=[f"{q}: {m}" for q, _code, m in errors])
        response.status_code = 422
        return response
    return _render(422, _("Check what you sent"), " ".join(f"{q}: {m}" for q, _c, m in errors))


def handle_unprocessable(error: Unprocessable):
    return unprocessable([(p.path, p.code, describe(p)) for p in error.problems])


def handle_invalid_input(error: InvalidInput):
    return unprocessable([(error.field, error.code, input_message(error))])


def handle_conflict(error: Conflict):
    return _render(409, "conflict" if _wants_json() else _("Already done"),
                   str(error) if _wants_json() else
                   _("This was already sent or changed elsewhere. Reload the page to see it "
                     "as it is now."))


def handle_too_large(error: TooLarge):
    limit = current_app.config["PHOTO_MAX_BYTES"] // 1_000_000
    return _render(413, "too_large" if _wants_json() else _("Too large"),
                   _("Photos are limited to %(size)d MB.", size=limit))


def handle_throttled(error: Throttled):
    from .db import close_session

    close_session()
    response = _render(429, "too_many_attempts" if _wants_json() else _("Too many attempts"),
                       _("Too many failed attempts. Try again in %(seconds)d seconds.",
                         seconds=error.retry_after))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def handle_csrf(error: CSRFError):
    return _render(400, _("The form expired"),
                   _("The page was open too long or cookies are blocked. Go back, reload "
                     "the page and try again."))


def _forget_unloaded_user() -> None:
    """After a failed flush the rollback expired g.user, and closing the session detached
    it: reading its language or e-mail for the 500 raised again, and no 500 was answered
    at all. The error is then shown as to a visitor."""
    user = g.get("user")
    if user is not None and sqlalchemy.inspect(user).expired_attributes:
        g.user = None


def handle_unexpected(error: BaseException):
    from .db import close_session

    incident = uuid.uuid4().hex[:12]
    current_app.logger.error("incident %s on %s %s", incident, request.method, request.path,
                             exc_info=error)
    close_session()  # roll back whatever the request had written
    _forget_unloaded_user()
    return _render(500, _("Something went wrong"),
                   _("The error was logged. If it happens again, tell the support team this "
                     "incident number."), incident)


#: Seconds a client is asked to wait when the database does not answer (a restart of
#: PostgreSQL took 2.6 s under load, bench/faults.py).
UNAVAILABLE_RETRY_AFTER = 10


def handle_unavailable(error: BaseException):
    """The database does not answer (refused or dropped connections, a pool with no
    connection free, SQLite still locked after its busy timeout): 503 with Retry-After,
    and an incident logged like any unexpected error. Nothing of the request is kept,
    and the phone keeps the visit in its outbox: the words say so."""
    from .db import close_session

    incident = uuid.uuid4().hex[:12]
    current_app.logger.error("incident %s on %s %s: the database does not answer",
                             incident, request.method, request.path, exc_info=error)
    close_session()
    _forget_unloaded_user()
    response = _render(503, "unavailable" if _wants_json() else _("Try again in a moment"),
                       _("The server cannot reach its database just now. Nothing was saved: "
                         "send it again in a minute (a visit waits in the phone's outbox)."),
                       incident)
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def _database_unavailable(error: sqlalchemy.exc.DBAPIError):
    """A lost connection is 503; any other database error stays a 500."""
    if error.connection_invalidated:
        return handle_unavailable(error)
    return handle_unexpected(error)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    # The project's own exceptions answer as their HTTP twins, with the same words.
    app.register_error_handler(NotFound, lambda e: handle_http(werkzeug_errors.NotFound()))
    app.register_error_handler(PermissionDenied,
                               lambda e: handle_http(werkzeug_errors.Forbidden()))
    app.register_error_handler(Unprocessable, handle_unprocessable)
    app.register_error_handler(InvalidInput, handle_invalid_input)
    app.register_error_handler(Conflict, handle_conflict)
    app.register_error_handler(TooLarge, handle_too_large)
    app.register_error_handler(Throttled, handle_throttled)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(sqlalchemy.exc.DBAPIError, _database_unavailable)
    app.register_error_handler(sqlalchemy.exc.OperationalError, handle_unavailable)
    app.register_error_handler(sqlalchemy.exc.TimeoutError, handle_unavailable)
