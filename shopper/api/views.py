"""The JSON API. Browser sessions send the CSRF token in `X-CSRFToken`; scripts use
`Authorization: Bearer <token>`. Outside the caller's scope the answer is 404."""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, g, jsonify, request, url_for
from flask_wtf.csrf import generate_csrf
from sqlmodel import select

from .. import db
from ..admin.questionnaires import find_questionnaire
from ..auth.permissions import (
    get_visible,
    get_visible_by_uuid,
    location_scope,
    visit_scope,
)
from ..auth.session import login_required
from ..exceptions import InvalidInput
from ..field import photos as photo_service
from ..field import services
from ..models import Location, Photo, Questionnaire, Region, Visit, day_start
from ..scorecards import services as scorecards
from ..scoring import location_document as scoring_location_document
from . import bp
from .documents import assignment_document, location_document, visit_document
from .openapi import openapi_document

PAGE_SIZE = 50


def _unprocessable(errors: list[tuple[str, str]]):
    """422: one message per question (or field), nothing stored."""
    response = jsonify(error="invalid", messages=[f"{q}: {m}" for q, m in errors],
                       errors=[{"question": q, "message": m} for q, m in errors])
    response.status_code = 422
    return response


def _error(status: int, error: str, message: str):
    response = jsonify(error=error, message=message)
    response.status_code = status
    return response


def _page(query, page: int, document, endpoint: str, **args: Any):
    rows = db.get_session().exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    items = [document(row) for row in rows[:PAGE_SIZE]]
    next_url = url_for(endpoint, page=page + 1, _external=True, **args) if more else None
    return jsonify(items=items, next=next_url)


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


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
    assignments = services.open_assignments(session=db.get_session(), user=g.user)
    return jsonify(items=[assignment_document(a) for a in assignments], next=None)


# --- visits ---------------------------------------------------------------------------


def _parse_time(payload: dict, name: str, errors: list) -> datetime | None:
    value = payload.get(name)
    if not isinstance(value, str):
        errors.append((name, "required, as an ISO 8601 date and time with a time zone"))
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.append((name, "not an ISO 8601 date and time"))
        return None
    if parsed.tzinfo is None:
        errors.append((name, "needs a time zone (e.g. 2026-11-22T10:15:00Z)"))
        return None
    return parsed


def _parse_uuid(value: Any, name: str, errors: list) -> uuid_module.UUID | None:
    """A required UUID; a problem is added to `errors` when there is none or it is bad."""
    if value is None:
        errors.append((name, "required"))
        return None
    try:
        return uuid_module.UUID(str(value))
    except ValueError:
        errors.append((name, "must be a UUID"))
        return None


def _submission(payload: dict) -> services.Submission:
    """The submission in a POST /visits body; InvalidVisit naming every bad field."""
    errors: list[tuple[str, str]] = []
    visit_uuid = _parse_uuid(payload.get("uuid"), "uuid", errors)
    assignment_id = payload.get("assignment_id")
    if type(assignment_id) is not int:
        errors.append(("assignment_id", "required, an integer"))
    channel = payload.get("channel")
    if not isinstance(channel, str):
        errors.append(("channel", "required: in_store, online or phone"))
    started_at = _parse_time(payload, "started_at", errors)
    ended_at = _parse_time(payload, "ended_at", errors)
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        errors.append(("answers", "required, a map of question id to answer"))
    position = payload.get("position")
    latitude = longitude = accuracy = None
    status = payload.get("position_status")
    if position is not None:
        if not isinstance(position, dict):
            errors.append(("position", "must be {latitude, longitude, accuracy}"))
        else:
            latitude, longitude = position.get("latitude"), position.get("longitude")
            accuracy = position.get("accuracy")
            if not (_number(latitude) and -90 <= latitude <= 90):
                errors.append(("position.latitude", "must be a number from -90 to 90"))
            if not (_number(longitude) and -180 <= longitude <= 180):
                errors.append(("position.longitude", "must be a number from -180 to 180"))
            if accuracy is not None and not (_number(accuracy) and accuracy >= 0):
                errors.append(("position.accuracy", "must be a number of metres >= 0"))
            status = status or "given"
    if status not in (None, "given", "refused", "unavailable"):
        errors.append(("position_status", "must be given, refused or unavailable"))
    unknown = set(payload) - {"uuid", "assignment_id", "channel", "started_at", "ended_at",
                              "answers", "position", "position_status", "photos"}
    errors.extend((key, "unknown field") for key in sorted(unknown))
    if errors:
        raise services.InvalidVisit(errors)
    return services.Submission(
        uuid=visit_uuid, assignment_id=assignment_id, channel=channel,
        started_at=started_at, ended_at=ended_at, answers=answers, latitude=latitude,
        longitude=longitude, position_accuracy=accuracy, position_status=status)


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _questionnaire_row(visit: Visit) -> Questionnaire:
    return db.get_session().get(Questionnaire, visit.questionnaire_id)


@bp.post("/visits")
@login_required
def submit_visit():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(400, "bad_request", "send the visit as a JSON object")
    try:
        submission = _submission(payload)
        visit, created = services.submit_visit(
            session=db.get_session(), user=g.user, submission=submission,
            settings=current_app.config)
        db.commit()  # 201 means committed
    except services.InvalidVisit as invalid:
        return _unprocessable(invalid.errors)
    except services.Conflict as conflict:
        return _error(409, "conflict", str(conflict))
    response = jsonify(visit_document(visit, _questionnaire_row(visit)))
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
    errors: list[tuple[str, str]] = []
    parsed_uuid = _parse_uuid(visit_uuid, "uuid", errors)
    started_at = _parse_time(payload, "started_at", errors) if "started_at" in payload else None
    if errors:
        return _unprocessable(errors)
    try:
        visit = services.save_draft(session=db.get_session(), user=g.user,
                                    visit_uuid=parsed_uuid,
                                    assignment_id=payload.get("assignment_id"),
                                    answers=payload.get("answers", {}), started_at=started_at)
        db.commit()
    except InvalidInput as error:
        return _unprocessable([(error.field, str(error.message))])
    except services.Conflict as conflict:
        return _error(409, "conflict", str(conflict))
    return jsonify(uuid=str(visit.uuid), status=visit.status,
                   saved_at=visit.updated_at.isoformat())


@bp.get("/visits/<visit_uuid>")
@login_required
def get_visit(visit_uuid: str):
    visit = _visible_visit(visit_uuid)
    return jsonify(visit_document(visit, _questionnaire_row(visit)))


def _visible_visit(visit_uuid: str) -> Visit:
    return get_visible_by_uuid(db.get_session(), g.user, Visit, visit_uuid)


@bp.get("/visits")
@login_required
def list_visits():
    """Visits with answers and scores in the caller's scope; `from`/`to` are dates,
    inclusive, on the visit's start."""
    query = select(Visit).where(visit_scope(g.user))
    errors: list[tuple[str, str]] = []
    args = {}
    if "location" in request.args:
        try:
            query = query.where(Visit.location_id == int(request.args["location"]))
            args["location"] = request.args["location"]
        except ValueError:
            errors.append(("location", "must be a location id"))
    if "status" in request.args:
        query = query.where(Visit.status == request.args["status"])
        args["status"] = request.args["status"]
    for name, days in (("from", 0), ("to", 1)):  # whole days in UTC, both inclusive
        if name in request.args:
            try:
                day = date.fromisoformat(request.args[name])
            except ValueError:
                errors.append((name, "must be a date, YYYY-MM-DD"))
                continue
            moment = day_start(day + timedelta(days=days))
            query = query.where(Visit.started_at >= moment if days == 0
                                else Visit.started_at < moment)
            args[name] = request.args[name]
    if errors:
        return _unprocessable(errors)
    rows = {}
    session = db.get_session()

    def document(visit: Visit) -> dict:
        if visit.questionnaire_id not in rows:
            rows[visit.questionnaire_id] = session.get(Questionnaire, visit.questionnaire_id)
        return visit_document(visit, rows[visit.questionnaire_id])

    return _page(query.order_by(Visit.started_at, Visit.id), _page_number(), document,
                 "api.list_visits", **args)


# --- photos ---------------------------------------------------------------------------


@bp.post("/photos")
@login_required
def upload_photo():
    errors: list[tuple[str, str]] = []
    upload = request.files.get("file")
    if upload is None:
        errors.append(("file", "required: the image, as multipart form data"))
    photo_uuid = _parse_uuid(request.form.get("uuid"), "uuid", errors)
    visit_uuid = _parse_uuid(request.form.get("visit_uuid"), "visit_uuid", errors)
    if errors:
        return _unprocessable(errors)
    config = current_app.config
    data = upload.read(config["PHOTO_MAX_BYTES"] + 1)
    try:
        photo, created = photo_service.store_photo(
            session=db.get_session(), user=g.user, photo_uuid=photo_uuid,
            visit_uuid=visit_uuid, data=data, upload_dir=config["UPLOAD_DIR"],
            max_bytes=config["PHOTO_MAX_BYTES"], max_pixels=config["PHOTO_MAX_PIXELS"],
            on_rollback=db.on_rollback)
        db.commit()
    except photo_service.TooLarge:
        return _error(413, "too_large",
                      f"photos are limited to {config['PHOTO_MAX_BYTES'] // 1_000_000} MB")
    except InvalidInput as error:
        return _unprocessable([(error.field, str(error.message))])
    except services.Conflict as conflict:
        return _error(409, "conflict", str(conflict))
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
@login_required
def location_scorecard(location_id: int):
    """The location aggregate of spec/scoring.md section 5 over its approved visits whose
    start falls in [from, to] (dates, inclusive, UTC), as the engine computes it."""
    session = db.get_session()
    location = get_visible(session, g.user, Location, location_id)
    errors: list[tuple[str, str]] = []
    days = {}
    for name in ("from", "to"):
        if name in request.args:
            try:
                days[name] = date.fromisoformat(request.args[name])
            except ValueError:
                errors.append((name, "must be a date, YYYY-MM-DD"))
    if errors:
        return _unprocessable(errors)
    card = scorecards.location_scorecard(session=session, location=location,
                                         first_day=days.get("from"), last_day=days.get("to"))
    region = session.get(Region, location.region_id)
    return jsonify({"location": location.id, "name": location.name, "region": region.name,
                    "channel": location.channel,
                    "from": days["from"].isoformat() if "from" in days else None,
                    "to": days["to"].isoformat() if "to" in days else None}
                   | scoring_location_document(card))


@bp.get("/questionnaires/<key>")
@login_required
def get_questionnaire(key: str):
    version = request.args.get("version")
    try:
        version_number = int(version) if version is not None else None
    except ValueError:
        return _unprocessable([("version", "must be a whole number")])
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
