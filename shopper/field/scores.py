"""A visit's stored scores, as the engine computes them (the only place they come from)."""

from __future__ import annotations

from typing import Any

from ..models import Visit
from ..scoring import (
    InvalidAnswers,
    Problem,
    Questionnaire,
    VisitScores,
    explanation_document,
    score_visit,
    visit_scores_document,
)


def score_fields(questionnaire: Questionnaire, answers: dict[str, Any], channel: str
                 ) -> dict[str, Any]:
    """The stored-score columns of a visit with these answers, as the engine scores them.

    Raises `InvalidAnswers` (naming each question) when the answers are invalid.
    """
    scores: VisitScores = score_visit(questionnaire, answers, channel, explain=True)
    document = visit_scores_document(scores)
    return {
        # Each score once: the headline scores in their columns (SQL sorts and sums
        # them), the rest of the engine's document here.
        "scores": {key: document[key] for key in DOCUMENT_PARTS},
        "explanation": explanation_document(scores),
        "cx": scores.cx,
        "service": scores.service,
        "experience": scores.experience,
        "critical_failure": bool(scores.critical_failures),
    }


#: The parts of the engine's scores document kept in Visit.scores; cx, service and
#: experience are Visit's columns.
DOCUMENT_PARTS = ("sections", "touchpoints", "critical_failures")


def stored_scores(visit: Visit) -> dict[str, Any] | None:
    """The visit's scores document as the engine made it (spec/scoring.md section 3):
    the headline columns and the stored sections, touchpoints and critical failures."""
    if visit.scores is None:
        return None
    return {"cx": visit.cx, "service": visit.service, "experience": visit.experience,
            **{key: visit.scores.get(key) for key in DOCUMENT_PARTS}}


def answer_problems(questionnaire: Questionnaire, answers: dict[str, Any], channel: str
                    ) -> tuple[Problem, ...]:
    """What the engine finds wrong with these answers, without storing anything."""
    try:
        score_visit(questionnaire, answers, channel)
    except InvalidAnswers as invalid:
        return invalid.problems
    return ()


def apply_scores(visit: Visit, questionnaire: Questionnaire) -> None:
    """Score `visit`'s answers and store the result on it (the engine decides)."""
    for name, value in score_fields(questionnaire, visit.answers, visit.channel).items():
        setattr(visit, name, value)
