"""The review desk in HTML: the queue sorted by risk with filters and counts, the
visit page's "why this score", and approve / return / edit as plain forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from shopper.models import ReviewEvent, Visit, utcnow
from shopper.questionnaires import parse_stored
from shopper.scoring import score_visit
from tests.conftest import csrf_token
from tests.factories import PASSWORD, RETAIL_ANSWERS, field_world, make_visit


@pytest.fixture
def desk(session):
    world = field_world(session)
    now = utcnow()
    sam, kim, q = world["sam"], world["kim"], world["questionnaire"]
    three_days = now - timedelta(days=3)
    world["old"] = make_visit(session, sam, world["store"], q, status="submitted",
                              submitted_at=three_days, started_at=three_days)
    world["flagged"] = make_visit(session, kim, world["store"], q, status="submitted",
                                  submitted_at=now - timedelta(hours=1),
                                  quality_flags=["too_short", "photo_reused"], flag_count=2)
    world["one_flag"] = make_visit(session, sam, world["store"], q, status="submitted",
                                   submitted_at=now - timedelta(hours=2),
                                   quality_flags=["outside_window"], flag_count=1)
    world["south"] = make_visit(session, kim, world["other_store"], q, status="submitted",
                                submitted_at=now - timedelta(days=5))
    world["approved"] = make_visit(session, sam, world["store"], q, status="approved")
    session.commit()
    return world


def queue_order(html: str) -> list[str]:
    return re.findall(r'href="/review/visits/([0-9a-f-]+)"', html)


def login(auth, email):
    assert auth.login(email, PASSWORD).status_code == 302


def test_the_queue_puts_likely_wrong_visits_first_then_the_oldest(desk, client, auth):
    login(auth, "mia@example.com")
    page = client.get("/review")
    assert page.status_code == 200
    assert queue_order(page.text) == [str(desk[k].uuid) for k in ("flagged", "one_flag", "old")]
    assert "3 visits waiting" in page.text
    assert "Too short" in page.text and "Photo used before" in page.text


def test_the_queue_filters_with_counts(desk, client, auth):
    login(auth, "mia@example.com")
    page = client.get("/review").text
    assert re.search(r">Too short \(1\)<", page) and re.search(r">Any<", page)
    flagged = client.get("/review?flag=too_short").text
    assert queue_order(flagged) == [str(desk["flagged"].uuid)]
    by_shopper = client.get(f"/review?shopper={desk['sam'].id}").text
    assert queue_order(by_shopper) == [str(desk[k].uuid) for k in ("one_flag", "old")]
    assert client.get("/review?region=not-a-number").status_code == 200


def test_each_reviewer_sees_their_scope(desk, client, auth):
    login(auth, "sol@example.com")  # South
    assert queue_order(client.get("/review").text) == [str(desk["south"].uuid)]
    assert client.get(f"/review/visits/{desk['old'].uuid}").status_code == 404
    auth.logout()
    login(auth, "ada@example.com")
    assert len(queue_order(client.get("/review").text)) == 4
    auth.logout()
    for who in ("sam@example.com", "cal@example.com"):
        login(auth, who)
        assert client.get("/review").status_code == 404
        assert client.get(f"/review/visits/{desk['approved'].uuid}").status_code == 404
        auth.logout()


def test_the_visit_page_explains_the_score_with_the_engines_numbers(desk, client, auth):
    login(auth, "mia@example.com")
    page = re.sub(r"\s+", " ", client.get(f"/review/visits/{desk['old'].uuid}").text)
    engine = score_visit(parse_stored(desk["questionnaire"]), RETAIL_ANSWERS, "in_store",
                         explain=True)
    assert f"{engine.cx:.1f}" in page
    assert "Counted: 3 of 3 points · greeting · service" in page
    assert "Not counted: hidden by a condition" in page  # the return question, no problem
    assert "Why this score" in page and "History" in page


def post_form(client, page_html: str, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_token(page_html), **fields})


def test_approve_from_the_page(desk, client, auth, session):
    login(auth, "mia@example.com")
    url = f"/review/visits/{desk['old'].uuid}"
    page = client.get(url).text
    response = post_form(client, page, url + "/approve", revision="1")
    assert response.status_code == 302
    assert "Visit approved" in client.get(response.headers["Location"]).text
    session.expire_all()
    visit = session.get(Visit, desk["old"].id)
    assert (visit.status, visit.revision) == ("approved", 2)


def test_a_stale_page_changes_nothing_and_says_so(desk, client, auth, session):
    login(auth, "mia@example.com")
    url = f"/review/visits/{desk['old'].uuid}"
    page = client.get(url).text
    post_form(client, page, url + "/approve", revision="1")
    again = post_form(client, page, url + "/return", revision="1", note="Too late")
    assert again.status_code == 302
    assert "Someone changed this visit" in client.get(again.headers["Location"]).text
    session.expire_all()
    assert session.get(Visit, desk["old"].id).status == "approved"


def test_return_with_notes_reaches_the_shopper(desk, client, auth, session):
    login(auth, "mia@example.com")
    url = f"/review/visits/{desk['old'].uuid}"
    page = client.get(url).text
    empty = post_form(client, page, url + "/return", revision="1", note="")
    assert empty.status_code == 422 and "Tell the shopper what to change." in empty.text
    response = post_form(client, page, url + "/return", revision="1",
                         note="Check the wait", **{"note-wait_minutes": "Was it really 1?"})
    assert response.status_code == 302
    event = session.exec(select(ReviewEvent).where(ReviewEvent.action == "returned")).one()
    assert (event.note, event.notes) == ("Check the wait", {"wait_minutes": "Was it really 1?"})


def test_edit_with_a_reason_is_rescored(desk, client, auth, session):
    login(auth, "mia@example.com")
    url = f"/review/visits/{desk['old'].uuid}"
    page = client.get(url).text
    no_reason = post_form(client, page, url + "/edit", revision="1", question="greeted",
                          answer="no", reason="")
    assert no_reason.status_code == 422 and "Say why the answer changes." in no_reason.text
    bad = post_form(client, page, url + "/edit", revision="1", question="checkout_ease",
                    answer="11", reason="typo")
    assert bad.status_code == 422 and "Choose a whole number from 0 to 10." in bad.text
    response = post_form(client, page, url + "/edit", revision="1", question="greeted",
                         answer="no", reason="The video shows no greeting")
    assert response.status_code == 302
    session.expire_all()
    visit = session.get(Visit, desk["old"].id)
    expected = score_visit(parse_stored(desk["questionnaire"]),
                           dict(RETAIL_ANSWERS, greeted="no"), "in_store")
    assert visit.answers["greeted"] == "no" and visit.cx == pytest.approx(expected.cx)
    shown = client.get(url).text
    assert "The video shows no greeting" in shown and "Answer changed" in shown


def test_home_pages_link_to_the_work(desk, client, auth):
    login(auth, "mia@example.com")
    home = client.get("/manager").text
    assert 'href="/review"' in home and "3 visits waiting" in home
    auth.logout()
    login(auth, "ada@example.com")
    assert "4 visits waiting" in client.get("/admin").text


def test_bulk_approval_takes_only_unflagged_visits_at_their_shown_revision(desk, client,
                                                                          auth, session):
    login(auth, "mia@example.com")
    page = client.get("/review").text
    ticks = re.findall(r'name="visit" value="([^"]+)"', page)
    assert ticks == [f"{desk['old'].uuid}:1"]  # the flagged ones are not offered
    stale = f"{desk['one_flag'].uuid}:1"
    response = client.post("/review/approve", data={
        "csrf_token": csrf_token(page), "visit": [ticks[0], stale,
                                                  f"{desk['south'].uuid}:1"]})
    assert response.status_code == 302
    shown = client.get("/review").text
    assert "1 visit approved." in shown and "changed since the queue was shown" in shown
    session.expire_all()
    assert session.get(Visit, desk["old"].id).status == "approved"
    assert session.get(Visit, desk["one_flag"].id).status == "submitted"
    assert session.get(Visit, desk["south"].id).status == "submitted"  # not Mia's region


def test_a_visit_someone_has_open_says_so(desk, app, auth, client):
    login(auth, "mia@example.com")
    assert client.get(f"/review/visits/{desk['old'].uuid}").status_code == 200
    own = client.get("/review").text
    assert "opened by" not in own  # her own opening is no warning to her
    with app.test_client() as other:
        page = other.get("/login")
        other.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                   "csrf_token": csrf_token(page.text)})
        queue_page = other.get("/review").text
        row = queue_page.split(f'href="/review/visits/{desk["old"].uuid}"')[1].split("</li>")[0]
        assert "opened by mia@example.com, 0 minutes ago" in row
        visit_page = other.get(f"/review/visits/{desk['old'].uuid}").text
        assert "Also opened by mia@example.com, 0 minutes ago" in visit_page
