"""Sending reports: which period a schedule owes, the delivery row that claims it, and
the one function that renders, mails and records a sending (the job and
`shopper reports send` both call it).

Never twice: the periodic job claims (schedule, period) by inserting a delivery row;
a partial unique index lets only one non-explicit row exist, so two workers cannot
both send a period. A sending is marked `sending` (attempts + 1) only once its PDF is
drawn, just before the SMTP conversation; a worker that dies in that window leaves the
row so, and the sweep marks it failed after a lease ("it may have arrived") rather
than mail it again. Only a person sends a period again (explicit rows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import mail
from ..models import Client, Region, ReportDelivery, ReportSchedule, User, utcnow
from ..scorecards import display, services
from ..scorecards.periods import Period, month, parse_period, quarter
from . import render

log = logging.getLogger(__name__)

#: How long a sending may take before the sweep calls it interrupted.
LEASE = timedelta(minutes=10)
#: The first retry's delay; each next one is four times longer (30 s, 2 min, 8 min...).
FIRST_RETRY = timedelta(seconds=30)


# --- periods -----------------------------------------------------------------------------


def last_complete(frequency: str, today: date) -> Period:
    """The last whole month or quarter before `today`."""
    if frequency == "quarterly":
        return quarter(quarter(today).first - timedelta(days=1))
    return month(today.replace(day=1) - timedelta(days=1))


def due_period(schedule: ReportSchedule, today: date) -> Period | None:
    """The period the schedule owes on `today`: the last complete one, once its
    sending day has come (day_of_month of the month after it ends), and only when that
    day is not before the schedule was made (a new schedule sends from its first day
    on, not a backlog)."""
    period = last_complete(schedule.frequency, today)
    due_day = period.last + timedelta(days=schedule.day_of_month)
    if today < due_day or due_day < schedule.created_at.date():
        return None
    return period


def matches(schedule: ReportSchedule, period: Period) -> bool:
    return (period.kind == "month") == (schedule.frequency == "monthly")


# --- claiming ----------------------------------------------------------------------------


def _new_delivery(schedule: ReportSchedule, period: Period, *, explicit: bool,
                  user: User | None) -> ReportDelivery:
    return ReportDelivery(schedule_id=schedule.id, client_id=schedule.client_id,
                          region_id=schedule.region_id, period=period.key,
                          kind=schedule.kind, locale=schedule.locale,
                          recipients=list(schedule.recipients), explicit=explicit,
                          requested_by_id=user.id if user else None)


def claim_due(session: Session, schedule: ReportSchedule, today: date
              ) -> ReportDelivery | None:
    """The schedule's delivery for its due period, newly claimed; None when nothing is
    due or the period was claimed before (by this worker or another)."""
    period = due_period(schedule, today)
    if period is None:
        return None
    delivery = _new_delivery(schedule, period, explicit=False, user=None)
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        return None
    return delivery


def request_sending(session: Session, schedule: ReportSchedule, period: Period,
                    user: User | None) -> ReportDelivery:
    """A sending a person asked for (the command, "send now", "send again"): always
    made, also for a period sent before."""
    delivery = _new_delivery(schedule, period, explicit=True, user=user)
    session.add(delivery)
    session.flush()
    return delivery


def due_deliveries(session: Session, now: datetime) -> list[int]:
    """Queued sendings whose retry time has come (oldest first)."""
    return list(session.exec(
        select(ReportDelivery.id).where(
            ReportDelivery.status == "queued",
            or_(ReportDelivery.next_attempt_at.is_(None),
                ReportDelivery.next_attempt_at <= now))
        .order_by(ReportDelivery.id)).all())


def mark_interrupted(session: Session, now: datetime) -> int:
    """Sendings whose worker died mid-conversation: failed, for a person to send
    again (they may have arrived; the job never mails them a second time)."""
    result = session.execute(
        update(ReportDelivery)
        .where(ReportDelivery.status == "sending", ReportDelivery.next_attempt_at <= now)
        .values(status="failed",
                error="Interrupted while sending: it may or may not have arrived. "
                      "Send it again if the recipients say it did not."))
    return result.rowcount or 0


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent, queued (a retry is due), failed, skipped (not ours to send)
    error: str | None = None
    retry_in: timedelta | None = None


def _scope(session: Session, delivery: ReportDelivery) -> services.Scope:
    client = session.get(Client, delivery.client_id)
    region = session.get(Region, delivery.region_id) if delivery.region_id else None
    return services.client_scope(session=session, client=client, region=region)


def _message(delivery: ReportDelivery, scope: services.Scope, period: Period,
             content: bytes):
    config = current_app.config
    base = config.get("BASE_URL") or "http://localhost:5000"
    with force_locale(delivery.locale):
        scope_name = scope.region.name if scope.region else None
        period_name = display.period_label(period)
        if scope_name:
            subject = _("%(client)s, region %(region)s: scorecard report, %(period)s",
                        client=scope.client.name, region=scope_name, period=period_name)
        else:
            subject = _("%(client)s: scorecard report, %(period)s",
                        client=scope.client.name, period=period_name)
        context = {"client": scope.client.name, "region": scope_name,
                   "period": period_name, "link": f"{base}/reports"}
        text = render_template("mail/report.txt", **context)
        html = render_template("mail/report.html", **context)
    name = render.file_name(client_name=scope.client.name, scope_name=scope_name,
                            period=period)
    return mail.compose(sender=config["MAIL_FROM"], to=delivery.recipients,
                        subject=mail.header_text(subject), text=text, html=html,
                        attachments=[(name, content, "application/pdf")],
                        message_id=delivery.message_id)


def _finish(session: Session, delivery_id: int, schedule_id: int | None = None,
            **values) -> None:
    """Record an outcome in a short write of its own, beginning with the write (on
    SQLite a read transaction that turns into a write fails at once, "database is
    locked", when another writer committed since it began); a sent report also dates
    its schedule's last sending."""
    session.rollback()
    session.execute(update(ReportDelivery).where(ReportDelivery.id == delivery_id)
                    .values(**values))
    if schedule_id is not None:
        session.execute(update(ReportSchedule).where(ReportSchedule.id == schedule_id)
                        .values(last_sent_at=values["sent_at"]))
    session.commit()


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def _attempt_failed(session: Session, delivery: ReportDelivery, error: str) -> Outcome:
    """An attempt that failed before the SMTP conversation: counted, and retried later
    until MAIL_RETRIES."""
    attempts = delivery.attempts + 1
    if attempts >= current_app.config["MAIL_RETRIES"]:
        _finish(session, delivery.id, status="failed", error=error, attempts=attempts,
                next_attempt_at=None)
        return Outcome("failed", error)
    delay = retry_delay(attempts)
    _finish(session, delivery.id, status="queued", error=error, attempts=attempts,
            next_attempt_at=utcnow() + delay)
    return Outcome("queued", error, delay)


def retry_delay(attempts: int) -> timedelta:
    return FIRST_RETRY * (4 ** max(attempts - 1, 0))


def send(session: Session, delivery_id: int) -> Outcome:
    """Render, mail and record one sending. Safe to call twice at once, or again
    after a crash: only the caller whose claim succeeds mails it."""
    now = utcnow()
    delivery = session.get(ReportDelivery, delivery_id)
    if delivery is None or delivery.status != "queued" or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now):
        session.rollback()
        return Outcome("skipped")
    scope = _scope(session, delivery)
    period = parse_period(delivery.period, today=now.date())
    try:
        key, content = render.rollup_pdf(session=session, scope=scope, period=period,
                                         kind=delivery.kind, locale=delivery.locale)
        if delivery.message_id is None:
            delivery.message_id = make_msgid(domain=_domain(current_app.config["MAIL_FROM"]))
        message = _message(delivery, scope, period, content)
    except mail.MailError as error:  # an address or a header refused: never retried
        _finish(session, delivery_id, status="failed", error=str(error)[:2000])
        return Outcome("failed", str(error))
    except Exception as error:  # the report could not be drawn: a bug or a lost file
        log.exception("report delivery %s could not be drawn", delivery_id)
        return _attempt_failed(session, delivery, f"The report could not be drawn: "
                                                  f"{type(error).__name__}")
    message_id, schedule_id = delivery.message_id, delivery.schedule_id
    session.rollback()  # reading ends; the claim below is its own short write
    claimed = session.execute(
        update(ReportDelivery)
        .where(ReportDelivery.id == delivery_id, ReportDelivery.status == "queued",
               or_(ReportDelivery.next_attempt_at.is_(None),
                   ReportDelivery.next_attempt_at <= now))
        .values(status="sending", attempts=ReportDelivery.attempts + 1,
                next_attempt_at=now + LEASE, message_id=message_id, report_key=key))
    session.commit()
    if claimed.rowcount != 1:
        return Outcome("skipped")
    attempts = session.scalar(select(ReportDelivery.attempts)
                              .where(ReportDelivery.id == delivery_id))
    session.commit()
    try:
        mail.deliver(message, current_app.config)
    except mail.TemporaryFailure as error:
        if attempts >= current_app.config["MAIL_RETRIES"]:
            _finish(session, delivery_id, status="failed", error=str(error)[:2000],
                    next_attempt_at=None)
            return Outcome("failed", str(error))
        delay = retry_delay(attempts)
        _finish(session, delivery_id, status="queued", error=str(error)[:2000],
                next_attempt_at=utcnow() + delay)
        return Outcome("queued", str(error), delay)
    except mail.MailError as error:
        _finish(session, delivery_id, status="failed", error=str(error)[:2000],
                next_attempt_at=None)
        return Outcome("failed", str(error))
    _finish(session, delivery_id, schedule_id, status="sent", sent_at=utcnow(), error=None,
            next_attempt_at=None)
    return Outcome("sent")


def active_schedules(session: Session) -> list[ReportSchedule]:
    return list(session.exec(select(ReportSchedule).where(ReportSchedule.active)
                             .order_by(ReportSchedule.id)).all())


def schedule_today(session: Session, schedule: ReportSchedule) -> date:
    return render.today_in(session.get(Client, schedule.client_id))


def claim_all_due(session: Session) -> list[int]:
    """Claim every active schedule's due period; the ids of the new deliveries."""
    claimed = []
    for schedule in active_schedules(session):
        delivery = claim_due(session, schedule, schedule_today(session, schedule))
        if delivery is not None:
            claimed.append(delivery.id)
    session.commit()
    return claimed

