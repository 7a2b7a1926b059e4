"""Problems: every code the engine reports, with its path, params and English message."""

from __future__ import annotations

import pytest

from shopper.scoring import (
    CHANNELS,
    PROBLEM_TEMPLATES,
    QUESTION_TYPES,
    InvalidAnswers,
    Problem,
    QuestionnaireError,
    parse_questionnaire,
    score_visit,
)
from tests.factories import choice, number, photo, questionnaire_doc, scale, text, yes_no

Q0 = "sections[0].questions[0]"
Q1 = "sections[0].questions[1]"

# (case, questions, answers, channel, path, code, params, message); questions may also be
# a whole document when the questionnaire needs more than one section's worth.
VISITS = [
    ("answers not a map", [yes_no("q")], ["q"], None,
     "answers", "not_a_map", (), "must be a map of question id to answer"),
    ("channel unknown", {"channels": ["in_store", "online"]}, {"q": "yes"}, "phone",
     "channel", "unknown_channel", (("allowed", ("in_store", "online")),),
     "must be one of in_store, online"),
    ("question unknown", [yes_no("q")], {"q": "yes", "extra": 1}, None,
     "extra", "unknown_question", (), "unknown question"),
    ("required question unanswered", [yes_no("q")], {}, None,
     "q", "required", (), "required"),
    ("na refused by a yes_no", [yes_no("q")], {"q": "na"}, None,
     "q", "not_allowed_na", (), "not applicable is not allowed"),
    ("na refused by a number", [number("q")], {"q": "na"}, None,
     "q", "not_allowed_na", (), "not applicable is not allowed"),
    ("yes_no neither yes nor no", [yes_no("q")], {"q": "maybe"}, None,
     "q", "expected_yes_no", (), "expected yes or no"),
    ("scale above max", [scale("q")], {"q": 7}, None,
     "q", "out_of_range", (("min", 1), ("max", 5)), "expected integer 1..5"),
    ("scale not an integer", [scale("q", min=0, max=10)], {"q": 3.5}, None,
     "q", "out_of_range", (("min", 0), ("max", 10)), "expected integer 0..10"),
    ("scale a word", [scale("q", allow_na=True)], {"q": "five"}, None,
     "q", "out_of_range", (("min", 1), ("max", 5)), "expected integer 1..5"),
    ("number negative", [number("q")], {"q": -1}, None,
     "q", "out_of_range", (("min", 0), ("max", None)), "expected a number >= 0"),
    ("choice not an option", [choice("q")], {"q": "great"}, None,
     "q", "not_an_option", (("options", ("good", "fair", "poor")),),
     "expected one of good, fair, poor"),
    ("number a string", [number("q")], {"q": "3"}, None,
     "q", "not_a_number", (), "expected a number >= 0"),
    ("number a boolean", [number("q")], {"q": True}, None,
     "q", "not_a_number", (), "expected a number >= 0"),
    ("number not finite", [number("q")], {"q": float("inf")}, None,
     "q", "not_a_number", (), "expected a number >= 0"),
    ("number above every band", [number("q", bands=[{"max": 2, "score": 1},
                                                    {"max": 5, "score": 0}])],
     {"q": 7.5}, None,
     "q", "above_every_band", (("value", 7.5), ("max", 5.0)), "7.5 is above every band"),
    ("text not a string", [text("q")], {"q": 42}, None,
     "q", "expected_text", (), "expected text"),
    ("photo not a list", [photo("q")], {"q": "a.jpg"}, None,
     "q", "expected_photo_refs", (), "expected a list of photo references"),
]


@pytest.mark.parametrize(("questions", "answers", "channel", "path", "code", "params",
                          "message"), [c[1:] for c in VISITS], ids=[c[0] for c in VISITS])
def test_visit_problem(questions, answers, channel, path, code, params, message):
    if isinstance(questions, dict):
        document = questionnaire_doc(yes_no("q"), **questions)
    else:
        document = questionnaire_doc(*questions)
    with pytest.raises(InvalidAnswers) as caught:
        score_visit(parse_questionnaire(document), answers, channel)
    assert caught.value.problems == (Problem(path, code, params),)
    (problem,) = caught.value.problems
    assert problem.message == message
    assert caught.value.errors == ((path, message),)
    assert caught.value.messages == [f"{path}: {message}"]


def _doc(*questions, **top):
    return questionnaire_doc(*questions, **top)


def _two_sections():
    document = _doc(yes_no("a"))
    document["sections"].append({"id": "main", "title": "Again", "questions": [yes_no("b")]})
    return document


def _section(**changes):
    document = _doc(yes_no("q"))
    document["sections"][0].update(changes)
    return document


def _without(key):
    document = _doc(yes_no("q"))
    del document[key]
    return document


def _options(*values):
    return [{"value": v, "label": v, "score": 1} for v in values]


# (case, document, path, code, params, message): each document has exactly one problem.
QUESTIONNAIRES = [
    ("document not a mapping", ["id"], "(document)", "not_a_mapping", (), "must be a mapping"),
    ("section not a mapping", _doc(sections=["main"]),
     "sections[0]", "not_a_mapping", (), "must be a mapping"),
    ("unknown key", _doc(colour="red"), "colour", "unknown_key", (), "unknown key"),
    ("id required", _without("id"), "id", "required", (), "required"),
    ("id not a slug", _doc(id="Test"), "id", "not_a_slug", (),
     "must be a slug (lower-case letters, digits, '-' and '_')"),
    ("title blank", _doc(title=" "), "title", "empty_text", (), "must not be empty"),
    ("title an empty map", _doc(title={}), "title", "empty_text_map", (),
     "must be a text or a non-empty map of locale to text"),
    ("title locale not a locale", _doc(title={"English": "x"}), "title.English",
     "not_a_locale", (), "not a locale code (e.g. en, es, pt-BR)"),
    ("title locale text empty", _doc(title={"en": ""}), "title.en", "empty_translation", (),
     "must be a non-empty text"),
    ("title not a text", _doc(title=12), "title", "not_a_text", (),
     "must be a text or a map of locale to text"),
    ("critical not a boolean", _doc(yes_no("q", critical="yes")), f"{Q0}.critical",
     "not_a_boolean", (), "must be true or false"),
    ("weight not a number", _doc(yes_no("q", weight="3")), f"{Q0}.weight",
     "must_be_number", (), "must be a number"),
    ("scale min not an integer", _doc(scale("q", min=0.5)), f"{Q0}.min",
     "must_be_integer", (), "must be an integer"),
    ("version below 1", _doc(version=0), "version", "must_be_integer_at_least",
     (("min", 1),), "must be an integer >= 1"),
    ("weight negative", _doc(yes_no("q", weight=-1)), f"{Q0}.weight", "must_be_at_least",
     (("min", 0),), "must be >= 0"),
    ("option score above 1",
     _doc(choice("q", options=[{"value": "a", "label": "A", "score": 2}])),
     f"{Q0}.options[0].score", "must_be_between", (("min", 0), ("max", 1)),
     "must be between 0 and 1"),
    ("sections empty", _doc(sections=[]), "sections", "must_be_non_empty_list", (),
     "must be a non-empty list"),
    ("channels empty", _doc(channels=[]), "channels", "must_be_channel_list", (),
     "must be a non-empty list of channels"),
    ("channel unknown", _doc(channels=["in_store", "mail"]), "channels[1]", "unknown_channel",
     (("allowed", CHANNELS),), "must be one of in_store, online, phone"),
    ("section channel not the questionnaire's", _section(channels=["online"]),
     "sections[0].channels[0]", "not_a_subset",
     (("channel", "online"), ("allowed", ("in_store",))),
     "online is not a channel of the questionnaire"),
    ("channel repeated", _doc(channels=["online", "online"]), "channels[1]",
     "duplicate_channel", (("channel", "online"),), "duplicate channel online"),
    ("section id repeated", _two_sections(), "sections[1].id", "duplicate_id",
     (("kind", "section"), ("id", "main")), "duplicate section id main"),
    ("question id repeated", _doc(yes_no("q"), yes_no("q")), f"{Q1}.id", "duplicate_id",
     (("kind", "question"), ("id", "q")), "duplicate question id q"),
    ("option value repeated", _doc(choice("q", options=_options("a", "a"))),
     f"{Q0}.options[1].value", "duplicate_option", (("value", "a"),),
     "duplicate option value a"),
    ("option value na", _doc(choice("q", options=_options("a", "na"))),
     f"{Q0}.options[1].value", "reserved_na", (), "na is reserved for 'not applicable'"),
    ("type unknown", _doc(yes_no("q", type="stars")), f"{Q0}.type", "unknown_type",
     (("allowed", QUESTION_TYPES),),
     "must be one of yes_no, scale, choice, number, text, photo"),
    ("min on a yes_no", _doc(yes_no("q", min=1)), f"{Q0}.min", "only_for_types",
     (("types", ("scale",)),), "only for scale questions"),
    ("critical on a text", _doc(text("q", critical=False)), f"{Q0}.critical",
     "only_for_types", (("types", ("choice", "number", "scale", "yes_no")),),
     "only for choice and number and scale and yes_no questions"),
    ("weight on a text", _doc(text("q", weight=1)), f"{Q0}.weight", "never_scored",
     (("type", "text"),), "must be 0: text questions are never scored"),
    ("dimension unknown", _doc(yes_no("q", dimension="staff")), f"{Q0}.dimension",
     "unknown_dimension", (("allowed", ("service", "experience")),),
     "must be service or experience"),
    ("touchpoint blank", _doc(yes_no("q", touchpoint=" ")), f"{Q0}.touchpoint", "not_a_name",
     (), "must be a non-empty name"),
    ("scale max not above min", _doc(scale("q", min=5, max=5)), f"{Q0}.max",
     "max_not_above_min", (("min", 5), ("max", 5)), "must be greater than min"),
    ("choice without options", _doc({"id": "q", "text": "q", "type": "choice"}),
     f"{Q0}.options", "required_for_type", (("type", "choice"),),
     "required for choice questions"),
    ("number without bands", _doc({"id": "q", "text": "q", "type": "number"}),
     f"{Q0}.bands", "required_for_type", (("type", "number"),),
     "required for number questions"),
    ("band max omitted before the last", _doc(number("q", bands=[{"score": 1},
                                                                 {"max": 5, "score": 0}])),
     f"{Q0}.bands[0].max", "band_max_required", (),
     "required (only the last band may omit max)"),
    ("bands not ascending", _doc(number("q", bands=[{"max": 5, "score": 1},
                                                    {"max": 2, "score": 0}])),
     f"{Q0}.bands[1].max", "band_not_ascending", (("previous", 5),),
     "must be greater than the previous band's max"),
    ("show_if on a later question",
     _doc(yes_no("q", show_if={"question": "later", "equals": "yes"}), yes_no("later")),
     f"{Q0}.show_if.question", "not_an_earlier_question", (("question", "later"),),
     "must be the id of an earlier question, not later"),
    ("show_if on a photo",
     _doc(photo("p"), yes_no("q", show_if={"question": "p", "equals": "x"})),
     f"{Q1}.show_if.question", "depends_on_photo", (), "cannot depend on a photo question"),
    ("show_if without equals or in", _doc(yes_no("a"), yes_no("q", show_if={"question": "a"})),
     f"{Q1}.show_if", "needs_equals_or_in", (), "needs exactly one of equals or in"),
    ("show_if value not an answer",
     _doc(yes_no("a"), yes_no("q", show_if={"question": "a", "equals": "maybe"})),
     f"{Q1}.show_if.equals", "not_a_possible_answer",
     (("value", "'maybe'"), ("question", "a")), "'maybe' is not a possible answer to a"),
]


@pytest.mark.parametrize(("document", "path", "code", "params", "message"),
                         [c[1:] for c in QUESTIONNAIRES], ids=[c[0] for c in QUESTIONNAIRES])
def test_questionnaire_problem(document, path, code, params, message):
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(document)
    assert caught.value.problems == (Problem(path, code, params),)
    (problem,) = caught.value.problems
    assert problem.message == message
    assert caught.value.errors == (f"{path}: {message}",)
    assert str(caught.value) == f"{path}: {message}"


def test_every_code_has_a_case():
    tested = {c[5] for c in VISITS} | {c[3] for c in QUESTIONNAIRES}
    assert tested == set(PROBLEM_TEMPLATES)


def test_a_problem_is_a_hashable_value_with_its_params_by_name():
    problem = Problem("q", "out_of_range", (("min", 1), ("max", 5)))
    assert problem == Problem("q", "out_of_range", (("min", 1), ("max", 5)))
    assert len({problem, Problem("q", "out_of_range", (("min", 1), ("max", 5)))}) == 1
    assert problem.param("max") == 5
    assert problem.param("options") is None
    assert problem.param("options", ()) == ()
    assert problem.params_dict == {"min": 1, "max": 5}
    assert str(problem) == "q: expected integer 1..5"


def test_every_problem_of_a_visit_is_kept_in_order_with_missing_answers_last():
    questionnaire = parse_questionnaire(questionnaire_doc(yes_no("a"), scale("b"), choice("c")))
    with pytest.raises(InvalidAnswers) as caught:
        score_visit(questionnaire, {"c": "great", "b": 9, "x": 1})
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("x", "unknown_question"), ("b", "out_of_range"), ("c", "not_an_option"),
        ("a", "required"),
    ]
    assert str(caught.value) == "; ".join(caught.value.messages)
