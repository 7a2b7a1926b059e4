"""Scoring one visit (spec/scoring.md sections 2 to 4).

The questionnaire is compiled once into a flat plan (a tuple per question, ids
turned into list indexes, answer lookups turned into dict lookups), so that
scoring a visit is one pass over the questions with no allocation beyond its
result. That pass validates every answer, decides visibility, and sums points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .problems import Problem
from .questionnaire import NA, Question, Questionnaire

YES_NO, SCALE, CHOICE, NUMBER, TEXT, PHOTO = range(6)
_KINDS = {"yes_no": YES_NO, "scale": SCALE, "choice": CHOICE, "number": NUMBER,
          "text": TEXT, "photo": PHOTO}

# Per-question states while scoring; a float fraction is the answered, scored state.
_MISSING = object()
_NA = object()
_INVALID = object()
_UNSCORED = object()  # a valid answer to a text or photo question


class InvalidAnswers(ValueError):
    """A visit's answers are invalid: `problems` lists every problem of the visit.

    `errors` has the same problems as `(question_id, message)` pairs.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        self.errors = tuple((problem.path, problem.message) for problem in self.problems)
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        """One line per problem, `"<question id>: <what is wrong>"`."""
        return [f"{question}: {message}" for question, message in self.errors]


@dataclass(frozen=True, slots=True)
class AnswerExplanation:
    """How one question weighed in a visit's score: the manager's "why this score"."""

    question: str
    section: str
    touchpoint: str
    dimension: str
    #: counted, not_applicable, unanswered, hidden, weight_zero or not_scored.
    status: str
    answer: Any
    weight: float
    #: The answer's fraction in [0, 1] (None when it has none).
    fraction: float | None
    #: weight * fraction, and weight, when counted; 0 otherwise.
    earned: float
    possible: float
    critical_failure: bool = False


@dataclass(frozen=True, slots=True)
class VisitScores:
    """The scores of one valid visit. Scores are in [0, 100], or None when nothing counted."""

    cx: float | None
    service: float | None
    experience: float | None
    sections: dict[str, float | None]
    touchpoints: dict[str, float | None]
    #: Ids of the critical questions that failed, in questionnaire order.
    critical_failures: tuple[str, ...]
    #: One entry per question, in questionnaire order, when asked for.
    explanation: tuple[AnswerExplanation, ...] | None = None


class _Plan:
    """A questionnaire compiled for fast scoring. Built once per Questionnaire."""

    __slots__ = ("by_channel", "channels", "default_channel", "ids", "section_ids",
                 "touchpoint_ids")

    def __init__(self, questionnaire: Questionnaire):
        self.section_ids = tuple(s.id for s in questionnaire.sections)
        self.touchpoint_ids = questionnaire.touchpoints
        self.channels = questionnaire.channels
        self.default_channel = questionnaire.channels[0]
        self.ids = frozenset(q.id for q in questionnaire.questions)
        referenced = {q.show_if.question for q in questionnaire.questions if q.show_if}
        types = {q.id: q.type for q in questionnaire.questions}
        questions = questionnaire.questions
        section_index = {sid: i for i, sid in enumerate(self.section_ids)}
        touchpoint_index = {name: i for i, name in enumerate(self.touchpoint_ids)}
        #: channel -> one tuple per question; None for an unknown channel.
        self.by_channel: dict[str | None, tuple[tuple, ...]] = {}
        for channel in (*questionnaire.channels, None):
            on_channel = {q.id: channel in questionnaire.section_channels(section)
                          for section in questionnaire.sections for q in section.questions}
            self.by_channel[channel] = tuple(
                _compile(q, section_index[q.section], touchpoint_index[q.touchpoint],
                         on_channel=on_channel[q.id], referenced=q.id in referenced,
                         types=types)
                for q in questions
            )


def _compile(question: Question, section: int, touchpoint: int, *, on_channel: bool,
             referenced: bool, types: dict[str, str]) -> tuple:
    kind = _KINDS[question.type]
    table: Any = None
    accepted: frozenset[type] = frozenset()
    if kind == YES_NO:
        yes, no = (0.0, 1.0) if question.invert else (1.0, 0.0)
        table = {"yes": yes, "no": no, True: yes, False: no}
        accepted = frozenset({str, bool})
        wrong: tuple[str, tuple] = ("expected_yes_no", ())  # (code, params) of a bad answer
    elif kind == SCALE:
        span = question.max - question.min
        table = {v: (v - question.min) / span for v in range(question.min, question.max + 1)}
        accepted = frozenset({int, float})
        # A fraction or a word is as far outside the scale as 7 is: one code for all.
        wrong = ("out_of_range", (("min", question.min), ("max", question.max)))
    elif kind == CHOICE:
        table = {o.value: o.score for o in question.options}
        accepted = frozenset({str})
        wrong = ("not_an_option", (("options", tuple(o.value for o in question.options)),))
    elif kind == NUMBER:
        wrong = ("not_a_number", ())  # _other_state tells the out of range ones apart
    elif kind == TEXT:
        wrong = ("expected_text", ())
    else:
        wrong = ("expected_photo_refs", ())
    if table is not None and question.allow_na:
        accepted |= {str}
        table[NA] = _NA
    bands = tuple((math.inf if b.max is None else b.max, b.score) for b in question.bands)
    show = question.show_if
    show_values = None
    if show is not None:
        show_values = set(show.values)
        if types[show.question] == "yes_no":  # answers may be JSON booleans
            show_values |= {v == "yes" for v in show.values if v in ("yes", "no")}
        show_values = frozenset(show_values)
    # What every answer needs first; what only some need is in the nested tuple, which
    # keeps the unpacking on the hot path short.
    return (
        question.id, table, accepted, question.weight if question.scored else 0.0,
        question.dimension == "service", question.critical, section, touchpoint,
        on_channel and show is None,  # visible whatever the answers
        referenced, question.required,
        (kind, bands, wrong, question.allow_na, on_channel,
         show.question if show else None, show_values),
    )


def _plan(questionnaire: Questionnaire) -> _Plan:
    # Cached on the (frozen) questionnaire itself: it never changes once parsed.
    plan = questionnaire.__dict__.get("_plan")
    if plan is None:
        plan = _Plan(questionnaire)
        object.__setattr__(questionnaire, "_plan", plan)
    return plan


def score_visit(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    channel: str | None = None,
    *,
    explain: bool = False,
) -> VisitScores:
    """Validate a visit's answers and compute its scores.

    `channel` defaults to the questionnaire's first channel. With `explain`, the
    result carries one `AnswerExplanation` per question. Raises `InvalidAnswers`
    listing every problem of the visit, each naming its question.
    """
    plan = _plan(questionnaire)
    if not isinstance(answers, Mapping):
        raise InvalidAnswers([Problem("answers", "not_a_map")])
    problems: list[Problem] = []
    missing: list[Problem] = []  # reported after the answers' own problems
    if channel is None:
        channel = plan.default_channel
    questions = plan.by_channel.get(channel) if type(channel) is str else None
    if questions is None:
        problems.append(Problem("channel", "unknown_channel", (("allowed", plan.channels),)))
        questions = plan.by_channel[None]
    if not plan.ids.issuperset(answers.keys()):
        problems.extend(Problem(str(k), "unknown_question") for k in answers if k not in plan.ids)

    n_sections, n_touchpoints = len(plan.section_ids), len(plan.touchpoint_ids)
    section_points = [0.0] * n_sections
    section_weight = [0.0] * n_sections
    touchpoint_points = [0.0] * n_touchpoints
    touchpoint_weight = [0.0] * n_touchpoints
    service_points = service_weight = experience_points = experience_weight = 0.0
    critical: list[str] = []
    shown: dict[str, Any] = {}  # answers of visible questions that a show_if refers to
    trace: list[tuple] | None = [] if explain else None
    get = answers.get

    for (qid, table, accepted, weight, is_service, is_critical, section, touchpoint,
         always_visible, referenced, required, rare) in questions:
        value = get(qid)
        # 1. The answer's state: a float fraction, or one of the sentinels.
        if value is None:
            state = _MISSING
        elif table is not None:  # yes_no, scale, choice: one lookup
            state = table.get(value, _INVALID) if type(value) in accepted else _INVALID
            if state is _INVALID:
                code, params = _NOT_ALLOWED_NA if _is_na(value) else rare[2]
                problems.append(Problem(qid, code, params))
        else:
            state = _other_state(value, rare)
            if state.__class__ is tuple:
                problems.append(Problem(qid, *state))
                state = _INVALID

        # 2. Visibility: the section applies to the channel and show_if holds.
        if not always_visible and (
            not rare[4] or shown.get(rare[5], _MISSING) not in rare[6]
        ):
            if trace is not None:
                trace.append((qid, "hidden", value, None, False))
            continue

        # 3. Points.
        if state.__class__ is float:
            if referenced:
                shown[qid] = value
            if weight:
                earned = weight * state
                if is_service:
                    service_points += earned
                    service_weight += weight
                else:
                    experience_points += earned
                    experience_weight += weight
                section_points[section] += earned
                section_weight[section] += weight
                touchpoint_points[touchpoint] += earned
                touchpoint_weight[touchpoint] += weight
                if is_critical and state == 0.0:
                    critical.append(qid)
                    if trace is not None:
                        trace.append((qid, "counted", value, state, True))
                elif trace is not None:
                    trace.append((qid, "counted", value, state, False))
            elif trace is not None:
                trace.append((qid, "weight_zero", value, state, False))
            continue
        if state is _MISSING:
            if required:
                missing.append(Problem(qid, "required"))
            status = "unanswered"
        elif state is _NA:
            if referenced:
                shown[qid] = NA
            status = "not_applicable"
        elif state is _UNSCORED:
            if referenced:
                shown[qid] = value
            status = "not_scored"
        else:
            status = "invalid"
        if trace is not None:
            trace.append((qid, status, value, None, False))

    if problems or missing:
        raise InvalidAnswers(problems + missing)

    cx_weight = service_weight + experience_weight
    if not cx_weight:
        cx = None
    elif critical:
        cx = 0.0
    else:
        cx = 100.0 * (service_points + experience_points) / cx_weight
    if not service_weight:
        service = None
    elif critical:
        service = 0.0
    else:
        service = 100.0 * service_points / service_weight
    if not experience_weight:
        experience = None
    elif critical:
        experience = 0.0
    else:
        experience = 100.0 * experience_points / experience_weight
    sections = {}
    for i, section_id in enumerate(plan.section_ids):
        weight = section_weight[i]
        sections[section_id] = 100.0 * section_points[i] / weight if weight else None
    touchpoints = {}
    for i, name in enumerate(plan.touchpoint_ids):
        weight = touchpoint_weight[i]
        touchpoints[name] = 100.0 * touchpoint_points[i] / weight if weight else None
    return VisitScores(  # positional: measurably faster on this hot path
        cx, service, experience, sections, touchpoints, tuple(critical),
        _explanation(questionnaire, trace) if trace is not None else None,
    )


_NOT_ALLOWED_NA = ("not_allowed_na", ())


def _is_na(value: Any) -> bool:
    return value == NA and type(value) is str


def _other_state(value: Any, rare: tuple) -> Any:
    """The state of an answer to a number, text or photo question.

    A `(code, params)` tuple is a problem with the answer.
    """
    kind, bands, wrong, allow_na = rare[:4]
    if value == NA and type(value) is str:
        return _NA if allow_na else _NOT_ALLOWED_NA
    if kind == NUMBER:
        if (type(value) is int or type(value) is float) and 0 <= value < math.inf:
            for upper, score in bands:
                if value <= upper:
                    return score
            return ("above_every_band", (("value", value), ("max", bands[-1][0])))
        if (type(value) is int or type(value) is float) and -math.inf < value < 0:
            return ("out_of_range", (("min", 0), ("max", None)))
        return wrong
    if kind == TEXT:
        if type(value) is not str:
            return wrong
        return _UNSCORED if value.strip() else _MISSING
    if type(value) is not list or not all(type(ref) is str and ref for ref in value):
        return wrong
    return _UNSCORED if value else _MISSING


def _explanation(questionnaire: Questionnaire, trace: list[tuple]) -> tuple:
    entries = []
    for question, (_, status, answer, fraction, failed) in zip(
        questionnaire.questions, trace, strict=True
    ):
        weight = question.weight if question.scored else 0.0
        if question.type == "yes_no" and type(answer) is bool:
            answer = "yes" if answer else "no"
        counted = status == "counted"
        entries.append(AnswerExplanation(
            question=question.id, section=question.section, touchpoint=question.touchpoint,
            dimension=question.dimension, status=status, answer=answer, weight=weight,
            fraction=fraction, earned=weight * fraction if counted else 0.0,
            possible=weight if counted else 0.0, critical_failure=failed,
        ))
    return tuple(entries)


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Any],
                      channel: str) -> frozenset[str]:
    """The ids of the questions a visit on `channel` with these (possibly unfinished,
    unvalidated) answers shows, per section 2: the section applies to the channel and
    the show_if holds on a visible question's answer. The form's script applies the
    same rule as the shopper answers (static/js/visit-form.js applyVisibility)."""
    visible: set[str] = set()
    for section in questionnaire.sections:
        if channel not in questionnaire.section_channels(section):
            continue
        for question in section.questions:
            rule = question.show_if
            if rule is not None:
                if rule.question not in visible:
                    continue
                answer = answers.get(rule.question)
                if type(answer) is bool:  # yes_no answers may be JSON booleans
                    answer = "yes" if answer else "no"
                if answer is None or str(answer) not in {str(v) for v in rule.values}:
                    continue
            visible.add(question.id)
    return frozenset(visible)
