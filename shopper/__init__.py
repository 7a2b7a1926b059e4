"""Shopper: a self-hostable mystery-shopping platform."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and commands.

    Settings come from `config.DEFAULTS`, then the environment, then `test_config`.
    Refuses to build a production app with the development SECRET_KEY.
    """
    from . import admin, api, auth, cli, config, db, errors, field, i18n, main, security, templating

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    config.finish(app.config, app.instance_path)

    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    admin.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(field.bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    return app
