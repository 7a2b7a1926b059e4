"""Shared fixtures. Kept short: factories live in tests/factories.py."""

from __future__ import annotations

import pytest

from shopper import create_app


@pytest.fixture
def app():
    return create_app({"TESTING": True, "SHOPPER_ENV": "development"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
