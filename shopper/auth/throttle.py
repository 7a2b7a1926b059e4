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
from sqlalchemy import bindparam, delete, func
from sqlmodel import Session, select

from ..exceptions import Throttled
from ..models import AuthFailure, utcnow

ACCOUNT_LIMIT, ACCOUNT_WINDOW = 5, timedelta(minutes=1)
ADDRESS_LIMIT, ADDRESS_WINDOW = 100, timedelta(minutes=10)
#: Failures older than this are deleted as new ones come.
KEPT = timedelta(days=1)


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _nth_latest(column, limit: int):
    """The moment of the limit-th latest failure of `column == :value` since `:since`:
    one row or none, a Core statement (every API request asks it)."""
    table = AuthFailure.__table__
    return (select(table.c.at).where(column == bindparam("value"),
                                     table.c.at > bindparam("since"))
            .order_by(table.c.at.desc()).offset(limit - 1).limit(1))


_NTH_LATEST = {"address": _nth_latest(AuthFailure.__table__.c.address, ADDRESS_LIMIT),
               "account": _nth_latest(AuthFailure.__table__.c.account, ACCOUNT_LIMIT)}
#: The moment from which the address `:value` is locked, or NULL, as a column of another
#: statement (the API's token look-up asks it with the user: one statement, not two).
ADDRESS_LOCKED_FROM = _NTH_LATEST["address"].scalar_subquery().label("address_locked_from")


def address_parameters(now: datetime) -> dict[str, object]:
    """The parameters of ADDRESS_LOCKED_FROM for the caller's address."""
    return {"value": client_address(), "since": now - ADDRESS_WINDOW}


def _seconds_left(moment: datetime | None, window: timedelta, now: datetime) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (moment + window - now).total_seconds())


def check_address_lock(locked_from: datetime | None, now: datetime) -> None:
    """Throttled when ADDRESS_LOCKED_FROM, as read at `now`, says the address is locked."""
    _refuse_while(_seconds_left(locked_from, ADDRESS_WINDOW, now))


def _refuse_while(wait: float) -> None:
    """Throttled for the whole seconds left of a lock, if any."""
    if wait > 0:
        raise Throttled(int(wait) + 1)


def _locked_for(session: Session, kind: str, value: str, window: timedelta,
                now: datetime) -> float:
    """Seconds left of a lock on the address or account `value` (0: not locked): the
    window from its limit-th latest failure."""
    moment = session.connection().execute(
        _NTH_LATEST[kind], {"value": value, "since": now - window}).scalar()
    return _seconds_left(moment, window, now)


def check(session: Session, *, account: str | None = None, now: datetime | None = None
          ) -> None:
    """Throttled when the address, or the account, is locked."""
    now = now or utcnow()
    waits = [_locked_for(session, "address", client_address(), ADDRESS_WINDOW, now)]
    if account:
        waits.append(_locked_for(session, "account", account.lower()[:254], ACCOUNT_WINDOW,
                                 now))
    _refuse_while(max(waits))


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
