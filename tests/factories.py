"""Plain functions that build test data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The spec's worked examples: the shared copy when it sits beside the project (as in
#: CI), else the copy kept in tests/fixtures/spec.
SPEC_EXAMPLES = next(
    p for p in (ROOT.parent / "shared" / "spec" / "examples", ROOT / "tests" / "fixtures" / "spec")
    if (p / "retail.yaml").exists()
)


def questionnaire_doc(*questions: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A valid questionnaire document with one section holding `questions`."""
    if not questions:
        questions = ({"id": "q1", "text": "Q1", "type": "yes_no"},)
    doc: dict[str, Any] = {
        "id": "test",
        "title": "Test",
        "sections": [{"id": "main", "title": "Main", "questions": [dict(q) for q in questions]}],
    }
    doc.update(top)
    return copy.deepcopy(doc)


def yes_no(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "yes_no", **extra}


def scale(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "scale", **extra}


def choice(qid: str, **extra: Any) -> dict[str, Any]:
    options = [{"value": "good", "label": "Good", "score": 1},
               {"value": "fair", "label": "Fair", "score": 0.4},
               {"value": "poor", "label": "Poor", "score": 0}]
    return {"id": qid, "text": qid, "type": "choice", "options": options, **extra}


def number(qid: str, **extra: Any) -> dict[str, Any]:
    bands = [{"max": 2, "score": 1}, {"max": 5, "score": 0.5}, {"score": 0}]
    return {"id": qid, "text": qid, "type": "number", "bands": bands, **extra}


def text(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "text", **extra}


def photo(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "photo", **extra}
