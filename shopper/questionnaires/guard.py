"""A published (or retired) questionnaire version never changes, whatever code tries:
the visits answered against it must keep meaning what they meant."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlmodel import Session

from ..exceptions import InvalidInput
from ..models import Questionnaire


def _refuse_changes_to_published(session, _flush_context, _instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, Questionnaire):
            continue
        state = inspect(obj)
        status = state.attrs.status.history
        was = (status.deleted or status.unchanged or [obj.status])[0]
        if was == "draft":
            continue
        for name in ("document", "key", "version", "title"):
            if state.attrs[name].history.has_changes():
                raise InvalidInput(name, _l(
                    "%(key)s version %(version)d is %(status)s and cannot change; make a new "
                    "version instead.", key=obj.key, version=obj.version, status=was))


def guard_published_versions() -> None:
    """Install the guard on every session (once per process; `create_app` calls it)."""
    if not event.contains(Session, "before_flush", _refuse_changes_to_published):
        event.listen(Session, "before_flush", _refuse_changes_to_published)
