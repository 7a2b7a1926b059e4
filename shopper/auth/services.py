"""Users and passwords. Services flush, never commit; they raise InvalidInput."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..exceptions import InvalidInput
from ..models import ROLES, Client, ManagerRegion, Region, User, utcnow
from . import throttle

MIN_PASSWORD_LENGTH = 8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so that an unknown e-mail and a wrong
    password take the same time. Made on first use, not when the module is imported."""
    return generate_password_hash("not a password: timing equaliser")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # werkzeug's default: scrypt


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; the same work either way."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok or not user.active:
        return None
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    return user


def create_user(
    *,
    session: Session,
    email: str,
    role: str,
    password: str,
    name: str = "",
    client_id: int | None = None,
    region_ids: Iterable[int] = (),
    locale: str | None = None,
) -> User:
    """Create a user; managers get `region_ids`, client viewers a `client_id`."""
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise InvalidInput("email", _l("Enter an e-mail address like name@example.com."))
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise InvalidInput("email", _l("A user with this e-mail address already exists."))
    if role not in ROLES:
        raise InvalidInput("role", _l("Choose one of: %(roles)s.", roles=", ".join(ROLES)))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", _l("Use at least %(count)d characters for the password.",
                                          count=MIN_PASSWORD_LENGTH))
    region_ids = list(region_ids)
    if role == "client":
        if client_id is None or session.get(Client, client_id) is None:
            raise InvalidInput("client", _l("A client viewer needs the client they belong to."))
    elif client_id is not None:
        raise InvalidInput("client", _l("Only client viewers belong to a client."))
    if region_ids and role != "manager":
        raise InvalidInput("regions", _l("Only managers are given regions."))
    for region_id in region_ids:
        if session.get(Region, region_id) is None:
            raise InvalidInput("regions", _l("There is no region %(id)s.", id=region_id))
    user = User(email=email, role=role, name=name.strip(), client_id=client_id,
                password_hash=hash_password(password), locale=locale)
    session.add(user)
    session.flush()
    for region_id in region_ids:
        session.add(ManagerRegion(user_id=user.id, region_id=region_id))
    session.flush()
    return user


def issue_api_token(*, session: Session, user: User) -> str:
    """A new API token for `user` (replacing any older one). Only its hash is stored."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hashlib.sha256(token.encode()).hexdigest()
    session.add(user)
    session.flush()
    return token


#: Asked by every API request: made once (its cache key too), not per request. With
#: the user comes whether the caller's address is locked (one statement, not two).
_USER_BY_TOKEN = select(User, throttle.ADDRESS_LOCKED_FROM).where(
    User.api_token_hash == bindparam("digest"))


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user of an API token; Throttled when the token is right but the
    caller's address is locked (guessing tokens: the caller checks on a wrong one)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = utcnow()
    found = session.execute(_USER_BY_TOKEN, {"digest": digest}
                            | throttle.address_parameters(now)).first()
    if found is None:
        return None
    user, locked_from = found
    throttle.check_address_lock(locked_from, now)
    return user if user.active else None


def managed_region_ids(*, session: Session, user: User) -> list[int]:
    return list(session.exec(
        select(ManagerRegion.region_id).where(ManagerRegion.user_id == user.id)
    ))
