"""Questionnaire documents: every rule of spec/scoring.md section 1, one small case each."""

from __future__ import annotations

import pytest

from shopper.files import read_document
from shopper.scoring import (
    QuestionnaireError,
    localized,
    parse_questionnaire,
    to_document,
)
from tests.factories import (
    SPEC_EXAMPLES,
    choice,
    number,
    photo,
    questionnaire_doc,
    scale,
    text,
    yes_no,
)


def errors_of(document) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(document)
    return list(caught.value.errors)


def test_defaults_are_those_of_the_spec():
    questionnaire = parse_questionnaire(questionnaire_doc(yes_no("greeted"), text("notes")))
    assert questionnaire.version == 1
    assert questionnaire.channels == ("in_store",)
    greeted, notes = questionnaire.questions
    assert (greeted.weight, greeted.dimension, greeted.touchpoint) == (1.0, "experience", "main")
    assert (greeted.critical, greeted.allow_na, greeted.required) == (False, False, True)
    assert notes.weight == 0.0 and not notes.scored
    scale_question = parse_questionnaire(questionnaire_doc(scale("s"))).questions[0]
    assert (scale_question.min, scale_question.max) == (1, 5)


def test_the_spec_example_parses():
    questionnaire = parse_questionnaire(read_document(SPEC_EXAMPLES / "retail.yaml"))
    assert [s.id for s in questionnaire.sections] == ["arrival", "website", "help", "checkout"]
    assert questionnaire.question("return_policy_correct").show_if.values == ("yes",)
    assert questionnaire.touchpoints == (
        "greeting", "environment", "navigation", "advice", "help", "resolution", "checkout"
    )


def test_document_round_trip_gives_an_equal_questionnaire():
    questionnaire = parse_questionnaire(read_document(SPEC_EXAMPLES / "retail.yaml"))
    assert parse_questionnaire(to_document(questionnaire)) == questionnaire


def test_yaml_bare_yes_in_show_if_means_the_answer_yes():
    doc = questionnaire_doc(yes_no("a", weight=0), yes_no("b", show_if={"question": "a",
                                                                        "equals": True}))
    assert parse_questionnaire(doc).question("b").show_if.values == ("yes",)


def test_every_problem_is_reported_together():
    doc = questionnaire_doc(
        yes_no("a", weight=-1), scale("b", min=5, max=1), {"id": "c", "text": "C", "type": "x"}
    )
    doc["colour"] = "red"
    assert errors_of(doc) == [
        "colour: unknown key",
        "sections[0].questions[0].weight: must be >= 0",
        "sections[0].questions[1].max: must be greater than min",
        "sections[0].questions[2].type: must be one of yes_no, scale, choice, number, text, photo",
    ]


def set_in(doc, path, value):
    """Set doc[path...] = value; a value of DELETE removes the key."""
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


DELETE = object()
Q0 = ("sections", 0, "questions", 0)
S0 = ("sections", 0)

# (rule, path to change in a valid one-question document, new value, expected error)
RULES = [
    ("document must be a mapping", (), None, "(document): must be a mapping"),
    ("unknown top-level key", ("owner",), "x", "owner: unknown key"),
    ("id required", ("id",), DELETE, "id: required"),
    ("id is a slug", ("id",), "Retail Visit", "id: must be a slug"),
    ("id starts with a letter or digit", ("id",), "-retail", "id: must be a slug"),
    ("title required", ("title",), DELETE, "title: required"),
    ("title not empty", ("title",), " ", "title: must not be empty"),
    ("title is text or a locale map", ("title",), 12, "title: must be a text or a map"),
    ("title locale keys are locales", ("title",), {"English": "x"}, "title.English: not a locale"),
    ("title locale texts are text", ("title",), {"en": ""}, "title.en: must be a non-empty text"),
    ("version is an integer", ("version",), "2", "version: must be an integer >= 1"),
    ("version >= 1", ("version",), 0, "version: must be an integer >= 1"),
    ("version is not a boolean", ("version",), True, "version: must be an integer >= 1"),
    ("channels is a list", ("channels",), "online", "channels: must be a non-empty list"),
    ("channels not empty", ("channels",), [], "channels: must be a non-empty list"),
    ("channels are known", ("channels",), ["in_store", "mail"], "channels[1]: must be one of"),
    ("channels not repeated", ("channels",), ["online", "online"],
     "channels[1]: duplicate channel online"),
    ("sections required", ("sections",), DELETE, "sections: required"),
    ("sections not empty", ("sections",), [], "sections: must be a non-empty list"),
    ("section is a mapping", ("sections", 0), "main", "sections[0]: must be a mapping"),
    ("section unknown key", (*S0, "weight"), 2, "sections[0].weight: unknown key"),
    ("section id required", (*S0, "id"), DELETE, "sections[0].id: required"),
    ("section id is a slug", (*S0, "id"), "Main", "sections[0].id: must be a slug"),
    ("section title required", (*S0, "title"), DELETE, "sections[0].title: required"),
    ("section channels within the questionnaire's", (*S0, "channels"), ["online"],
     "sections[0].channels[0]: online is not a channel of the questionnaire"),
    ("section questions required", (*S0, "questions"), DELETE,
     "sections[0].questions: required"),
    ("section questions not empty", (*S0, "questions"), [],
     "sections[0].questions: must be a non-empty list"),
    ("question unknown key", (*Q0, "wieght"), 2, "sections[0].questions[0].wieght: unknown key"),
    ("question id required", (*Q0, "id"), DELETE, "sections[0].questions[0].id: required"),
    ("question id is a slug", (*Q0, "id"), "Q 1", "sections[0].questions[0].id: must be a slug"),
    ("question text required", (*Q0, "text"), DELETE, "sections[0].questions[0].text: required"),
    ("question type required", (*Q0, "type"), DELETE, "sections[0].questions[0].type: required"),
    ("question type known", (*Q0, "type"), "stars", "sections[0].questions[0].type: must be one"),
    ("weight is a number", (*Q0, "weight"), "3", "sections[0].questions[0].weight: must be a num"),
    ("weight >= 0", (*Q0, "weight"), -1, "sections[0].questions[0].weight: must be >= 0"),
    ("weight is finite", (*Q0, "weight"), float("inf"), "questions[0].weight: must be a number"),
    ("dimension is service or experience", (*Q0, "dimension"), "staff",
     "sections[0].questions[0].dimension: must be service or experience"),
    ("touchpoint is a name", (*Q0, "touchpoint"), "", "questions[0].touchpoint: must be a non-emp"),
    ("critical is a boolean", (*Q0, "critical"), "yes", "questions[0].critical: must be true or"),
    ("allow_na is a boolean", (*Q0, "allow_na"), 1, "questions[0].allow_na: must be true or false"),
    ("required is a boolean", (*Q0, "required"), "no", "questions[0].required: must be true or"),
    ("invert is a boolean", (*Q0, "invert"), None, "questions[0].invert: must be true or false"),
    ("help is text", (*Q0, "help"), ["x"], "questions[0].help: must be a text or a map"),
    ("scale keys only on scale", (*Q0, "min"), 0, "questions[0].min: only for scale questions"),
    ("options only on choice", (*Q0, "options"), [], "questions[0].options: only for choice"),
    ("bands only on number", (*Q0, "bands"), [], "questions[0].bands: only for number questions"),
    ("unit only on number", (*Q0, "unit"), "s", "questions[0].unit: only for number questions"),
    ("timer only on number", (*Q0, "timer"), True, "questions[0].timer: only for number"),
]


@pytest.mark.parametrize(("path", "value", "expected"), [r[1:] for r in RULES],
                         ids=[r[0] for r in RULES])
def test_invalid_document_names_the_path(path, value, expected):
    doc = questionnaire_doc(yes_no("q1"))
    doc = value if path == () else set_in(doc, path, value)
    assert any(expected in error for error in errors_of(doc)), errors_of(doc)


# (rule, questions, expected error) for rules that need more than one change
QUESTION_RULES = [
    ("question ids unique across sections", None,
     "sections[1].questions[0].id: duplicate question id a"),
    ("section ids unique", None, "sections[1].id: duplicate section id main"),
    ("text is never scored", [text("t", weight=1)],
     "questions[0].weight: must be 0: text questions are never scored"),
    ("photo is never scored", [photo("p", weight=2)],
     "questions[0].weight: must be 0: photo questions are never scored"),
    ("critical only on scored types", [text("t", critical=True)],
     "questions[0].critical: only for choice and number and scale and yes_no questions"),
    ("invert only on yes_no", [scale("s", invert=True)], "questions[0].invert: only for yes_no"),
    ("scale min < max", [scale("s", min=3, max=3)], "questions[0].max: must be greater than min"),
    ("scale min is an integer", [scale("s", min=0.5)], "questions[0].min: must be an integer"),
    ("scale max is an integer", [scale("s", max="10")], "questions[0].max: must be an integer"),
    ("choice needs options", [{"id": "c", "text": "C", "type": "choice"}],
     "questions[0].options: required for choice questions"),
    ("choice options not empty", [choice("c", options=[])], "questions[0].options: must be a non"),
    ("option value is a slug", [choice("c", options=[{"value": "Good", "label": "G",
                                                       "score": 1}])],
     "questions[0].options[0].value: must be a slug"),
    ("option values unique", [choice("c", options=[{"value": "a", "label": "A", "score": 1},
                                                   {"value": "a", "label": "B", "score": 0}])],
     "questions[0].options[1].value: duplicate option value a"),
    ("option label required", [choice("c", options=[{"value": "a", "score": 1}])],
     "questions[0].options[0].label: required"),
    ("option score required", [choice("c", options=[{"value": "a", "label": "A"}])],
     "questions[0].options[0].score: required"),
    ("option score in [0, 1]", [choice("c", options=[{"value": "a", "label": "A", "score": 2}])],
     "questions[0].options[0].score: must be between 0 and 1"),
    ("option unknown key", [choice("c", options=[{"value": "a", "label": "A", "score": 1,
                                                  "weight": 1}])],
     "questions[0].options[0].weight: unknown key"),
    ("number needs bands", [{"id": "n", "text": "N", "type": "number"}],
     "questions[0].bands: required for number questions"),
    ("bands ascending", [number("n", bands=[{"max": 5, "score": 1}, {"max": 2, "score": 0}])],
     "questions[0].bands[1].max: must be greater than the previous band's max"),
    ("only the last band omits max", [number("n", bands=[{"score": 1}, {"max": 2, "score": 0}])],
     "questions[0].bands[0].max: required (only the last band may omit max)"),
    ("band score in [0, 1]", [number("n", bands=[{"max": 2, "score": -0.5}])],
     "questions[0].bands[0].score: must be between 0 and 1"),
    ("band max is a number", [number("n", bands=[{"max": "2", "score": 1}])],
     "questions[0].bands[0].max: must be a number"),
    ("timer is a boolean", [number("n", timer="on")], "questions[0].timer: must be true or false"),
    ("show_if names an earlier question", [yes_no("a", show_if={"question": "b",
                                                               "equals": "yes"}), yes_no("b")],
     "questions[0].show_if.question: must be the id of an earlier question, not b"),
    ("show_if not on itself", [yes_no("a", show_if={"question": "a", "equals": "yes"})],
     "questions[0].show_if.question: must be the id of an earlier question, not a"),
    ("show_if question required", [yes_no("a"), yes_no("b", show_if={"equals": "yes"})],
     "questions[1].show_if.question: required"),
    ("show_if needs equals or in", [yes_no("a"), yes_no("b", show_if={"question": "a"})],
     "questions[1].show_if: needs exactly one of equals or in"),
    ("show_if not both equals and in", [yes_no("a"), yes_no("b", show_if={
        "question": "a", "equals": "yes", "in": ["yes"]})],
     "questions[1].show_if: needs exactly one of equals or in"),
    ("show_if in is a non-empty list", [yes_no("a"), yes_no("b", show_if={"question": "a",
                                                                         "in": []})],
     "questions[1].show_if.in: must be a non-empty list"),
    ("show_if value is a possible answer", [yes_no("a"), yes_no("b", show_if={
        "question": "a", "equals": "maybe"})],
     "questions[1].show_if.equals: 'maybe' is not a possible answer to a"),
    ("show_if choice value is an option", [choice("a"), yes_no("b", show_if={
        "question": "a", "in": ["good", "great"]})],
     "questions[1].show_if.in[1]: 'great' is not a possible answer to a"),
    ("show_if scale value in range", [scale("a"), yes_no("b", show_if={
        "question": "a", "equals": 6})],
     "questions[1].show_if.equals: 6 is not a possible answer to a"),
    ("show_if na only where allowed", [yes_no("a"), yes_no("b", show_if={
        "question": "a", "equals": "na"})],
     "questions[1].show_if.equals: 'na' is not a possible answer to a"),
    ("show_if not on a photo", [photo("p"), yes_no("b", show_if={"question": "p", "equals": "x"})],
     "questions[1].show_if.question: cannot depend on a photo question"),
    ("show_if unknown key", [yes_no("a"), yes_no("b", show_if={
        "question": "a", "equals": "yes", "when": "always"})],
     "questions[1].show_if.when: unknown key"),
]


@pytest.mark.parametrize(("questions", "expected"), [r[1:] for r in QUESTION_RULES],
                         ids=[r[0] for r in QUESTION_RULES])
def test_invalid_question_names_the_path(questions, expected):
    if questions is None:  # the two rules that need a second section
        doc = questionnaire_doc(yes_no("a"))
        second = {"id": "other", "title": "Other", "questions": [yes_no("a")]}
        if "section ids" in expected or "duplicate section" in expected:
            second["id"] = "main"
            second["questions"] = [yes_no("b")]
        doc["sections"].append(second)
    else:
        doc = questionnaire_doc(*questions)
    errors = errors_of(doc)
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize("kind", ["text", "photo"])
def test_unscored_types_accept_weight_zero(kind):
    doc = questionnaire_doc({"id": "x", "text": "X", "type": kind, "weight": 0})
    assert parse_questionnaire(doc).questions[0].weight == 0


def test_a_valid_questionnaire_accepts_every_key_of_the_spec():
    doc = questionnaire_doc(
        yes_no("a", weight=2.5, dimension="service", touchpoint="greeting", critical=True,
               allow_na=True, required=False, invert=True, help={"en": "Help", "es": "Ayuda"}),
        scale("b", min=0, max=10, show_if={"question": "a", "in": ["yes", "na"]}),
        choice("c", options=[{"value": "x", "label": {"en": "X", "fr": "X"}, "score": 0.25}]),
        number("d", unit="minutes", timer=True, bands=[{"max": 1.5, "score": 1}]),
        text("e", required=False), photo("f", allow_na=True),
        title={"en": "T", "pt-BR": "T"}, version=3, channels=["phone", "online"],
    )
    questionnaire = parse_questionnaire(doc)
    assert questionnaire.version == 3
    assert questionnaire.question("b").show_if.values == ("yes", "na")
    assert parse_questionnaire(to_document(questionnaire)) == questionnaire


@pytest.mark.parametrize(("locale", "expected"), [
    ("es", "Visita a tienda"), ("es-MX", "Visita a tienda"), ("de", "Retail visit"),
    (None, "Retail visit"),
])
def test_localized_texts_fall_back_to_english(locale, expected):
    title = {"en": "Retail visit", "es": "Visita a tienda"}
    assert localized(title, locale) == expected
    assert localized("Plain", locale) == "Plain"
