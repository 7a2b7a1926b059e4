"""Hypothesis on every FlaskForm: each form is posted through the real route that
serves it, logged in through the log-in form as the role it is for, with a valid CSRF
token (mostly: a wrong, missing or repeated one is fuzzed too). The data is what a
browser would send with none, some or all of its fields spoiled by hostile text:
control characters, NUL, any code point but surrogates, very long strings, numbers
beyond every range, dates at the ends of the calendar, missing fields, repeated keys (a
list where one value is expected) and keys nobody asked for.

Whatever was posted: never a 5xx; a redirect when the form is accepted, else the page
again (or the status the route answers: 400 for NUL and CSRF, 404 for what names
nothing in scope) with a message that names the field; refused input leaves every
table as it was (`dump`), and accepted input stores what the form parses. What the
form parses comes from the form class itself, validated in a request context on the
same data (`parsed`); where a service decides (a note's length, the engine's verdict on
an answer), the oracle is that documented rule or the engine itself.

Each form class is also validated on its own (`test_validate_never_raises`, CSRF off).
`test_every_form_is_fuzzed` fails when a FlaskForm of the package has no case in
FUZZ_CASES, so a new form cannot land without its fuzzing.

The app fixture is per test, and a test runs many examples: the world and the logged-in
browsers are made once per test, and each example makes the rows it acts on (a fresh
visit, schedule or assignment) so that examples do not depend on each other.

Two defects it found in shopper/field (a scale answer of digits int() cannot read, a
check-in beyond the globe from the plain form) are pinned by test_scale_digits_* and
test_visit_form_check_in.

FORM_FUZZ_SCALE=10 multiplies every budget, for a deep run.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import pkgutil
import re
import uuid as uuid_module
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, NamedTuple

import pytest
from flask.testing import EnvironBuilder
from flask_babel import force_locale
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlmodel import Session, SQLModel, select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

import shopper
from shopper.auth.forms import LoginForm
from shopper.auth.services import normalise_email
from shopper.exceptions import InvalidInput
from shopper.field.forms import VisitFormBase, answers_from_form, build_visit_form
from shopper.field.questions import UNANSWERED, Unreadable, question_field
from shopper.field.scores import score_fields
from shopper.files import read_document
from shopper.models import AuthFailure, Client, ReportSchedule, ReviewEvent, User, Visit, utcnow
from shopper.questionnaires import parse_stored
from shopper.reports import render
from shopper.reports.forms import (
    AccountForm,
    ButtonForm,
    PrepareForm,
    ScheduleForm,
    SendForm,
)
from shopper.review.forms import (
    ActionForm,
    ApproveForm,
    ApproveSelectedForm,
    EditForm,
    ReturnForm,
)
from shopper.review.services import NOTE_LENGTH
from shopper.scorecards.forms import TargetForm
from shopper.scorecards.periods import parse_period
from shopper.scoring import InvalidAnswers, parse_questionnaire
from shopper.times import parse_instant
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    SPEC_EXAMPLES,
    field_world,
    make_assignment,
    make_visit,
)

#: Examples run = the budget of each test times this.
SCALE = int(os.environ.get("FORM_FUZZ_SCALE", "1"))


def budget(examples: int) -> settings:
    """Hypothesis settings of this file: no deadline (a request may draw a PDF), no
    database written into the repository, the world fixture shared by the examples."""
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# --- hostile input ------------------------------------------------------------------------

#: Words that have broken parsers somewhere: numbers beyond int4 and float, other
#: scripts' digits, the ends of the calendar, markup, format strings.
NASTY = [
    "", " ", "\x00", "a\x00b", "\t\r\n", "\x0b\x0c\x1c\x85\u2028", "0", "-0", "+1", "-1",
    "1.5", "1,5", "1e3", "1e309", "-1e309", "NaN", "nan", "inf", "-Infinity", "0x10",
    "2147483647", "2147483648", "-2147483649", "9" * 30, "9" * 5000, "1_000", "١٢",
    "\uff11", "True", "None", "null", "[]", "{}", "0001-01-01", "9999-12-31", "0000-00-00",
    "2026-02-30", "2026-13", "2026-Q5", "1900-01", "9999-Q4", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59.999999+00:00", "2026-10-01T10:00:00",
    "<script>alert(1)</script>", "' OR '1'='1", "%(x)s", "%s%n", "{0}", "\u202e\u200b",
    "\U0001f600", "\ufeff", "a@example.com", "a@example.com\r\nBcc: b@example.com",
    "\u00b2", "\u0663", "1" * 4301,
]
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(repr),
    st.decimals(allow_nan=True).map(str),
)
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))])
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes(timezones=_ZONES).map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.sampled_from([date.min, date.max]).map(date.isoformat),
)
#: Long text: a few characters repeated (up to about 150 000 characters).
LONG = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=4),
                 st.integers(min_value=500, max_value=40_000))
#: Any of the above. (Mapped, so that st.one_of(x, HOSTILE) draws x half the time:
#: one_of flattens a plain one_of into its branches.)
HOSTILE = st.one_of(st.text(), st.text(min_size=1, max_size=300), st.sampled_from(NASTY),
                    NUMBERS, DATES, LONG).map(str)


#: A field left out of the post.
MISSING = "<missing>"


def posted(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    """One value, or the key repeated (a list where one value is expected)."""
    return st.one_of(values, values, st.lists(values, min_size=2, max_size=3))


def one_of(*values: st.SearchStrategy[str] | str) -> st.SearchStrategy[str]:
    """One of these values or strategies."""
    return st.one_of(*(st.just(v) if isinstance(v, str) else v for v in values))


def mostly(usual: st.SearchStrategy[str] | str, *rare: st.SearchStrategy[str] | str
           ) -> st.SearchStrategy[str]:
    """`usual` four times in five, else one of `rare`."""
    usual_strategy, rare_strategy = one_of(usual), one_of(*rare)
    return st.integers(0, 4).flatmap(lambda n: rare_strategy if n == 0 else usual_strategy)


#: Keys a form never names: any text (the empty key and NUL included) or a near miss.
EXTRA_KEYS = st.one_of(st.text(max_size=20),
                       st.sampled_from(["csrf_token ", "CSRF_TOKEN", "xcsrf_token", "id",
                                        "submit", "next", "__proto__", "a[b]", "a.b"]))
#: Keys a multipart body can carry as the browser would write them (quotes and line
#: breaks in a part's name are the encoder's problem, not the form's).
MULTIPART_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_.:[]0123456789 ",
                         min_size=1, max_size=20)


def form_data(valid: dict[str, st.SearchStrategy[str | list[str]]], *,
              extra_keys: st.SearchStrategy[str] = EXTRA_KEYS,
              extras: st.SearchStrategy[dict] | None = None,
              hostile: st.SearchStrategy[str] = HOSTILE) -> st.SearchStrategy[MultiDict]:
    """A posted form: what a browser would send (`valid`: a strategy per field, which
    may draw MISSING or a list), with none, a few or all of its fields spoiled (hostile
    text, left out, or repeated) and unknown keys beside them."""
    names = sorted(valid)
    spoiled = st.one_of(st.just([]), st.just([]), st.lists(st.sampled_from(names), min_size=1,
                                              max_size=2, unique=True),
                        st.lists(st.sampled_from(names), unique=True)) if names else st.just([])
    unknown = extras if extras is not None else st.one_of(
        st.just({}), st.dictionaries(extra_keys, posted(hostile), max_size=2))

    @st.composite
    def build(draw) -> MultiDict:
        data = MultiDict()
        for key, value in draw(unknown).items():
            data.setlist(key, value if isinstance(value, list) else [value])
        chosen = draw(spoiled)
        for name in names:
            if name in chosen:
                value = draw(st.one_of(hostile, st.just(MISSING), st.lists(
                    st.one_of(valid[name], hostile), min_size=2, max_size=3)))
            else:
                value = draw(valid[name])
            values = [v for item in (value if isinstance(value, list) else [value])
                      for v in (item if isinstance(item, list) else [item]) if v != MISSING]
            if values:
                data.setlist(name, values)
            else:
                data.poplist(name)
        return data

    return build()


#: How the CSRF token is sent: mostly right; else missing, wrong, or repeated.
CSRF = st.sampled_from(["valid"] * 12 + ["missing", "wrong", "valid-then-wrong",
                                         "wrong-then-valid"])


def with_csrf(data: MultiDict, how: str, token: str) -> MultiDict:
    data = data.deepcopy()
    data.poplist("csrf_token")
    values = {"valid": [token], "missing": [], "wrong": [token[::-1]],
              "valid-then-wrong": [token, "x"], "wrong-then-valid": ["x", token]}[how]
    for value in values:
        data.add("csrf_token", value)
    return data


#: Flask's limit on one multipart field (MAX_FORM_MEMORY_SIZE).
FIELD_LIMIT = 500_000


def gate(data: MultiDict, token: str, *, multipart: bool = False) -> int | None:
    """The status the app answers before any view reads the form: 413 for a multipart
    field beyond Flask's limit, 400 for a NUL byte or an empty key
    (security._refuse_malformed), 400 for a CSRF token that is not the session's.
    None when the request gets through to the view."""
    if multipart and any(len(v.encode()) > FIELD_LIMIT for _k, v in data.items(multi=True)):
        return 413
    if any(key == "" or "\x00" in key or "\x00" in value for key, value in data.items(multi=True)):
        return 400
    if data.get("csrf_token") != token:
        return 400
    return None


#: The scale questions of the retail questionnaire.
SCALE_QUESTIONS = ("store_clean", "checkout_ease")


def known_scale_defect(question: str | None, raw: str | None) -> bool:
    """Whether this answer is digits to str.isdigit() but not to int() ("²"; 4301
    digits pass Python's int-string limit): ScaleField.parse once read those with
    int(), and the ValueError reached the visit form and the review edit as a 500."""
    text = (raw or "").strip()
    if question not in SCALE_QUESTIONS or not text.lstrip("-").isdigit():
        return False
    try:
        int(text)
    except ValueError:
        return True
    return False


# --- the app, as the tests see it ---------------------------------------------------------


def dump(app) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: the database as it stands."""
    engine = app.extensions["shopper.engine"]
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


def changed(before: dict, after: dict) -> set[str]:
    """The tables whose rows are not as they were."""
    return {name for name, rows in before.items() if after[name] != rows}


def fetch(app, model, key):
    with Session(app.extensions["shopper.engine"]) as session:
        return session.get(model, key)


def rows_of(app, model, *where) -> list:
    with Session(app.extensions["shopper.engine"]) as session:
        return list(session.exec(select(model).where(*where)).all())


@contextmanager
def form_request(app, data: MultiDict, *, multipart: bool = False, locale: str = "en"):
    """A request context posting `data` (as test_request_context does, except that the
    body werkzeug spools to a temporary file when large is closed after)."""
    builder = EnvironBuilder(app, "/", method="POST", data=data.deepcopy(),
                             content_type="multipart/form-data" if multipart else None)
    environ = builder.get_environ()
    builder.close()
    try:
        with app.request_context(environ), force_locale(locale):
            yield
    finally:
        environ["wsgi.input"].close()


def parsed(app, form_factory: Callable[[], FlaskForm], data: MultiDict, *,
           multipart: bool = False, locale: str = "en"):
    """The form as its class reads `data` (its CSRF token aside, which the app checked
    before the view): (form, {field: [messages]})."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with form_request(app, data, multipart=multipart, locale=locale):
            form = form_factory()
            form.validate()
            errors = {name: [str(m) for m in messages]
                      for name, messages in form.errors.items()}
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return form, errors


def assert_names_fields(html: str, errors: dict[str, list[str]]) -> None:
    """Each field's message is on the page, next to the field (its id) or linked to it
    from the error summary."""
    for name, messages in errors.items():
        assert f'id="{name}-error"' in html or f'href="#{name}"' in html, name
        for message in messages:
            assert str(escape(message)) in html, (name, message)


def follow(client, response) -> str:
    """The page a redirect leads to (which shows, and so consumes, its flashes)."""
    return client.get(response.headers["Location"]).text


@dataclass
class Browser:
    client: Any
    token: str


class Posted(NamedTuple):
    """A fuzzed form posted: `gated` is the status the app answered before any view
    read the form (gate), else None; the response; the tables before and after."""

    gated: int | None
    response: Any
    before: dict[str, list[tuple]]
    after: dict[str, list[tuple]]


def post_form(app, who: Browser, path: str, data: MultiDict, *, multipart: bool = False
              ) -> Posted:
    """Post `data` to `path` as `who`: never a 5xx, and a request refused before the
    view answered what `gate` says and changed nothing."""
    before = dump(app)
    options = {"content_type": "multipart/form-data"} if multipart else {}
    response = who.client.post(path, data=data, **options)
    after = dump(app)
    assert response.status_code < 500, response.status_code
    event(f"answered {response.status_code}")
    gated = gate(data, who.token, multipart=multipart)
    if gated is not None:
        event("refused before the view")
        assert response.status_code == gated
        assert changed(before, after) == set()
    return Posted(gated, response, before, after)


@pytest.fixture
def world(session):
    world = field_world(session, web=True)
    for key in ("sam", "kim", "north_manager", "south_manager", "admin", "viewer"):
        world[key].locale = "en"
    # Another shopper's sent visit: its uuid posted on Sam's form names nothing of his.
    world["kims_visit"] = make_visit(session, world["kim"], world["other_store"],
                                     world["questionnaire"], status="submitted",
                                     assignment_id=world["kim_assignment"].id)
    session.commit()
    return world


@pytest.fixture
def browser(app):
    """Logged in through the real form, once per user for all the test's examples."""
    logged_in: dict[str, Browser] = {}

    def get(email: str) -> Browser:
        if email not in logged_in:
            client = app.test_client()
            page = client.get("/login")
            response = client.post("/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": csrf_token(page.text)})
            assert response.status_code == 302, response.status_code
            home = client.get("/", follow_redirects=True)
            logged_in[email] = Browser(client, csrf_token(home.text))
        return logged_in[email]

    return get


def new_session(app) -> Session:
    return Session(app.extensions["shopper.engine"], expire_on_commit=False)


# --- the fuzz cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzCase:
    """How a form is fuzzed: the route that serves it, the Hypothesis test that posts
    to it (a function of this module), and for the direct test the form as its view
    builds it and the data to give it."""

    route: str
    test: str
    build: Callable[[], FlaskForm]
    data: st.SearchStrategy[MultiDict]


def test_every_form_is_fuzzed():
    """A FlaskForm of the package without a case here fails the suite."""
    for module in pkgutil.walk_packages(shopper.__path__, "shopper."):
        importlib.import_module(module.name)
    found, stack = set(), [FlaskForm]
    while stack:
        for subclass in stack.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                stack.append(subclass)
    ours = {form for form in found if form.__module__.startswith("shopper")}
    # Built per questionnaire inside a function (build_visit_form): covered by its base.
    built = {form for form in ours if "<locals>" in form.__qualname__}
    assert all(any(issubclass(form, case) for case in FUZZ_CASES) for form in built)
    missing = sorted(form.__qualname__ for form in ours - built - set(FUZZ_CASES))
    assert not missing, f"forms without a fuzz case in {__name__}: {missing}"
    assert len(ours - built) >= 13
    for form, case in FUZZ_CASES.items():
        test = globals().get(case.test)
        assert getattr(test, "is_hypothesis_test", False), (form.__qualname__, case.test)


# --- log-in ---------------------------------------------------------------------------------

EMAILS = ["sam@example.com", "mia@example.com", "ada@example.com", "cal@example.com"]
LOGIN_DATA = form_data({
    "email": one_of(st.sampled_from(EMAILS), "nobody@example.com",
                    st.sampled_from(EMAILS).map(lambda e: f" {e.upper()}\t")),
    "password": one_of(PASSWORD, PASSWORD, "not the password"),
})


@budget(60)
@given(fields=LOGIN_DATA, csrf=CSRF)
def test_login_form_through_its_route(app, world, fields, csrf):
    engine = app.extensions["shopper.engine"]
    with engine.begin() as connection:  # no example is throttled by another's failures
        connection.execute(AuthFailure.__table__.delete())
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    data = with_csrf(fields, csrf, token)
    gated, response, before, after = post_form(app, Browser(client, token), "/login", data)
    if gated:
        return
    form, errors = parsed(app, LoginForm, data)
    if errors:
        event("refused by the form")
        assert response.status_code == 200
        assert_names_fields(response.text, errors)
        assert changed(before, after) == set()
        return
    email = normalise_email(form.email.data)
    if email in EMAILS and form.password.data == PASSWORD:
        event("accepted")
        assert response.status_code == 302
        assert changed(before, after) <= {"user_account"}
        user = rows_of(app, User, User.email == email)[0]
        assert user.last_login_at is not None
        assert client.get("/").status_code in (200, 302)
    else:
        event("wrong e-mail or password")
        assert response.status_code == 200
        assert_names_fields(response.text, {
            "password": ["The e-mail address or the password is not right."]})
        assert changed(before, after) <= {"auth_failure"}
        [failure] = rows_of(app, AuthFailure)
        assert failure.account == form.email.data.lower()[:254]


# --- the account page -----------------------------------------------------------------------

ACCOUNT_DATA = form_data({"alerts": one_of("y", MISSING, "false", "0")})


@budget(40)
@given(fields=ACCOUNT_DATA, csrf=CSRF, who=st.sampled_from(["mia@example.com"] * 3
                                                           + ["ada@example.com"]))
def test_account_form_through_its_route(app, world, browser, fields, csrf, who):
    me = browser(who)
    data = with_csrf(fields, csrf, me.token)
    gated, response, before, after = post_form(app, me, "/account", data)
    if gated:
        return
    if who != "mia@example.com":  # only managers have alerts: the page again, unchanged
        event("not a manager: the page again")
        assert response.status_code == 200
        assert changed(before, after) == set()
        return
    form, errors = parsed(app, AccountForm, data)
    assert not errors  # a check box is always readable
    event("accepted")
    assert response.status_code == 302
    assert "Alerts are" in follow(me.client, response)
    assert changed(before, after) <= {"user_account"}
    assert fetch(app, User, world["north_manager"].id).alerts is bool(form.alerts.data)


# --- the client's target ----------------------------------------------------------------

TARGET_DATA = form_data({"target": one_of(
    st.integers(-5, 105).map(str), st.floats(0, 100).map(lambda f: f"{f:.2f}"), "80",
    "80,5", "1,000", "100.0001", "")})


@budget(60)
@given(fields=TARGET_DATA, csrf=CSRF)
def test_target_form_through_its_route(app, world, browser, fields, csrf):
    from shopper.field.numbers import NotANumber, read_number

    admin = browser("ada@example.com")
    acme = world["acme"]
    data = with_csrf(fields, csrf, admin.token)
    gated, response, before, after = post_form(
        app, admin, f"/scorecards/clients/{acme.id}/target", data)
    if gated:
        return
    form, errors = parsed(app, TargetForm, data)
    assert not errors and response.status_code == 302
    page = follow(admin.client, response)
    try:
        value = read_number(form.target.data, "en")
    except NotANumber:
        value = None
    if value is not None and 0 <= value <= 100:
        event("accepted")
        assert changed(before, after) <= {"client"}
        assert fetch(app, Client, acme.id).target == float(value)
        assert "The target of Acme is now" in page
    else:
        event("refused by the service")
        assert changed(before, after) == set()
        assert "Target score: " in page


# --- report schedules -----------------------------------------------------------------------

ADDRESSES = st.one_of(
    st.lists(st.sampled_from(["a@example.com", "B@Example.com", "c@localhost",
                              "f.o+o@example.org"]), min_size=1, max_size=4),
    st.lists(st.sampled_from(["a@example.com", "not an address", "x@y", " ",
                              "d@example.com\r\nBcc: e"]), min_size=1, max_size=3))
SEPARATORS = st.sampled_from(["\n", ",", ";", "\r\n", " , ", "\u2028"])


def schedule_data(region_ids: list[str]) -> st.SearchStrategy[MultiDict]:
    return form_data({
        "region": one_of("", st.sampled_from(region_ids)),
        "recipients": one_of(
            st.builds(lambda parts, sep: sep.join(parts), ADDRESSES, SEPARATORS),
            st.builds(lambda parts, sep: sep.join(parts), ADDRESSES, SEPARATORS),
            st.integers(50, 51).map(lambda n: "\n".join(f"r{i}@example.com" for i in range(n)))),
        "frequency": one_of("monthly", "quarterly"),
        "day_of_month": one_of(st.integers(1, 28).map(str), "0", "29"),
        "locale": st.sampled_from(["en", "es", "fr", "de"]),
        "kind": one_of("rollup", "summary"),
        "active": one_of("y", MISSING),
    })


def _schedule_form(region_choices: list[SelectChoice]) -> Callable[[], ScheduleForm]:
    def build() -> ScheduleForm:
        form = ScheduleForm()
        form.region.choices = region_choices
        return form

    return build


@budget(80)
@given(data=st.data(), csrf=CSRF, new=st.booleans())
def test_schedule_form_through_its_route(app, world, browser, data, csrf, new):
    admin = browser("ada@example.com")
    acme = world["acme"]
    region_ids = [str(world["north"].id), str(world["south"].id)]
    fields = data.draw(schedule_data(region_ids))
    if new:
        path = f"/reports/schedules/new?client={acme.id}"
    else:
        with new_session(app) as session:
            made = ReportSchedule(client_id=acme.id, recipients=["old@example.com"],
                                  day_of_month=3, kind="summary", locale="fr")
            session.add(made)
            session.commit()
        path = f"/reports/schedules/{made.id}/edit"
    posted_data = with_csrf(fields, csrf, admin.token)
    gated, response, before, after = post_form(app, admin, path, posted_data)
    if gated:
        return
    choices = [SelectChoice("", "")] + [SelectChoice(r, r) for r in region_ids]
    form, errors = parsed(app, _schedule_form(choices), posted_data)
    if errors:
        event("refused by the form")
        assert response.status_code == 422
        assert_names_fields(response.text, errors)
        assert changed(before, after) == set()
        return
    event("accepted")
    assert response.status_code == 302
    assert "The schedule is" in follow(admin.client, response)
    assert changed(before, after) <= {"report_schedule"}
    stored = rows_of(app, ReportSchedule, ReportSchedule.id == int(
        response.headers["Location"].rsplit("/", 1)[1]))[0]
    if new:
        assert len(after["report_schedule"]) == len(before["report_schedule"]) + 1
    else:
        assert stored.id == made.id
        assert len(after["report_schedule"]) == len(before["report_schedule"])
    assert (stored.region_id, stored.recipients, stored.frequency, stored.day_of_month,
            stored.locale, stored.kind, stored.active) == (
        int(form.region.data) if form.region.data else None, form.recipients.addresses,
        form.frequency.data, form.day_of_month.data, form.locale.data, form.kind.data,
        form.active.data)


@pytest.fixture
def schedule(app, world):
    """North's monthly report: Mia, North's manager, sends it."""
    with new_session(app) as session:
        made = ReportSchedule(client_id=world["acme"].id, region_id=world["north"].id,
                              recipients=["r@example.com"],
                              created_at=utcnow() - timedelta(days=400))
        session.add(made)
        session.commit()
    return made


def _send_form(choices: list[str], default: str) -> Callable[[], SendForm]:
    def build() -> SendForm:
        form = SendForm()
        form.period.choices = [SelectChoice(key, key) for key in choices]
        if not form.period.data:
            form.period.data = default
        return form

    return build


@budget(40)
@given(data=st.data(), csrf=CSRF)
def test_send_form_through_its_route(app, world, browser, schedule, data, csrf):
    from shopper.reports import delivery as sending
    from shopper.scorecards.periods import recent_periods

    manager = browser("mia@example.com")
    with app.app_context():
        today = render.today_in(world["acme"])
    last = sending.last_complete("monthly", today)
    choices = [p.key for p in recent_periods(today, months=13, quarters=6)
               if sending.matches(schedule, p) and p.last <= last.last]
    # Two periods are drawn as PDFs, each once (the report is kept); every other one
    # the form lists is the same to it.
    fields = data.draw(form_data({"period": one_of(last.key, choices[-1], MISSING,
                                                   "2026-Q3", "2099-01")}))
    posted_data = with_csrf(fields, csrf, manager.token)
    gated, response, before, after = post_form(
        app, manager, f"/reports/schedules/{schedule.id}/send", posted_data)
    if gated:
        return
    form, errors = parsed(app, _send_form(choices, last.key), posted_data)
    assert response.status_code == 302
    page = follow(manager.client, response)
    if errors:
        event("refused by the form")
        assert "Period: Choose one of the periods listed." in page
        assert changed(before, after) == set()
        return
    event("accepted")
    assert "is on its way to 1 recipients" in page
    assert changed(before, after) <= {"report_delivery", "report_schedule"}
    [delivery] = [row for row in after["report_delivery"]
                  if row not in before["report_delivery"]]
    columns = [c.name for c in SQLModel.metadata.tables["report_delivery"].columns]
    assert dict(zip(columns, delivery, strict=True))["period"] == form.period.data


@budget(40)
@given(fields=form_data({}), csrf=CSRF)
def test_button_form_through_its_route(app, world, browser, fields, csrf):
    """The delete button (the same ButtonForm sends again and previews)."""
    admin = browser("ada@example.com")
    with new_session(app) as session:
        made = ReportSchedule(client_id=world["acme"].id, recipients=["r@example.com"])
        session.add(made)
        session.commit()
    posted_data = with_csrf(fields, csrf, admin.token)
    gated, response, before, after = post_form(
        app, admin, f"/reports/schedules/{made.id}/delete", posted_data)
    if gated:
        return
    assert response.status_code == 302
    assert "The schedule is deleted" in follow(admin.client, response)
    assert changed(before, after) <= {"report_schedule"}
    assert fetch(app, ReportSchedule, made.id) is None


@budget(50)
@given(data=st.data(), csrf=CSRF)
def test_prepare_form_through_its_route(app, world, browser, data, csrf):
    """The roll-up button: its hidden fields name the scope, period and kind; what names
    nothing in the reader's scope is 404 (as a link to it would be)."""
    viewer = browser("cal@example.com")
    acme, north = world["acme"], world["north"]
    # Two periods (one the default) by two kinds at most are drawn, each once.
    fields = data.draw(form_data({
        "client": one_of(str(acme.id), str(acme.id), ""),
        "region": one_of("", "", str(north.id)),
        "period": one_of("2026-10", " 2026-10 ", "", MISSING),
        "kind": one_of("rollup", "summary", "", MISSING),
    }))
    posted_data = with_csrf(fields, csrf, viewer.token)
    if posted_data.get("region") == str(north.id):  # one PDF of North's
        posted_data.setlist("period", ["2026-10"])
        posted_data.setlist("kind", ["summary"])
    gated, response, before, after = post_form(app, viewer, "/reports/prepare", posted_data)
    assert changed(before, after) == set()  # preparing a PDF writes files, never rows
    if gated:
        return
    form, errors = parsed(app, PrepareForm, posted_data)
    assert not errors
    client_id, region_id = form.client.data or None, form.region.data or None
    known_regions = {str(world["north"].id), str(world["south"].id)}
    in_scope = client_id in (None, str(acme.id)) and region_id in (None, *known_regions)
    try:
        with app.app_context():
            parse_period(form.period.data, today=render.today_in(acme))
        period_ok = True
    except InvalidInput:
        period_ok = False
    kind_ok = (form.kind.data or "rollup") in ("rollup", "summary")
    if in_scope and period_ok and kind_ok:
        event("accepted")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/reports/prepared?")
    else:
        event("names nothing: 404")
        assert response.status_code == 404


# --- the review desk ------------------------------------------------------------------------

REVISIONS = one_of("1", "1", "1", " 1 ", "+1", "\uff11", "2", "0", "9" * 25)


def fresh_visit(app, world, **extra) -> Visit:
    """A submitted visit of Sam's at N1, in North: Mia reviews it."""
    with new_session(app) as session:
        visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                           status="submitted", submitted_at=utcnow(), **extra)
        session.commit()
    return visit


def stale_or_refused(client, response, visit) -> None:
    event("stale: the page again")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/visits/{visit.uuid}"
    assert "Someone changed this visit" in follow(client, response)


@budget(50)
@given(fields=form_data({"revision": REVISIONS}), csrf=CSRF)
def test_approve_form_through_its_route(app, world, browser, fields, csrf):
    manager = browser("mia@example.com")
    visit = fresh_visit(app, world)
    posted_data = with_csrf(fields, csrf, manager.token)
    gated, response, before, after = post_form(
        app, manager, f"/review/visits/{visit.uuid}/approve", posted_data)
    if gated:
        return
    form, errors = parsed(app, ApproveForm, posted_data)
    if errors or form.revision.data != visit.revision:
        assert changed(before, after) == set()
        stale_or_refused(manager.client, response, visit)
        return
    event("accepted")
    assert response.status_code == 302
    assert "Visit approved" in follow(manager.client, response)
    assert changed(before, after) <= {"visit", "review_event", "score_day", "location"}
    stored = fetch(app, Visit, visit.id)
    assert (stored.status, stored.revision) == ("approved", 2)
    [review] = rows_of(app, ReviewEvent, ReviewEvent.visit_id == visit.id)
    assert review.action == "approved"


QUESTION_IDS = ["greeted", "wait_minutes", "store_clean", "asked_needs", "pushy",
                "had_problem", "return_policy_correct", "checkout_ease", "receipt_photo",
                "comments", "found_product", "site_speed"]
NOTE_KEYS = st.one_of(st.sampled_from(QUESTION_IDS), st.text(max_size=12)).map(
    lambda q: f"note-{q}")
NOTES = one_of("Check the wait", "Check the wait", "  ", MISSING,
               st.text(alphabet=" \t", max_size=5000), "x" * NOTE_LENGTH,
               "x" * (NOTE_LENGTH + 1))


def _expected_return(form: ReturnForm, data: MultiDict, known: set[str]):
    """(note, notes) the service keeps, or None when it refuses them."""
    notes = {key.removeprefix("note-"): value for key, value in data.items()
             if key.startswith("note-") and value.strip()}
    note = form.note.data or ""
    if len(note) > NOTE_LENGTH:
        return None
    for question_id, text in notes.items():
        if question_id not in known or len(text) > NOTE_LENGTH:
            return None
    kept = {q: text.strip() for q, text in notes.items()}
    if not note.strip() and not kept:
        return None
    return note.strip(), kept or None


@budget(60)
@given(fields=form_data({"revision": REVISIONS, "note": NOTES},
                        extras=st.one_of(
                            st.just({}),
                            st.dictionaries(st.sampled_from(QUESTION_IDS).map("note-".__add__),
                                            NOTES, max_size=3),
                            st.dictionaries(NOTE_KEYS, posted(one_of(NOTES, HOSTILE)),
                                            max_size=3))),
       csrf=CSRF)
def test_return_form_through_its_route(app, world, browser, fields, csrf):
    manager = browser("mia@example.com")
    visit = fresh_visit(app, world)
    posted_data = with_csrf(fields, csrf, manager.token)
    gated, response, before, after = post_form(
        app, manager, f"/review/visits/{visit.uuid}/return", posted_data)
    if gated:
        return
    form, errors = parsed(app, ReturnForm, posted_data)
    if errors or form.revision.data != visit.revision:
        assert changed(before, after) == set()
        stale_or_refused(manager.client, response, visit)
        return
    known = {q.id for q in parse_stored(world["questionnaire"]).questions}
    expected = _expected_return(form, posted_data, known)
    if expected is None:
        event("refused by the service")
        assert response.status_code == 422
        assert 'href="#note"' in response.text
        assert changed(before, after) == set()
        return
    event("accepted")
    assert response.status_code == 302, response.status_code
    assert "Visit returned" in follow(manager.client, response)
    assert changed(before, after) <= {"visit", "review_event"}
    stored = fetch(app, Visit, visit.id)
    assert (stored.status, stored.revision) == ("returned", 2)
    [review] = rows_of(app, ReviewEvent, ReviewEvent.visit_id == visit.id)
    assert (review.action, review.note, review.notes) == ("returned", *expected)


ANSWERS = one_of("yes", "no", "na", "", "3", "5", "11", "-1", "4.5", "1,5", "ten", "good",
                 "fast", "A comment", "\u00a0")
#: Answers a reviewer might give each question (the last of each is refused).
EDITS = {"greeted": ["no", "yes", "maybe"], "wait_minutes": ["4", "0,5", "4.5", "", "ten"],
         "store_clean": ["2", "1", "6"], "asked_needs": ["na", "no", "n/a"],
         "checkout_ease": ["7", "0", "11"], "comments": ["New words", "", "\u00a0"],
         "had_problem": ["yes", "no", "both"], "receipt_photo": ["na", "photo"],
         "found_product": ["yes", "no"]}
EDIT_DATA = st.sampled_from(sorted(EDITS)).flatmap(lambda question: form_data({
    "revision": REVISIONS,
    "question": one_of(question, question, question, st.sampled_from(QUESTION_IDS)),
    "answer": one_of(st.sampled_from(EDITS[question]), ANSWERS),
    "reason": one_of("The video shows it", "The video shows it", "", "  ",
                     "x" * (NOTE_LENGTH + 1), MISSING),
}))


@budget(80)
@given(fields=EDIT_DATA, csrf=CSRF)
def test_edit_form_through_its_route(app, world, browser, fields, csrf):
    manager = browser("mia@example.com")
    visit = fresh_visit(app, world)
    questionnaire = parse_stored(world["questionnaire"])
    posted_data = with_csrf(fields, csrf, manager.token)
    gated, response, before, after = post_form(
        app, manager, f"/review/visits/{visit.uuid}/edit", posted_data)
    if gated:
        return
    form, errors = parsed(app, EditForm, posted_data)
    if errors:
        assert changed(before, after) == set()
        stale_or_refused(manager.client, response, visit)
        return
    refused_on = _edit_refused_on(form, visit, questionnaire)
    if refused_on == "stale":
        assert changed(before, after) == set()
        stale_or_refused(manager.client, response, visit)
        return
    if refused_on is not None:
        event(f"refused on {refused_on}")
        assert response.status_code == 422, (refused_on, response.status_code)
        assert f'href="#{refused_on}"' in response.text
        assert changed(before, after) == set()
        return
    # Accepted: the answer as the question's field reads it, rescored by the engine.
    event("accepted")
    assert response.status_code == 302, response.status_code
    assert "Answer changed" in follow(manager.client, response)
    expected = _edited_answers(form, visit, questionnaire)
    assert changed(before, after) <= {"visit", "review_event"}
    stored = fetch(app, Visit, visit.id)
    assert stored.answers == expected and stored.revision == 2
    assert stored.cx == score_fields(questionnaire, expected, "in_store")["cx"]
    [review] = rows_of(app, ReviewEvent, ReviewEvent.visit_id == visit.id)
    assert (review.action, review.note) == ("edited", form.reason.data.strip())


def _edited_answers(form: EditForm, visit: Visit, questionnaire) -> dict:
    """The visit's answers with the one posted, as the question's field reads it (an
    empty answer removes it); raises Unreadable."""
    question = questionnaire.question(form.question.data)
    raw = (form.answer.data or "").strip()
    value = question_field(question, "en").parse(raw) if raw else UNANSWERED
    edited = dict(visit.answers)
    if value is UNANSWERED:
        edited.pop(question.id, None)
    else:
        edited[question.id] = value
    return edited


def _edit_refused_on(form: EditForm, visit: Visit, questionnaire) -> str | None:
    """The field an edit is refused on ("stale": the revision), or None: the order of
    the view (question, answer read), then of the service (revision, reason, answers
    scored by the engine, something changed)."""
    if form.question.data not in {q.id for q in questionnaire.questions}:
        return "question"
    try:
        edited = _edited_answers(form, visit, questionnaire)
    except Unreadable:
        return "answer"
    if form.revision.data != visit.revision:
        return "stale"
    reason = form.reason.data or ""
    if len(reason) > NOTE_LENGTH or not reason.strip():
        return "reason"
    try:
        score_fields(questionnaire, edited, visit.channel)
    except InvalidAnswers:
        return "answer"
    if edited == visit.answers:
        return "answer"
    return None


UUID_FORMS = {"plain": str, "upper": lambda u: str(u).upper(), "braces": lambda u: f"{{{u}}}",
              "urn": lambda u: u.urn, "hex": lambda u: u.hex}


@budget(50)
@given(data=st.data(), csrf=CSRF)
def test_approve_selected_form_through_its_route(app, world, browser, data, csrf):
    manager = browser("mia@example.com")
    visits = [fresh_visit(app, world), fresh_visit(app, world),
              fresh_visit(app, world, quality_flags=["too_short"], flag_count=1)]
    with new_session(app) as session:  # South's: not Mia's to approve
        south = make_visit(session, world["kim"], world["other_store"],
                           world["questionnaire"], status="submitted", submitted_at=utcnow())
        session.commit()
    targets = [*visits, south]
    ticked = st.builds(lambda i, form, revision: f"{UUID_FORMS[form](targets[i].uuid)}:{revision}",
                       st.integers(0, len(targets) - 1), st.sampled_from(sorted(UUID_FORMS)),
                       REVISIONS)
    fields = data.draw(form_data({"visit": st.one_of(
        st.lists(ticked, min_size=1, max_size=4),
        st.lists(st.one_of(ticked, HOSTILE), max_size=5))}))
    posted_data = with_csrf(fields, csrf, manager.token)
    gated, response, before, after = post_form(app, manager, "/review/approve", posted_data)
    if gated:
        return
    _form, errors = parsed(app, ApproveSelectedForm, posted_data)
    assert not errors
    # Each of Mia's visits ticked counts once, at the first revision given; only an
    # unflagged one at the revision the queue showed (1) is approved.
    shown: dict[int, int] = {}
    for value in posted_data.getlist("visit"):
        visit_uuid, _sep, revision = value.partition(":")
        try:
            wanted = uuid_module.UUID(visit_uuid)
            number = int(revision)
        except ValueError:
            continue
        for index, visit in enumerate(visits):
            if visit.uuid == wanted:
                shown.setdefault(index, number)
    approved = [visits[i] for i, number in shown.items()
                if number == 1 and not visits[i].quality_flags]
    refused = len(shown) - len(approved)
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    page = follow(manager.client, response)
    if not shown:
        assert "Tick the visits to approve first." in page
    if refused:
        assert "Not approved, changed since the queue was shown" in page
    event(f"{len(approved)} approved, {refused} refused")
    if not approved:
        assert changed(before, after) == set()
        return
    assert f"{len(approved)} visit{'s' if len(approved) > 1 else ''} approved." in page
    assert changed(before, after) <= {"visit", "review_event", "score_day", "location"}
    for visit in targets:
        stored = fetch(app, Visit, visit.id)
        assert (stored.status, stored.revision) == (
            ("approved", 2) if visit in approved else ("submitted", 1))
    assert len(after["review_event"]) == len(before["review_event"]) + len(approved)


def test_a_visit_ticked_twice_is_approved_once(app, world, browser):
    """Found by the fuzzing above: the same box posted twice (the second answered as a
    retry of the first) was flashed as "2 visits approved." for one."""
    manager = browser("mia@example.com")
    visit = fresh_visit(app, world)
    response = manager.client.post("/review/approve", data=MultiDict([
        ("csrf_token", manager.token), ("visit", f"{visit.uuid}:1"),
        ("visit", f"{visit.uuid}:1")]))
    assert response.status_code == 302
    page = follow(manager.client, response)
    assert "1 visit approved." in page and "2 visits approved." not in page
    assert (fetch(app, Visit, visit.id).revision,
            len(rows_of(app, ReviewEvent, ReviewEvent.visit_id == visit.id))) == (2, 1)


# --- the visit form -------------------------------------------------------------------------

#: What a shopper might post for each question of the retail questionnaire: mostly a
#: complete, valid visit; near misses beside (out of the scale, a comma, a word).
VISIT_ANSWERS = {
    "greeted": one_of("yes", "no"), "pushy": one_of("yes", "no"),
    "found_product": one_of("yes", "no"), "site_speed": one_of("fast", "ok", "slow"),
    "wait_minutes": mostly(st.integers(0, 20).map(str), "2.5", "1,5", "ten", "1,000"),
    "store_clean": mostly(st.integers(1, 5).map(str), "0", "6"),
    "asked_needs": one_of("yes", "no", "na"),
    "had_problem": mostly("no", "yes"),
    "return_policy_correct": mostly(MISSING, "yes", "no"),
    "checkout_ease": mostly(st.integers(0, 10).map(str), "11"),
    "comments": one_of(MISSING, "Friendly staff", "  "),
}


#: A uuid the phone just made (made in the test: examples must not share one).
FRESH = "<fresh uuid>"


def visit_data(world) -> st.SearchStrategy[MultiDict]:
    now = utcnow()
    fields = {f"q-{question}": answers for question, answers in VISIT_ANSWERS.items()}
    fields |= {"q-asked_needs-na": mostly(MISSING, "y"),
               "q-receipt_photo-refs": mostly(MISSING, st.uuids().map(str)),
               "q-receipt_photo-na": one_of(MISSING, "y"),
               "q-receipt_photo-remove": one_of(MISSING, st.uuids().map(str))}
    fields |= {
        "action": mostly(one_of("send", "draft"), "delete", ""),
        "visit_uuid": mostly(FRESH, st.uuids().map(str), MISSING,
                             str(world["kims_visit"].uuid)),
        "started_at": mostly((now - timedelta(minutes=30)).isoformat(),
                             (now + timedelta(days=1)).isoformat(), "2026-10-01T10:00:00",
                             "2026-10-01T10:00:00Z"),
        "latitude": mostly("53.7984", MISSING, "91", "53,7"),
        "longitude": mostly("-1.5418", MISSING, "181"),
        "accuracy": mostly("12", MISSING, "-5"),
        "position_status": one_of("given", "refused", "unavailable", MISSING),
    }
    return form_data(fields, extra_keys=MULTIPART_KEYS)


POSITION_STATUSES = ("given", "refused", "unavailable")


def _position(form) -> dict[str, float | None]:
    """The check-in as the view should read it: what is not a finite number in its
    range (degrees on the globe, an accuracy >= 0) is left out."""
    ranges = {"latitude": (-90, 90), "longitude": (-180, 180), "accuracy": (0, math.inf)}
    values = {}
    for name, (low, high) in ranges.items():
        try:
            value = float(form[name].data) if form[name].data else None
        except ValueError:
            value = None
        values[name] = (value if value is not None and math.isfinite(value)
                        and low <= value <= high else None)
    if values["latitude"] is None or values["longitude"] is None:
        values["latitude"] = values["longitude"] = None
    return values


def same_number(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float)
                      and math.isnan(a) and math.isnan(b))


@budget(80)
@given(data=st.data(), csrf=CSRF, online=st.booleans())
def test_visit_form_through_its_route(app, world, browser, data, csrf, online):
    sam = browser("sam@example.com")
    questionnaire = parse_stored(world["questionnaire"])
    place = world["web"] if online else world["store"]
    with new_session(app) as session:
        assignment = make_assignment(session, world["sam"], place, world["questionnaire"])
        session.commit()
    fields = data.draw(visit_data(world))
    if "visit_uuid" in fields:
        fields.setlist("visit_uuid", [str(uuid_module.uuid4()) if value == FRESH else value
                                      for value in fields.getlist("visit_uuid")])
    posted_data = with_csrf(fields, csrf, sam.token)
    owners = {visit.uuid: visit.shopper_id for visit in rows_of(app, Visit)}
    gated, response, before, after = post_form(
        app, sam, f"/visits/{assignment.id}", posted_data, multipart=True)
    if gated:
        return

    def build():
        return build_visit_form(questionnaire, place.channel, "en")

    form, _errors = parsed(app, build, posted_data, multipart=True)
    with app.test_request_context():
        answers, unreadable = answers_from_form(form)
    try:
        started_at = parse_instant(form.started_at.data, "started_at", now=utcnow())
    except InvalidInput:
        started_at = None
    try:
        posted_uuid = uuid_module.UUID(form.visit_uuid.data or "")
    except ValueError:
        posted_uuid = None
    draft = posted_data.get("action") == "draft" and started_at is not None
    stored = rows_of(app, Visit, Visit.assignment_id == assignment.id)
    if posted_uuid in owners and (draft or not (unreadable or started_at is None)):
        # The uuid of a visit stored before (Kim's, or Sam's under another assignment):
        # another shopper's names nothing, one's own is not this assignment's.
        mine = owners[posted_uuid] == world["sam"].id
        event("a visit of another assignment: 409" if mine else "another shopper's: 404")
        assert response.status_code == (409 if mine else 404)
        assert changed(before, after) == set()
        return
    if response.status_code == 422:
        event("refused")
        assert not draft
        assert re.search(r'id="error-summary" aria-labelledby="error-summary-title">',
                         response.text)
        for question_id in unreadable:
            assert f'id="error-{question_id}"' in response.text
        if not unreadable and started_at is not None and not any(
                name.endswith("-refs") and value.strip() for name, value in posted_data.items()):
            with pytest.raises(InvalidAnswers):  # then only the engine refuses it
                score_fields(questionnaire, answers, place.channel)
        assert changed(before, after) == set()
        return
    event("accepted")
    assert response.status_code == 302, response.status_code
    assert not unreadable or draft
    assert started_at is not None
    follow(sam.client, response)
    [visit] = stored
    event(f"accepted: {visit.status}")
    assert visit.answers == answers
    if posted_uuid is not None:
        assert visit.uuid == posted_uuid
    assert visit.status == ("draft" if draft else "submitted")
    if not draft:
        position = _position(form)
        assert same_number(visit.latitude, position["latitude"])
        assert same_number(visit.longitude, position["longitude"])
        assert same_number(visit.position_accuracy, position["accuracy"])
        assert visit.started_at == started_at
    assert changed(before, after) <= ({"visit"} if draft else {"visit", "review_event"})


@pytest.mark.parametrize(("latitude", "longitude", "accuracy", "position_status"), [
    # Was a 500: ValueError in quality.distance_m.
    pytest.param("inf", "-1.5418", "5", "given"),
    # Was stored as NaN on PostgreSQL (SQLite stores NaN as NULL).
    pytest.param("nan", "nan", "5", "given"),
    pytest.param("91", "181", "5", "given"),
    pytest.param("53.7984", "-1.5418", "-5", "given"),
    # Was a 500 on PostgreSQL (varchar(12)); stored as posted on SQLite.
    pytest.param("53.7984", "-1.5418", "5", "x" * 13),
])
def test_visit_form_check_in(app, world, browser, latitude, longitude, accuracy,
                             position_status):
    """A complete visit with a check-in no phone reports: never a 5xx, and what is
    stored is a position on the globe (or none) and a known status (or none)."""
    sam = browser("sam@example.com")
    with new_session(app) as session:
        assignment = make_assignment(session, world["sam"], world["store"],
                                     world["questionnaire"])
        session.commit()
    answers = {"greeted": "yes", "wait_minutes": "1", "store_clean": "5",
               "asked_needs": "yes", "pushy": "no", "had_problem": "no", "checkout_ease": "10"}
    response = sam.client.post(f"/visits/{assignment.id}", data={
        "csrf_token": sam.token, "action": "send", "visit_uuid": str(uuid_module.uuid4()),
        "started_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        **{f"q-{question}": answer for question, answer in answers.items()},
        "latitude": latitude, "longitude": longitude, "accuracy": accuracy,
        "position_status": position_status}, content_type="multipart/form-data")
    assert response.status_code in (302, 422), response.status_code
    stored = rows_of(app, Visit, Visit.assignment_id == assignment.id)
    assert len(stored) == (1 if response.status_code == 302 else 0)
    for visit in stored:
        assert visit.latitude is None or -90 <= visit.latitude <= 90
        assert visit.longitude is None or -180 <= visit.longitude <= 180
        assert visit.position_accuracy is None or 0 <= visit.position_accuracy < math.inf
        assert visit.position_status in (None, *POSITION_STATUSES)


@pytest.mark.parametrize("answer", ["\u00b2", "1" * 4301])
@pytest.mark.parametrize("route", ["visit form", "review edit"])
def test_scale_digits_int_cannot_read(app, world, browser, route, answer):
    """A scale answer that is digits to str.isdigit() but not to int(): the page again
    with the engine's message (422), never a 500, and nothing stored."""
    assert known_scale_defect("store_clean", answer)
    if route == "visit form":
        sam = browser("sam@example.com")
        with new_session(app) as session:
            assignment = make_assignment(session, world["sam"], world["store"],
                                         world["questionnaire"])
            session.commit()
        before = dump(app)
        response = sam.client.post(f"/visits/{assignment.id}", data={
            "csrf_token": sam.token, "action": "send", "visit_uuid": str(uuid_module.uuid4()),
            "started_at": (utcnow() - timedelta(minutes=30)).isoformat(),
            "q-greeted": "yes", "q-wait_minutes": "1", "q-store_clean": answer,
            "q-asked_needs": "yes", "q-pushy": "no", "q-had_problem": "no",
            "q-checkout_ease": "10"}, content_type="multipart/form-data")
    else:
        manager = browser("mia@example.com")
        visit = fresh_visit(app, world)
        before = dump(app)
        response = manager.client.post(f"/review/visits/{visit.uuid}/edit", data={
            "csrf_token": manager.token, "revision": "1", "question": "store_clean",
            "answer": answer, "reason": "The photo shows it"})
    assert response.status_code == 422, response.status_code
    assert changed(before, dump(app)) == set()


# --- the cases ------------------------------------------------------------------------------

_REGION_CHOICES = [SelectChoice("", ""), SelectChoice("1", "North"), SelectChoice("2", "South")]
_PERIODS = ["2026-10", "2026-09", "2026-Q3"]


@functools.cache
def _questionnaire():
    return parse_questionnaire(read_document(SPEC_EXAMPLES / "retail.yaml"))


def _visit_form() -> VisitFormBase:
    return build_visit_form(_questionnaire(), "in_store", "en")


_ACTION_DATA = form_data({"revision": REVISIONS})
_VISIT_DIRECT = form_data({f"q-{q}": HOSTILE for q in QUESTION_IDS}
                          | {f"q-{q}-na": HOSTILE for q in ("asked_needs", "wait_minutes")}
                          | {"started_at": HOSTILE, "q-receipt_photo-refs": HOSTILE,
                             "q-receipt_photo-remove": HOSTILE},
                          extra_keys=MULTIPART_KEYS)

FUZZ_CASES: dict[type[FlaskForm], FuzzCase] = {
    LoginForm: FuzzCase("POST /login (anonymous)", "test_login_form_through_its_route",
                        LoginForm, LOGIN_DATA),
    ActionForm: FuzzCase("base of the review desk's actions (its revision field)",
                         "test_approve_form_through_its_route", ActionForm, _ACTION_DATA),
    ApproveForm: FuzzCase("POST /review/visits/<uuid>/approve (manager)",
                          "test_approve_form_through_its_route", ApproveForm, _ACTION_DATA),
    ReturnForm: FuzzCase("POST /review/visits/<uuid>/return (manager)",
                         "test_return_form_through_its_route", ReturnForm,
                         form_data({"revision": REVISIONS, "note": NOTES})),
    EditForm: FuzzCase("POST /review/visits/<uuid>/edit (manager)",
                       "test_edit_form_through_its_route", EditForm,
                       EDIT_DATA),
    ApproveSelectedForm: FuzzCase("POST /review/approve (manager)",
                                  "test_approve_selected_form_through_its_route",
                                  ApproveSelectedForm, form_data({"visit": HOSTILE})),
    ScheduleForm: FuzzCase("POST /reports/schedules/new, /<id>/edit (admin)",
                           "test_schedule_form_through_its_route",
                           _schedule_form(_REGION_CHOICES), schedule_data(["1", "2"])),
    SendForm: FuzzCase("POST /reports/schedules/<id>/send (manager)",
                       "test_send_form_through_its_route", _send_form(_PERIODS, "2026-10"),
                       form_data({"period": st.sampled_from(_PERIODS)})),
    ButtonForm: FuzzCase("POST /reports/schedules/<id>/delete (admin)",
                         "test_button_form_through_its_route", ButtonForm, form_data({})),
    PrepareForm: FuzzCase("POST /reports/prepare (client viewer)",
                          "test_prepare_form_through_its_route", PrepareForm,
                          form_data({name: HOSTILE for name in
                                     ("client", "region", "period", "kind")})),
    AccountForm: FuzzCase("POST /account (manager)", "test_account_form_through_its_route",
                          AccountForm, ACCOUNT_DATA),
    TargetForm: FuzzCase("POST /scorecards/clients/<id>/target (admin)",
                         "test_target_form_through_its_route", TargetForm, TARGET_DATA),
    VisitFormBase: FuzzCase("POST /visits/<assignment id> (shopper), built per questionnaire",
                            "test_visit_form_through_its_route", _visit_form, _VISIT_DIRECT),
}


@budget(60)
@pytest.mark.parametrize("form_class", [pytest.param(c, id=c.__name__) for c in FUZZ_CASES])
@given(data=st.data())
def test_validate_never_raises(app, form_class, data):
    """Each form class on its own, in a request context posting the data (CSRF off):
    validate() answers True or False and every message is text, whatever the data."""
    app.config["WTF_CSRF_ENABLED"] = False
    case = FUZZ_CASES[form_class]
    posted_data = data.draw(case.data)
    locale = data.draw(st.sampled_from(app.config["LANGUAGES"]))
    multipart = form_class is VisitFormBase
    with form_request(app, posted_data, multipart=multipart, locale=locale):
        form = case.build()
        assert form.validate() in (True, False)
        for messages in form.errors.values():
            assert all(isinstance(str(message), str) for message in messages)
        if isinstance(form, VisitFormBase):
            answers, unreadable = answers_from_form(form)
            assert set(answers) | set(unreadable) <= set(form.questions)
        if isinstance(form, ScheduleForm) and not form.errors:
            assert 1 <= len(form.recipients.addresses) <= 50
