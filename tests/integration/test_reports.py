"""PDF reports and their delivery: what the PDF holds (the scorecard's numbers as the
pages show them), the schedule's scope, the locked-down renderer, the outbox and a real
SMTP server on loopback (aiosmtpd), retries, never twice, alerts, the archive.

Jobs run at once here (JOBS_IMMEDIATE); tests/integration/test_jobs.py runs them
through real consumers."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlmodel import select

from shopper import jobs
from shopper.models import ManagerRegion, ReportDelivery, ReportSchedule, User, utcnow
from shopper.reports import delivery, pdf, render
from shopper.scorecards import services
from shopper.scorecards.periods import month
from shopper.templating import format_score
from tests.conftest import csrf_token
from tests.factories import PASSWORD, RETAIL_ANSWERS, field_world, make_location, make_visit

#: A month well in the past: every period-sensitive figure is fixed.
PERIOD = month(datetime(2026, 10, 1).date())
IN_PERIOD = datetime(2026, 10, 12, 10, tzinfo=UTC)


@pytest.fixture
def world(session):
    world = field_world(session)
    world["store"].name = "Leeds Briggate"
    world["other_store"].name = "Brighton Churchill"
    world["north_store_2"] = make_location(session, world["north"], "N2", name="York Stonegate")
    for place, cleanliness in ((world["store"], 5), (world["other_store"], 2),
                               (world["north_store_2"], 4)):
        for day in (3, 12, 20):
            make_visit(session, world["sam"], place, world["questionnaire"],
                       answers=RETAIL_ANSWERS | {"store_clean": cleanliness,
                                                 "comments": f"Visit on the {day}th."},
                       started_at=IN_PERIOD.replace(day=day))
    session.commit()
    return world


def schedule(session, world, *, region=None, recipients=("client@example.com",),
             **values) -> ReportSchedule:
    made = ReportSchedule(client_id=world["acme"].id, region_id=region.id if region else None,
                          recipients=list(recipients), created_at=utcnow() - timedelta(days=400),
                          **values)
    session.add(made)
    session.commit()
    return made


def smtp(app, server) -> None:
    app.config.update(SMTP_HOST=server.host, SMTP_PORT=server.port)


def attachment(message) -> bytes:
    parts = [part for part in message.iter_attachments()
             if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_content()


def card_scores(app, session, place) -> list[str]:
    """The location's headline scores as its scorecard page prints them (English)."""
    with app.test_request_context(), force_locale("en"):
        page = services.location_page(session=session, location=place, period=PERIOD,
                                      default_zone="UTC")
        return [format_score(getattr(page.figures.card, name).mean)
                for name in ("cx", "service", "experience")]


def logged_in(app, email_address: str):
    client = app.test_client()
    page = client.get("/login")
    client.post("/login", data={"email": email_address, "password": PASSWORD,
                                "csrf_token": csrf_token(page.text)})
    return client


def post(client, path: str, data: dict | None = None, page: str = "/"):
    token = csrf_token(client.get(page, follow_redirects=True).text)
    return client.post(path, data={"csrf_token": token, **(data or {})})


# --- the PDF -----------------------------------------------------------------------------


def test_the_location_pdf_holds_its_scores_as_the_page_shows_them(app, session, world):
    client = logged_in(app, "mia@example.com")
    response = client.get(f"/reports/locations/{world['store'].id}.pdf?period=2026-10")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf.pdf_text(response.data)
    assert "Leeds Briggate" in text and "October 2026" in text
    for score in card_scores(app, session, world["store"]):
        assert score in text
    pages = text.count("\f") + 1
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Visit on the 20th." in text  # a verbatim comment
    # the page's own figures, from the same services
    page = client.get(f"/scorecards/locations/{world['store'].id}?period=2026-10").text
    assert all(score in page for score in card_scores(app, session, world["store"]))


def test_numbers_and_dates_follow_the_report_language(app, session, world):
    place = world["store"]
    with app.test_request_context():
        _key, content = render.location_pdf(session=session, location=place, period=PERIOD,
                                            locale="de")
    text = pdf.pdf_text(content)
    assert "Oktober 2026" in text and "Seite 1 von" in text
    english = card_scores(app, session, place)
    assert any("." in score for score in english)
    for score in english:
        assert score.replace(".", ",") in text


def test_a_thin_period_says_so(app, session, world):
    thin = make_location(session, world["north"], "N3", name="Hull Whitefriargate")
    make_visit(session, world["sam"], thin, world["questionnaire"], started_at=IN_PERIOD)
    session.commit()
    with app.test_request_context():
        _key, content = render.location_pdf(session=session, location=thin, period=PERIOD,
                                            locale="en")
    assert "Thin evidence: 1 approved visit" in pdf.pdf_text(content)


def test_an_unchanged_pdf_is_not_drawn_twice_and_an_approval_redraws_it(app, session, world):
    place = world["store"]
    with app.test_request_context():
        key, first = render.location_pdf(session=session, location=place, period=PERIOD,
                                         locale="en")
        kept = render.kept_path(key)
        kept.write_bytes(first + b"%kept")  # a repeat serves the kept file as it is
        assert render.location_pdf(session=session, location=place, period=PERIOD,
                                   locale="en")[1].endswith(b"%kept")
        visit = make_visit(session, world["sam"], place, world["questionnaire"],
                           started_at=IN_PERIOD)  # approved: the location's version moves
        session.commit()
        again, content = render.location_pdf(session=session, location=place, period=PERIOD,
                                             locale="en")
    assert visit.id and again != key and not content.endswith(b"%kept")


def test_the_renderer_fetches_nothing_a_comment_names(app, session, world):
    """A comment holding markup is text in the PDF, and nothing it names is fetched:
    a listening socket sees no connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    seen, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            seen.append(connection)
            connection.close()

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    hostile = (f'<img src="http://127.0.0.1:{port}/x.png"> <img src="file:///etc/passwd">'
               f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">')
    place = world["north_store_2"]
    make_visit(session, world["sam"], place, world["questionnaire"],
               answers=RETAIL_ANSWERS | {"comments": hostile},
               started_at=IN_PERIOD.replace(day=25))
    session.commit()
    try:
        with app.test_request_context():
            _key, content = render.location_pdf(session=session, location=place,
                                                period=PERIOD, locale="en")
    finally:
        stop.set()
        watcher.join(timeout=5)
        listener.close()
    assert seen == []
    text = pdf.pdf_text(content)
    assert f"127.0.0.1:{port}/x.png" in text  # shown as text
    assert "root:" not in text


# --- scope ---------------------------------------------------------------------------------


def test_a_region_schedule_holds_only_its_region(app, session, world, smtp_server):
    schedule(session, world, region=world["north"], recipients=["mia@example.com"])
    smtp(app, smtp_server)
    result = app.test_cli_runner().invoke(args=["reports", "send", "--client", "Acme",
                                                "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    [message] = smtp_server.messages
    text = pdf.pdf_text(attachment(message))
    assert "Leeds Briggate" in text and "York Stonegate" in text
    assert "Brighton Churchill" not in text and "South" not in text.replace("Southern", "")


# --- delivery ------------------------------------------------------------------------------


def test_reports_send_delivers_through_a_real_smtp_server(app, session, world, smtp_server):
    made = schedule(session, world, recipients=["client@example.com", "boss@example.com"])
    schedule(session, world, frequency="quarterly")  # not this period's cadence
    smtp(app, smtp_server)
    result = app.test_cli_runner().invoke(args=["reports", "send", "--client", "Acme",
                                                "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 report of Acme for 2026-10." in result.output
    [message] = smtp_server.messages
    assert sorted(smtp_server.envelopes[0]) == ["boss@example.com", "client@example.com"]
    assert message["Subject"] == "Acme: scorecard report, October 2026"
    assert message["From"] == app.config["MAIL_FROM"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Acme for October 2026" in text and "Acme for October 2026" in html
    content = pdf.pdf_text(attachment(message))
    for place in (world["store"], world["other_store"], world["north_store_2"]):
        assert place.name in content
        for score in card_scores(app, session, place):
            assert score in content
    [sent] = session.exec(select(ReportDelivery)).all()
    assert (sent.schedule_id, sent.period, sent.status, sent.attempts, sent.explicit) == (
        made.id, "2026-10", "sent", 1, True)
    with app.app_context():
        assert render.kept_path(sent.report_key).read_bytes() == attachment(message)


def test_reports_send_fails_in_one_line(app, session, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "send", "--client", "Nobody", "--period", "2026-10"])
    assert result.exit_code != 0 and result.output.strip().count("\n") == 0
    assert "no client 'Nobody'" in result.output
    result = runner.invoke(args=["reports", "send", "--client", "Acme", "--period", "2026-13"])
    assert result.exit_code != 0 and "--period" in result.output
    schedule(session, world)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    result = runner.invoke(args=["reports", "send", "--client", "Acme", "--period", "2026-10"])
    assert result.exit_code == 1
    assert result.output.startswith("error: 1 of 1 reports of Acme for 2026-10 not sent: ")
    assert "Traceback" not in result.output


def test_send_now_writes_the_outbox_and_the_log(app, session, world):
    made = schedule(session, world)
    client = logged_in(app, "ada@example.com")
    response = post(client, f"/reports/schedules/{made.id}/send", {"period": "2026-10"},
                    page=f"/reports/schedules/{made.id}")
    assert response.status_code == 302
    [eml] = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "client@example.com"
    assert "Leeds Briggate" in pdf.pdf_text(attachment(message))
    page = client.get(f"/reports/schedules/{made.id}").text
    assert "sent" in page and "October 2026" in page and "PDF as sent" in page


def test_a_refused_message_is_retried_and_arrives_once(app, session, world, smtp_server):
    made = schedule(session, world)
    smtp(app, smtp_server)
    smtp_server.refuse_next(2, code=451)
    with app.app_context():
        queued = delivery.request_sending(session, made, PERIOD, None)
        session.commit()
        first = delivery.send(session, queued.id)
        assert first.status == "queued" and first.retry_in == timedelta(seconds=30)
        assert delivery.send(session, queued.id).status == "skipped"  # not due yet
        for attempt in (2, 3):
            session.execute(ReportDelivery.__table__.update().values(
                next_attempt_at=utcnow() - timedelta(seconds=1)))
            session.commit()
            outcome = delivery.send(session, queued.id)
            assert outcome.status == ("queued" if attempt == 2 else "sent")
    session.refresh(queued)
    assert (queued.status, queued.attempts, queued.error) == ("sent", 3, None)
    assert len(smtp_server.messages) == 1


def test_a_permanent_refusal_shows_on_the_schedule(app, session, world, smtp_server):
    made = schedule(session, world)
    smtp(app, smtp_server)
    smtp_server.refuse_next(1, code=550, text="mailbox unavailable")
    with app.app_context():
        queued = delivery.request_sending(session, made, PERIOD, None)
        session.commit()
        assert delivery.send(session, queued.id).status == "failed"
    page = logged_in(app, "ada@example.com").get(f"/reports/schedules/{made.id}").text
    assert "A report could not be sent." in page and "550" in page


def test_the_periodic_job_never_sends_a_period_twice(app, session, world, smtp_server):
    made = schedule(session, world, day_of_month=1)
    smtp(app, smtp_server)
    with app.app_context():
        assert jobs.send_due.call_local() == 1
        assert jobs.send_due.call_local() == 0  # claimed before: nothing new
        # two workers at once: one claim between them
        today = delivery.schedule_today(session, made)
        assert delivery.claim_due(session, made, today) is None
        # a sending whose worker died mid-conversation is not mailed again
        stuck = delivery.request_sending(session, made, PERIOD, None)
        stuck.status, stuck.next_attempt_at = "sending", utcnow() - timedelta(seconds=1)
        session.commit()
        assert jobs.send_due.call_local() == 0
    rows = session.exec(select(ReportDelivery).where(~ReportDelivery.explicit)).all()
    assert len(rows) == 1 and rows[0].status == "sent"
    session.refresh(stuck)
    assert stuck.status == "failed" and "Interrupted" in stuck.error
    assert len(smtp_server.messages) == 1


def test_a_schedule_owes_the_last_period_from_its_day_and_no_backlog(session, world):
    made = schedule(session, world, day_of_month=5)
    made.created_at = datetime(2026, 12, 15, tzinfo=UTC)
    assert delivery.due_period(made, date(2026, 12, 20)) is None  # November was due before
    assert delivery.due_period(made, date(2027, 1, 4)) is None    # not its day yet
    assert delivery.due_period(made, date(2027, 1, 5)) == month(date(2026, 12, 1))
    assert delivery.due_period(made, date(2027, 1, 30)) == month(date(2026, 12, 1))
    made.frequency = "quarterly"
    assert delivery.due_period(made, date(2027, 2, 10)).key == "2026-Q4"


def test_recipients_are_checked_and_nothing_half_stored(app, session, world):
    client = logged_in(app, "ada@example.com")
    page = f"/reports/schedules/new?client={world['acme'].id}"
    response = post(client, page, {"recipients": "ok@example.com\nnot an address",
                                   "frequency": "monthly", "day_of_month": "1",
                                   "locale": "en", "kind": "rollup", "region": ""}, page=page)
    assert response.status_code == 422
    assert "not an address is not an e-mail address." in response.text
    assert session.exec(select(ReportSchedule)).all() == []
    response = post(client, page, {"recipients": "a@example.com\r\nBcc: evil@example.com",
                                   "frequency": "monthly", "day_of_month": "1",
                                   "locale": "en", "kind": "rollup", "region": ""}, page=page)
    assert response.status_code == 422
    response = post(client, page, {"recipients": "A@Example.com, b@example.com",
                                   "frequency": "quarterly", "day_of_month": "5",
                                   "locale": "de", "kind": "summary",
                                   "region": str(world["south"].id), "active": "y"}, page=page)
    assert response.status_code == 302
    session.rollback()  # the earlier check's read ended: see the commit
    [made] = session.exec(select(ReportSchedule)).all()
    assert (made.recipients, made.frequency, made.day_of_month, made.locale, made.region_id) \
        == (["a@example.com", "b@example.com"], "quarterly", 5, "de", world["south"].id)


def test_a_rollup_is_prepared_then_downloaded(app, session, world):
    client = logged_in(app, "cal@example.com")
    response = post(client, "/reports/prepare", {"client": str(world["acme"].id),
                                                 "period": "2026-10", "kind": "rollup"},
                    page="/scorecards")
    assert response.status_code == 302 and "/reports/prepared" in response.location
    page = client.get(response.location)
    assert "The PDF is ready." in page.text
    download = client.get(response.location + "&download=1")
    assert download.mimetype == "application/pdf"
    text = pdf.pdf_text(download.data)
    assert "All locations" in text and "Brighton Churchill" in text
    pages = text.count("\f") + 1
    assert f"Page {pages} of {pages}" in text


def test_the_archive_shows_what_was_sent(app, session, world, smtp_server):
    schedule(session, world)
    smtp(app, smtp_server)
    assert app.test_cli_runner().invoke(args=["reports", "send", "--client", "Acme",
                                              "--period", "2026-10"]).exit_code == 0
    [sent] = session.exec(select(ReportDelivery)).all()
    client = logged_in(app, "cal@example.com")
    page = client.get("/reports").text
    assert "October 2026" in page and f"/reports/deliveries/{sent.id}.pdf" in page
    download = client.get(f"/reports/deliveries/{sent.id}.pdf")
    assert download.data == attachment(smtp_server.messages[0])


# --- alerts --------------------------------------------------------------------------------


def critical_visit(session, world):
    return make_visit(session, world["sam"], world["store"], world["questionnaire"],
                      status="submitted",
                      answers=RETAIL_ANSWERS | {"had_problem": "yes",
                                                "return_policy_correct": "no",
                                                "comments": "She said 14 days, no refund."})


def test_a_critical_failure_alerts_the_region_managers(app, session, world, smtp_server):
    app.config["BASE_URL"] = "https://shopper.example.org"
    smtp(app, smtp_server)
    visit = critical_visit(session, world)
    session.commit()
    client = logged_in(app, "mia@example.com")
    response = post(client, f"/review/visits/{visit.uuid}/approve", {"revision": "1"},
                    page=f"/review/visits/{visit.uuid}")
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0] == ["mia@example.com"]  # North's manager only
    assert message["Subject"] == "Critical failure at Leeds Briggate"
    body = message.get_body(("plain",)).get_content()
    assert "Was the return policy explained correctly?" in body
    assert "She said 14 days, no refund." in body
    assert f"https://shopper.example.org/review/visits/{visit.uuid}" in body


@pytest.mark.parametrize(("email", "role"), [
    ("mia@example.com", "Regional manager"), ("ada@example.com", "Administrator"),
    ("sam@example.com", "Shopper"), ("cal@example.com", "Client viewer"),
])
def test_the_account_page_names_ones_own_role(app, world, email, role):
    page = logged_in(app, email).get("/account").text
    assert f"<dd>{role}</dd>" in page


def test_alerts_can_be_turned_off(app, session, world, smtp_server):
    smtp(app, smtp_server)
    client = logged_in(app, "mia@example.com")
    assert post(client, "/account", {}, page="/account").status_code == 302  # unticked
    assert session.exec(select(User.alerts).where(User.email == "mia@example.com")).one() \
        is False
    visit = critical_visit(session, world)
    session.commit()
    post(client, f"/review/visits/{visit.uuid}/approve", {"revision": "1"},
         page=f"/review/visits/{visit.uuid}")
    assert smtp_server.messages == []


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_sends_its_schedules_on_the_first_minute(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert jobs.send_due.call_local() == 2
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in Path(app.config["OUTBOX_DIR"]).glob("*.eml")]
    assert sorted(m["To"] for m in messages) == ["client@demo.test", "manager@demo.test"]
    north = next(m for m in messages if m["To"] == "manager@demo.test")
    text = pdf.pdf_text(attachment(north))
    assert "Leeds Briggate" in text and "Brighton Churchill Square" not in text


def test_a_refused_alert_is_tried_again_for_that_manager_only(app, session, world,
                                                              smtp_server):
    from shopper.reports import alerts

    smtp(app, smtp_server)
    second = User(email="max@example.com", name="Max", role="manager", password_hash="x")
    session.add(second)
    session.flush()
    session.add(ManagerRegion(user_id=second.id, region_id=world["north"].id))
    visit = critical_visit(session, world)
    visit.status = "approved"
    session.commit()
    smtp_server.refuse_next(1, code=451)  # the first manager's mail, for now
    with app.app_context():
        sent, again = alerts.send(session, visit.id)
        assert (sent, again) == (1, [world["north_manager"].id])
        assert alerts.send(session, visit.id, only=again) == (1, [])
    assert sorted(e[0] for e in smtp_server.envelopes) == ["max@example.com",
                                                           "mia@example.com"]
