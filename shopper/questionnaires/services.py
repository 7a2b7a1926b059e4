"""Questionnaire versions: import, lookup, export, and the engine's parse of a stored one.

A published version never changes (the guard in `guard.py`): a new version is made.
Services flush and never commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

import orjson
import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from ..exceptions import InvalidInput, NotFound
from ..models import Questionnaire, utcnow
from ..scoring import Questionnaire as ParsedQuestionnaire
from ..scoring import QuestionnaireError, localized, parse_questionnaire, to_document

#: How many parsed versions a process keeps; a programme runs a handful at a time.
CACHE_SIZE = 32

_cache: OrderedDict[tuple, ParsedQuestionnaire] = OrderedDict()
_cache_lock = threading.Lock()


def import_questionnaire(
    *, session: Session, document: Any, publish: bool = True
) -> tuple[Questionnaire, bool]:
    """Store a questionnaire document as the version it names.

    Returns the row and whether anything changed. The same document again changes
    nothing; a different document under a published version is refused.
    """
    try:
        candidate = parse_questionnaire(document)
    except QuestionnaireError as error:
        raise InvalidInput("document", str(error)) from None
    normalised = to_document(candidate)
    existing = session.exec(select(Questionnaire).where(
        Questionnaire.key == candidate.id, Questionnaire.version == candidate.version)).first()
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
                                  .where(Questionnaire.key == candidate.id)).one()
            raise InvalidInput("version", _l(
                "%(key)s version %(version)d is %(status)s and cannot change; import the "
                "changes as version %(next)d.", key=candidate.id, version=candidate.version,
                status=existing.status, next=latest + 1))
        existing.document = normalised
        existing.title = localized(candidate.title)
        if publish:
            _publish(existing)
        session.add(existing)
        session.flush()
        return existing, True
    row = Questionnaire(key=candidate.id, version=candidate.version,
                        title=localized(candidate.title), document=normalised)
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


def export_questionnaire(*, session: Session, key: str, version: int | None = None,
                         output: str = "yaml") -> bytes:
    """A stored questionnaire document as YAML or JSON (NotFound when there is none)."""
    document = find_questionnaire(session=session, key=key, version=version).document
    if output == "json":
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def parse_stored(row: Questionnaire) -> ParsedQuestionnaire:
    """The engine's view of a stored questionnaire (validated when it was stored).

    Published and retired versions never change, so their parse (and the scoring plan
    the engine keeps on it) is cached per process, keyed by the row's id and version
    and the moment it was made (a row id is reused only when a database is emptied,
    as the tests do). Drafts are parsed each time: they may still change.
    """
    cached = cached_parse(row.id, row.version, row.created_at, row.status)
    if cached is not None:
        return cached
    questionnaire = parse_questionnaire(row.document)
    if row.status != "draft":
        with _cache_lock:
            _cache[(row.id, row.version, row.created_at)] = questionnaire
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return questionnaire


def cached_parse(row_id: int, version: int, created_at: datetime, status: str
                 ) -> ParsedQuestionnaire | None:
    """The cached parse of the stored row with these columns, if there is one (never
    for a draft): parse_stored without reading the document."""
    if status == "draft":
        return None
    key = (row_id, version, created_at)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
        return cached


def questionnaire_of(*, session: Session, questionnaire_id: int
                     ) -> tuple[Questionnaire, ParsedQuestionnaire]:
    """The stored version with this id, and the engine's (cached) parse of it.

    The document is read only when the parse is not cached (it is the row's bulk)."""
    row = session.get(Questionnaire, questionnaire_id, options=[defer(Questionnaire.document)])
    if row is None:
        raise NotFound(f"questionnaire {questionnaire_id}")
    return row, parse_stored(row)
