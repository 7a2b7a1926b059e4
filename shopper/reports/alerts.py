"""Critical-failure alerts: when a visit with a critical failure is approved, each
manager of its region (with alerts on) gets a short e-mail at once, in their language,
with a link built from BASE_URL (a job has no request to take a host from)."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from .. import mail
from ..models import Location, ManagerRegion, Questionnaire, User, Visit
from ..questionnaires import parse_stored
from ..scoring import localized

log = logging.getLogger(__name__)


def recipients(session: Session, region_id: int) -> list[User]:
    """The active managers of the region who have not turned alerts off."""
    return list(session.exec(
        select(User).join(ManagerRegion, ManagerRegion.user_id == User.id)
        .where(ManagerRegion.region_id == region_id, User.role == "manager", User.active,
               User.alerts).order_by(User.id)).all())


def _failures(session: Session, visit: Visit, locale: str) -> tuple[list[str], list[str]]:
    """The texts of the failed critical questions and the shopper's comments."""
    questionnaire = session.get(Questionnaire, visit.questionnaire_id)
    parsed = parse_stored(questionnaire) if questionnaire else None
    failed = (visit.scores or {}).get("critical_failures", [])
    if parsed is None:
        return list(failed), []
    texts = {q.id: localized(q.text, locale) for q in parsed.questions}
    comments = [visit.answers[q.id].strip() for q in parsed.questions
                if q.type == "text" and isinstance(visit.answers.get(q.id), str)
                and visit.answers[q.id].strip()]
    return [texts.get(question_id, question_id) for question_id in failed], comments


def send(session: Session, visit_id: int, only: list[int] | None = None
         ) -> tuple[int, list[int]]:
    """Mail the alert of one approved visit to its region's managers (`only` these, on a
    retry); returns how many it reached and the ids of those whose mail server refused
    for now, to be tried again (a retry never repeats a sent alert)."""
    visit = session.get(Visit, visit_id)
    if visit is None or visit.status != "approved" or not visit.critical_failure:
        return 0, []
    location = session.get(Location, visit.location_id)
    config = current_app.config
    base = config.get("BASE_URL") or "http://localhost:5000"
    link = f"{base}/review/visits/{visit.uuid}"
    sent, again = 0, []
    for manager in recipients(session, location.region_id):
        if only is not None and manager.id not in only:
            continue
        locale = manager.locale if manager.locale in config["LANGUAGES"] else "en"
        with force_locale(locale):
            failures, comments = _failures(session, visit, locale)
            subject = _("Critical failure at %(location)s", location=location.name)
            context = {"location": location, "failures": failures, "comments": comments,
                       "link": link, "account": f"{base}/account"}
            message = mail.compose(sender=config["MAIL_FROM"], to=[manager.email],
                                   subject=mail.header_text(subject),
                                   text=render_template("mail/alert.txt", **context),
                                   html=render_template("mail/alert.html", **context))
        try:
            mail.deliver(message, config)
        except mail.TemporaryFailure as error:
            log.warning("alert of visit %s to manager %s: %s", visit.uuid, manager.id, error)
            again.append(manager.id)
            continue
        except mail.MailError as error:
            log.error("alert of visit %s to manager %s not sent: %s", visit.uuid,
                      manager.id, error)
            continue
        sent += 1
    log.info("critical-failure alert of visit %s sent to %d managers", visit.uuid, sent)
    return sent, again
