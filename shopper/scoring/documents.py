"""The engine's results as plain JSON-ready documents (spec/scoring.md section 6).

The CLI, the API and stored visit scores all use these shapes, so a score reads the
same wherever it is shown.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .aggregate import GroupScorecard, LocationScorecard, Summary
from .visit import VisitScores


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


def explanation_document(scores: VisitScores) -> list[dict[str, Any]]:
    """The per-question explanation of a visit scored with `explain=True`."""
    return [asdict(entry) for entry in scores.explanation or ()]


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
