from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from ..db import commit, get_session
from . import throttle
from .forms import LoginForm
from .services import authenticate
from .session import log_in, log_out, login_required

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path on this site: never an open redirect."""
    default = default or url_for("main.home")
    if not target:
        return default
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return default  # CR/LF would split the Location header
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.user is not None:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db_session = get_session()
        # Locked (too many failures): 429 before the password is even looked at.
        throttle.check(db_session, account=form.email.data)
        user = authenticate(session=db_session, email=form.email.data,
                            password=form.password.data)
        if user is not None:
            commit()
            log_in(user)
            return redirect(_safe_next(request.args.get("next"),
                                       url_for(f"main.home_{user.role}")))
        db_session.rollback()
        throttle.record_failure(db_session, kind="login", account=form.email.data)
        commit()
        # One message for an unknown e-mail and a wrong password.
        form.password.errors.append(_("The e-mail address or the password is not right."))
        current_app.logger.info("failed log-in for %r", form.email.data[:254])
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    log_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """The language picker: for a logged-in user it is saved on their account."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if g.user is not None:
            g.user.locale = locale
            get_session().add(g.user)
            commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own settings: for managers, whether critical-failure alerts come."""
    from ..reports.forms import AccountForm

    user = g.user
    form = AccountForm(obj=user if request.method == "GET" else None)
    if user.role == "manager" and form.validate_on_submit():
        user.alerts = bool(form.alerts.data)
        get_session().add(user)
        commit()
        flash(_("Alerts are on.") if user.alerts else _("Alerts are off."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, user=user)
