"""Shopper: a self-hostable mystery-shopping platform."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and commands."""
    from . import cli, config

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    cli.init_app(app)
    return app
