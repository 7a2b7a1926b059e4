"""Each role's home page shows what that role needs, and only its own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from shopper.models import User, utcnow
from tests.factories import (
    PASSWORD,
    make_assignment,
    make_client,
    make_location,
    make_region,
    make_user,
    make_visit,
)


@pytest.fixture
def programme(session):
    acme = make_client(session, "Acme")
    north, south = make_region(session, acme, "North"), make_region(session, acme, "South")
    other = make_region(session, make_client(session, "Other Co"), "East")
    stores = {
        "leeds": make_location(session, north, "N1", name="Leeds <Briggate>", city="Leeds"),
        "york": make_location(session, north, "N2", name="York", city="York"),
        "bath": make_location(session, south, "S1", name="Bath", city="Bath"),
        "hull": make_location(session, other, "E1", name="Hull (other client)"),
    }
    shopper = make_user(session, "shopper", email="sam@example.com")
    now = utcnow()
    make_assignment(session, shopper, stores["york"], window_end=now + timedelta(days=9),
                    scenario="Ask about gift cards")
    make_assignment(session, shopper, stores["leeds"], window_end=now + timedelta(days=2),
                    scenario="Return a <b>scarf</b>")
    done = make_assignment(session, shopper, stores["bath"], status="done")
    make_visit(session, shopper, stores["bath"], status="submitted", assignment_id=done.id)
    make_visit(session, shopper, stores["leeds"], status="submitted")
    make_visit(session, shopper, stores["hull"], status="submitted")
    make_user(session, "manager", email="mia@example.com", regions=[north])
    make_user(session, "client", email="cal@example.com", client=acme)
    make_user(session, "admin", email="ada@example.com")
    session.commit()
    return stores


def test_shopper_sees_open_assignments_soonest_first_with_user_text_escaped(
        programme, auth, client):
    auth.login("sam@example.com", PASSWORD)
    page = client.get("/shopper").text
    assert page.index("Leeds &lt;Briggate&gt;") < page.index("York")
    assert "Return a &lt;b&gt;scarf&lt;/b&gt;" in page and "<b>scarf" not in page
    assert "Bath" not in page  # its assignment is done
    assert page.count("badge-new") == 2


def test_manager_sees_only_their_regions(programme, auth, client):
    auth.login("mia@example.com", PASSWORD)
    page = client.get("/manager").text
    assert "North" in page and "South" not in page and "East" not in page
    # North: two locations, one visit awaiting review (Leeds); Hull is another client's
    figures = page.split("North")[1]
    assert "<dd>2</dd>" in figures and "<dd>1</dd>" in figures


def test_client_viewer_sees_their_client_locations(programme, auth, client):
    auth.login("cal@example.com", PASSWORD)
    page = client.get("/client").text
    assert "Acme" in page
    for name in ("Leeds &lt;Briggate&gt;", "York", "Bath"):
        assert name in page
    assert "Hull" not in page


def test_admin_sees_programme_counts(programme, auth, client):
    auth.login("ada@example.com", PASSWORD)
    page = client.get("/admin").text
    assert "Programme" in page
    assert page.split("Locations")[1].split("</dd>")[0].endswith("4")
    assert page.split("Submitted")[1].split("</dd>")[0].endswith("3")


def test_home_pages_need_a_log_in(client):
    for path in ("/admin", "/manager", "/shopper", "/client"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_numbers_and_dates_follow_the_readers_language(programme, auth, client, session):
    sam = session.exec(select(User).where(User.email == "sam@example.com")).one()
    sam.locale = "de"
    session.add(sam)
    session.commit()
    auth.login("sam@example.com", PASSWORD)
    page = client.get("/shopper").text
    assert "Meine Besuche" in page
    assert re.search(r"Besuch zwischen \d{2}\.\d{2}\.\d{4} und \d{2}\.\d{2}\.\d{4}", page)
