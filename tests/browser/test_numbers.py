"""The page's script reads numbers as the server does: the shared table of cases run
through static/js/numbers.js in Chromium, and the visit form of a German shopper."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from shopper.field.numbers import number_symbols
from shopper.models import User
from tests.browser.conftest import logged_in_phone
from tests.browser.test_visit_form import answer_everything, visits
from tests.unit.field.test_numbers import CASES

READ_ALL = """async ({ cases, symbols }) => {
  const { readNumber } = await import("/static/js/numbers.js");
  return cases.map(({ raw, locale }) => {
    const value = readNumber(raw, symbols[locale]);
    if (value === undefined) return "unanswered";
    return value === null ? "not_a_number" : value;
  });
}"""


def test_the_script_reads_the_table_as_the_server_does(phone, live_server):
    phone.goto(live_server + "/login")  # the app's origin, under its Content-Security-Policy
    symbols = {case["locale"]: number_symbols(case["locale"]) for case in CASES}
    results = phone.evaluate(READ_ALL, {"cases": CASES, "symbols": symbols})
    wrong = [case | {"script": result} for case, result in zip(CASES, results, strict=True)
             if result != case["expected"]]
    assert wrong == []


@pytest.fixture
def german_shopper_phone(browser, live_server, runner, app):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with Session(app.extensions["shopper.engine"]) as session:
        shopper = session.exec(select(User).where(User.email == "shopper@demo.test")).one()
        shopper.locale = "de"
        session.add(shopper)
        session.commit()
    with logged_in_phone(browser, live_server, "shopper@demo.test", "demo-shopper",
                         locale="de-DE") as page:
        page.wait_for_url(live_server + "/shopper")
        yield page


def test_a_german_shopper_is_asked_again_for_a_number_that_is_none(
        app, german_shopper_phone, live_server):
    page = german_shopper_phone
    page.locator("[data-assignment]:has(.badge-new) .card-actions a").first.click()
    page.wait_for_url(live_server + "/visits/*")
    page.wait_for_selector("[data-progress]:not([hidden])")
    form = page.locator("#visit-form")
    assert (form.get_attribute("data-decimal"), form.get_attribute("data-group")) == (",", ".")
    page.click("#question-wait_minutes [data-stopwatch=start]")
    page.wait_for_timeout(1300)
    page.click("#question-wait_minutes [data-stopwatch=stop]")
    assert page.input_value("#q-wait_minutes") in ("0", "0,1")  # read back as the server does
    answer_everything(page)
    page.fill("#q-wait_minutes", "4.5")  # "." groups in German: not a number
    page.click("button[value=send]")
    page.wait_for_selector("#question-wait_minutes .error-message:not([hidden])")
    message = json.loads(form.get_attribute("data-messages"))["not_a_number"]
    assert "4,5" in message  # the example in German
    assert page.inner_text("#question-wait_minutes .error-message") == message
    assert visits(app) == []
    page.fill("#q-wait_minutes", "4,5")
    page.click("button[value=send]")
    page.wait_for_selector(".sync-status.sent")
    [visit] = visits(app)
    assert visit.answers["wait_minutes"] == 4.5
