"""The review desk: the queue and a visit's page, with approve, return and edit.

Every form works without JavaScript. A visit outside the reviewer's scope is 404.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlmodel import Session

from .. import db
from ..auth.permissions import get_visible_by_uuid
from ..auth.session import roles_required
from ..exceptions import Conflict, InvalidInput, InvalidVisit, NotFound
from ..field.questions import UNANSWERED, Unreadable, question_field
from ..models import User, Visit, utcnow
from ..periods import location_zone
from ..problems import describe, input_message, problem
from ..questionnaires import questionnaire_of
from ..security import LARGEST_ID
from . import queue, services
from .forms import ApproveForm, ApproveSelectedForm, EditForm, ReturnForm
from .services import REVIEWERS

bp = Blueprint("review", __name__, url_prefix="/review")


def _number(name: str) -> int | None:
    """A filter's id; one past the database's range names nothing (-1)."""
    try:
        number = int(request.args[name]) if request.args.get(name) else None
    except (ValueError, OverflowError):
        return None
    return number if number is None or abs(number) <= LARGEST_ID else -1


@bp.get("")
@roles_required(*REVIEWERS)
def review_queue():
    filters = {"region": _number("region"), "location": _number("location"),
               "shopper": _number("shopper"), "flag": request.args.get("flag") or None}
    page = queue.review_queue(session=db.get_session(), user=g.user,
                              page=_number("page") or 1,
                              default_zone=current_app.config["DEFAULT_TIMEZONE"], **filters)
    return render_template("review/queue.html", queue=page, filters=filters,
                           page_args={k: v for k, v in filters.items() if v is not None},
                           approve_form=ApproveSelectedForm())


@bp.post("/approve")
@roles_required(*REVIEWERS)
def approve_selected():
    """Approve the visits ticked in the queue (those with no flag), each at the
    revision the queue showed."""
    form = ApproveSelectedForm()
    if not form.validate_on_submit():
        flash(_("The page was open too long. Reload it and try again."), "error")
        return redirect(url_for("review.review_queue"))
    shown: list[tuple[Visit, int]] = []
    for value in request.form.getlist("visit"):
        visit_uuid, _sep, revision = value.partition(":")
        try:
            visit, number = _visit(visit_uuid), int(revision)
        except (NotFound, ValueError):
            continue
        # The queue has one box per visit: a visit posted twice counts once, at the first
        # revision given (the second, a retry of the first, was "approved" again).
        if all(other is not visit for other, _number in shown):
            shown.append((visit, number))
    approved, refused = services.approve_visits(session=db.get_session(), user=g.user,
                                                shown=shown, now=utcnow())
    db.commit()
    if approved:
        flash(ngettext("%(num)d visit approved.", "%(num)d visits approved.",
                       len(approved)), "success")
    if refused:
        flash(_("Not approved, changed since the queue was shown: %(visits)s.",
                visits=", ".join(queue.visit_names(session=db.get_session(), visits=refused))),
              "error")
    if not shown:
        flash(_("Tick the visits to approve first."), "error")
    return redirect(url_for("review.review_queue"))


def _visit(visit_uuid: str) -> Visit:
    return get_visible_by_uuid(db.get_session(), g.user, Visit, visit_uuid)


def _page(visit: Visit, status: int = 200, **forms):
    page = queue.visit_page(session=db.get_session(), visit=visit)
    now = utcnow()
    opener = None
    if services.opened_by_other(visit, g.user, now):
        opener = db.get_session().get(User, visit.review_opened_by_id)
    return render_template(
        "review/visit.html", page=page, locale=str(get_locale() or "en"), now=now,
        opened_by=opener,
        zone=location_zone(db.get_session(), page.location,
                           current_app.config["DEFAULT_TIMEZONE"]),
        approve_form=forms.get("approve_form") or ApproveForm(revision=visit.revision),
        return_form=forms.get("return_form") or ReturnForm(revision=visit.revision),
        edit_form=forms.get("edit_form") or EditForm(revision=visit.revision)), status


@bp.get("/visits/<visit_uuid>")
@roles_required(*REVIEWERS)
def review_visit(visit_uuid: str):
    visit = _visit(visit_uuid)
    response = _page(visit)
    if visit.status == "submitted":
        # In a short write of its own: this page only reads, and must not hold (or
        # wait for) the request's transaction for a sign to other reviewers.
        with db.writing(), Session(db.engine(), expire_on_commit=False) as marker:
            services.mark_opened(session=marker, visit_id=visit.id, user=g.user, now=utcnow())
            marker.commit()
    return response


def _changed_meanwhile(visit: Visit):
    db.close_session()
    flash(_("Someone changed this visit while you were looking at it. Here it is as it "
            "is now: check it again."), "error")
    return redirect(url_for("review.review_visit", visit_uuid=visit.uuid))


@bp.post("/visits/<visit_uuid>/approve")
@roles_required(*REVIEWERS)
def approve_visit(visit_uuid: str):
    visit = _visit(visit_uuid)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _changed_meanwhile(visit)
    try:
        services.approve_visit(session=db.get_session(), user=g.user, visit=visit,
                               revision=form.revision.data, now=utcnow())
    except Conflict:
        return _changed_meanwhile(visit)
    db.commit()
    flash(_("Visit approved: it counts in the scorecards."), "success")
    return redirect(url_for("review.review_visit", visit_uuid=visit.uuid))


@bp.post("/visits/<visit_uuid>/return")
@roles_required(*REVIEWERS)
def return_visit(visit_uuid: str):
    visit = _visit(visit_uuid)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _changed_meanwhile(visit)
    notes = {key.removeprefix("note-"): value for key, value in request.form.items()
             if key.startswith("note-") and value.strip()}
    try:
        services.return_visit(session=db.get_session(), user=g.user, visit=visit,
                              revision=form.revision.data, note=form.note.data,
                              notes=notes, now=utcnow())
    except Conflict:
        return _changed_meanwhile(visit)
    except InvalidInput as error:
        db.get_session().rollback()
        form.note.errors = [input_message(error)]
        return _page(visit, 422, return_form=form)
    db.commit()
    flash(_("Visit returned to the shopper with your notes."), "success")
    return redirect(url_for("review.review_queue"))


@bp.post("/visits/<visit_uuid>/edit")
@roles_required(*REVIEWERS)
def edit_visit(visit_uuid: str):
    visit = _visit(visit_uuid)
    form = EditForm()
    if not form.validate_on_submit():
        return _changed_meanwhile(visit)
    _row, questionnaire = questionnaire_of(session=db.get_session(),
                                           questionnaire_id=visit.questionnaire_id)
    try:
        question = questionnaire.question(form.question.data or "")
    except KeyError:
        question = None
    errors: dict[str, str] = {}
    if question is None:
        errors["question"] = _("Choose a question.")
    else:
        field = question_field(question, str(get_locale() or "en"))
        raw = (form.answer.data or "").strip()
        try:
            value = field.parse(raw) if raw else UNANSWERED
        except Unreadable as unreadable:
            errors["answer"] = describe(problem(question.id, unreadable.code))
    if not errors:
        try:
            services.edit_visit(
                session=db.get_session(), user=g.user, visit=visit,
                revision=form.revision.data,
                answers={question.id: None if value is UNANSWERED else value},
                reason=form.reason.data, now=utcnow())
        except Conflict:
            return _changed_meanwhile(visit)
        except InvalidVisit as invalid:
            errors["answer"] = " ".join(describe(p) for p in invalid.problems)
        except InvalidInput as error:
            errors["reason" if error.field == "reason" else "answer"] = input_message(error)
    if errors:
        db.get_session().rollback()
        for name, message in errors.items():
            form[name].errors = [message]
        return _page(visit, 422, edit_form=form)
    db.commit()
    flash(_("Answer changed; the engine rescored the visit."), "success")
    return redirect(url_for("review.review_visit", visit_uuid=visit.uuid))
