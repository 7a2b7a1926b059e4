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
    Sums,
    aggregate_group,
    aggregate_location,
    location_from_sums,
    summarize,
    summary_from_sums,
)
from .change import Change, compare_locations, compare_summaries
from .documents import (
    change_document,
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
from .stats import t_cdf, t_quantile, t_quantile_975
from .visit import AnswerExplanation, InvalidAnswers, VisitScores, score_visit, visible_questions

__all__ = [
    "CHANNELS",
    "PROBLEM_TEMPLATES",
    "QUESTION_TYPES",
    "AnswerExplanation",
    "Band",
    "Change",
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
    "Sums",
    "VisitScores",
    "aggregate_group",
    "aggregate_location",
    "change_document",
    "compare_locations",
    "compare_summaries",
    "explanation_document",
    "explanation_from_document",
    "group_document",
    "localized",
    "location_document",
    "location_from_sums",
    "parse_questionnaire",
    "score_visit",
    "summarize",
    "summary_document",
    "summary_from_sums",
    "t_cdf",
    "t_quantile",
    "t_quantile_975",
    "to_document",
    "visible_questions",
    "visit_scores_document",
    "visit_scores_from_document",
]
