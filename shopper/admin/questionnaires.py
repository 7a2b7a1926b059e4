"""Questionnaire versions. A published version never changes: a new version is made."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect
from sqlmodel import Session, select

from ..exceptions import InvalidInput, NotFound
from ..models import Questionnaire, utcnow
from ..scoring import Questionnaire as ParsedQuestionnaire
from ..scoring import QuestionnaireError, localized, parse_questionnaire, to_document


def import_questionnaire(
    *, session: Session, document: Any, publish: bool = True
) -> tuple[Questionnaire, bool]:
    """Store a questionnaire document as the version it names.

    Returns the row and whether anything changed. The same document again changes
    nothing; a different document under a published version is refused.
    """
    try:
        parsed = parse_questionnaire(document)
    except QuestionnaireError as error:
        raise InvalidInput("document", str(error)) from None
    normalised = to_document(parsed)
    existing = session.exec(select(Questionnaire).where(
        Questionnaire.key == parsed.id, Questionnaire.version == parsed.version)).first()
    if existing is not None:
        if existing.document == normalised:
            if publish and existing.status == "draft":
                _publish(existing)
                session.add(existing)
                session.flush()
                return existing, True
            return existing, False
        if existing.status != "draft":
            latest = session.exec(select(func.max(Questionnaire.version))
                                  .where(Questionnaire.key == parsed.id)).one()
            raise InvalidInput("version", _l(
                "%(key)s version %(version)d is %(status)s and cannot change; import the "
                "changes as version %(next)d.", key=parsed.id, version=parsed.version,
                status=existing.status, next=latest + 1))
        existing.document = normalised
        existing.title = localized(parsed.title)
        if publish:
            _publish(existing)
        session.add(existing)
        session.flush()
        return existing, True
    row = Questionnaire(key=parsed.id, version=parsed.version, title=localized(parsed.title),
                        document=normalised)
    if publish:
        _publish(row)
    session.add(row)
    session.flush()
    return row, True


def _publish(row: Questionnaire) -> None:
    row.status = "published"
    row.published_at = utcnow()


def find_questionnaire(*, session: Session, key: str, version: int | None = None
                       ) -> Questionnaire:
    """A version of questionnaire `key` (the latest published when no version is given)."""
    query = select(Questionnaire).where(Questionnaire.key == key)
    if version is None:
        query = query.where(Questionnaire.status == "published")
    else:
        query = query.where(Questionnaire.version == version)
    row = session.exec(query.order_by(Questionnaire.version.desc())).first()
    if row is None:
        raise NotFound(f"questionnaire {key}" + (f" version {version}" if version else ""))
    return row


def parsed(row: Questionnaire) -> ParsedQuestionnaire:
    """The engine's view of a stored questionnaire (validated when it was stored)."""
    return parse_questionnaire(row.document)


def _refuse_changes_to_published(session, _flush_context, _instances) -> None:
    """A published (or retired) version never changes, whatever code tries: the visits
    answered against it must keep meaning what they meant."""
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
    if not event.contains(Session, "before_flush", _refuse_changes_to_published):
        event.listen(Session, "before_flush", _refuse_changes_to_published)
