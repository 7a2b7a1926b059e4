"""Scorecard pages: the overview of a client's (or a region's) locations with the
service-against-experience map, a location's scorecard, a visit as the client reads it,
and CSV exports. For managers (their regions), admins and client viewers (their
client's locations, read-only, never who the shopper was). Outside scope: 404."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlmodel import select

from .. import db
from ..auth.permissions import get_visible, get_visible_by_uuid
from ..auth.session import roles_required
from ..exceptions import InvalidInput, NotFound
from ..models import Client, Location, Region, Visit, utcnow
from ..periods import client_zone
from ..review.queue import answer_sections
from ..templating import format_score
from . import display, exports, services
from .forms import TargetForm
from .periods import Period, default_period, parse_period, recent_periods

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")

READERS = ("admin", "manager", "client")


def _today(client: Client | None = None):
    zone = client_zone(client, current_app.config["DEFAULT_TIMEZONE"])
    return utcnow().astimezone(zone).date()


def _period(client: Client | None = None) -> tuple[Period, InvalidInput | None]:
    """The period the request asks for, or the default with the reason it was not
    understood (shown beside the picker)."""
    today = _today(client)
    try:
        return parse_period(request.args.get("period"), request.args.get("from"),
                            request.args.get("to"), today=today), None
    except InvalidInput as error:
        return default_period(today), error


def _period_args(period: Period) -> dict[str, str]:
    if period.kind == "range":
        return {"from": period.first.isoformat(), "to": period.last.isoformat()}
    return {"period": period.key}


def _scope_args() -> dict[str, str]:
    return {name: request.args[name] for name in ("client", "region")
            if request.args.get(name)}


def _scope() -> services.Scope:
    """The client and region the request names, within the user's scope."""
    return services.scorecard_scope(session=db.get_session(), user=g.user,
                                    client_id=request.args.get("client"),
                                    region_id=request.args.get("region"))


def _visit_href(figure_uuid: str) -> str:
    if g.user.role == "client":
        return url_for("scorecards.client_visit", visit_uuid=figure_uuid)
    return url_for("review.review_visit", visit_uuid=figure_uuid)


@bp.get("")
@roles_required(*READERS)
def overview():
    scope = _scope()
    period, period_error = _period(scope.client)
    data = services.overview(session=db.get_session(), user=g.user, period=period,
                             scope=scope)
    sort = request.args.get("sort") if request.args.get("sort") in services.SORT_KEYS else "cx"
    descending = request.args.get("dir", "asc" if sort in ("name", "region") else "desc") == "desc"
    rows = services.sorted_locations(data.locations, sort, descending)
    args = _period_args(period) | _scope_args()
    sort_args = {"sort": sort, "dir": "desc" if descending else "asc"}

    def location_href(figure):
        return url_for("scorecards.location", location_id=figure.location.id,
                       **_period_args(period))

    return render_template(
        "scorecards/overview.html", data=data, rows=rows, sort=sort, descending=descending,
        args=args, period_error=period_error, display=display,
        args_without_period=_scope_args() | sort_args, args_without_scope=_period_args(period),
        periods=recent_periods(_today(scope.client)), clients=scope.clients,
        regions=scope.regions,
        quadrant=display.quadrant(data.locations, data.client.target, href=location_href),
        corners=display.corners(data.locations, data.client.target),
        location_href=location_href, thin_evidence=services.THIN_EVIDENCE,
        target_form=TargetForm(formdata=None, target=format_score(data.client.target))
        if g.user.role == "admin" else None)


@bp.get("/locations/<int:location_id>")
@roles_required(*READERS)
def location(location_id: int):
    session = db.get_session()
    place = get_visible(session, g.user, Location, location_id)
    region = session.get(Region, place.region_id)
    client = session.get(Client, region.client_id)
    period, period_error = _period(client)
    page = services.location_page(session=session, location=place, period=period,
                                  default_zone=current_app.config["DEFAULT_TIMEZONE"])
    return render_template(
        "scorecards/location.html", page=page, period_error=period_error, display=display,
        args=_period_args(period), periods=recent_periods(_today(client)),
        journey=display.journey_chart(page),
        sections=display.section_chart(page), trends=display.trend_charts(page),
        zone=client_zone(client, current_app.config["DEFAULT_TIMEZONE"]),
        visit_href=_visit_href, thin_evidence=services.THIN_EVIDENCE)


@bp.get("/visits/<visit_uuid>")
@roles_required(*READERS)
def client_visit(visit_uuid: str):
    """An approved visit as the client reads it: answers, scores, comments; never who
    the shopper was. Reviewers go to the review page, which has more."""
    session = db.get_session()
    visit = get_visible_by_uuid(session, g.user, Visit, visit_uuid)
    if g.user.role != "client":
        return redirect(url_for("review.review_visit", visit_uuid=visit.uuid))
    if visit.status != "approved":
        raise NotFound(f"visit {visit_uuid}")
    place = session.get(Location, visit.location_id)
    region = session.get(Region, place.region_id)
    client = session.get(Client, region.client_id)
    return render_template(
        "scorecards/visit.html", visit=visit, location=place, region=region,
        sections=answer_sections(session=session, visit=visit),
        zone=client_zone(client, current_app.config["DEFAULT_TIMEZONE"]))


@bp.post("/clients/<int:client_id>/target")
@roles_required("admin")
def set_target(client_id: int):
    """An admin sets the client's target score: the line on bars and trends, and where
    the map splits."""
    form = TargetForm()
    back = url_for("scorecards.overview", client=client_id)
    if not form.validate_on_submit():
        flash(_("The page was open too long. Reload it and try again."), "error")
        return redirect(back)
    try:
        client = services.set_target(session=db.get_session(), user=g.user,
                                     client_id=client_id, target=form.target.data,
                                     locale=str(get_locale() or "en"))
    except InvalidInput as error:
        flash(_("%(field)s: %(message)s", field=_("Target score"), message=error.message),
              "error")
        return redirect(back)
    db.commit()
    flash(_("The target of %(client)s is now %(score)s.", client=client.name,
            score=format_score(client.target)), "success")
    return redirect(back)


def _csv(name: str, text: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/overview.csv")
@roles_required(*READERS)
def export_overview():
    scope = _scope()
    period, error = _period(scope.client)
    if error is not None:
        raise error
    data = services.overview(session=db.get_session(), user=g.user, period=period,
                             scope=scope)
    return _csv(f"scorecards-{period.key}.csv".replace("..", "_"), exports.overview_csv(data))


@bp.get("/visits.csv")
@roles_required(*READERS)
def export_visits():
    """The approved visits of the scope and period with their scores (and answers)."""
    session = db.get_session()
    location_id = request.args.get("location")
    if location_id is not None:
        try:
            places = [get_visible(session, g.user, Location, int(location_id))]
        except (ValueError, OverflowError):
            raise NotFound(f"location {location_id}") from None
        client = session.exec(select(Client).join(Region, Region.client_id == Client.id)
                              .where(Region.id == places[0].region_id)).one()
    else:
        scope = _scope()
        client, places = scope.client, [place for place, _region in scope.locations]
    period, error = _period(client)
    if error is not None:
        raise error
    text = exports.visits_csv(session=session, locations=places, period=period,
                              with_shopper=g.user.role != "client",
                              default_zone=current_app.config["DEFAULT_TIMEZONE"])
    return _csv(f"visits-{period.key}.csv".replace("..", "_"), text)
