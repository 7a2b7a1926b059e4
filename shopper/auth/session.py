"""The logged-in user of a request, and the decorators that require one."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable

from flask import abort, g, redirect, request, session, url_for

from ..db import get_session, reading, view_keeps_reading
from ..models import User
from . import throttle
from .services import user_for_token


def _session_marker(user: User) -> str:
    # Changes when the password does, so that a password change logs out other sessions.
    return user.password_hash[-16:]


def load_user() -> None:
    """Set g.user from the bearer token (API scripts) or the session cookie."""
    g.user = _user_of_request()


def _user_of_request() -> User | None:
    # Read in a transaction of its own, ended once read (the user stays loaded): on
    # SQLite a writing request would otherwise hold the database's write lock while it
    # finds out who it is, not only once it writes. A view that reads first (a visit's
    # submission) goes on in it.
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        db_session = get_session()
        with reading(db_session, keep=view_keeps_reading()):
            # An address guessing tokens is locked out: the right token's look-up says
            # so too, a wrong one is checked before it counts.
            user = user_for_token(session=db_session, token=authorization[7:].strip())
            if user is None:
                throttle.check(db_session)
        if user is None:
            db_session.rollback()
            throttle.record_failure(db_session, kind="token")
            db_session.commit()
        return user
    user_id = session.get("user_id")
    if user_id is None:
        return None
    db_session = get_session()
    with reading(db_session):
        user = db_session.get(User, user_id)
    if (user is None or not user.active
            or not hmac.compare_digest(session.get("marker", ""), _session_marker(user))):
        session.clear()
        return None
    return user


def log_in(user: User) -> None:
    """Start a fresh session for `user` (a new session: no fixation)."""
    locale = session.get("locale")
    session.clear()
    session["user_id"] = user.id
    session["marker"] = _session_marker(user)
    if locale:
        session["locale"] = locale
    session.permanent = True


def log_out() -> None:
    session.clear()


def login_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable:
    """Only these roles; others get 404, so that a page's existence leaks nothing."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator
