from __future__ import annotations

import functools
from datetime import timedelta

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..auth.session import login_required
from ..db import get_session
from ..models import Client, utcnow
from ..review.queue import waiting_count
from . import services

bp = Blueprint("main", __name__)

#: How many of the visits a shopper sent their home page lists.
PAST_VISITS = 30


@bp.get("/healthz")
def healthz():
    """200 when the database answers; 503 when it does not (for load balancers)."""
    try:
        get_session().exec(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database does not answer")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/")
def home():
    if g.user is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(f"main.home_{g.user.role}"))


def home_of(role: str):
    """A role's home page: other roles are sent to their own."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped():
            if g.user.role != role:
                return redirect(url_for("main.home"))
            return view()

        return wrapped

    return decorator


@bp.get("/shopper")
@home_of("shopper")
def home_shopper():
    default_zone = current_app.config["DEFAULT_TIMEZONE"]
    assignments = services.shopper_assignments(session=get_session(), user=g.user,
                                               now=utcnow(), default_zone=default_zone)
    past = services.shopper_past_visits(session=get_session(), user=g.user,
                                        default_zone=default_zone, limit=PAST_VISITS)
    return render_template("main/shopper.html", assignments=assignments, past=past,
                           past_limit=PAST_VISITS)


@bp.get("/manager")
@home_of("manager")
def home_manager():
    regions = services.region_overview(session=get_session(), user=g.user,
                                       since=utcnow() - timedelta(days=30))
    return render_template("main/manager.html", regions=regions,
                           waiting=waiting_count(session=get_session(), user=g.user))


@bp.get("/admin")
@home_of("admin")
def home_admin():
    counts = services.programme_counts(session=get_session())
    return render_template("main/admin.html", counts=counts)


@bp.get("/client")
@home_of("client")
def home_client():
    session = get_session()
    client = session.get(Client, g.user.client_id)
    locations = services.client_locations(session=session, user=g.user)
    return render_template("main/client.html", client=client, locations=locations)
