"""The manager's review desk on a phone (Chromium at 360 x 740): the queue, approve,
return with a note the shopper then sees on their phone, and an edit with a reason."""

from __future__ import annotations

from sqlmodel import Session, select

from shopper.models import ReviewEvent, Visit
from tests.browser.conftest import logged_in_phone
from tests.browser.test_visit_form import demo  # noqa: F401  (the demo data)


def waiting(app) -> list[Visit]:
    with Session(app.extensions["shopper.engine"]) as session:
        return session.exec(select(Visit).where(Visit.status == "submitted")).all()


def open_first_in_queue(page, live_server):
    page.goto(live_server + "/review")
    page.locator(".queue-place").first.click()
    page.wait_for_url(live_server + "/review/visits/*")


def test_approve_from_the_queue(app, browser, live_server, demo, screenshot):  # noqa: F811
    before = len(waiting(app))
    with logged_in_phone(browser, live_server, "manager@demo.test", "demo-manager",
                         locale="en-GB") as page:
        page.wait_for_url(live_server + "/manager")
        page.click("text=Review queue")
        north = page.locator(".queue-row").count()
        assert 2 <= north < before  # region North's; South's wait for their manager
        assert page.locator(".queue-row-flagged").count() >= 2  # flagged come first
        assert page.locator(".queue-row").first.get_attribute("class").endswith("flagged")
        screenshot(page, "review-queue")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        open_first_in_queue(page, live_server)
        assert page.locator("text=Why this score").is_visible()
        screenshot(page, "review-visit")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("button:text('Approve')")
        page.wait_for_selector(".flash-success")
        assert "Visit approved" in page.inner_text(".flashes")
    assert len(waiting(app)) == before - 1


def test_return_with_a_note_reaches_the_shoppers_phone(app, browser, live_server,
                                                       demo, screenshot):  # noqa: F811
    with logged_in_phone(browser, live_server, "manager@demo.test", "demo-manager",
                         locale="en-GB") as page:
        page.wait_for_url(live_server + "/manager")
        open_first_in_queue(page, live_server)
        page.click("summary:text('Return to the shopper')")
        page.fill("#note", "Please add the receipt photo.")
        note_box = page.locator("details.question-note-box").first
        note_box.locator("summary").click()
        note_box.locator("input").fill("Was the entrance really a 5?")
        screenshot(page, "review-return")
        page.click("button:text('Return with these notes')")
        page.wait_for_selector(".flash-success")
    with Session(app.extensions["shopper.engine"]) as session:
        event = session.exec(select(ReviewEvent).where(ReviewEvent.action == "returned")
                             .order_by(ReviewEvent.id.desc())).first()
        assert event.note == "Please add the receipt photo." and len(event.notes) == 1
    with logged_in_phone(browser, live_server, "shopper@demo.test", "demo-shopper",
                         locale="en-GB") as phone:
        phone.wait_for_url(live_server + "/shopper")
        sent = phone.locator(".past-visits")
        assert "Please add the receipt photo." in sent.inner_text()
        assert sent.locator(".badge-returned").count() >= 1
        # (The per-question note beside its question on the form: test_review.py; the
        # demo's waiting visits have no assignment to reopen yet.)
        screenshot(phone, "returned-visit-on-the-phone")


def test_edit_an_answer_with_a_reason(app, browser, live_server, demo,  # noqa: F811
                                      screenshot):
    with logged_in_phone(browser, live_server, "manager@demo.test", "demo-manager",
                         locale="en-GB") as page:
        page.wait_for_url(live_server + "/manager")
        open_first_in_queue(page, live_server)
        visit_uuid = page.url.rsplit("/", 1)[1]
        page.select_option("#question", "wait_minutes")
        page.fill("#answer", "17")
        page.click("button:text('Change and rescore')")
        assert "Say why the answer changes." in page.inner_text("main")  # no reason yet
        page.select_option("#question", "wait_minutes")
        page.fill("#answer", "17")
        page.fill("#reason", "The receipt shows a 17-minute wait")
        page.click("button:text('Change and rescore')")
        page.wait_for_selector(".flash-success")
        assert "The receipt shows a 17-minute wait" in page.inner_text("main")
        screenshot(page, "review-edited")
    with Session(app.extensions["shopper.engine"]) as session:
        visit = session.exec(select(Visit).where(Visit.uuid == __import__("uuid").UUID(
            visit_uuid))).one()
        assert visit.answers["wait_minutes"] == 17 and visit.revision == 2
