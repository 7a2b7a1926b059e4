"""Report pages: schedules (admins manage them, managers see and send those of their
regions), the delivery log, the client's archive of past reports, PDF downloads (a
location's drawn in the request, a roll-up prepared by a job), and "send now".
Outside a caller's scope: 404."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
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
from wtforms.fields.choices import SelectChoice

from .. import db, jobs
from ..auth.permissions import delivery_scope, get_visible, schedule_scope
from ..auth.session import roles_required
from ..exceptions import InvalidInput, NotFound
from ..models import Client, Location, Region, ReportDelivery, ReportSchedule, User
from ..periods import client_zone
from ..scorecards import display, services
from ..scorecards.periods import Period, parse_period, recent_periods
from . import data, preparing, render
from . import delivery as sending
from .forms import (
    FREQUENCY_LABELS,
    KIND_LABELS,
    LANGUAGE_LABELS,
    ButtonForm,
    PrepareForm,
    ScheduleForm,
    SendForm,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = ("admin", "manager", "client")
#: Rows of the delivery log a page shows.
LOG_ROWS = 50


def _locale() -> str:
    return str(get_locale() or "en")


def _pdf(content: bytes, name: str, *, inline: bool = False) -> Response:
    response = Response(content, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _period_arg(client: Client) -> Period:
    """A month or a quarter named by `period` (a report covers one); 404 otherwise."""
    try:
        period = parse_period(request.values.get("period"), today=render.today_in(client))
    except InvalidInput:
        abort(404)
    return period


# --- the hub ---------------------------------------------------------------------------


def _schedules(session, user: User) -> list[tuple[ReportSchedule, Client, Region | None]]:
    rows = session.exec(
        select(ReportSchedule, Client).join(Client, Client.id == ReportSchedule.client_id)
        .where(schedule_scope(user)).order_by(Client.name, ReportSchedule.id)).all()
    regions = {r.id: r for r in session.exec(select(Region))}
    return [(schedule, client, regions.get(schedule.region_id)) for schedule, client in rows]


def _deliveries(session, user: User, *, schedule_id: int | None = None,
                status: str | None = None, limit: int = LOG_ROWS) -> list[ReportDelivery]:
    query = select(ReportDelivery).where(delivery_scope(user))
    if schedule_id is not None:
        query = query.where(ReportDelivery.schedule_id == schedule_id)
    if status is not None:
        query = query.where(ReportDelivery.status == status)
    return list(session.exec(query.order_by(ReportDelivery.created_at.desc(),
                                            ReportDelivery.id.desc()).limit(limit)).all())


def _names(session) -> dict:
    return {"clients": {c.id: c.name for c in session.exec(select(Client))},
            "regions": {r.id: r.name for r in session.exec(select(Region))}}


@bp.get("")
@roles_required(*READERS)
def index():
    session = db.get_session()
    user = g.user
    clients = list(session.exec(select(Client).order_by(Client.name))) \
        if user.role == "admin" else []
    return render_template(
        "reports/index.html", schedules=_schedules(session, user),
        deliveries=_deliveries(session, user, limit=LOG_ROWS if user.role != "client" else 500),
        clients=clients, names=_names(session), labels=_labels(), zone=_zone(),
        period_name=_period_name)


def _zone():
    return client_zone(None, current_app.config["DEFAULT_TIMEZONE"])


def _period_name(key: str) -> str:
    try:
        return display.period_label(parse_period(key, today=render.today_in(None)))
    except InvalidInput:
        return key


def _labels() -> dict:
    return {"frequency": FREQUENCY_LABELS, "kind": KIND_LABELS, "language": LANGUAGE_LABELS,
            "status": {"queued": _("queued"), "sending": _("sending"), "sent": _("sent"),
                       "failed": _("failed")}}


# --- schedules -------------------------------------------------------------------------


def _schedule(schedule_id: int) -> ReportSchedule:
    return get_visible(db.get_session(), g.user, ReportSchedule, schedule_id)


def _region_choices(session, client: Client) -> list[tuple[str, str]]:
    regions = session.exec(select(Region).where(Region.client_id == client.id)
                           .order_by(Region.name)).all()
    return [SelectChoice("", _("The whole client"))] + [
        SelectChoice(str(r.id), _("Region %(name)s", name=r.name)) for r in regions]


def _fill(schedule: ReportSchedule, form: ScheduleForm) -> None:
    schedule.region_id = int(form.region.data) if form.region.data else None
    schedule.recipients = form.recipients.addresses
    schedule.frequency = form.frequency.data
    schedule.day_of_month = form.day_of_month.data
    schedule.locale = form.locale.data
    schedule.kind = form.kind.data
    schedule.active = form.active.data


def _edit(schedule: ReportSchedule, client: Client, *, new: bool):
    session = db.get_session()
    form = ScheduleForm(obj=None if request.method == "POST" else _form_data(schedule))
    form.region.choices = _region_choices(session, client)
    if form.validate_on_submit():
        _fill(schedule, form)
        session.add(schedule)
        db.commit()
        flash(_("The schedule is saved.") if not new else _("The schedule is made."),
              "success")
        return redirect(url_for("reports.schedule", schedule_id=schedule.id))
    status = 422 if request.method == "POST" else 200
    return render_template("reports/schedule_form.html", form=form, client=client,
                           schedule=schedule, new=new), status


class _Data:
    def __init__(self, **values):
        self.__dict__.update(values)


def _form_data(schedule: ReportSchedule) -> _Data:
    return _Data(region=str(schedule.region_id or ""),
                 recipients="\n".join(schedule.recipients), frequency=schedule.frequency,
                 day_of_month=schedule.day_of_month, locale=schedule.locale,
                 kind=schedule.kind, active=schedule.active)


@bp.route("/schedules/new", methods=["GET", "POST"])
@roles_required("admin")
def new_schedule():
    session = db.get_session()
    client = get_visible(session, g.user, Client, request.args.get("client", -1, type=int))
    schedule = ReportSchedule(client_id=client.id, locale=_locale())
    return _edit(schedule, client, new=True)


@bp.route("/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_schedule(schedule_id: int):
    schedule = _schedule(schedule_id)
    client = db.get_session().get(Client, schedule.client_id)
    return _edit(schedule, client, new=False)


@bp.post("/schedules/<int:schedule_id>/delete")
@roles_required("admin")
def delete_schedule(schedule_id: int):
    schedule = _schedule(schedule_id)
    if not ButtonForm().validate_on_submit():
        return _stale(url_for("reports.schedule", schedule_id=schedule_id))
    session = db.get_session()
    session.delete(schedule)
    db.commit()
    flash(_("The schedule is deleted; its delivery log stays."), "success")
    return redirect(url_for("reports.index"))


def _stale(back: str):
    flash(_("The page was open too long. Reload it and try again."), "error")
    return redirect(back)


def _send_form(schedule: ReportSchedule, client: Client) -> SendForm:
    form = SendForm()
    today = render.today_in(client)
    last = sending.last_complete(schedule.frequency, today)
    choices = [p for p in recent_periods(today, months=13, quarters=6)
               if sending.matches(schedule, p) and p.last <= last.last]
    form.period.choices = [SelectChoice(p.key, display.period_label(p)) for p in choices]
    if not form.period.data:
        form.period.data = last.key
    return form


@bp.get("/schedules/<int:schedule_id>")
@roles_required("admin", "manager")
def schedule(schedule_id: int):
    session = db.get_session()
    item = _schedule(schedule_id)
    client = session.get(Client, item.client_id)
    region = session.get(Region, item.region_id) if item.region_id else None
    log = _deliveries(session, g.user, schedule_id=item.id)
    today = render.today_in(client)
    return render_template(
        "reports/schedule.html", schedule=item, client=client, region=region, log=log,
        failed=[d for d in log[:5] if d.status == "failed"],
        send_form=_send_form(item, client), button=ButtonForm(), labels=_labels(),
        next_period=sending.last_complete(item.frequency, today),
        zone=client_zone(client, current_app.config["DEFAULT_TIMEZONE"]),
        period_name=_period_name)


def _queue_sending(item: ReportSchedule, period: Period) -> ReportDelivery:
    session = db.get_session()
    sent = sending.request_sending(session, item, period, g.user)
    jobs.enqueue_after_commit(jobs.send_delivery, sent.id)
    db.commit()
    return sent


@bp.post("/schedules/<int:schedule_id>/send")
@roles_required("admin", "manager")
def send_schedule(schedule_id: int):
    session = db.get_session()
    item = _schedule(schedule_id)
    client = session.get(Client, item.client_id)
    back = url_for("reports.schedule", schedule_id=schedule_id)
    form = _send_form(item, client)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _stale(back)
        flash(_("%(field)s: %(message)s", field=_("Period"),
                message=_("Choose one of the periods listed.")), "error")
        return redirect(back)
    period = parse_period(form.period.data, today=render.today_in(client))
    _queue_sending(item, period)
    flash(_("The report for %(period)s is on its way to %(count)d recipients; the log "
            "below shows when it is sent.", period=display.period_label(period),
            count=len(item.recipients)), "success")
    return redirect(back)


@bp.post("/deliveries/<int:delivery_id>/again")
@roles_required("admin", "manager")
def send_again(delivery_id: int):
    session = db.get_session()
    sent = get_visible(session, g.user, ReportDelivery, delivery_id)
    if sent.schedule_id is None:
        abort(404)
    item = _schedule(sent.schedule_id)
    back = url_for("reports.schedule", schedule_id=item.id)
    if not ButtonForm().validate_on_submit():
        return _stale(back)
    client = session.get(Client, item.client_id)
    period = parse_period(sent.period, today=render.today_in(client))
    _queue_sending(item, period)
    flash(_("The report for %(period)s is sent again.", period=display.period_label(period)),
          "success")
    return redirect(back)


@bp.post("/schedules/<int:schedule_id>/preview")
@roles_required("admin", "manager")
def preview_schedule(schedule_id: int):
    """The schedule's next PDF, drawn (by a job) and shown, not sent."""
    session = db.get_session()
    item = _schedule(schedule_id)
    client = session.get(Client, item.client_id)
    if not ButtonForm().validate_on_submit():
        return _stale(url_for("reports.schedule", schedule_id=schedule_id))
    period = sending.last_complete(item.frequency, render.today_in(client))
    region = session.get(Region, item.region_id) if item.region_id else None
    scope = services.client_scope(session=session, client=client, region=region)
    return _prepare(scope, period, item.kind, item.locale)


# --- PDFs --------------------------------------------------------------------------------


@bp.get("/locations/<int:location_id>.pdf")
@roles_required(*READERS)
def location_pdf(location_id: int):
    """A location's scorecard as a PDF, drawn in the request (about 0.3 s) or kept."""
    session = db.get_session()
    place = get_visible(session, g.user, Location, location_id)
    client = session.get(Client, session.get(Region, place.region_id).client_id)
    period = _period_arg(client)
    _key, content = render.location_pdf(session=session, location=place, period=period,
                                        locale=_locale())
    return _pdf(content, render.file_name(client_name=client.name, scope_name=place.name,
                                          period=period))


def _reader_scope() -> services.Scope:
    return services.scorecard_scope(session=db.get_session(), user=g.user,
                                    client_id=request.values.get("client") or None,
                                    region_id=request.values.get("region") or None)


def _kind() -> str:
    kind = request.values.get("kind") or "rollup"
    if kind not in KIND_LABELS:
        abort(404)
    return kind


def _prepared_args(scope: services.Scope, period: Period, kind: str, locale: str) -> dict:
    args = {"client": scope.client.id, "period": period.key, "kind": kind, "locale": locale}
    if scope.region is not None:
        args["region"] = scope.region.id
    return args


def _prepare(scope: services.Scope, period: Period, kind: str, locale: str):
    session = db.get_session()
    key = data.scope_key(session=session, scope=scope, kind=kind, period=period,
                         locale=locale)
    if preparing.state(key) == "none":
        preparing.mark(key)
        db.end_read()
        try:
            jobs.render_report(kind, scope.client.id,
                               scope.region.id if scope.region else None,
                               [location.id for location, _region in scope.locations],
                               period.key, locale)
        except Exception:
            current_app.logger.exception("could not queue the report %s", key)
            flash(_("The report could not be queued. Try again in a minute."), "error")
    return redirect(url_for("reports.prepared", **_prepared_args(scope, period, kind, locale)))


@bp.post("/prepare")
@roles_required(*READERS)
def prepare():
    """The roll-up of a scorecard overview, as a job; the next page shows it coming."""
    scope = _reader_scope()
    form = PrepareForm()
    if not form.validate_on_submit():
        return _stale(url_for("scorecards.overview", client=scope.client.id))
    return _prepare(scope, _period_arg(scope.client), _kind(), _locale())


@bp.get("/prepared")
@roles_required(*READERS)
def prepared():
    scope = _reader_scope()
    period = _period_arg(scope.client)
    kind = _kind()
    locale = request.args.get("locale")
    if locale not in current_app.config["LANGUAGES"]:
        locale = _locale()
    key = data.scope_key(session=db.get_session(), scope=scope, kind=kind, period=period,
                         locale=locale)
    state = preparing.state(key)
    name = render.file_name(client_name=scope.client.name,
                            scope_name=scope.region.name if scope.region else None,
                            period=period)
    if state == "ready" and request.args.get("download") == "1":
        return _pdf(render.kept(key), name)
    args = _prepared_args(scope, period, kind, locale)
    return render_template("reports/prepared.html", state=state, scope=scope, period=period,
                           kind=kind, args=args, name=name, form=PrepareForm(),
                           labels=_labels(), display=display)


@bp.get("/deliveries/<int:delivery_id>.pdf")
@roles_required(*READERS)
def delivery_pdf(delivery_id: int):
    """A past report, as it was sent."""
    session = db.get_session()
    sent = get_visible(session, g.user, ReportDelivery, delivery_id)
    content = render.kept(sent.report_key) if sent.report_key else None
    if content is None:
        raise NotFound(f"report of delivery {delivery_id}")
    client = session.get(Client, sent.client_id)
    region = session.get(Region, sent.region_id) if sent.region_id else None
    period = parse_period(sent.period, today=render.today_in(client))
    return _pdf(content, render.file_name(client_name=client.name,
                                          scope_name=region.name if region else None,
                                          period=period))

