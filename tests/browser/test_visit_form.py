"""The shopper's phone: fill and send a visit, offline and online, with and without
JavaScript, in Chromium at 360 x 740."""

from __future__ import annotations

import uuid

import pytest
from PIL import Image
from sqlmodel import Session, select

from shopper.models import Photo, Visit
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, logged_in_phone

LEEDS = {"latitude": 53.7984, "longitude": -1.5418, "accuracy": 15}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def shopper_phone(browser, live_server, demo):
    with logged_in_phone(browser, live_server, "shopper@demo.test", "demo-shopper",
                         geolocation=LEEDS, permissions=["geolocation"],
                         locale="en-GB") as page:
        page.wait_for_url(live_server + "/shopper")
        yield page


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "receipt.jpg"
    Image.new("RGB", (3000, 2000), (240, 240, 230)).save(path, "JPEG")
    return path


def visits(app):
    with Session(app.extensions["shopper.engine"]) as session:
        return session.exec(select(Visit).where(Visit.origin == "field")).all()


def answer_everything(page, photo=None):
    """Answer every visible question: the first option, 3, some text, a photo. Twice
    over, since answers make follow-up questions appear."""
    answered: set[str] = set()
    for _ in range(2):
        for question in page.locator("[data-question]:visible").all():
            name = question.get_attribute("data-question")
            if name in answered:
                continue
            answered.add(name)
            kind = question.get_attribute("data-type")
            if kind in ("yes_no", "choice", "scale"):
                if question.locator("input:checked").count() == 0:  # keep what is there
                    question.locator("label.choice").first.click()
            elif kind == "number":
                if not question.locator("input.input-number").input_value():
                    question.locator("input.input-number").fill("3")
            elif kind == "text":
                question.locator("textarea").fill("Helpful staff & a <clean> store")
            elif kind == "photo" and photo is not None:
                question.locator("input[type=file]").set_input_files(str(photo))
                photo = None  # one is enough


def open_first_visit(page, live_server):
    page.click("text=Start visit >> nth=0")
    page.wait_for_url(live_server + "/visits/*")
    page.wait_for_selector("[data-progress]:not([hidden])")


def test_fill_and_send_a_visit_with_a_photo_and_the_stopwatch(
        app, shopper_phone, live_server, photo_file, screenshot):
    page = shopper_phone
    open_first_visit(page, live_server)
    page.click("[data-check-in-action=share]")
    page.wait_for_selector("text=Checked in (within 15 m).")
    answer_everything(page, photo=photo_file)
    page.wait_for_selector(".thumbnail img")
    # The stopwatch fills the wait time, which stays editable.
    page.click("#question-wait_minutes [data-stopwatch=start]")
    page.wait_for_timeout(1300)
    page.click("#question-wait_minutes [data-stopwatch=stop]")
    assert page.input_value("#q-wait_minutes") in ("0", "0.1")
    page.fill("#q-wait_minutes", "4.5")
    assert "required questions answered" in page.inner_text("[data-progress-text]")
    screenshot(page, "visit-form-filled")
    page.click("button[value=send]")
    page.wait_for_selector(".sync-status.sent")
    assert "The server received it at" in page.inner_text("[data-sync-status]")
    [visit] = visits(app)
    assert visit.status == "submitted"
    assert visit.answers["wait_minutes"] == 4.5
    assert visit.cx is not None
    assert visit.position_status == "given" and abs(visit.latitude - LEEDS["latitude"]) < 1e-6
    [ref] = visit.answers.get("receipt_photo") or visit.answers["shelf_photo"]
    with Session(app.extensions["shopper.engine"]) as session:
        photo = session.exec(select(Photo).where(Photo.uuid == uuid.UUID(ref))).one()
    assert max(photo.width, photo.height) == 1600  # downscaled on the phone
    page.goto(live_server + "/shopper")
    assert "Sent" in page.inner_text("[data-assignment]:first-child .badge")


def test_a_running_stopwatch_survives_a_reload(shopper_phone, live_server):
    page = shopper_phone
    open_first_visit(page, live_server)
    page.click("#question-wait_minutes [data-stopwatch=start]")
    page.wait_for_timeout(1200)
    page.reload()
    page.wait_for_selector("#question-wait_minutes .stopwatch.running")
    assert page.inner_text("#question-wait_minutes .stopwatch-time") != "0:00"
    page.click("#question-wait_minutes [data-stopwatch=stop]")
    assert page.input_value("#q-wait_minutes") in ("0", "0.1")


def test_show_if_hides_questions_and_drops_their_answers(shopper_phone, live_server):
    page = shopper_phone
    open_first_visit(page, live_server)
    follow_up = page.locator("#question-return_policy_correct")
    assert not follow_up.is_visible()
    page.locator("#question-raised_return label.choice").first.click()  # yes
    assert follow_up.is_visible()
    follow_up.locator("label.choice").nth(1).click()  # no
    page.locator("#question-raised_return label.choice").nth(1).click()  # no
    assert not follow_up.is_visible()
    assert follow_up.locator("input").first.is_disabled()


def test_required_questions_are_named_before_sending(shopper_phone, live_server, app):
    page = shopper_phone
    open_first_visit(page, live_server)
    # Every question card has its padding, the free-text one too (its type's class once
    # collided with the question title's).
    paddings = page.eval_on_selector_all(
        "[data-question]", "cards => cards.map(c => getComputedStyle(c).paddingLeft)")
    assert paddings and set(paddings) == {paddings[0]} and paddings[0] != "0px"
    page.click("button[value=send]")
    page.wait_for_selector("#error-summary:not([hidden])")
    shown = page.locator(".question .error-message:not([hidden])")
    assert shown.count() >= 10
    # The summary is the server's markup, filled by the script: one link per question.
    links = page.locator("#error-summary li a")
    assert links.count() == shown.count()
    first = shown.first.locator("xpath=ancestor::div[@data-question]")
    assert links.first.get_attribute("href") == f"#{first.get_attribute('id')}"
    assert links.first.inner_text().startswith("Answer this question. (")
    assert "Some answers need your attention" in page.inner_text("[data-sync-status]")
    assert visits(app) == []


def test_a_visit_sent_offline_arrives_exactly_once(app, shopper_phone, live_server,
                                                   screenshot):
    page = shopper_phone
    # Online first: the service worker takes over and keeps the pages.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    open_first_visit(page, live_server)
    answer_everything(page)
    page.wait_for_timeout(300)
    page.context.set_offline(True)
    page.click("button[value=send]")
    page.wait_for_selector("text=Waiting to send")
    assert visits(app) == []
    page.reload()  # offline: the service worker answers with the kept page
    page.wait_for_selector("text=Waiting to send")
    screenshot(page, "visit-form-offline-waiting")
    assert page.locator("#question-greeted input:checked").count() == 1
    page.context.set_offline(False)
    page.wait_for_selector(".sync-status.sent", timeout=15000)
    page.reload()
    page.wait_for_timeout(500)
    [visit] = visits(app)
    assert visit.status == "submitted"


def test_the_form_works_without_javascript(browser, live_server, demo, app, photo_file,
                                           screenshot):
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.fill("#email", "shopper@demo.test")
    page.fill("#password", "demo-shopper")
    page.click("button[type=submit]")
    page.click("text=Start visit >> nth=0")
    # Sending it empty: every required question is named, next to it and in the summary.
    page.click("button[value=send]")
    summary = page.locator(".error-summary")
    assert "Answer this question." in summary.inner_text()
    assert page.locator("#question-greeted .error-message").inner_text() == \
        "Answer this question."
    screenshot(page, "visit-form-nojs-errors")
    for question in page.locator("[data-question]").all():
        kind = question.get_attribute("data-type")
        if kind in ("yes_no", "choice", "scale"):  # without JavaScript all are shown
            question.locator("label.choice").first.click()
        elif kind == "number":
            question.locator("input.input-number").fill("2.5")  # English
        elif kind == "photo" and question.get_attribute("data-question") == "receipt_photo":
            question.locator("input[type=file]").set_input_files(str(photo_file))
    page.click("button[value=send]")
    page.wait_for_load_state()
    screenshot(page, "visit-form-nojs-after-send")
    assert page.url == live_server + "/shopper", page.inner_text("main")[:2000]
    assert "Visit sent." in page.inner_text(".flashes")
    [visit] = visits(app)
    assert visit.status == "submitted" and len(visit.answers["receipt_photo"]) == 1
    assert visit.answers["wait_minutes"] == 2.5
    context.close()


def test_a_returned_visit_is_corrected_and_sent_again(app, shopper_phone, live_server):
    from shopper.models import ReviewEvent, User

    page = shopper_phone
    open_first_visit(page, live_server)
    answer_everything(page)
    page.click("button[value=send]")
    page.wait_for_selector(".sync-status.sent")
    with Session(app.extensions["shopper.engine"]) as session:
        [visit] = session.exec(select(Visit).where(Visit.origin == "field")).all()
        manager = session.exec(select(User).where(User.role == "manager")).first()
        visit.status = "returned"
        session.add(visit)
        session.add(ReviewEvent(visit_id=visit.id, actor_id=manager.id, action="returned",
                                note="Please check the greeting answer."))
        session.commit()
    page.goto(live_server + "/shopper")
    assert "Please check the greeting answer." in page.inner_text("main")
    page.click("text=Continue visit >> nth=0")
    page.wait_for_selector("[data-progress]:not([hidden])")
    assert "Returned to you by the reviewer" in page.inner_text("main")
    assert page.locator("#question-greeted input:checked").count() == 1  # as sent before
    page.locator("#question-greeted label.choice").nth(1).click()  # now "no"
    page.click("button[value=send]")
    page.wait_for_selector(".sync-status.sent")
    [visit] = visits(app)
    assert (visit.status, visit.revision, visit.answers["greeted"]) == ("submitted", 2, "no")


def test_closing_the_browser_keeps_answers_photos_and_the_outbox(
        app, browser, live_server, demo, photo_file, tmp_path):
    """Answers and a photo survive closing the browser; a visit sent while offline goes
    out when the app is next opened with a connection."""
    profile = tmp_path / "phone-profile"

    def open_phone():
        # A browser with its profile on disk: closed and opened again, as a phone does.
        return browser.browser_type.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE,
            geolocation=LEEDS, permissions=["geolocation"], locale="en-GB")

    phone = open_phone()
    page = phone.new_page()
    page.goto(live_server + "/login")
    page.fill("#email", "shopper@demo.test")
    page.fill("#password", "demo-shopper")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/shopper")
    open_first_visit(page, live_server)
    page.locator("#question-greeted label.choice").nth(1).click()  # no
    page.fill("#q-wait_minutes", "6")
    page.set_input_files("#question-receipt_photo input[type=file]", str(photo_file))
    page.wait_for_selector("#question-receipt_photo .thumbnail img")
    page.wait_for_timeout(500)
    phone.close()

    phone = open_phone()
    page = phone.new_page()
    page.goto(live_server + "/shopper")
    open_first_visit(page, live_server)
    assert page.is_checked("#question-greeted input[value=no]")
    assert page.input_value("#q-wait_minutes") == "6"
    assert page.locator("#question-receipt_photo .thumbnail img").count() == 1
    answer_everything(page)  # the rest; greeted stays as it was
    phone.set_offline(True)
    page.click("button[value=send]")
    page.wait_for_selector("text=Waiting to send")
    phone.close()
    assert visits(app) == []

    phone = open_phone()  # online again: opening the app sends it
    page = phone.new_page()
    page.goto(live_server + "/shopper")
    page.wait_for_selector("text=Sent. The server received it at", timeout=15000)
    phone.close()

    [visit] = visits(app)
    assert visit.answers["greeted"] == "no" and visit.answers["wait_minutes"] == 6
    assert len(visit.answers["receipt_photo"]) == 1


def test_a_lost_reply_keeps_the_visit_and_the_retry_stores_nothing_twice(
        app, shopper_phone, live_server):
    """The server stores the visit but its reply never reaches the phone: the visit stays
    in the outbox with the reason, and the next try is answered 200 with the same visit."""
    page = shopper_phone
    open_first_visit(page, live_server)
    answer_everything(page)

    lost: list[int] = []

    def reply_lost(route):
        lost.append(route.fetch().status)  # the server gets the visit and stores it ...
        route.abort("connectionreset")  # ... but the phone never hears back

    page.route("**/api/v1/visits", reply_lost)
    page.click("button[value=send]")
    for _ in range(100):
        if lost:
            break
        page.wait_for_timeout(100)
    assert lost == [201]
    page.wait_for_selector("text=Waiting to send")
    assert len(visits(app)) == 1
    page.unroute("**/api/v1/visits")
    replies = []
    page.on("response", lambda r: replies.append(r.status) if r.url.endswith("/api/v1/visits")
            else None)
    page.goto(live_server + "/shopper")  # opening the app again sends the outbox
    page.wait_for_selector("text=Sent. The server received it at")
    assert replies == [200]
    assert len(visits(app)) == 1
