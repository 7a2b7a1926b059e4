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
    assigned, sent = page.split('id="past-visits-title"')
    assert assigned.index("Leeds &lt;Briggate&gt;") < assigned.index("York")
    assert "Return a &lt;b&gt;scarf&lt;/b&gt;" in page and "<b>scarf" not in page
    assert "Bath" not in assigned  # its assignment is done
    assert assigned.count("badge-new") == 2
    assert "Bath" in sent  # its visit is among those sent


def test_an_assignment_that_opens_later_cannot_be_started_yet(session, auth, client):
    store = make_location(session, name="Leeds")
    shopper = make_user(session, "shopper", email="sam@example.com")
    start = utcnow() + timedelta(days=1)
    assignment = make_assignment(session, shopper, store, window_start=start,
                                 window_end=start + timedelta(days=7))
    session.commit()
    auth.login("sam@example.com", PASSWORD)
    page = client.get("/shopper").text
    assert "Start visit" not in page
    opens = re.search(r'class="opens-on">Opens on ([^<]+)</p>', page)
    assert opens and opens.group(1) == f"{start:%b} {start.day}, {start.year}"
    assert f'href="/visits/{assignment.id}"' not in page


def test_past_visits_show_returned_first_with_the_note_and_no_score(session, auth, client):
    from shopper.models import ReviewEvent

    store = make_location(session, name="Leeds")
    sam = make_user(session, "shopper", email="sam@example.com")
    older = make_visit(session, sam, store, status="approved",
                       started_at=utcnow() - timedelta(days=9))
    make_visit(session, sam, store, status="submitted", started_at=utcnow() - timedelta(days=2))
    returned = make_visit(session, sam, store, status="returned",
                          started_at=utcnow() - timedelta(days=5))
    session.add(ReviewEvent(visit_id=returned.id, actor_id=sam.id, action="returned",
                            note="Add the <receipt>", created_at=utcnow()))
    make_visit(session, make_user(session, "shopper"), store, status="approved")  # not Sam's
    session.commit()
    auth.login("sam@example.com", PASSWORD)
    sent = client.get("/shopper").text.split('id="past-visits-title"')[1]
    statuses = re.findall(r'badge badge-(\w+)', sent)
    assert statuses == ["returned", "submitted", "approved"]
    assert "Add the &lt;receipt&gt;" in sent
    assert f"{older.cx:.1f}" not in sent and "score" not in sent.lower()


def test_manager_sees_only_their_regions(programme, auth, client):
    auth.login("mia@example.com", PASSWORD)
    page = client.get("/manager").text
    assert "North" in page and "South" not in page and "East" not in page
    # North: two locations, one visit awaiting review (Leeds); Hull is another client's
    figures = page.split("North")[1]
    assert "<dd>2</dd>" in figures
    assert re.search(r'<dd><a href="/review\?region=\d+">1</a></dd>', figures)


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
