"""Questionnaire versions: the cached parse of a published one, and the guard."""

from __future__ import annotations

import pytest

from shopper.exceptions import InvalidInput
from shopper.questionnaires import import_questionnaire, parse_stored, questionnaire_of
from tests.factories import questionnaire_doc, yes_no


def test_a_published_version_is_parsed_once_per_process(session):
    row, _ = import_questionnaire(session=session, document=questionnaire_doc())
    session.commit()
    first = parse_stored(row)
    assert parse_stored(row) is first  # and with it the engine's scoring plan
    again, parsed = questionnaire_of(session=session, questionnaire_id=row.id)
    assert again.id == row.id and parsed is first


def test_a_draft_is_parsed_each_time_it_may_still_change(session):
    row, _ = import_questionnaire(session=session, document=questionnaire_doc(), publish=False)
    first = parse_stored(row)
    import_questionnaire(session=session, publish=False, document=questionnaire_doc(
        yes_no("q1"), yes_no("q2")))
    assert [q.id for q in first.questions] == ["q1"]
    assert [q.id for q in parse_stored(row).questions] == ["q1", "q2"]


def test_a_published_version_cannot_change_whatever_code_tries(session):
    row, _ = import_questionnaire(session=session, document=questionnaire_doc())
    session.commit()
    row.title = "Something else"
    session.add(row)
    with pytest.raises(InvalidInput) as raised:
        session.flush()
    assert raised.value.field == "title"
