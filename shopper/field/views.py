from __future__ import annotations

import math
import uuid as uuid_module
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import db
from ..auth.permissions import get_visible_by_uuid
from ..auth.session import login_required, roles_required
from ..exceptions import InvalidInput, InvalidVisit, TooLarge
from ..models import Photo, utcnow
from ..periods import location_zone
from ..problems import describe, problem
from ..scoring import visible_questions
from ..templating import local_time
from ..times import parse_instant
from .assignments import visit_context
from .drafts import save_draft
from .forms import answers_from_form, build_visit_form, prefill
from .numbers import number_symbols
from .photos import photo_file, store_photo
from .questions import PhotoField
from .scores import answer_problems
from .submissions import Submission, submit_visit

bp = Blueprint("field", __name__)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: Shopper installs on a phone's home screen."""
    response = jsonify({
        "name": "Shopper", "short_name": "Shopper", "start_url": "/shopper",
        "scope": "/", "display": "standalone", "background_color": "#f4f6f8",
        "theme_color": "#1f4e79",
        "icons": [{"src": url_for("static", filename="img/icon.svg"), "sizes": "any",
                   "type": "image/svg+xml", "purpose": "any"},
                  {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192",
                   "type": "image/png"},
                  {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512",
                   "type": "image/png"}],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it controls every page."""
    response = send_file(Path(current_app.static_folder) / "js" / "sw.js",
                         mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/photos/<photo_uuid>")
@login_required
def photo(photo_uuid: str):
    """A stored photo, to those who may see its visit (its owner before it arrives)."""
    row = get_visible_by_uuid(db.get_session(), g.user, Photo, photo_uuid)
    response = send_file(photo_file(row, current_app.config["UPLOAD_DIR"]),
                         mimetype=row.content_type, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


#: What a check-in may hold, as the API checks it: finite degrees, an accuracy >= 0.
POSITION_RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0),
                   "accuracy": (0.0, math.inf)}
POSITION_STATUSES = ("given", "refused", "unavailable")


def _position(form) -> dict:
    """The check-in as the plain form posts it (what is not a finite number in its
    range is left out: the page's script fills these fields, a person does not)."""
    values = {}
    for name, (low, high) in POSITION_RANGES.items():
        try:
            value = float(form[name].data) if form[name].data else None
        except ValueError:
            value = None
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            value = None
        values[name] = value
    if values["latitude"] is None or values["longitude"] is None:
        values["latitude"] = values["longitude"] = None
    status = form.position_status.data
    values["status"] = status if status in POSITION_STATUSES else None
    return values


def _store_uploaded_photos(form, visit_uuid: uuid_module.UUID, errors: dict) -> int:
    """Photos of the plain HTML form, stored in this request's unit of work: the visit,
    or the draft that keeps them when something else on the form needs fixing.
    Returns how many were stored."""
    config = current_app.config
    stored = 0
    for question in form.questions.values():
        if not isinstance(question, PhotoField):
            continue
        refs = question.refs(form)
        for upload in question.uploads(form):
            try:
                photo, _created = store_photo(
                    session=db.get_session(), user=g.user, photo_uuid=uuid_module.uuid4(),
                    visit_uuid=visit_uuid, data=upload.read(config["PHOTO_MAX_BYTES"] + 1),
                    upload_dir=config["UPLOAD_DIR"], max_bytes=config["PHOTO_MAX_BYTES"],
                    max_pixels=config["PHOTO_MAX_PIXELS"], on_rollback=db.on_rollback)
                refs.append(str(photo.uuid))
                stored += 1
            except TooLarge:
                errors[question.id] = describe(problem(question.id, "photo_too_large"))
            except InvalidInput as refused:  # photo_unreadable, too_many_pixels
                errors[question.id] = describe(problem(question.id, refused.code))
        question.set_refs(form, refs)
        form[question.remove_name].data = []
    return stored


def _summary(form, errors: dict[str, str], form_errors: list[str]) -> list[tuple[str, str]]:
    """The error summary: problems of the whole form first, then each question's in
    journey order, linking to it."""
    items = [("", message) for message in form_errors]
    items += [(f"question-{q.id}", f"{errors[q.id]} ({q.label})")
              for q in form.questions.values() if q.id in errors]
    return items


@bp.route("/visits/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("shopper")
def visit_form(assignment_id: int):
    """The visit form of one assignment: works as a plain HTML form, better with the
    page's script (drafts on the phone, offline outbox, photos, stopwatch, check-in)."""
    session = db.get_session()
    context = visit_context(session=session, user=g.user, assignment_id=assignment_id)
    zone_info = location_zone(session, context.location, current_app.config["DEFAULT_TIMEZONE"])
    if context.visit is not None and context.visit.status in ("submitted", "approved"):
        return render_template("field/visit_sent.html", context=context, zone=zone_info)
    locale = str(get_locale() or "en")
    channel = context.location.channel
    form = build_visit_form(context.questionnaire, channel, locale)
    errors: dict[str, str] = {}
    form_errors: list[str] = []
    status = 200

    if request.method == "GET":
        visit = context.visit
        form.visit_uuid.data = str(visit.uuid if visit else uuid_module.uuid4())
        form.started_at.data = ((visit.started_at if visit and visit.started_at else utcnow())
                                .isoformat())
        answers = visit.answers if visit else {}
        prefill(form, answers)
    else:
        visit_uuid = context.visit.uuid if context.visit else _posted_uuid(form)
        form.visit_uuid.data = str(visit_uuid)  # one visit per assignment
        new_photos = _store_uploaded_photos(form, visit_uuid, errors)
        answers, unreadable = answers_from_form(form)
        now = utcnow()
        try:
            started_at = parse_instant(form.started_at.data, "started_at", now=now)
        except InvalidInput as error:
            form_errors.append(describe(problem("started_at", error.code)))
            started_at = None
        if request.form.get("action") == "draft" and started_at is not None:
            save_draft(session=session, user=g.user, visit_uuid=visit_uuid,
                       assignment_id=assignment_id, answers=answers, started_at=started_at)
            db.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("field.visit_form", assignment_id=assignment_id))
        try:
            if unreadable or errors or started_at is None:
                # The engine still names every other problem.
                raise InvalidVisit(answer_problems(context.questionnaire, answers, channel))
            position = _position(form)
            submission = Submission(
                uuid=visit_uuid, assignment_id=assignment_id, channel=channel,
                started_at=started_at, ended_at=max(now, started_at), answers=answers,
                latitude=position["latitude"], longitude=position["longitude"],
                position_accuracy=position["accuracy"],
                position_status=position["status"])
            visit = submit_visit(session=session, user=g.user, submission=submission,
                                 settings=current_app.config).visit
        except InvalidVisit as invalid:
            for found in invalid.problems:
                if found.path in form.questions:
                    errors.setdefault(found.path, describe(found))
                else:
                    form_errors.append(describe(found))
            for question_id, code in unreadable.items():  # "ten" is no number, not no answer
                errors[question_id] = describe(problem(question_id, code))
            if new_photos and started_at is not None:
                # The photos just stored are kept, by a draft of what was given.
                save_draft(session=session, user=g.user, visit_uuid=visit_uuid,
                           assignment_id=assignment_id, answers=answers, started_at=started_at)
                db.commit()
            status = 422
        else:
            db.commit()
            flash(_("Visit sent. The server received it at %(time)s.",
                    time=local_time(visit.submitted_at, zone_info)), "success")
            return redirect(url_for("main.home_shopper"))

    return render_template(
        "field/visit_form.html", context=context, form=form, errors=errors,
        summary=_summary(form, errors, form_errors), locale=locale, zone=zone_info,
        shown=visible_questions(context.questionnaire, answers, channel),
        zone_name=str(zone_info), opens_later=context.assignment.window_start > utcnow(),
        number_symbols=number_symbols(locale)), status


def _posted_uuid(form) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(form.visit_uuid.data or "")
    except ValueError:
        return uuid_module.uuid4()
