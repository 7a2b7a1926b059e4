"""Scorecards read from ScoreDay sums equal the engine's aggregate of the same visits;
the sums follow approvals and edits in the same transaction, on the client's calendar
days; the overview, the change, the exports and the client's view behave."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from shopper.field.scores import stored_scores
from shopper.models import ScoreDay, Visit
from shopper.questionnaires import parse_stored
from shopper.review.services import approve_visit, edit_visit
from shopper.scorecards import services
from shopper.scorecards.exports import text_cell
from shopper.scorecards.periods import Period, month
from shopper.scorecards.storage import rebuild_score_days
from shopper.scoring import (
    InvalidAnswers,
    aggregate_location,
    score_visit,
    visit_scores_from_document,
)
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    RETAIL_ANSWERS,
    field_world,
    make_location,
    make_visit,
)

ANSWERS = st.fixed_dictionaries({
    "greeted": st.sampled_from(["yes", "no"]),
    "wait_minutes": st.integers(0, 12),
    "store_clean": st.integers(1, 5),
    "asked_needs": st.sampled_from(["yes", "no", "na"]),
    "pushy": st.sampled_from(["yes", "no"]),
    "had_problem": st.sampled_from(["yes", "no"]),
    "return_policy_correct": st.sampled_from(["yes", "no"]),
    "checkout_ease": st.integers(0, 10),
})


def close(a, b, tolerance=1e-6) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, tuple):
        return all(close(x, y) for x, y in zip(a, b, strict=True))
    return abs(a - b) <= tolerance


def assert_same(card, expected) -> None:
    assert card.visits == expected.visits
    assert close(card.critical_failure_rate, expected.critical_failure_rate)
    for name in ("cx", "service", "experience"):
        got, want = getattr(card, name), getattr(expected, name)
        assert got.n == want.n, name
        for field in ("mean", "sd", "ci95", "min", "max"):
            assert close(getattr(got, field), getattr(want, field)), (name, field)
    assert list(card.sections) == list(expected.sections)
    assert list(card.touchpoints) == list(expected.touchpoints)
    for key in expected.sections:
        assert close(card.sections[key], expected.sections[key]), key
    for key in expected.touchpoints:
        assert close(card.touchpoints[key], expected.touchpoints[key]), key


@pytest.fixture
def world(session):
    world = field_world(session)
    session.commit()
    return world


def _valid(questionnaire, answers) -> dict:
    answers = dict(answers)
    if answers["had_problem"] == "no":
        answers.pop("return_policy_correct")
    try:
        score_visit(questionnaire, answers, "in_store")
    except InvalidAnswers:
        return {}
    return answers


counter = itertools.count()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visits=st.lists(st.tuples(ANSWERS, st.integers(0, 40)), min_size=0, max_size=12))
def test_sums_equal_the_engine_on_the_same_visits(session, world, visits):
    """Property: for random visits (N/A answers, critical failures, several days), the
    scorecard from ScoreDay sums equals aggregate_location of the visits' scores."""
    questionnaire = parse_stored(world["questionnaire"])
    place = make_location(session, world["north"], f"P{next(counter)}")
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    stored = []
    for answers, day in visits:
        answers = _valid(questionnaire, answers)
        if answers:
            stored.append(make_visit(session, world["sam"], place, world["questionnaire"],
                                     answers=answers, started_at=start + timedelta(days=day)))
    period = Period("range", date(2026, 10, 1), date(2026, 11, 15))
    card = services.location_figures(session=session, locations=[_info(place)],
                                     period=period,
                                     questionnaires={place.id: questionnaire})[0].card
    expected = aggregate_location([visit_scores_from_document(stored_scores(v)) for v in stored],
                                  sections=[s.id for s in questionnaire.sections],
                                  touchpoints=questionnaire.touchpoints)
    assert_same(card, expected)
    session.rollback()


def _info(place):
    return services.LocationInfo(id=place.id, code=place.code, name=place.name,
                                 channel=place.channel, region_id=place.region_id, region="")


def test_a_touchpoint_nobody_answered_shows_without_data(session, world):
    """The defect of the old scorecard: a touchpoint without answers in the period
    vanished; now every touchpoint of the questionnaire is there, None when empty."""
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               started_at=datetime(2026, 10, 5, 10, tzinfo=UTC))
    session.commit()
    card, _change = services.location_scorecard(session=session, location=world["store"],
                                                first_day=date(2026, 10, 1),
                                                last_day=date(2026, 10, 31))
    assert "navigation" in card.touchpoints  # the website's touchpoint: not in store
    assert card.touchpoints["navigation"] is None
    assert card.touchpoints["greeting"] is not None


def test_approval_and_edit_rewrite_the_day_in_the_same_transaction(session, world):
    started = datetime(2026, 10, 5, 10, tzinfo=UTC)
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                       status="submitted", started_at=started)
    session.commit()
    assert session.exec(select(ScoreDay).where(ScoreDay.location_id == world["store"].id)
                        ).all() == []
    approve_visit(session=session, user=world["north_manager"], visit=visit, revision=1,
                  now=started + timedelta(days=1))
    rows = {r.score: r for r in session.exec(select(ScoreDay).where(
        ScoreDay.location_id == world["store"].id))}
    assert rows["visits"].n == 1 and rows["cx"].total == pytest.approx(visit.cx)
    before = visit.cx
    edit_visit(session=session, user=world["north_manager"], visit=visit, revision=2,
               answers={"greeted": "no"}, reason="The receipt says so.",
               now=started + timedelta(days=2))
    session.commit()
    assert visit.cx != before
    row = session.exec(select(ScoreDay).where(ScoreDay.location_id == world["store"].id,
                                              ScoreDay.score == "cx")).one()
    assert row.total == pytest.approx(visit.cx) and row.n == 1
    assert row.low == pytest.approx(visit.cx) and row.high == pytest.approx(visit.cx)


def test_days_are_the_clients_days(session, world):
    """A visit at 23:30 UTC on 31 October is on 1 November in Tokyo."""
    world["acme"].timezone = "Asia/Tokyo"
    session.add(world["acme"])
    session.flush()
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               started_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    session.commit()
    day = session.exec(select(ScoreDay.day).where(ScoreDay.location_id == world["store"].id)
                       ).first()
    assert day == date(2026, 11, 1)
    figures = services.location_figures(session=session, locations=[_info(world["store"])],
                                        period=month(date(2026, 11, 1)))[0]
    assert figures.card.visits == 1
    assert figures.previous.visits == 0


def test_rebuild_gives_the_rows_the_services_wrote(session, world):
    for day in (1, 2, 2, 9):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   started_at=datetime(2026, 10, day, 12, tzinfo=UTC))
    session.commit()

    def rows():
        return sorted((r.location_id, r.day, r.score, r.n, round(r.total, 9),
                       round(r.squares, 6), r.low, r.high)
                      for r in session.exec(select(ScoreDay)))

    written = rows()
    assert rebuild_score_days(session=session) == len(written)
    assert rows() == written


def test_change_against_the_previous_period_in_the_api(client, session, world, auth):
    good = dict(RETAIL_ANSWERS)
    bad = dict(RETAIL_ANSWERS, greeted="no", store_clean=1, checkout_ease=0)
    for day in range(1, 6):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   answers=bad, started_at=datetime(2026, 9, day * 5, 12, tzinfo=UTC))
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   answers=good if day % 2 else dict(good, pushy="yes"),
                   started_at=datetime(2026, 10, day * 5, 12, tzinfo=UTC))
    session.commit()
    auth.login("mia@example.com", PASSWORD)
    body = client.get(f"/api/v1/locations/{world['store'].id}/scorecard"
                      "?from=2026-10-01&to=2026-10-31").get_json()
    assert body["visits"] == 5
    change = body["change"]["cx"]
    assert change["previous"] == pytest.approx(
        client.get(f"/api/v1/locations/{world['store'].id}/scorecard"
                   "?from=2026-08-31&to=2026-09-30").get_json()["cx"]["mean"])
    assert change["change"] == pytest.approx(body["cx"]["mean"] - change["previous"])
    assert change["significant"] is True
    open_ended = client.get(f"/api/v1/locations/{world['store'].id}/scorecard").get_json()
    assert open_ended["change"]["cx"] == {"previous": None, "change": None,
                                          "significant": None}


def test_overview_ranks_thin_evidence_last(session, world):
    strong = make_location(session, world["north"], "N2")
    for place, count in ((world["store"], 3), (strong, 1)):
        for day in range(count):
            make_visit(session, world["sam"], place, world["questionnaire"],
                       started_at=datetime(2026, 10, 3 + day, 12, tzinfo=UTC))
    session.commit()
    data = services.overview(session=session, user=world["admin"],
                             period=month(date(2026, 10, 1)))
    ordered = services.sorted_locations(data.locations, "visits", descending=False)
    # N1 has 3 visits; N2 (1) and S1 (0) are thin evidence: after it, whatever the order.
    assert [f.location.code for f in ordered] == ["N1", "S1", "N2"]
    by_cx = services.sorted_locations(data.locations, "cx", descending=True)
    assert by_cx[0].location.code == "N1" and by_cx[-1].location.code == "S1"
    assert [f.thin for f in by_cx] == [False, True, True]
    assert data.group.visits == 4 and data.group.locations == 3


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"),
    ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Leeds", "Leeds"), ("", ""), (None, ""), ("a=b", "a=b")])
def test_text_cells_never_run_as_formulas(value, cell):
    assert text_cell(value) == cell


def test_csv_exports_numbers_and_hides_the_shopper_from_clients(client, session, world,
                                                                 auth):
    world["store"].name = "=cmd|' /C calc'!A0"
    session.add(world["store"])
    comment = dict(RETAIL_ANSWERS, comments="-2+3 great")
    make_visit(session, world["sam"], world["store"], world["questionnaire"], answers=comment,
               started_at=datetime(2026, 10, 3, 12, tzinfo=UTC))
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               answers=dict(RETAIL_ANSWERS, greeted="no"),
               started_at=datetime(2026, 10, 4, 12, tzinfo=UTC))
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               started_at=datetime(2026, 11, 4, 12, tzinfo=UTC))
    session.commit()
    auth.login("cal@example.com", PASSWORD)  # the client viewer
    response = client.get("/scorecards/overview.csv?period=2026-11")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    n1 = next(r for r in rows if r["location_code"] == "N1")
    assert n1["location"].startswith("'=")
    assert float(n1["cx"]) == pytest.approx(float(n1["cx"]))
    assert n1["cx_change"] == "" or float(n1["cx_change"]) == pytest.approx(
        float(n1["cx"]) - float(n1["cx_previous"]))
    visits = client.get("/scorecards/visits.csv?period=2026-10")
    table = list(csv.DictReader(io.StringIO(visits.text)))
    assert len(table) == 2
    assert "shopper" not in table[0]
    assert "sam@example.com" not in visits.text
    assert table[0]["comments"] == "'-2+3 great"
    auth.logout()
    auth.login("mia@example.com", PASSWORD)
    manager = list(csv.DictReader(io.StringIO(
        client.get("/scorecards/visits.csv?period=2026-10").text)))
    assert manager[0]["shopper"] == str(world["sam"].id)


def test_client_pages_never_name_the_shopper(client, session, world, auth):
    world["sam"].name = "Samuel Shopper"
    session.add(world["sam"])
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                       answers=dict(RETAIL_ANSWERS, comments="Friendly <b>staff</b>"),
                       started_at=datetime(2026, 10, 3, 12, tzinfo=UTC))
    session.commit()
    auth.login("cal@example.com", PASSWORD)
    pages = [client.get("/scorecards?period=2026-10"),
             client.get(f"/scorecards/locations/{world['store'].id}?period=2026-10"),
             client.get(f"/scorecards/visits/{visit.uuid}")]
    for page in pages:
        assert page.status_code == 200
        for secret in ("Samuel", "sam@example.com", "Approve", "Return to the shopper"):
            assert secret not in page.text
    assert "Friendly &lt;b&gt;staff&lt;/b&gt;" in pages[1].text
    assert f"/scorecards/visits/{visit.uuid}" in pages[1].text
    api = client.get(f"/api/v1/visits/{visit.uuid}").get_json()
    assert "shopper" not in api and "position" not in api


def test_scorecard_pages_show_the_engines_numbers(client, session, world, auth):
    for day, answers in ((3, RETAIL_ANSWERS), (4, dict(RETAIL_ANSWERS, greeted="no"))):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   answers=answers, started_at=datetime(2026, 10, day, 12, tzinfo=UTC))
    session.commit()
    card, _ = services.location_scorecard(session=session, location=world["store"],
                                          first_day=date(2026, 10, 1),
                                          last_day=date(2026, 10, 31))
    auth.login("mia@example.com", PASSWORD)
    page = client.get(f"/scorecards/locations/{world['store'].id}?period=2026-10")
    shown = f"{card.cx.mean:.1f}"
    assert shown in page.text
    client.post("/language", data={"locale": "de", "next": "/",
                                   "csrf_token": csrf_token(page.text)})
    german = client.get(f"/scorecards/locations/{world['store'].id}?period=2026-10")
    assert shown.replace(".", ",") in german.text
    overview = client.get("/scorecards?period=2026-10")
    assert overview.status_code == 200 and world["store"].name in overview.text


def test_a_bad_period_names_the_field_and_falls_back(client, world, auth):
    auth.login("mia@example.com", PASSWORD)
    page = client.get("/scorecards?period=2026-13")
    assert page.status_code == 200
    assert "Period:" in page.text and "Showing" in page.text
    page = client.get("/scorecards?from=2026-10-10&to=2026-10-01")
    assert "To:" in page.text
    assert client.get("/scorecards/overview.csv?period=nonsense").status_code == 422


def test_all_visits_are_counted_in_the_sums_table(session, world):
    """Whatever wrote them, ScoreDay rows count exactly the approved visits."""
    make_visit(session, world["sam"], world["store"], world["questionnaire"])
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               status="submitted")
    session.commit()
    counted = sum(r.n for r in session.exec(select(ScoreDay).where(ScoreDay.score == "visits")))
    approved = len(session.exec(select(Visit).where(Visit.status == "approved")).all())
    assert counted == approved == 1


def test_an_admin_sets_a_clients_target_in_their_language(client, session, world, auth):
    auth.login("ada@example.com", PASSWORD)
    page = client.get("/scorecards")
    client.post("/language", data={"locale": "de", "next": "/",
                                   "csrf_token": csrf_token(page.text)})
    page = client.get("/scorecards")
    assert 'value="80,0"' in page.text
    done = client.post(f"/scorecards/clients/{world['acme'].id}/target",
                       data={"target": "82,5", "csrf_token": csrf_token(page.text)},
                       follow_redirects=True)
    assert "82,5" in done.text
    session.expire_all()
    assert session.get(type(world["acme"]), world["acme"].id).target == 82.5
    refused = client.post(f"/scorecards/clients/{world['acme'].id}/target",
                          data={"target": "150", "csrf_token": csrf_token(page.text)},
                          follow_redirects=True)
    assert "0" in refused.text and "100" in refused.text and "flash-error" in refused.text
    session.expire_all()
    assert session.get(type(world["acme"]), world["acme"].id).target == 82.5


def test_the_map_splits_at_the_clients_target(session, world):
    from shopper.scorecards import display

    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               started_at=datetime(2026, 10, 3, 12, tzinfo=UTC))
    session.commit()
    data = services.overview(session=session, user=world["admin"],
                             period=month(date(2026, 10, 1)))
    [n1] = [f for f in data.locations if f.location.code == "N1"]
    service, experience = n1.card.service.mean, n1.card.experience.mean
    low = min(service, experience) - 1
    assert n1 in display.corners(data.locations, low)["both_strong"]
    assert n1 in display.corners(data.locations, max(service, experience) + 1)["both_weak"]


def test_the_commands_refill_missing_sums(runner, session, world):
    from sqlalchemy import delete

    make_visit(session, world["sam"], world["store"], world["questionnaire"])
    session.commit()
    written = session.exec(select(ScoreDay)).all()
    assert written
    session.execute(delete(ScoreDay))
    session.commit()
    result = runner.invoke(args=["db", "upgrade"])  # a database migrated to score_day
    assert result.exit_code == 0, result.output
    assert f"Scorecard sums rebuilt: {len(written)} rows." in result.output
    result = runner.invoke(args=["scorecards", "rebuild"])
    assert result.exit_code == 0 and f"{len(written)} rows" in result.output
    session.expire_all()
    assert len(session.exec(select(ScoreDay)).all()) == len(written)
