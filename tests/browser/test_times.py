"""The script shows a time as the server does: the same words, the programme's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shopper.templating import local_time

MOMENTS = [datetime(2026, 11, 23, 11, 54, tzinfo=UTC), datetime(2026, 7, 1, 23, 30, tzinfo=UTC)]
ZONES = ["UTC", "Europe/London", "Asia/Tokyo", "America/New_York"]

SHOW = """async ({ moments, zone, lang }) => {
  document.documentElement.lang = lang;
  const { timeText } = await import("/static/js/text.js");
  return moments.map((iso) => timeText(iso, zone));
}"""


@pytest.mark.parametrize("lang", ["en", "de", "es", "fr"])
def test_times_read_the_same_on_the_server_and_in_the_script(app, phone, live_server, lang):
    phone.goto(live_server + "/login")
    for zone in ZONES:
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            server = [local_time(moment, ZoneInfo(zone)) for moment in MOMENTS]
        script = phone.evaluate(SHOW, {"moments": [m.isoformat() for m in MOMENTS],
                                       "zone": zone, "lang": lang})
        assert script == server, (lang, zone)
