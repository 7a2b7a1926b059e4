"""The engine's results as plain JSON-ready documents (spec/scoring.md section 6).

The CLI, the API and stored visit scores all use these shapes, so a score reads the
same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from .aggregate import GroupScorecard, LocationScorecard, Summary
from .change import Change
from .questionnaire import Questionnaire
from .visit import AnswerExplanation, VisitScores


def visit_scores_document(scores: VisitScores) -> dict[str, Any]:
    """`cx`, `service`, `experience`, `sections`, `touchpoints`, `critical_failures`.

    The maps are shared with `scores`, not copied (this runs once per visit in a batch):
    treat the document as read-only, like the scores themselves.
    """
    return {
        "cx": scores.cx,
        "service": scores.service,
        "experience": scores.experience,
        "sections": scores.sections,
        "touchpoints": scores.touchpoints,
        "critical_failures": list(scores.critical_failures),
    }


def explanation_document(scores: VisitScores) -> list[list[Any]]:
    """The explanation of a visit scored with `explain=True`, compact for storage:
    one `[question, status, fraction, earned, possible, critical_failure]` per question.
    `explanation_from_document` expands it again."""
    return [[e.question, e.status, e.fraction, e.earned, e.possible, e.critical_failure]
            for e in scores.explanation or ()]


def explanation_from_document(
    rows: list[list[Any]], questionnaire: Questionnaire, answers: dict[str, Any]
) -> tuple[AnswerExplanation, ...]:
    """Stored explanation rows back into `AnswerExplanation`s, with what the questionnaire
    and the answers add (section, touchpoint, dimension, weight, answer)."""
    entries = []
    for question_id, status, fraction, earned, possible, failed in rows:
        question = questionnaire.question(question_id)
        answer = answers.get(question_id)
        if question.type == "yes_no" and type(answer) is bool:
            answer = "yes" if answer else "no"
        entries.append(AnswerExplanation(
            question=question_id, section=question.section, touchpoint=question.touchpoint,
            dimension=question.dimension, status=status, answer=answer,
            weight=question.weight if question.scored else 0.0, fraction=fraction,
            earned=earned, possible=possible, critical_failure=failed,
        ))
    return tuple(entries)


def visit_scores_from_document(document: dict[str, Any]) -> VisitScores:
    """Stored scores (as made by `visit_scores_document`) back into `VisitScores`."""
    return VisitScores(
        cx=document["cx"],
        service=document["service"],
        experience=document["experience"],
        sections=dict(document["sections"]),
        touchpoints=dict(document["touchpoints"]),
        critical_failures=tuple(document["critical_failures"]),
    )


def summary_document(summary: Summary) -> dict[str, Any]:
    return {
        "n": summary.n,
        "mean": summary.mean,
        "sd": summary.sd,
        "ci95": list(summary.ci95) if summary.ci95 is not None else None,
        "min": summary.min,
        "max": summary.max,
    }


def location_document(scorecard: LocationScorecard) -> dict[str, Any]:
    return {
        "visits": scorecard.visits,
        "critical_failure_rate": scorecard.critical_failure_rate,
        "cx": summary_document(scorecard.cx),
        "service": summary_document(scorecard.service),
        "experience": summary_document(scorecard.experience),
        "sections": dict(scorecard.sections),
        "touchpoints": dict(scorecard.touchpoints),
    }


def group_document(scorecard: GroupScorecard) -> dict[str, Any]:
    return asdict(scorecard)


def change_document(changes: Mapping[str, Change]) -> dict[str, Any]:
    """`{"cx": {"previous", "change", "significant"}, "service": ..., "experience": ...}`
    from `compare_locations` (the keys and their order are the mapping's), full
    precision like every other document: only display rounds."""
    return {name: {"previous": change.previous, "change": change.change,
                   "significant": change.significant}
            for name, change in changes.items()}
