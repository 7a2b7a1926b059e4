"""Shopper: a self-hostable mystery-shopping platform."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and commands.

    Settings come from `config.DEFAULTS`, then the environment, then `test_config`.
    Refuses to build a production app with the development SECRET_KEY.
    """
    from . import auth, cli, config, db, errors, i18n, jobs, questionnaires, security, templating
    from .api import review as api_review  # noqa: F401  (routes on the API blueprint)
    from .api import views as api_views
    from .auth import views as auth_views
    from .field import views as field_views
    from .main import views as main_views
    from .reports import views as report_views
    from .review import views as review_views
    from .scorecards import views as scorecard_views

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
    questionnaires.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    for blueprint in (auth_views.bp, main_views.bp, field_views.bp, api_views.bp,
                      review_views.bp, scorecard_views.bp, report_views.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    jobs.configure(app)
    if app.config["TRUSTED_PROXIES"] > 0:  # the client's address from the proxies' headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        trusted = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)
    _warn_about(app)
    return app


def _warn_about(app: Flask) -> None:
    """Settings that work but should not in production: said once, at start."""
    from .reports import pdf

    if not app.config.get("BASE_URL") and not app.config["DEVELOPMENT"]:
        app.logger.warning("BASE_URL is not set: links in e-mails name http://localhost:5000 "
                           "(set it to the public address, e.g. https://shopper.example.org)")
    if not pdf.fast_font_subsetting():
        app.logger.warning("WeasyPrint cannot load libharfbuzz-subset0: PDFs are drawn about "
                           "twice as slowly (install Debian's libharfbuzz-subset0)")
