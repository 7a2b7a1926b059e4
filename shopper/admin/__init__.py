"""Administration: clients, regions, locations, users, questionnaires, assignments."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from .questionnaires import guard_published_versions

    guard_published_versions()
