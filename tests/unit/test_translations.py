"""Every user-facing string is translated into Spanish, French and German."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "shopper" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_messages() -> set[str]:
    method_map = [("shopper/**.py", "python"), ("templates/**.html", "jinja2")]
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


@pytest.fixture(scope="module")
def source_messages():
    messages = extracted_messages()
    assert len(messages) > 50
    return messages


@pytest.mark.parametrize("language", ["es", "fr", "de"])
def test_catalog_translates_every_message(language, source_messages):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    translated = {_singular(m.id): m for m in catalog
                  if m.id and _forms(m.string) and all(_forms(m.string))
                  and "fuzzy" not in m.flags}
    missing = sorted(source_messages - set(translated))
    assert missing == [], f"run `make translations` and translate: {missing}"


@pytest.mark.parametrize("language", ["es", "fr", "de"])
def test_placeholders_survive_translation(language):
    import re

    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if message.id and message.string:
            for form in _forms(message.string):
                assert sorted(pattern.findall(_forms(message.id)[-1])) == sorted(
                    pattern.findall(form)), message.id


def _forms(text) -> tuple:
    """A message's text, or each of its plural forms."""
    return tuple(text) if isinstance(text, tuple | list) else (text,)


def _singular(message_id) -> str:
    return _forms(message_id)[0]


@pytest.mark.parametrize("locale", ["en", "es", "fr", "de"])
def test_format_score_says_what_babel_says(app, locale):
    """The fast score formatter gives Babel's digits, rounding and symbols."""
    import random

    from flask_babel import format_decimal, refresh

    from shopper.templating import format_score

    rng = random.Random(7)
    values = [0.0, 100.0, 0.05, 0.15, 0.25, 83.35, 83.25, 99.95, 12.345, 1 / 3, 200 / 3,
              -2.35, -0.04] + [rng.uniform(0, 100) for _ in range(2000)] \
        + [round(rng.uniform(0, 100), 2) for _ in range(2000)]
    with app.test_request_context(headers={"Accept-Language": locale}):
        refresh()
        assert format_score(83.25) == ("83.2" if locale == "en" else "83,2")
        for value in values:
            assert format_score(value) == format_decimal(value, "0.0"), value
