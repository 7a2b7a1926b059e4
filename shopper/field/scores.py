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
    return {
        "scores": dict(visit_scores_document(scores)),  # the row owns its document
        "explanation": explanation_document(scores),
        "cx": scores.cx,
        "service": scores.service,
        "experience": scores.experience,
        "critical_failure": bool(scores.critical_failures),
    }


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
