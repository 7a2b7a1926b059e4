"""Questionnaire documents: validation into frozen dataclasses, and back.

`parse_questionnaire` takes the plain data of a YAML or JSON document (already
read by the caller: the engine does no I/O) and either returns a `Questionnaire`
or raises `QuestionnaireError` listing every problem, each naming its path, e.g.
``sections[1].questions[0].weight: must be >= 0``. Unknown keys are errors: a
typo must never silently change a score (spec/scoring.md section 1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .problems import Problem

CHANNELS = ("in_store", "online", "phone")
QUESTION_TYPES = ("yes_no", "scale", "choice", "number", "text", "photo")
SCORED_TYPES = frozenset({"yes_no", "scale", "choice", "number"})
DIMENSIONS = ("service", "experience")
NA = "na"

#: A text shown to people: one string, or a map locale -> string.
Text = str | Mapping[str, str]

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_LOCALE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*\Z")

_TOP_KEYS = ("id", "title", "version", "channels", "sections")
_SECTION_KEYS = ("id", "title", "channels", "questions")
_QUESTION_KEYS = (
    "id", "text", "type", "weight", "dimension", "touchpoint", "critical", "allow_na",
    "required", "invert", "min", "max", "options", "bands", "help", "unit", "timer", "show_if",
)
#: Keys that only make sense on some question types.
_TYPE_ONLY = {
    "invert": ("yes_no",),
    "min": ("scale",),
    "max": ("scale",),
    "options": ("choice",),
    "bands": ("number",),
    "unit": ("number",),
    "timer": ("number",),
    "critical": tuple(sorted(SCORED_TYPES)),
}


_ABSENT = object()  # a key that is not in the document (None is an explicit null)
_INVALID = object()


class QuestionnaireError(ValueError):
    """A questionnaire document is invalid: `problems` lists every problem by path.

    `errors` has the same problems as lines, ``"<path>: <what is wrong>"``.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        self.errors = tuple(str(problem) for problem in self.problems)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Text
    score: float


@dataclass(frozen=True, slots=True)
class Band:
    #: Upper bound, inclusive; None for the catch-all last band.
    max: float | None
    score: float


@dataclass(frozen=True, slots=True)
class ShowIf:
    question: str
    #: Normalised answers that make the question visible.
    values: tuple[Any, ...]
    #: "equals" or "in": kept so that an exported document reads as written.
    operator: str = "equals"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: Text
    type: str
    section: str
    weight: float
    dimension: str
    touchpoint: str
    critical: bool = False
    allow_na: bool = False
    required: bool = True
    invert: bool = False
    min: int = 1
    max: int = 5
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    help: Text | None = None
    unit: Text | None = None
    timer: bool = False
    show_if: ShowIf | None = None

    @property
    def scored(self) -> bool:
        """True when answers to this question can count towards a score."""
        return self.type in SCORED_TYPES and self.weight > 0


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]
    #: None: the section applies to every channel of the questionnaire.
    channels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: Text
    version: int
    channels: tuple[str, ...]
    sections: tuple[Section, ...]
    #: Every question in journey order (derived).
    questions: tuple[Question, ...] = field(init=False, repr=False, compare=False)
    #: Touchpoint names in order of first appearance (derived).
    touchpoints: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: Questions by id (derived).
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        questions = tuple(q for s in self.sections for q in s.questions)
        object.__setattr__(self, "questions", questions)
        touchpoints = tuple(dict.fromkeys(q.touchpoint for q in questions))
        object.__setattr__(self, "touchpoints", touchpoints)
        object.__setattr__(self, "_by_id", {q.id: q for q in questions})

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError when there is none)."""
        return self._by_id[question_id]

    def section_channels(self, section: Section) -> tuple[str, ...]:
        """The channels a section applies to."""
        return section.channels if section.channels is not None else self.channels


def localized(text: Text | None, locale: str | None = None, fallback: str = "en") -> str:
    """The text for `locale` (or its language), else `fallback`, else the first given."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if locale:
        for candidate in (locale, locale.replace("-", "_"), re.split(r"[-_]", locale)[0]):
            if candidate in text:
                return text[candidate]
    if fallback in text:
        return text[fallback]
    return next(iter(text.values()))


# --- validation -------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _is_integer(value: Any) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


class _Checker:
    """Collects problems, each naming its path in the document."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, code: str, **params: Any) -> None:
        self.problems.append(Problem(path, code, tuple(params.items())))

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict | None:
        if not isinstance(value, Mapping):
            self.error(path or "(document)", "not_a_mapping")
            return None
        for key in value:
            if key not in allowed:
                self.error(_join(path, str(key)), "unknown_key")
        return dict(value)

    def slug(self, value: Any, path: str) -> str | None:
        if value is None:
            self.error(path, "required")
        elif not isinstance(value, str) or not _SLUG.match(value):
            self.error(path, "not_a_slug")
        else:
            return value
        return None

    def text(self, value: Any, path: str, required: bool = True) -> Text | None:
        if value is _ABSENT or (value is None and required):
            if required:
                self.error(path, "required")
            return None
        if isinstance(value, str):
            if not value.strip():
                self.error(path, "empty_text")
            return value
        if isinstance(value, Mapping):
            if not value:
                self.error(path, "empty_text_map")
                return None
            texts = {}
            for locale, text in value.items():
                if not isinstance(locale, str) or not _LOCALE.match(locale):
                    self.error(f"{path}.{locale}", "not_a_locale")
                elif not isinstance(text, str) or not text.strip():
                    self.error(f"{path}.{locale}", "empty_translation")
                else:
                    texts[locale] = text
            return texts
        self.error(path, "not_a_text")
        return None

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is _ABSENT:
            return default
        if type(value) is not bool:
            self.error(path, "not_a_boolean")
            return default
        return value

    def fraction(self, value: Any, path: str) -> float:
        if value is None:
            self.error(path, "required")
        elif not _is_number(value):
            self.error(path, "must_be_number")
        elif not 0 <= value <= 1:
            self.error(path, "must_be_between", min=0, max=1)
        else:
            return float(value)
        return 0.0

    def channels(self, value: Any, path: str, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.error(path, "must_be_channel_list")
            return None
        seen: list[str] = []
        for i, channel in enumerate(value):
            if channel not in CHANNELS:
                self.error(f"{path}[{i}]", "unknown_channel", allowed=CHANNELS)
            elif channel not in allowed:
                self.error(f"{path}[{i}]", "not_a_subset", channel=channel, allowed=allowed)
            elif channel in seen:
                self.error(f"{path}[{i}]", "duplicate_channel", channel=channel)
            else:
                seen.append(channel)
        return tuple(seen)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_questionnaire(document: Any) -> Questionnaire:
    """Validate a questionnaire document and return it as a `Questionnaire`.

    Raises `QuestionnaireError` with every problem found, each naming its path.
    """
    check = _Checker()
    doc = check.mapping(document, "", _TOP_KEYS)
    if doc is None:
        raise QuestionnaireError(check.problems)

    questionnaire_id = check.slug(doc.get("id"), "id")
    title = check.text(doc.get("title", _ABSENT), "title")

    version = doc.get("version", 1)
    if type(version) is not int or version < 1:
        check.error("version", "must_be_integer_at_least", min=1)
        version = 1

    channels: tuple[str, ...] = ("in_store",)
    if "channels" in doc:
        channels = check.channels(doc["channels"], "channels", CHANNELS) or channels

    sections: list[Section] = []
    raw_sections = doc.get("sections")
    if raw_sections is None:
        check.error("sections", "required")
    elif not isinstance(raw_sections, list) or not raw_sections:
        check.error("sections", "must_be_non_empty_list")
    else:
        section_ids: set[str] = set()
        earlier: dict[str, Question] = {}
        for si, raw_section in enumerate(raw_sections):
            section = _parse_section(check, raw_section, f"sections[{si}]", channels, earlier)
            if section is None:
                continue
            if section.id in section_ids:
                check.error(f"sections[{si}].id", "duplicate_id", kind="section", id=section.id)
            section_ids.add(section.id)
            sections.append(section)

    if check.problems:
        raise QuestionnaireError(check.problems)
    return Questionnaire(
        id=questionnaire_id, title=title, version=version, channels=channels,
        sections=tuple(sections),
    )


def _parse_section(
    check: _Checker, raw: Any, path: str, channels: tuple[str, ...], earlier: dict[str, Question]
) -> Section | None:
    section = check.mapping(raw, path, _SECTION_KEYS)
    if section is None:
        return None
    section_id = check.slug(section.get("id"), f"{path}.id")
    title = check.text(section.get("title", _ABSENT), f"{path}.title")
    section_channels = None
    if "channels" in section:
        section_channels = check.channels(section["channels"], f"{path}.channels", channels)
    questions: list[Question] = []
    raw_questions = section.get("questions")
    if raw_questions is None:
        check.error(f"{path}.questions", "required")
    elif not isinstance(raw_questions, list) or not raw_questions:
        check.error(f"{path}.questions", "must_be_non_empty_list")
    else:
        for qi, raw_question in enumerate(raw_questions):
            question = _parse_question(
                check, raw_question, f"{path}.questions[{qi}]", section_id or "", earlier
            )
            if question is not None:
                questions.append(question)
    if section_id is None:
        return None
    return Section(
        id=section_id, title=title, questions=tuple(questions), channels=section_channels
    )


def _parse_question(
    check: _Checker, raw: Any, path: str, section_id: str, earlier: dict[str, Question]
) -> Question | None:
    question = check.mapping(raw, path, _QUESTION_KEYS)
    if question is None:
        return None

    def at(key: str) -> str:
        return f"{path}.{key}"

    question_id = check.slug(question.get("id"), at("id"))
    if question_id is not None and question_id in earlier:
        check.error(at("id"), "duplicate_id", kind="question", id=question_id)
        question_id = None
    text = check.text(question.get("text", _ABSENT), at("text"))

    kind = question.get("type")
    if kind is None:
        check.error(at("type"), "required")
        return None
    if kind not in QUESTION_TYPES:
        check.error(at("type"), "unknown_type", allowed=QUESTION_TYPES)
        return None
    for key, types in _TYPE_ONLY.items():
        if key in question and kind not in types:
            check.error(at(key), "only_for_types", types=types)

    scored = kind in SCORED_TYPES
    weight = question.get("weight", 1 if scored else 0)
    if not _is_number(weight):
        check.error(at("weight"), "must_be_number")
        weight = 0
    elif weight < 0:
        check.error(at("weight"), "must_be_at_least", min=0)
    elif not scored and weight != 0:
        check.error(at("weight"), "never_scored", type=kind)

    dimension = question.get("dimension", "experience")
    if dimension not in DIMENSIONS:
        check.error(at("dimension"), "unknown_dimension", allowed=DIMENSIONS)
    touchpoint = question.get("touchpoint", section_id)
    if not isinstance(touchpoint, str) or not touchpoint.strip():
        check.error(at("touchpoint"), "not_a_name")
        touchpoint = section_id

    fields: dict[str, Any] = {
        "critical": check.boolean(question.get("critical", _ABSENT), at("critical"), False),
        "allow_na": check.boolean(question.get("allow_na", _ABSENT), at("allow_na"), False),
        "required": check.boolean(question.get("required", _ABSENT), at("required"), True),
        "invert": check.boolean(question.get("invert", _ABSENT), at("invert"), False),
        "timer": check.boolean(question.get("timer", _ABSENT), at("timer"), False),
        "help": check.text(question.get("help", _ABSENT), at("help"), required=False),
        "unit": check.text(question.get("unit", _ABSENT), at("unit"), required=False),
    }

    if kind == "scale":
        low, high = question.get("min", 1), question.get("max", 5)
        if type(low) is not int:
            check.error(at("min"), "must_be_integer")
        if type(high) is not int:
            check.error(at("max"), "must_be_integer")
        if type(low) is int and type(high) is int and low >= high:
            check.error(at("max"), "max_not_above_min", min=low, max=high)
        fields["min"], fields["max"] = low, high
    elif kind == "choice":
        fields["options"] = _parse_options(check, question.get("options"), at("options"))
    elif kind == "number":
        fields["bands"] = _parse_bands(check, question.get("bands"), at("bands"))

    if "show_if" in question:
        fields["show_if"] = _parse_show_if(check, question["show_if"], at("show_if"), earlier)

    result = Question(
        id=question_id or "", text=text, type=kind, section=section_id, weight=float(weight),
        dimension=dimension if dimension in DIMENSIONS else "experience",
        touchpoint=touchpoint, **fields,
    )
    if question_id is not None:
        earlier[question_id] = result
    return result


def _parse_options(check: _Checker, raw: Any, path: str) -> tuple[Option, ...]:
    if raw is None:
        check.error(path, "required_for_type", type="choice")
        return ()
    if not isinstance(raw, list) or not raw:
        check.error(path, "must_be_non_empty_list")
        return ()
    options: list[Option] = []
    values: set[str] = set()
    for i, raw_option in enumerate(raw):
        option_path = f"{path}[{i}]"
        option = check.mapping(raw_option, option_path, ("value", "label", "score"))
        if option is None:
            continue
        value = check.slug(option.get("value"), f"{option_path}.value")
        if value is not None and value in values:
            check.error(f"{option_path}.value", "duplicate_option", value=value)
        if value == NA:
            check.error(f"{option_path}.value", "reserved_na")
        label = check.text(option.get("label", _ABSENT), f"{option_path}.label")
        score = check.fraction(option.get("score"), f"{option_path}.score")
        if value is not None:
            values.add(value)
            options.append(Option(value=value, label=label, score=score))
    return tuple(options)


def _parse_bands(check: _Checker, raw: Any, path: str) -> tuple[Band, ...]:
    if raw is None:
        check.error(path, "required_for_type", type="number")
        return ()
    if not isinstance(raw, list) or not raw:
        check.error(path, "must_be_non_empty_list")
        return ()
    bands: list[Band] = []
    previous: float | None = None
    for i, raw_band in enumerate(raw):
        band_path = f"{path}[{i}]"
        band = check.mapping(raw_band, band_path, ("max", "score"))
        if band is None:
            continue
        upper = band.get("max")
        if upper is None:
            if i != len(raw) - 1:
                check.error(f"{band_path}.max", "band_max_required")
        elif not _is_number(upper):
            check.error(f"{band_path}.max", "must_be_number")
            upper = None
        elif previous is not None and upper <= previous:
            check.error(f"{band_path}.max", "band_not_ascending", previous=previous)
        if upper is not None:
            previous = upper
        score = check.fraction(band.get("score"), f"{band_path}.score")
        bands.append(Band(max=None if upper is None else float(upper), score=score))
    return tuple(bands)


def _parse_show_if(
    check: _Checker, raw: Any, path: str, earlier: dict[str, Question]
) -> ShowIf | None:
    show_if = check.mapping(raw, path, ("question", "equals", "in"))
    if show_if is None:
        return None
    target_id = show_if.get("question")
    target = None
    if target_id is None:
        check.error(f"{path}.question", "required")
    elif not isinstance(target_id, str) or target_id not in earlier:
        check.error(f"{path}.question", "not_an_earlier_question", question=str(target_id))
    else:
        target = earlier[target_id]
        if target.type == "photo":
            check.error(f"{path}.question", "depends_on_photo")
            target = None

    has_equals, has_in = "equals" in show_if, "in" in show_if
    if has_equals == has_in:
        check.error(path, "needs_equals_or_in")
        return None
    if has_equals:
        operator, raw_values, values_path = "equals", [show_if["equals"]], f"{path}.equals"
    else:
        operator, raw_values, values_path = "in", show_if["in"], f"{path}.in"
        if not isinstance(raw_values, list) or not raw_values:
            check.error(values_path, "must_be_non_empty_list")
            return None
    values = []
    for i, raw_value in enumerate(raw_values):
        value_path = values_path if has_equals else f"{values_path}[{i}]"
        if target is None:
            continue
        value = _show_if_value(target, raw_value)
        if value is _INVALID:
            check.error(value_path, "not_a_possible_answer", value=repr(raw_value),
                        question=target.id)
        else:
            values.append(value)
    if target is None:
        return None
    return ShowIf(question=target.id, values=tuple(values), operator=operator)


def _show_if_value(target: Question, value: Any) -> Any:
    """The normalised answer a show_if value stands for, or _INVALID."""
    if value == NA and type(value) is str:
        return NA if target.allow_na else _INVALID
    if target.type == "yes_no":
        if type(value) is bool:  # YAML's bare yes/no
            return "yes" if value else "no"
        return value if value in ("yes", "no") and type(value) is str else _INVALID
    if target.type == "scale":
        ok = _is_integer(value) and target.min <= value <= target.max
        return int(value) if ok else _INVALID
    if target.type == "choice":
        ok = type(value) is str and value in {o.value for o in target.options}
        return value if ok else _INVALID
    if target.type == "number":
        return value if _is_number(value) and value >= 0 else _INVALID
    if target.type == "text":
        return value if type(value) is str else _INVALID
    return _INVALID


# --- back to a document -----------------------------------------------------------------


def to_document(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire as a plain document (JSON- and YAML-safe) that parses back equal."""
    return {
        "id": questionnaire.id,
        "title": _text_out(questionnaire.title),
        "version": questionnaire.version,
        "channels": list(questionnaire.channels),
        "sections": [_section_out(s) for s in questionnaire.sections],
    }


def _text_out(text: Text) -> str | dict[str, str]:
    return text if isinstance(text, str) else dict(text)


def _number_out(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _section_out(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"id": section.id, "title": _text_out(section.title)}
    if section.channels is not None:
        out["channels"] = list(section.channels)
    out["questions"] = [_question_out(q) for q in section.questions]
    return out


def _question_out(question: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": question.id, "text": _text_out(question.text), "type": question.type,
    }
    if question.type in SCORED_TYPES:
        out["weight"] = _number_out(question.weight)
    out["dimension"] = question.dimension
    out["touchpoint"] = question.touchpoint
    if question.type in SCORED_TYPES:
        out["critical"] = question.critical
    out["allow_na"] = question.allow_na
    out["required"] = question.required
    if question.type == "yes_no":
        out["invert"] = question.invert
    elif question.type == "scale":
        out["min"], out["max"] = question.min, question.max
    elif question.type == "choice":
        out["options"] = [
            {"value": o.value, "label": _text_out(o.label), "score": _number_out(o.score)}
            for o in question.options
        ]
    elif question.type == "number":
        out["bands"] = [
            ({"max": _number_out(b.max)} if b.max is not None else {})
            | {"score": _number_out(b.score)}
            for b in question.bands
        ]
        if question.unit is not None:
            out["unit"] = _text_out(question.unit)
        out["timer"] = question.timer
    if question.help is not None:
        out["help"] = _text_out(question.help)
    if question.show_if is not None:
        show_if = question.show_if
        if show_if.operator == "equals":
            out["show_if"] = {"question": show_if.question, "equals": show_if.values[0]}
        else:
            out["show_if"] = {"question": show_if.question, "in": list(show_if.values)}
    return out
