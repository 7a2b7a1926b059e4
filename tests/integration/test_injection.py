"""Injection: every string a person can put into Shopper carries markup, template,
CSS, fetch and spreadsheet-formula payloads, and every page, PDF, e-mail, CSV export
and API answer that shows it shows it as text.

One world (`world`) holds the payloads in the client, region and location names and
codes, the addresses of the stores, user names and e-mail addresses, the
questionnaire's title, sections, questions, help, units, options and touchpoints, the
assignment's scenario, the visits' text answers, and the review desk's return notes
and edit reasons (made through its real forms). Pages are fetched as each role through
the real log-in form; PDFs are checked for the text and for a listening socket that
sees no connection; e-mails go through a real SMTP server (tests/smtp_server.py).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlmodel import select

from shopper import mail
from shopper.auth.services import issue_api_token
from shopper.models import ReportDelivery, ReportSchedule, utcnow
from shopper.reports import pdf
from shopper.scorecards import display
from shopper.scorecards.periods import month
from shopper.templating import touchpoint_label
from tests.conftest import AuthActions, csrf_token
from tests.factories import (
    PASSWORD,
    make_assignment,
    make_client,
    make_location,
    make_questionnaire,
    make_region,
    make_user,
    make_visit,
)
from tests.listener import Listener

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}{% raw %}"
#: Markup, a template, the end of a style sheet: in every string of the world.
CORE = f"{SCRIPT}{ATTRIBUTE}{TEMPLATE}</style>"
JAVASCRIPT = "javascript:alert(1)"
#: Right-to-left override, combining and wide characters (no NUL: PostgreSQL refuses it).
UNICODE = "\u202eevil\u202c Zoë Жук"
#: What a spreadsheet would run: each starts a different string of the world.
FORMULAS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A line break that would start a header of its own in an e-mail.
HEADER = "\r\nBcc: evil@example.com\r\n"
#: Fragments only an unescaped payload leaves in HTML.
RAW = ("<script>alert", "<img src=x", "<svg/onload", "<link rel=stylesheet",
       "<img src=http", "{% raw %}</style>")
UNSAFE_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)

#: The last whole month: visits fall in it, pages and PDFs are asked for it.
PERIOD = month(utcnow().date().replace(day=1) - timedelta(days=1))
IN_PERIOD = datetime(PERIOD.first.year, PERIOD.first.month, 10, 10, tzinfo=UTC)


@pytest.fixture
def listener():
    watching = Listener()
    yield watching
    watching.close()


def hostile_questionnaire(texts: dict[str, str]) -> dict:
    """A questionnaire whose every text is hostile: title, section, questions, help,
    unit, options and a touchpoint."""
    yes_no = {"type": "yes_no", "weight": 1, "dimension": "service"}
    return {
        "id": "hostile", "title": texts["title"],
        "sections": [{"id": "visit", "title": texts["section"], "questions": [
            {"id": "greeted", "text": texts["question"], "help": texts["help"],
             "touchpoint": texts["touchpoint"], **yes_no},
            {"id": "wait", "text": "Wait", "type": "number", "unit": texts["unit"],
             "bands": [{"max": 2, "score": 1}, {"score": 0}]},
            {"id": "mood", "text": "Mood", "type": "choice", "options": [
                {"value": "good", "label": texts["option"], "score": 1},
                {"value": "poor", "label": "Poor", "score": 0}]},
            {"id": "policy", "text": texts["critical"], "critical": True, **yes_no},
            {"id": "comments", "text": texts["comments_question"], "type": "text",
             "required": False},
            {"id": "other", "text": "Other", "type": "text", "required": False},
        ]}],
    }


def answers(comment: str, other: str = "", **changes) -> dict:
    given = {"greeted": "yes", "wait": 1, "mood": "good", "policy": "yes",
             "comments": comment}
    if other:
        given["other"] = other
    return given | changes


def hostile_texts(port: int) -> dict[str, str]:
    """The world's strings, each within its column's length (PostgreSQL checks it)."""
    link = f"<link rel=stylesheet href=http://127.0.0.1:{port}/x>"
    image = f"<img src=http://127.0.0.1:{port}/x>"

    def text(label: str, lead: str = "", extra: str = "") -> str:
        return f"{lead + ' ' if lead else ''}{label} {CORE} {extra}{UNICODE}"

    return {
        "client": text("Acme", FORMULAS[0], link) + HEADER.rstrip(),
        "north": text("North", FORMULAS[3], image),
        "south": text("South", FORMULAS[2]),
        "n1": text("Leeds", FORMULAS[1], link),
        "n2": text(f"York{HEADER}", FORMULAS[4], image),
        "s1": text("Hove", FORMULAS[5]),
        "n1_code": '=N1"><b>{{7*7}}',
        "n2_code": "+N2<i>x</i>",
        "s1_code": "-S1{% raw %}",
        "address": text("1 High Street", extra=JAVASCRIPT + " "),
        "city": text("Leeds"),
        "url": f"{JAVASCRIPT}//{CORE}",
        "scenario": text("Ask for a refund", FORMULAS[0], link + image),
        "sam": text("Sam"),
        "mia": text("Mia"),
        "ada": text("Ada"),
        "kim_email": 'kim+"><svg/onload=alert(1)>{{7*7}}@example.com',
        "cal_email": 'cal+"><svg/onload=alert(1)>{{7*7}}@example.com',
        "title": text("Hostile visit"),
        "section": text("Arrival"),
        "question": text("Were you greeted?"),
        "help": text("Within a minute", extra=link),
        "unit": text("minutes"),
        "option": text("Good"),
        "critical": text("Was the policy right?", extra=image),
        "comments_question": text("Anything else?"),
        # lower case, no underscore: a touchpoint's label is its name, capitalised
        "touchpoint": f"tp {CORE} {UNICODE}".lower(),
        "comment": text("Friendly", FORMULAS[0], link + image),
        "other": text("Queue", FORMULAS[5]),
        "critical_comment": text("She said no refund", FORMULAS[2], link),
        "waiting_comment": text("Waiting", FORMULAS[3]),
        "return_note": text("Check the receipt", FORMULAS[1], link),
        "question_note": text("Was it really yes?", FORMULAS[2]),
        "edit_reason": text("The receipt says so", FORMULAS[3], image),
        "edited_comment": text("Edited", FORMULAS[3]),
        "delivery_error": f"the subject {text('Acme', FORMULAS[0])!r} holds a line break",
    }


def logged_in(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email, PASSWORD).status_code == 302, email
    return client


def post(browser, path: str, page: str, **data):
    """A form posted from `page`, with that page's CSRF token."""
    token = csrf_token(browser.get(page, follow_redirects=True).text)
    return browser.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def world(app, session, listener, smtp_server):
    """The hostile programme, after the review desk did its work through its forms:
    a visit returned with notes, one edited with a reason, one with a critical failure
    approved (its alert mailed to the real SMTP server), one still waiting."""
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port,
                      BASE_URL="https://shopper.example.org")
    texts = hostile_texts(listener.port)
    acme = make_client(session, texts["client"])
    north, south = make_region(session, acme, texts["north"]), make_region(session, acme,
                                                                          texts["south"])
    n1 = make_location(session, north, texts["n1_code"], name=texts["n1"],
                       address=texts["address"], city=texts["city"], url=texts["url"])
    n2 = make_location(session, north, texts["n2_code"], name=texts["n2"])
    s1 = make_location(session, south, texts["s1_code"], name=texts["s1"])
    questionnaire = make_questionnaire(session, hostile_questionnaire(texts))
    sam = make_user(session, "shopper", email="sam@example.com", name=texts["sam"])
    kim = make_user(session, "shopper", email=texts["kim_email"])
    mia = make_user(session, "manager", email="mia@example.com", name=texts["mia"],
                    regions=[north])
    ada = make_user(session, "admin", email="ada@example.com", name=texts["ada"])
    cal = make_user(session, "client", email=texts["cal_email"], client=acme)

    def assignment(place):
        return make_assignment(session, sam, place, questionnaire, scenario=texts["scenario"])

    world = {"texts": texts, "acme": acme, "north": north, "south": south, "n1": n1,
             "n2": n2, "s1": s1, "questionnaire": questionnaire, "sam": sam, "kim": kim,
             "mia": mia, "ada": ada, "cal": cal, "open": assignment(n1)}
    world["approved"] = make_visit(
        session, sam, n1, questionnaire, answers=answers(texts["comment"], texts["other"]),
        started_at=IN_PERIOD, assignment_id=assignment(n1).id)
    world["to_return"] = make_visit(
        session, sam, n1, questionnaire, answers=answers(texts["comment"]),
        status="submitted", started_at=IN_PERIOD, assignment_id=assignment(n1).id)
    world["critical"] = make_visit(
        session, sam, n2, questionnaire, status="submitted", started_at=IN_PERIOD,
        answers=answers(texts["critical_comment"], policy="no"))
    world["waiting"] = make_visit(
        session, kim, n2, questionnaire, status="submitted", started_at=IN_PERIOD,
        answers=answers(texts["waiting_comment"]))
    world["south_visit"] = make_visit(
        session, sam, s1, questionnaire, answers=answers(texts["comment"], texts["other"]),
        started_at=IN_PERIOD)
    world["schedule"] = ReportSchedule(client_id=acme.id, region_id=north.id,
                                       recipients=["boss@example.com"], kind="rollup")
    session.add(world["schedule"])
    session.flush()
    # A sending in the archive, and one that failed with the name in its error.
    for status, error in (("sent", None), ("failed", texts["delivery_error"])):
        session.add(ReportDelivery(
            schedule_id=world["schedule"].id, client_id=acme.id, region_id=north.id,
            period=PERIOD.key, recipients=["boss@example.com"], status=status,
            attempts=1, explicit=True, error=error,
            sent_at=utcnow() if status == "sent" else None))
    session.commit()

    desk = logged_in(app, "mia@example.com")
    page = f"/review/visits/{world['to_return'].uuid}"
    returned = post(desk, page + "/return", page, revision="1", note=texts["return_note"],
                    **{"note-greeted": texts["question_note"]})
    assert returned.status_code == 302, returned.text
    page = f"/review/visits/{world['approved'].uuid}"
    edited = post(desk, page + "/edit", page, revision="1", question="comments",
                  answer=texts["edited_comment"], reason=texts["edit_reason"])
    assert edited.status_code == 302, edited.text
    page = f"/review/visits/{world['critical'].uuid}"
    approved = post(desk, page + "/approve", page, revision="1")
    assert approved.status_code == 302, approved.text
    # The admin has the waiting visit open: the manager's queue names them.
    assert logged_in(app, "ada@example.com").get(
        f"/review/visits/{world['waiting'].uuid}").status_code == 200
    session.expire_all()
    world["desk"] = desk
    return world


# --- checking what is shown ------------------------------------------------------------


def flat(text: str) -> str:
    """Whitespace as one space: line breaks inside a name are whitespace in HTML, a
    mail part's lines are re-broken, a PDF's text is laid out in lines."""
    return " ".join(text.split())


def unsafe_html(html: str) -> list[str]:
    """What only an unescaped payload leaves in a document."""
    return [raw for raw in RAW if raw in html] + UNSAFE_URL.findall(html)


def unshown(html: str, texts: dict[str, str], names) -> list[str]:
    """The names of the texts the document does not show, escaped and whole."""
    return [name for name in names if flat(str(escape(texts[name]))) not in flat(html)]


#: (caller, path, the world's texts the page shows). Paths are formatted with the world
#: `w` and the period key `p`; `label` is the touchpoint as pages name it.
PAGES = (
    ("sam", "/shopper", ("n1", "n2", "s1", "city", "scenario", "return_note")),
    ("sam", "/visits/{w[open].id}", ("n1", "address", "city", "url", "scenario",
                                    "section", "question", "help", "unit", "option",
                                    "critical", "comments_question")),
    ("sam", "/visits/{w[to_return].assignment_id}", ("n1", "return_note", "question_note",
                                                     "comment", "question")),
    ("sam", "/visits/{w[approved].assignment_id}", ("n1",)),
    ("sam", "/account", ("sam",)),
    ("mia", "/manager", ("client", "north")),
    ("mia", "/review", ("n2", "north", "kim_email", "ada")),
    ("mia", "/review/visits/{w[waiting].uuid}", (
        "n2", "north", "kim_email", "ada", "section", "question", "option", "critical",
        "comments_question", "waiting_comment", "touchpoint")),
    ("mia", "/review/visits/{w[approved].uuid}", (
        "n1", "sam", "mia", "edit_reason", "edited_comment", "comment", "other")),
    ("mia", "/review/visits/{w[to_return].uuid}", ("sam", "return_note", "question_note")),
    ("mia", "/scorecards?period={p}", ("client", "north", "n1", "n2")),
    ("mia", "/scorecards/locations/{w[n1].id}?period={p}", (
        "client", "north", "n1", "n1_code", "label", "section", "edited_comment",
        "other")),
    ("mia", "/scorecards/locations/{w[n2].id}?period={p}", (
        "n2", "n2_code", "critical", "critical_comment")),
    ("mia", "/reports", ("client", "north")),
    ("mia", "/reports/schedules/{w[schedule].id}", ("client", "north", "delivery_error")),
    ("mia", "/reports/prepared?client={w[acme].id}&region={w[north].id}&period={p}",
     ("client", "north")),
    ("mia", "/account", ("mia",)),
    ("ada", "/admin", ()),
    ("ada", "/review", ("n2", "north", "kim_email")),
    ("ada", "/scorecards?period={p}", ("client", "north", "south", "n1", "n2", "s1")),
    ("ada", "/scorecards?period={p}&region={w[south].id}", ("client", "south", "s1")),
    ("ada", "/scorecards/locations/{w[s1].id}?period={p}", (
        "client", "south", "s1", "s1_code", "comment", "other")),
    ("ada", "/reports", ("client", "north")),
    ("ada", "/reports/schedules/new?client={w[acme].id}", ("client", "north", "south")),
    ("ada", "/reports/schedules/{w[schedule].id}/edit", ("client", "north", "south")),
    ("ada", "/reports/schedules/{w[schedule].id}", ("client", "north", "delivery_error")),
    ("ada", "/reports/prepared?client={w[acme].id}&period={p}", ("client",)),
    ("ada", "/account", ("ada",)),
    ("cal", "/client", ("client", "n1", "n2", "s1", "north", "south", "city")),
    ("cal", "/scorecards?period={p}", ("client", "north", "south", "n1", "n2", "s1")),
    ("cal", "/scorecards/locations/{w[n1].id}?period={p}", (
        "client", "n1", "n1_code", "label", "edited_comment", "other")),
    ("cal", "/scorecards/visits/{w[approved].uuid}", (
        "n1", "north", "section", "question", "option", "critical", "comments_question",
        "edited_comment", "other")),
    ("cal", "/reports", ("north",)),
    ("cal", "/reports/prepared?client={w[acme].id}&period={p}", ("client",)),
    ("cal", "/account", ("cal_email",)),
)

#: Pages checked by the tests below (PDFs, CSV), and pages with no text of the world.
ELSEWHERE = {
    "reports.location_pdf": "test_pdfs_print_the_text_and_fetch_nothing",
    "reports.delivery_pdf": "test_the_report_email_escapes_html_and_adds_no_header",
    "scorecards.export_overview": "test_csv_exports_never_start_a_formula",
    "scorecards.export_visits": "test_csv_exports_never_start_a_formula",
    "main.home": "a redirect to the role's home page",
    "main.healthz": "no page",
    "field.manifest": "the app's own words",
    "field.service_worker": "a script of the app's own",
    "field.photo": "an image",
    "auth.login": "nobody is logged in",
}


def test_every_page_with_the_worlds_text_is_checked(app):
    """Each page (GET, not the API) is in PAGES or ELSEWHERE: a new page fails here
    until it is checked for injection."""
    adapter = app.url_map.bind("localhost")
    checked = {adapter.match(path.split("?")[0].format(w=EveryId(), p="2026-10"))[0]
               for _caller, path, _names in PAGES}
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint != "static"
             and not rule.endpoint.startswith("api.")}
    assert pages == checked | set(ELSEWHERE)


class EveryId:
    """Formats any `{w[name].field}` as 1: a path that matches its route."""

    def __getitem__(self, name):
        return self

    def __getattr__(self, name):
        return 1


def test_pages_show_every_payload_escaped(app, world):
    """Each role's pages show each text of the world whole and escaped (so `{{7*7}}`
    stays itself, never 49), and nothing a payload would leave unescaped."""
    texts = world["texts"] | {"label": touchpoint_label(world["texts"]["touchpoint"])}
    clients = {caller: logged_in(app, world[caller].email) for caller in ("sam", "mia",
                                                                             "ada", "cal")}
    wrong = {}
    for caller, path, names in PAGES:
        path = path.format(w=world, p=PERIOD.key)
        response = clients[caller].get(path)
        html = response.text
        problems = [f"status {response.status_code}"] if response.status_code != 200 else []
        problems += [f"unescaped {raw!r}" for raw in unsafe_html(html)]
        problems += [f"not shown {name}" for name in unshown(html, texts, names)]
        if problems:
            wrong[f"{caller} {path}"] = problems
    assert wrong == {}


def test_what_a_form_sends_back_is_escaped(app, world):
    """Input echoed by a refused form, a message naming a stored name, a query string
    reflected in a page: text, never markup."""
    hostile = world["texts"]["comment"]
    echoed = {"input": hostile}
    admin = logged_in(app, "ada@example.com")
    page = f"/reports/schedules/new?client={world['acme'].id}"
    entry = f"{SCRIPT}{ATTRIBUTE}"
    refused = post(admin, page, page, recipients=entry, frequency="monthly", day_of_month="1",
                   locale="en", kind="rollup", region="")
    assert refused.status_code == 422
    message = {"message": f"{entry} is not an e-mail address.", "input": entry}
    checks = [("schedule form", refused.text, message)]

    done = post(admin, f"/scorecards/clients/{world['acme'].id}/target", "/scorecards",
                target="85")
    flashed = admin.get(done.headers["Location"]).text
    checks.append(("target flash", flashed, {"client": world["texts"]["client"]}))

    desk = world["desk"]
    page = f"/review/visits/{world['approved'].uuid}"
    edit = post(desk, page + "/edit", page, revision="2", question="wait", answer=hostile,
                reason=hostile)
    assert edit.status_code == 422
    checks.append(("review edit", edit.text, echoed))

    shopper = logged_in(app, "sam@example.com")
    page = f"/visits/{world['open'].id}"
    sent = post(shopper, page, page, action="send", **{"q-wait": hostile,
                                                       "q-comments": hostile})
    assert sent.status_code == 422
    checks.append(("visit form", sent.text, echoed))

    # The query and the path as typed: the period picker keeps the first, the
    # language form's return address both, a page not found the second.
    for path in (f"/scorecards?from={hostile}&to=2026-01-01",
                 f"/scorecards?period={hostile}&sort={hostile}&region={hostile}",
                 f"/review/visits/{hostile}"):
        checks.append((path, desk.get(path).text, echoed))

    wrong = {what: [f"unescaped {raw!r}" for raw in unsafe_html(html)]
             + [f"not shown {name}" for name in unshown(html, texts, texts)]
             for what, html, texts in checks}
    assert wrong == {what: [] for what, _html, _texts in checks}


# --- CSV ------------------------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


#: (caller, the texts each export holds: overview.csv, visits.csv). Every one of them
#: starts with what a spreadsheet runs.
EXPORTS = {
    "mia": (("n1", "n2", "n1_code", "n2_code", "north"),
            ("n1", "n2", "north", "edited_comment", "other", "critical_comment")),
    "ada": (("n1", "n2", "s1", "n1_code", "n2_code", "s1_code", "north", "south"),
            ("n1", "n2", "s1", "north", "south", "edited_comment", "other", "comment",
             "critical_comment")),
    "cal": (("n1", "n2", "s1", "n1_code", "n2_code", "s1_code", "north", "south"),
            ("n1", "s1", "south", "edited_comment", "comment")),
}


def test_csv_exports_never_start_a_formula(app, world):
    """A text cell that a spreadsheet would run (=, +, -, @, a tab, a carriage return
    first) is written with a leading apostrophe, its text kept whole after it."""
    texts = world["texts"]
    wrong = {}
    for caller, expected in EXPORTS.items():
        client = logged_in(app, world[caller].email)
        for export, names in zip(("overview", "visits"), expected, strict=True):
            response = client.get(f"/scorecards/{export}.csv?period={PERIOD.key}")
            assert response.status_code == 200 and response.mimetype == "text/csv"
            cells = [cell for row in csv.reader(io.StringIO(response.text, newline=""))
                     for cell in row]
            running = [cell for cell in cells
                       if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]
            assert all(texts[name].startswith(FORMULA_STARTS) for name in names)
            missing = [name for name in names if "'" + texts[name] not in cells]
            if running or missing:
                wrong[f"{caller} {export}"] = {"formulas": running, "missing": missing}
    assert wrong == {}


# --- PDF ------------------------------------------------------------------------------------


def visual(text: str) -> str:
    """The text as a PDF lays it out: the right-to-left override shows "evil" reversed."""
    return text.replace("\u202eevil\u202c", "live")


def unprinted(content: bytes, texts: dict[str, str], names) -> list[str]:
    """The names of the texts the PDF does not print literally. Line breaks fall
    inside a long text, and some headings are set in capitals: compared without
    whitespace and case."""
    def squeezed(text: str) -> str:
        return "".join(text.split()).casefold()

    shown = squeezed(pdf.pdf_text(content))
    return [name for name in names if squeezed(visual(texts[name])) not in shown]


def test_pdfs_print_the_text_and_fetch_nothing(app, world, listener):
    """The location PDF and a roll-up print the markup as text, and fetch nothing it
    names: the socket it points at sees no connection."""
    texts = world["texts"] | {"label": touchpoint_label(world["texts"]["touchpoint"])}
    manager, viewer = logged_in(app, "mia@example.com"), logged_in(app, world["cal"].email)
    wrong = {}
    for client, place, names in (
            (manager, "n1", ("client", "north", "n1", "n1_code", "label", "section",
                             "edited_comment", "other")),
            (viewer, "n2", ("client", "north", "n2", "n2_code", "critical",
                            "critical_comment"))):
        response = client.get(f"/reports/locations/{world[place].id}.pdf?period={PERIOD.key}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        wrong[place] = unprinted(response.data, texts, names)
        # The footer (a CSS string) prints the client's name as it is, spaces and all.
        footer = f"{flat(visual(texts['client']))} · {display.period_label(PERIOD)}"
        if footer not in flat(pdf.pdf_text(response.data)):
            wrong[place].append("footer")
    prepared = post(viewer, "/reports/prepare", "/scorecards", client=str(world["acme"].id),
                    period=PERIOD.key, kind="rollup")
    assert prepared.status_code == 302
    rollup = viewer.get(prepared.headers["Location"] + "&download=1")
    assert rollup.mimetype == "application/pdf"
    wrong["rollup"] = unprinted(rollup.data, texts, ("client", "north", "south", "n1", "n2",
                                                     "s1", "label", "comment"))
    assert wrong == {"n1": [], "n2": [], "rollup": []}
    assert listener.peers == []


# --- e-mail ---------------------------------------------------------------------------------

#: The headers every message has; a line break in a name must add none.
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}


def check_message(message, texts: dict[str, str], names) -> dict[str, list[str]]:
    """What is wrong with a received message: a header it should not have, a line
    break in its subject, markup in the HTML part, a text missing from either part
    (escaped in the HTML, as it is in the text)."""
    html = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    wrong = {"headers": sorted(set(message.keys()) - HEADERS),
             "subject": [c for c in message["Subject"] if c in "\r\n\t"],
             "html": [f"unescaped {raw!r}" for raw in unsafe_html(html)]
             + [f"not shown {name}" for name in unshown(html, texts, names)],
             "text": [name for name in names if flat(texts[name]) not in flat(plain)]}
    return {part: problems for part, problems in wrong.items() if problems}


def test_the_alert_email_escapes_html_and_adds_no_header(world, smtp_server):
    """The critical failure approved in the world (at N2, whose name holds a tab and a
    CR/LF with a Bcc line) reached its region's manager, and only her."""
    texts = world["texts"]
    assert smtp_server.envelopes == [["mia@example.com"]]
    [message] = smtp_server.messages
    assert message["Subject"] == f"Critical failure at {mail.header_text(texts['n2'])}"
    assert check_message(message, texts, ("n2", "critical", "critical_comment")) == {}


def test_the_report_email_escapes_html_and_adds_no_header(app, session, world, smtp_server,
                                                          listener):
    """A region's report sent now: the client's name (with a CR/LF and a Bcc line) and
    the region's are text in the subject and both parts, and its PDF prints them; the
    PDF as sent, downloaded from the archive, is the one mailed."""
    texts = world["texts"]
    smtp_server.messages.clear()
    smtp_server.envelopes.clear()
    desk = world["desk"]
    page = f"/reports/schedules/{world['schedule'].id}"
    sent = post(desk, page + "/send", page, period=PERIOD.key)
    assert sent.status_code == 302
    assert smtp_server.envelopes == [["boss@example.com"]], desk.get(page).text
    [message] = smtp_server.messages
    assert message["Subject"] == mail.header_text(
        f"{texts['client']}, region {texts['north']}: scorecard report, "
        f"{display.period_label(PERIOD)}")
    assert check_message(message, texts, ("client", "north")) == {}
    [attached] = [part for part in message.iter_attachments()
                  if part.get_content_type() == "application/pdf"]
    assert unprinted(attached.get_content(), texts, ("client", "north", "n1", "n2")) == []
    assert listener.peers == []
    session.rollback()  # a fresh read: the sending committed after the world's
    delivery = session.exec(select(ReportDelivery.id).where(
        ReportDelivery.report_key.is_not(None))).one()
    assert desk.get(f"/reports/deliveries/{delivery}.pdf").data == attached.get_content()


# --- the API --------------------------------------------------------------------------------


def test_the_api_returns_the_text_as_data(app, session, world):
    """JSON carries each string exactly as stored (not HTML-escaped), typed as JSON and
    never sniffed as a page; a visit sent with hostile answers reads back the same."""
    texts = world["texts"]
    tokens = {caller: issue_api_token(session=session, user=world[caller])
              for caller in ("sam", "mia", "cal")}
    session.commit()

    def api(caller: str, path: str, **options):
        response = app.test_client().open(
            path, headers={"Authorization": f"Bearer {tokens[caller]}"}, **options)
        assert response.status_code in (200, 201), (path, response.text)
        assert response.mimetype == "application/json", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert not re.search(r"&(lt|gt|amp|quot|#34|#39);", response.text), path
        return response.get_json()

    started = utcnow() - timedelta(minutes=30)
    hostile = answers(texts["comment"], texts["other"])
    sent = api("sam", "/api/v1/visits", method="POST", json={
        "uuid": "00000000-0000-4000-8000-0000000000aa", "assignment_id": world["open"].id,
        "channel": "in_store", "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=20)).isoformat(), "answers": hostile})
    assert api("sam", f"/api/v1/visits/{sent['uuid']}")["answers"] == hostile

    [assignment] = [a for a in api("sam", "/api/v1/assignments")["items"]
                    if a["id"] == world["open"].id]
    assert assignment["scenario"] == texts["scenario"]
    assert (assignment["place"]["name"], assignment["place"]["address"],
            assignment["place"]["city"], assignment["place"]["url"]) == (
        texts["n1"], texts["address"], texts["city"], texts["url"])
    document = api("sam", "/api/v1/questionnaires/hostile")
    [section] = document["sections"]
    greeted, wait, mood, policy, comments, _other = section["questions"]
    assert (document["title"], section["title"], greeted["text"], greeted["help"],
            greeted["touchpoint"], wait["unit"], mood["options"][0]["label"],
            policy["text"], comments["text"]) == tuple(texts[name] for name in (
                "title", "section", "question", "help", "touchpoint", "unit", "option",
                "critical", "comments_question"))
    places = {p["code"]: (p["name"], p["region"])
              for p in api("cal", "/api/v1/locations")["items"]}
    assert places == {texts[f"{place}_code"]: (texts[place], texts[region])
                      for place, region in (("n1", "north"), ("n2", "north"),
                                            ("s1", "south"))}
    card = api("cal", f"/api/v1/locations/{world['n1'].id}/scorecard?period={PERIOD.key}")
    assert (card["name"], card["region"]) == (texts["n1"], texts["north"])
    assert texts["touchpoint"] in card["touchpoints"]

    edited = api("mia", f"/api/v1/visits/{world['approved'].uuid}")["answers"]
    assert (edited["comments"], edited["other"]) == (texts["edited_comment"], texts["other"])
    [returned] = [e for e in api("mia", f"/api/v1/visits/{world['to_return'].uuid}/events")
                  ["items"] if e["action"] == "returned"]
    assert (returned["note"], returned["notes"], returned["actor_name"]) == (
        texts["return_note"], {"greeted": texts["question_note"]}, texts["mia"])
