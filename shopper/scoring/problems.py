"""What the engine finds wrong: a stable code and its parameters, not a sentence.

A `Problem` names where it is (`path`), what rule it breaks (`code`) and the values
that rule needs (`params`). Its English `message` is made from those through one
table, `TEMPLATES`, so that the web app can say the same thing in the shopper's
language by looking up the code instead of reading the English.

Problems are only built once something is wrong: scoring a valid visit makes none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: code -> English template, formatted with the problem's params. A tuple param is
#: joined by its format spec: ``{allowed:, }`` gives ``in_store, online``, ``{types: and }``
#: gives ``scale and yes_no``.
TEMPLATES: Mapping[str, str] = {
    # --- both: answers and questionnaire documents
    "required": "required",
    "unknown_channel": "must be one of {allowed:, }",
    # --- answers (spec/scoring.md section 2); the path is a question id, `answers` or
    # `channel`
    "not_a_map": "must be a map of question id to answer",
    "unknown_question": "unknown question",
    "not_allowed_na": "not applicable is not allowed",
    "expected_yes_no": "expected yes or no",
    "out_of_range": "expected integer {min}..{max}",  # max None: see _OPEN_ENDED
    "not_an_option": "expected one of {options:, }",
    "not_a_number": "expected a number >= 0",
    "above_every_band": "{value} is above every band",
    "expected_text": "expected text",
    "expected_photo_refs": "expected a list of photo references",
    # --- questionnaire documents (section 1); the path is in the document, e.g.
    # `sections[1].questions[0].weight`
    "not_a_mapping": "must be a mapping",
    "unknown_key": "unknown key",
    "not_a_slug": "must be a slug (lower-case letters, digits, '-' and '_')",
    "not_a_text": "must be a text or a map of locale to text",
    "empty_text": "must not be empty",
    "empty_text_map": "must be a text or a non-empty map of locale to text",
    "not_a_locale": "not a locale code (e.g. en, es, pt-BR)",
    "empty_translation": "must be a non-empty text",
    "not_a_boolean": "must be true or false",
    "must_be_number": "must be a number",
    "must_be_integer": "must be an integer",
    "must_be_integer_at_least": "must be an integer >= {min}",
    "must_be_at_least": "must be >= {min}",
    "must_be_between": "must be between {min} and {max}",
    "must_be_non_empty_list": "must be a non-empty list",
    "must_be_channel_list": "must be a non-empty list of channels",
    "not_a_subset": "{channel} is not a channel of the questionnaire",
    "duplicate_channel": "duplicate channel {channel}",
    "duplicate_id": "duplicate {kind} id {id}",
    "duplicate_option": "duplicate option value {value}",
    "reserved_na": "na is reserved for 'not applicable'",
    "unknown_type": "must be one of {allowed:, }",
    "only_for_types": "only for {types: and } questions",
    "never_scored": "must be 0: {type} questions are never scored",
    "unknown_dimension": "must be {allowed: or }",
    "not_a_name": "must be a non-empty name",
    "max_not_above_min": "must be greater than min",
    "required_for_type": "required for {type} questions",
    "band_max_required": "required (only the last band may omit max)",
    "band_not_ascending": "must be greater than the previous band's max",
    "not_an_earlier_question": "must be the id of an earlier question, not {question}",
    "depends_on_photo": "cannot depend on a photo question",
    "needs_equals_or_in": "needs exactly one of equals or in",
    "not_a_possible_answer": "{value} is not a possible answer to {question}",
}

#: The templates of ranges that are open above (a `max` param of None).
_OPEN_ENDED: Mapping[str, str] = {
    "out_of_range": "expected a number >= {min}",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a visit's answers or a questionnaire document."""

    #: Where: a question id, `answers` or `channel` for a visit; a path such as
    #: `sections[1].questions[0].weight` (or `(document)`) for a questionnaire.
    path: str
    #: Which rule is broken: a key of `TEMPLATES`, stable across releases.
    code: str
    #: The values the rule needs, in order, as `(name, value)` pairs; hashable.
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        """The value of the parameter `name`, or `default` when it has none."""
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def params_dict(self) -> dict[str, Any]:
        """The parameters as a new dict (e.g. for a translation's placeholders)."""
        return dict(self.params)

    @property
    def message(self) -> str:
        """What is wrong, in English, e.g. ``expected integer 1..5``."""
        params = dict(self.params)
        template = TEMPLATES[self.code]
        if "max" in params and params["max"] is None:
            template = _OPEN_ENDED.get(self.code, template)
        return template.format_map(
            {name: _Joined(value) if type(value) is tuple else value
             for name, value in params.items()}
        )

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class _Joined(tuple):
    """A tuple parameter in a template: its format spec is the separator."""

    __slots__ = ()

    def __format__(self, separator: str) -> str:
        return separator.join(map(str, self))
