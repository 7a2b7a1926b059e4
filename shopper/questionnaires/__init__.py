"""Questionnaires: lookup, the cached parse of a stored version, import and export, and
the guard that keeps a published version from ever changing.

Imported by the field, the API, the demo and the command line; the back office
(`admin/`) will use it too. Nothing here needs a request.
"""

from __future__ import annotations

from flask import Flask

from .guard import guard_published_versions
from .services import (
    cached_parse,
    export_questionnaire,
    find_questionnaire,
    import_questionnaire,
    parse_stored,
    questionnaire_of,
)

__all__ = [
    "cached_parse",
    "export_questionnaire",
    "find_questionnaire",
    "guard_published_versions",
    "import_questionnaire",
    "init_app",
    "parse_stored",
    "questionnaire_of",
]


def init_app(app: Flask) -> None:
    guard_published_versions()
