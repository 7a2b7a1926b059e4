"""Reading a number a shopper typed, by the rules of the shopper's language.

The plain HTML form reads with `read_number`; the page's script reads with
`readNumber` in static/js/numbers.js, which follows the same rules, so "1.000" on a
German phone is a thousand either way. tests/fixtures/number_cases.json holds the cases
both are tested against: change the rules in both files and in that table together.

The rules are Babel's strict parse (`parse_decimal(..., strict=True)`) in the shopper's
locale only, with no fallback to another language:

- surrounding whitespace is ignored, and empty text is no answer;
- the text holds only the digits 0-9, the locale's decimal symbol, the locale's group
  symbol and the signs "+" and "-": Babel hands the text to `decimal.Decimal`, which
  would also take "1e3", "NaN", "Infinity", "1_000" and other scripts' digits, and in a
  locale whose symbols are not "." it would take "." as a decimal point ("1.000" is one
  in French), none of which a shopper means;
- where a group symbol is used, the number must be grouped as the locale writes it (by
  threes; "1,00" is not a number in English), and a plain space is not the narrow
  no-break space French groups with;
- the value is a finite double, as it will be in JSON and in the script.
"""

from __future__ import annotations

import math
from decimal import InvalidOperation, localcontext

from babel.numbers import (
    NumberFormatError,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_decimal,
)

# Babel formats the parsed number again to check its grouping, in the current decimal
# context; the script assumes Python's default precision, so it is fixed here.
PRECISION = 28
SIGNS_AND_DIGITS = frozenset("+-0123456789")


class NotANumber(ValueError):
    """The text is not a number in the shopper's language."""


def number_symbols(locale: str) -> dict[str, str]:
    """The locale's decimal, group and minus symbols, for the page to hand to its script.

    Babel's parse (and so `read_number`) reads only "-" as a minus sign, even where the
    locale's own minus is another character (U+2212 in Swedish)."""
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale),
            "minus": get_minus_sign_symbol(locale)}


def read_number(raw: str | None, locale: str) -> int | float | None:
    """The number a shopper typed, or None when the text is empty or only whitespace.

    An int when the value is whole, else a float. Raises `NotANumber` when the text is
    not a number in `locale` (see the module's docstring for the rules)."""
    text = (raw or "").strip()
    if not text:
        return None
    allowed = SIGNS_AND_DIGITS | set(get_decimal_symbol(locale)) | set(get_group_symbol(locale))
    if not set(text) <= allowed:
        raise NotANumber(raw)
    try:
        with localcontext(prec=PRECISION):
            value = float(parse_decimal(text, locale=locale, strict=True))
    except (NumberFormatError, InvalidOperation) as error:
        # InvalidOperation: Babel's grouping check fails on more digits than PRECISION.
        raise NotANumber(raw) from error
    if not math.isfinite(value):
        raise NotANumber(raw)
    return int(value) if value.is_integer() else value
