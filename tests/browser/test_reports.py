"""Reports in Chromium on a phone (360 x 740): a client viewer asks for the roll-up of
their locations from the scorecards and downloads it; a regional manager sends their
region's report now and reads the delivery log; the client finds it in the archive.
Jobs run at once here (the suite's JOBS_IMMEDIATE), so "preparing" is already done."""

from __future__ import annotations

from pathlib import Path

from shopper.reports.pdf import pdf_text
from tests.browser.conftest import logged_in_phone
from tests.browser.test_scorecards import assert_fits
from tests.browser.test_visit_form import demo  # noqa: F401  (the demo data)

PHONE = {"width": 360, "height": 740}


def test_a_client_downloads_the_rollup_and_a_manager_sends_the_region(
        browser, live_server, demo, app, screenshot, tmp_path):  # noqa: F811
    with logged_in_phone(browser, live_server, "client@demo.test", "demo-client",
                         locale="en-GB", accept_downloads=True) as page:
        page.goto(live_server + "/scorecards")
        page.click("text=PDF report of these locations")
        page.wait_for_selector("text=The PDF is ready.")
        assert_fits(page, PHONE["width"])
        screenshot(page, "reports-prepared-client-phone")
        with page.expect_download() as download:
            page.click("text=Download the PDF")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.startswith("Demo-Retail-") and saved.suffix == ".pdf"
        text = pdf_text(saved.read_bytes())
        assert "Demo Retail" in text and "Leeds Briggate" in text and "All locations" in text

    with logged_in_phone(browser, live_server, "manager@demo.test", "demo-manager",
                         locale="en-GB") as page:
        page.goto(live_server + "/reports")
        assert page.locator(".card-title a").count() == 1  # North's only
        page.click(".card-title a")
        page.click("button:text('Send')")
        page.wait_for_selector(".flash-success")
        entry = page.locator(".delivery-log .delivery").first
        assert entry.locator(".badge").inner_text() == "sent"
        assert "manager@demo.test" in entry.inner_text()
        assert_fits(page, PHONE["width"])
        screenshot(page, "reports-schedule-manager-phone")
    [message] = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert b"manager@demo.test" in message.read_bytes()

    with logged_in_phone(browser, live_server, "client@demo.test", "demo-client",
                         locale="en-GB") as page:
        page.goto(live_server + "/reports")
        assert page.locator(".archive-item").count() == 1
        assert "Region North" in page.locator(".archive-item").inner_text()
        assert_fits(page, PHONE["width"])
