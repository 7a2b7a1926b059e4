"""The JSON API. Browser sessions send the CSRF token in `X-CSRFToken`; scripts use
`Authorization: Bearer <token>`. Outside the caller's scope the answer is 404."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import defer
from sqlmodel import select

from .. import db
from ..auth.permissions import (
    get_visible,
    get_visible_by_uuid,
    location_scope,
    visit_scope,
)
from ..auth.session import login_required, roles_required
from ..exceptions import InvalidInput, InvalidVisit, NotFound, Unprocessable
from ..field.assignments import open_assignments
from ..field.drafts import save_draft as save_draft_service
from ..field.photos import store_photo
from ..field.submissions import Submission
from ..field.submissions import submit_visit as submit_visit_service
from ..models import VISIT_STATUSES, Location, Photo, Questionnaire, Region, Visit, utcnow
from ..periods import started_within
from ..problems import problem
from ..questionnaires import find_questionnaire
from ..scorecards import services as scorecards
from ..scoring import Problem, change_document
from ..scoring import location_document as scoring_location_document
from ..security import LARGEST_ID
from ..times import parse_day, parse_instant
from .documents import assignment_document, location_document, visit_document
from .openapi import PAGE_SIZE, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, error: str, message: str):
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


def _page(query, page: int, document, endpoint: str, **args: Any):
    rows = db.get_session().exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    items = [document(row) for row in rows[:PAGE_SIZE]]
    next_url = None
    if more:  # from BASE_URL, never from the request's Host header (which anyone sets)
        next_url = (current_app.config.get("BASE_URL") or "") + url_for(
            endpoint, page=page + 1, **args)
    return jsonify(items=items, next=next_url)


def _page_number() -> int:
    """The `page` asked for: 1 when there is none; 422 when it is not a page number."""
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        raise Unprocessable([problem("page", "not_an_integer")]) from None
    if page < 1:
        raise Unprocessable([problem("page", "must_be_at_least", min=1)])
    if page * PAGE_SIZE > LARGEST_ID:
        raise Unprocessable([problem("page", "too_large")])
    return page


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/csrf-token")
@login_required
def csrf_token():
    """A fresh token for a page that was loaded long ago, or offline (tokens expire)."""
    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


# --- assignments ----------------------------------------------------------------------


@bp.get("/assignments")
@login_required
def list_assignments():
    """The caller's open assignments with everything a visit needs offline."""
    assignments = open_assignments(session=db.get_session(), user=g.user)
    return jsonify(items=[assignment_document(a) for a in assignments], next=None)


# --- visits ---------------------------------------------------------------------------


def _time(payload: dict, name: str, problems: list[Problem]):
    try:
        return parse_instant(payload.get(name), name, now=utcnow())
    except InvalidInput as error:
        problems.append(problem(name, error.code))
        return None


def _uuid(value: Any, name: str, problems: list[Problem]) -> uuid_module.UUID | None:
    """A required UUID; a problem is added when there is none or it is bad."""
    if value is None:
        problems.append(problem(name, "missing"))
        return None
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        problems.append(problem(name, "not_a_uuid"))
        return None


def _assignment_id(payload: dict, problems: list[Problem]) -> Any:
    """The body's assignment id: an integer the database can look up (past PostgreSQL's
    integer the query failed); a problem is added otherwise."""
    assignment_id = payload.get("assignment_id")
    if type(assignment_id) is not int:
        problems.append(problem("assignment_id", "not_an_integer"))
    elif abs(assignment_id) > LARGEST_ID:
        problems.append(problem("assignment_id", "too_large"))
    return assignment_id


def _answers_too_large(answers: dict) -> list[Problem]:
    """No answer is a number past 2**53: JSON's exact integers (and orjson's 64 bits)."""
    return [problem(f"answers.{key}", "too_large") for key, value in answers.items()
            if type(value) is int and abs(value) > 2**53]


def _submission(payload: dict) -> Submission:
    """The submission in a POST /visits body; InvalidVisit naming every bad field."""
    problems: list[Problem] = []
    visit_uuid = _uuid(payload.get("uuid"), "uuid", problems)
    assignment_id = _assignment_id(payload, problems)
    channel = payload.get("channel")
    if not isinstance(channel, str):
        problems.append(problem("channel", "unknown_channel",
                                allowed=("in_store", "online", "phone")))
    started_at = _time(payload, "started_at", problems)
    ended_at = _time(payload, "ended_at", problems)
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        problems.append(problem("answers", "not_a_map"))
    else:
        problems.extend(_answers_too_large(answers))
    position = payload.get("position")
    latitude = longitude = accuracy = None
    status = payload.get("position_status")
    if position is not None:
        if not isinstance(position, dict):
            problems.append(problem("position", "invalid"))
        else:
            latitude, longitude = position.get("latitude"), position.get("longitude")
            accuracy = position.get("accuracy")
            if not (_number(latitude) and -90 <= latitude <= 90):
                problems.append(problem("position.latitude", "must_be_between", min=-90,
                                        max=90))
            if not (_number(longitude) and -180 <= longitude <= 180):
                problems.append(problem("position.longitude", "must_be_between", min=-180,
                                        max=180))
            if accuracy is not None and not (_number(accuracy) and accuracy >= 0):
                problems.append(problem("position.accuracy", "must_be_at_least", min=0))
            status = status or "given"
    if status not in (None, "given", "refused", "unavailable"):
        problems.append(problem("position_status", "unknown_channel",
                                allowed=("given", "refused", "unavailable")))
    unknown = set(payload) - {"uuid", "assignment_id", "channel", "started_at", "ended_at",
                              "answers", "position", "position_status", "photos"}
    problems.extend(problem(key, "unknown_field") for key in sorted(unknown))
    if problems:
        raise InvalidVisit(problems)
    return Submission(
        uuid=visit_uuid, assignment_id=assignment_id, channel=channel,
        started_at=started_at, ended_at=ended_at, answers=answers, latitude=latitude,
        longitude=longitude, position_accuracy=accuracy, position_status=status)


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def questionnaire_row_of(visit: Visit, known: Any = None) -> Any:
    """The visit's questionnaire row without its document (a visit's document names its
    key and version only): `known` when it is that row (its columns, as submit_visit
    gives them), else read."""
    if known is not None and known.id == visit.questionnaire_id:
        return known
    return db.get_session().get(Questionnaire, visit.questionnaire_id,
                                options=[defer(Questionnaire.document)])


@bp.post("/visits")
@db.keeps_reading  # who the caller is and the checks: one read (SQLite)
@login_required
def submit_visit():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(400, "bad_request", "send the visit as a JSON object")
    visit, created, questionnaire = submit_visit_service(
        session=db.get_session(), user=g.user, submission=_submission(payload),
        settings=current_app.config)
    db.commit()  # 201 means committed; the answer is made after (SQLite's lock is free)
    response = jsonify(visit_document(visit, questionnaire_row_of(visit, questionnaire),
                                      g.user.role))
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for("api.get_visit", visit_uuid=visit.uuid)
    return response


@bp.put("/visits/<visit_uuid>/draft")
@login_required
def save_draft(visit_uuid: str):
    """The answers so far, kept on the server whenever the phone is online."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(400, "bad_request", "send the draft as a JSON object")
    problems: list[Problem] = []
    parsed_uuid = _uuid(visit_uuid, "uuid", problems)
    # null, as the document allows: not started yet, like no started_at at all
    started_at = (_time(payload, "started_at", problems)
                  if payload.get("started_at") is not None else None)
    assignment_id = _assignment_id(payload, problems)  # as for a submission
    answers = payload.get("answers", {})
    if isinstance(answers, dict):
        problems.extend(_answers_too_large(answers))
    if problems:
        raise InvalidVisit(problems)
    visit = save_draft_service(session=db.get_session(), user=g.user, visit_uuid=parsed_uuid,
                               assignment_id=assignment_id, answers=answers,
                               started_at=started_at)
    db.commit()
    return jsonify(uuid=str(visit.uuid), status=visit.status,
                   saved_at=visit.updated_at.isoformat())


@bp.get("/visits/<visit_uuid>")
@login_required
def get_visit(visit_uuid: str):
    visit = _visible_visit(visit_uuid)
    return jsonify(visit_document(visit, questionnaire_row_of(visit), g.user.role))


def _visible_visit(visit_uuid: str) -> Visit:
    return get_visible_by_uuid(db.get_session(), g.user, Visit, visit_uuid)


@bp.get("/visits")
@login_required
def list_visits():
    """Visits with answers and scores in the caller's scope; `from`/`to` are dates,
    inclusive, on the visit's start, in the time zone of the visit's programme."""
    session = db.get_session()
    query = select(Visit).where(visit_scope(g.user))
    problems: list[Problem] = []
    args = {}
    if "location" in request.args:
        try:
            location_id = int(request.args["location"])
        except ValueError:
            problems.append(problem("location", "not_an_integer"))
        else:
            if location_id < 1:  # no location has one (the document's minimum)
                problems.append(problem("location", "must_be_at_least", min=1))
            elif location_id > LARGEST_ID:
                problems.append(problem("location", "too_large"))
            query = query.where(Visit.location_id == location_id)
            args["location"] = request.args["location"]
    if "status" in request.args:
        if request.args["status"] not in VISIT_STATUSES:
            problems.append(problem("status", "invalid", allowed=VISIT_STATUSES))
        query = query.where(Visit.status == request.args["status"])
        args["status"] = request.args["status"]
    days = _days(problems)
    if problems:
        raise Unprocessable(problems)
    if days:
        query = query.where(started_within(session, days.get("from"), days.get("to"),
                                           current_app.config["DEFAULT_TIMEZONE"]))
        args |= {name: day.isoformat() for name, day in days.items()}
    rows = {}

    def document(visit: Visit) -> dict:
        if visit.questionnaire_id not in rows:
            rows[visit.questionnaire_id] = session.get(Questionnaire, visit.questionnaire_id)
        return visit_document(visit, rows[visit.questionnaire_id], g.user.role)

    return _page(query.order_by(Visit.started_at, Visit.id), _page_number(), document,
                 "api.list_visits", **args)


def _days(problems: list[Problem]) -> dict:
    """The `from` and `to` dates of the query, when given."""
    days = {}
    for name in ("from", "to"):
        if name in request.args:
            try:
                days[name] = parse_day(request.args[name], name)
            except InvalidInput as error:
                problems.append(problem(name, error.code))
    return days


# --- photos ---------------------------------------------------------------------------


@bp.post("/photos")
@login_required
def upload_photo():
    problems: list[Problem] = []
    upload = request.files.get("file")
    if upload is None:
        problems.append(problem("file", "missing"))
    photo_uuid = _uuid(request.form.get("uuid"), "uuid", problems)
    visit_uuid = _uuid(request.form.get("visit_uuid"), "visit_uuid", problems)
    unknown = {*request.form, *request.files} - {"file", "uuid", "visit_uuid"}
    problems.extend(problem(name, "unknown_field") for name in sorted(unknown))
    if problems:
        raise Unprocessable(problems)
    config = current_app.config
    photo, created = store_photo(
        session=db.get_session(), user=g.user, photo_uuid=photo_uuid,
        visit_uuid=visit_uuid, data=upload.read(config["PHOTO_MAX_BYTES"] + 1),
        upload_dir=config["UPLOAD_DIR"], max_bytes=config["PHOTO_MAX_BYTES"],
        max_pixels=config["PHOTO_MAX_PIXELS"], on_rollback=db.on_rollback)
    db.commit()
    response = jsonify(ref=str(photo.uuid), sha256=photo.sha256, width=photo.width,
                       height=photo.height,
                       url=url_for("field.photo", photo_uuid=photo.uuid))
    response.status_code = 201 if created else 200
    return response


# --- locations and questionnaires -----------------------------------------------------


@bp.get("/locations")
@login_required
def list_locations():
    query = (select(Location, Region.name).join(Region, Region.id == Location.region_id)
             .where(location_scope(g.user)).order_by(Location.id))
    return _page(query, _page_number(), lambda row: location_document(*row),
                 "api.list_locations")


@bp.get("/locations/<int:location_id>/scorecard")
@roles_required("admin", "manager", "client")
def location_scorecard(location_id: int):
    """The location aggregate of spec/scoring.md section 5 over its approved visits whose
    start falls in [from, to] (dates, inclusive, in the programme's time zone), as the
    engine computes it. Not for shoppers (404), though they see the locations they are
    assigned to: scores are the managers' and the client's (spec/contract.md)."""
    session = db.get_session()
    location = get_visible(session, g.user, Location, location_id)
    problems: list[Problem] = []
    days = _days(problems)
    if problems:
        raise Unprocessable(problems)
    card, change = scorecards.location_scorecard(
        session=session, location=location, first_day=days.get("from"),
        last_day=days.get("to"))
    region = session.get(Region, location.region_id)
    return jsonify({"location": location.id, "name": location.name, "region": region.name,
                    "channel": location.channel,
                    "from": days["from"].isoformat() if "from" in days else None,
                    "to": days["to"].isoformat() if "to" in days else None}
                   | scoring_location_document(card) | {"change": change_document(change)})


@bp.get("/questionnaires/<key>")
@login_required
def get_questionnaire(key: str):
    version = request.args.get("version")
    try:
        version_number = int(version) if version is not None else None
    except ValueError:
        raise Unprocessable([problem("version", "not_an_integer")]) from None
    if version_number is not None and abs(version_number) > LARGEST_ID:
        raise NotFound(f"questionnaire {key} version {version}")
    row = find_questionnaire(session=db.get_session(), key=key, version=version_number)
    get_visible(db.get_session(), g.user, Questionnaire, row.id)
    return jsonify(row.document)


@bp.get("/photos/<photo_uuid>")
@login_required
def photo_metadata(photo_uuid: str):
    photo = get_visible_by_uuid(db.get_session(), g.user, Photo, photo_uuid)
    return jsonify(ref=str(photo.uuid), visit_uuid=str(photo.visit_uuid), sha256=photo.sha256,
                   width=photo.width, height=photo.height, content_type=photo.content_type,
                   url=url_for("field.photo", photo_uuid=photo.uuid))
