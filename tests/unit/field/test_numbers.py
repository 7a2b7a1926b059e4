"""Reading a typed number: the shared table of cases, which the page's script passes too
(tests/browser/test_numbers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel import Locale

from shopper.config import LANGUAGES
from shopper.field.numbers import NotANumber, number_symbols, read_number

CASES = json.loads((Path(__file__).parents[2] / "fixtures" / "number_cases.json")
                   .read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case['locale']}:{case['raw']!r}")
def test_a_number_is_read_as_the_table_says(case):
    if case["expected"] == "not_a_number":
        with pytest.raises(NotANumber):
            read_number(case["raw"], case["locale"])
        return
    value = read_number(case["raw"], case["locale"])
    if case["expected"] == "unanswered":
        assert value is None
    else:
        assert value == case["expected"]
        assert type(value) is type(case["expected"])  # 1000, not 1000.0


@pytest.mark.parametrize("locale", sorted({*LANGUAGES, *(case["locale"] for case in CASES)}))
def test_the_script_can_write_every_locales_numbers(locale):
    # static/js/numbers.js redoes Babel's grouping check with this pattern: groups of
    # three, no minimum integer digits beyond one, up to three decimals, "-" for minus.
    pattern = Locale.parse(locale).decimal_formats[None]
    assert pattern.grouping == (3, 3)
    assert pattern.int_prec[0] == 1 and pattern.frac_prec == (0, 3)
    assert pattern.prefix == ("", "-") and pattern.suffix == ("", "")


def test_the_symbols_the_page_hands_to_its_script():
    assert number_symbols("de") == {"decimal": ",", "group": ".", "minus": "-"}
    assert number_symbols("en") == {"decimal": ".", "group": ",", "minus": "-"}
    assert number_symbols("fr")["group"] == "\u202f"  # narrow no-break space


def test_not_a_number_is_a_value_error():
    with pytest.raises(ValueError, match="ten"):
        read_number("ten", "en")
