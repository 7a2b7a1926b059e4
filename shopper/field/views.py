from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from pathlib import Path

from babel.numbers import format_decimal
from flask import (
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
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from .. import db
from ..auth.permissions import get_visible_by_uuid
from ..auth.session import login_required, roles_required
from ..exceptions import InvalidInput
from ..models import Photo, utcnow
from . import bp, services
from .forms import (
    answers_from_form,
    build_visit_form,
    error_message,
    field_name,
    visible_sections,
)
from .photos import TooLarge, photo_file, store_photo


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


def _prefill(form, context, locale: str) -> None:
    """Put a draft's (or a returned visit's) answers back into the form."""
    answers = context.visit.answers if context.visit else {}
    for section in visible_sections(context.questionnaire, context.location.channel):
        for question in section.questions:
            value = answers.get(question.id)
            if value is None:
                continue
            if value == "na" and question.type in ("number", "photo"):
                form[field_name(question) + "-na"].data = True
                continue
            if question.type == "photo":
                if isinstance(value, list):
                    form[field_name(question) + "-refs"].data = " ".join(map(str, value))
                continue
            if question.type == "yes_no" and isinstance(value, bool):
                value = "yes" if value else "no"
            if question.type == "number" and value != "na" and isinstance(value, int | float):
                value = format_decimal(value, locale=locale, group_separator=False)
            form[field_name(question)].data = str(value)


def _parse_started_at(raw: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat((raw or "").replace("Z", "+00:00"))
    except ValueError:
        return utcnow()
    return parsed if parsed.tzinfo is not None and parsed <= utcnow() else utcnow()


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _store_uploaded_photos(form, context, visit_uuid, errors: dict) -> None:
    """Photos of the plain HTML form: stored (and committed) before the visit, as the
    phone's script does through the API, so that a problem elsewhere in the form does
    not make the shopper take them again."""
    config = current_app.config
    for section in visible_sections(context.questionnaire, context.location.channel):
        for question in section.questions:
            if question.type != "photo":
                continue
            refs_field = form[field_name(question) + "-refs"]
            refs = (refs_field.data or "").split()
            removed = set(request.form.getlist(f"remove-{question.id}"))
            refs = [r for r in refs if r not in removed]
            for upload in request.files.getlist(field_name(question)):
                if not upload or not upload.filename:
                    continue
                try:
                    photo, _created = store_photo(
                        session=db.get_session(), user=g.user, photo_uuid=uuid_module.uuid4(),
                        visit_uuid=visit_uuid, data=upload.read(config["PHOTO_MAX_BYTES"] + 1),
                        upload_dir=config["UPLOAD_DIR"], max_bytes=config["PHOTO_MAX_BYTES"],
                        max_pixels=config["PHOTO_MAX_PIXELS"], on_rollback=db.on_rollback)
                    db.commit()
                    refs.append(str(photo.uuid))
                except TooLarge:
                    errors[question.id] = _("This photo is too large.")
                except InvalidInput:
                    errors[question.id] = _("This file is not a JPEG, PNG or WebP photo.")
            refs_field.data = " ".join(refs)


@bp.route("/visits/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("shopper")
def visit_form(assignment_id: int):
    """The visit form of one assignment: works as a plain HTML form, better with the
    page's script (drafts on the phone, offline outbox, photos, stopwatch, check-in)."""
    session = db.get_session()
    context = services.visit_context(session=session, user=g.user, assignment_id=assignment_id)
    if context.visit is not None and context.visit.status in ("submitted", "approved"):
        return render_template("field/visit_sent.html", context=context)
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
        _prefill(form, context, locale)
    else:
        try:
            visit_uuid = uuid_module.UUID(form.visit_uuid.data or "")
        except ValueError:
            visit_uuid = uuid_module.uuid4()
            form.visit_uuid.data = str(visit_uuid)
        if context.visit is not None and context.visit.uuid != visit_uuid:
            visit_uuid = context.visit.uuid  # one visit per assignment
            form.visit_uuid.data = str(visit_uuid)
        _store_uploaded_photos(form, context, visit_uuid, errors)
        answers, unreadable = answers_from_form(form, context.questionnaire, channel, locale)
        started_at = _parse_started_at(form.started_at.data)
        if request.form.get("action") == "draft":
            services.save_draft(session=session, user=g.user, visit_uuid=visit_uuid,
                                assignment_id=assignment_id, answers=answers,
                                started_at=started_at)
            db.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("field.visit_form", assignment_id=assignment_id))
        latitude, longitude = _float(form.latitude.data), _float(form.longitude.data)
        submission = services.Submission(
            uuid=visit_uuid, assignment_id=assignment_id, channel=channel,
            started_at=started_at, ended_at=max(utcnow(), started_at), answers=answers,
            latitude=latitude if longitude is not None else None,
            longitude=longitude if latitude is not None else None,
            position_accuracy=_float(form.accuracy.data),
            position_status=form.position_status.data or None)
        try:
            if unreadable or errors:  # the engine still names every other problem
                raise services.InvalidVisit(services.answer_problems(
                    context.questionnaire, answers, channel))
            visit, _created = services.submit_visit(session=session, user=g.user,
                                                    submission=submission,
                                                    settings=current_app.config)
            db.commit()
        except services.InvalidVisit as invalid:
            for question_id, message in invalid.errors:
                try:
                    question = context.questionnaire.question(question_id)
                except KeyError:
                    form_errors.append(f"{question_id}: {message}")
                    continue
                errors.setdefault(question_id, error_message(question, message))
            errors.update(unreadable)  # "ten" is no number, rather than no answer
            status = 422
        except services.Conflict:
            flash(_("This visit was already sent with other answers."), "error")
            return redirect(url_for("main.home_shopper"))
        else:
            flash(_("Visit sent. The server received it at %(time)s.",
                    time=format_datetime(visit.submitted_at, "short")), "success")
            return redirect(url_for("main.home_shopper"))

    return render_template("field/visit_form.html", context=context, form=form,
                           errors=errors, form_errors=form_errors,
                           sections=visible_sections(context.questionnaire, channel),
                           locale=locale), status
