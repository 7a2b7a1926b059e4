"""Throttling guesses: failed log-ins and API tokens are rows of `auth_failure`, so the
count holds across gunicorn workers and servers (never process memory).

- An account with 5 failures in a minute answers 429 for a minute from its 5th latest
  failure, to everyone and to the right password too.
- An address with 100 failures (log-ins and tokens) in 10 minutes answers 429 likewise;
  other accounts from it are not locked below that.

The address is the socket's, or the one TRUSTED_PROXIES vouch for (ProxyFix).
`shopper users unlock` clears a lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import request
from sqlalchemy import delete, func
from sqlmodel import Session, select

from ..exceptions import Throttled
from ..models import AuthFailure, utcnow

ACCOUNT_LIMIT, ACCOUNT_WINDOW = 5, timedelta(minutes=1)
ADDRESS_LIMIT, ADDRESS_WINDOW = 100, timedelta(minutes=10)
#: Failures older than this are deleted as new ones come.
KEPT = timedelta(days=1)


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _locked_for(session: Session, column, value: str, limit: int, window: timedelta,
                now: datetime) -> float:
    """Seconds left of a lock on `column == value` (0: not locked): the window from the
    limit-th latest failure."""
    moments = session.exec(select(AuthFailure.at).where(column == value,
                                                         AuthFailure.at > now - window)
                           .order_by(AuthFailure.at.desc()).limit(limit)).all()
    if len(moments) < limit:
        return 0.0
    return max(0.0, (moments[-1] + window - now).total_seconds())


def check(session: Session, *, account: str | None = None, now: datetime | None = None
          ) -> None:
    """Throttled when the address, or the account, is locked."""
    now = now or utcnow()
    waits = [_locked_for(session, AuthFailure.address, client_address(), ADDRESS_LIMIT,
                         ADDRESS_WINDOW, now)]
    if account:
        waits.append(_locked_for(session, AuthFailure.account, account.lower()[:254],
                                 ACCOUNT_LIMIT, ACCOUNT_WINDOW, now))
    wait = max(waits)
    if wait > 0:
        raise Throttled(int(wait) + 1)


def record_failure(session: Session, *, kind: str, account: str | None = None) -> None:
    """Keep one failure (the caller commits)."""
    now = utcnow()
    session.add(AuthFailure(kind=kind, account=account.lower()[:254] if account else None,
                            address=client_address(), at=now))
    session.execute(delete(AuthFailure).where(AuthFailure.at < now - KEPT))


def clear(session: Session, *, account: str | None = None, address: str | None = None) -> int:
    """Lift the locks of an account or an address; how many failures were forgotten."""
    count = 0
    for column, value in ((AuthFailure.account, account and account.lower()),
                          (AuthFailure.address, address)):
        if value:
            found = session.exec(select(func.count()).select_from(AuthFailure)
                                 .where(column == value)).one()
            session.execute(delete(AuthFailure).where(column == value))
            count += found
    return count
