"""Scorecards in Chromium, as a regional manager and as a client viewer, on a phone
(360 x 740) and a desktop (1280 x 800): the overview with its sortable table and the
service-against-experience map, then a location's scorecard with its charts, whose
numbers are the API's (the engine's), shown with one decimal."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import logged_in_phone
from tests.browser.test_visit_form import demo  # noqa: F401  (the demo data)

READERS = {"manager": ("manager@demo.test", "demo-manager"),
           "client": ("client@demo.test", "demo-client")}
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("role", sorted(READERS))
def test_overview_quadrant_and_location_scorecard(browser, live_server, demo,  # noqa: F811
                                                  screenshot, role, size):
    email, password = READERS[role]
    viewport = SIZES[size]
    with logged_in_phone(browser, live_server, email, password, locale="en-GB",
                         viewport=viewport) as page:
        page.goto(live_server + "/scorecards?period=" + _recent_month(page, live_server))
        assert page.locator("h1").inner_text().startswith("Scorecards")
        rows = page.locator(".scorecard-table tbody tr")
        assert rows.count() >= 3
        # The map: an accessible SVG whose points link to the locations' scorecards.
        quadrant = page.locator(".quadrant-section svg[role=img]")
        assert quadrant.count() == 1
        assert "Service against experience" in quadrant.locator("title").first.text_content()
        assert quadrant.locator("a").count() >= 1
        assert_fits(page, viewport["width"])
        screenshot(page, f"scorecards-overview-{role}-{size}")
        # Sorting by a column marks it for a screen reader and keeps every row.
        page.click(".scorecard-table thead a:text('Service')")
        page.wait_for_selector("th[aria-sort]")
        assert page.locator("th[aria-sort]").inner_text().startswith("Service")
        assert page.locator(".scorecard-table tbody tr").count() == rows.count()
        if role == "client":
            assert page.locator("nav a:text('Review')").count() == 0
        # A location's scorecard: the same numbers as the API's, one decimal.
        page.locator(".scorecard-table tbody th a").first.click()
        page.wait_for_url(re.compile(r".*/scorecards/locations/\d+.*"))
        location_id = int(re.search(r"/locations/(\d+)", page.url).group(1))
        period = page.locator("#period option[selected]").get_attribute("value")
        first, last = _month_bounds(period)
        card = page.request.get(f"{live_server}/api/v1/locations/{location_id}/scorecard"
                                f"?from={first}&to={last}").json()
        for name in ("cx", "service", "experience"):
            shown = page.locator(f".headline-{name} .headline-value").inner_text()
            mean = card[name]["mean"]
            assert shown == ("–" if mean is None else f"{mean:.1f}"), name
        charts = page.locator(".chart svg[role=img]")
        assert charts.count() == 5  # journey, sections, three trends
        journey = page.locator("#journey-title ~ .chart svg desc").text_content()
        assert "Greeting" in journey
        assert_fits(page, viewport["width"])
        screenshot(page, f"scorecards-location-{role}-{size}")
        visit_link = page.locator("#visits-title ~ .table-scroll tbody a").first
        if visit_link.count():
            href = visit_link.get_attribute("href")
            assert href.startswith("/scorecards/visits/" if role == "client"
                                   else "/review/visits/")


def assert_fits(page, width: int) -> None:
    """Nothing makes the page scroll sideways (a wide table scrolls in its own box)."""
    wide = page.evaluate("""width => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 1
                     && !e.closest('.table-scroll'))
        .map(e => e.tagName + '.' + e.className)""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide


def _recent_month(page, live_server) -> str:
    """The latest month of the picker that has approved visits in the demo."""
    page.goto(live_server + "/scorecards")
    for value in page.locator("#period option").evaluate_all(
            "options => options.map(o => o.value)"):
        page.goto(f"{live_server}/scorecards?period={value}")
        if "0 approved visits" not in page.inner_text(".group-headline"):
            return value
    raise AssertionError("no month with approved visits")


def _month_bounds(key: str) -> tuple[str, str]:
    from datetime import date

    from shopper.scorecards.periods import parse_period

    period = parse_period(key, today=date.today())
    return period.first.isoformat(), period.last.isoformat()
