"""The scoring engine: the one place where a number is decided.

Pure functions over frozen dataclasses; no Flask, no database, no clock, no I/O.
See spec/scoring.md. Typical use::

    questionnaire = parse_questionnaire(document)
    scores = score_visit(questionnaire, answers, channel="in_store")
    card = aggregate_location(visit_scores, sections=..., touchpoints=...)
"""

from .aggregate import (
    GroupScorecard,
    LocationScorecard,
    Summary,
    aggregate_group,
    aggregate_location,
    summarize,
)
from .documents import (
    explanation_document,
    explanation_from_document,
    group_document,
    location_document,
    summary_document,
    visit_scores_document,
    visit_scores_from_document,
)
from .problems import TEMPLATES as PROBLEM_TEMPLATES
from .problems import Problem
from .questionnaire import (
    CHANNELS,
    QUESTION_TYPES,
    Band,
    Option,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
    ShowIf,
    localized,
    parse_questionnaire,
    to_document,
)
from .stats import t_quantile_975
from .visit import AnswerExplanation, InvalidAnswers, VisitScores, score_visit, visible_questions

__all__ = [
    "CHANNELS",
    "PROBLEM_TEMPLATES",
    "QUESTION_TYPES",
    "AnswerExplanation",
    "Band",
    "GroupScorecard",
    "InvalidAnswers",
    "LocationScorecard",
    "Option",
    "Problem",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "ShowIf",
    "Summary",
    "VisitScores",
    "aggregate_group",
    "aggregate_location",
    "explanation_document",
    "explanation_from_document",
    "group_document",
    "localized",
    "location_document",
    "parse_questionnaire",
    "score_visit",
    "summarize",
    "summary_document",
    "t_quantile_975",
    "to_document",
    "visible_questions",
    "visit_scores_document",
    "visit_scores_from_document",
]
