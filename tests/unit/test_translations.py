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
