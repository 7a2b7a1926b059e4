"""The visit form as plain HTML (no JavaScript): built from the questionnaire, validated
by the engine, with the same messages; drafts, returned visits, scope."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from shopper.models import ReviewEvent, Visit
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    RETAIL_ANSWERS,
    field_world,
    make_visit,
)


@pytest.fixture
def world(session):
    world = field_world(session, web=True)
    world["assignment"].scenario = "Ask about <gift> returns"
    world["store"].name, world["sam"].locale = "Leeds", "en"
    world["manager"] = world["north_manager"]
    session.commit()
    return world


def form_fields(answers: dict) -> dict:
    return {f"q-{key}": str(value) for key, value in answers.items()}


def open_form(client, auth, world, who="sam@example.com"):
    auth.login(who, PASSWORD)
    return client.get(f"/visits/{world['assignment'].id}")


def post(client, page, world, data, files=None):
    fields = {"csrf_token": csrf_token(page.text), "action": "send",
              "visit_uuid": re.search(r'name="visit_uuid" type="hidden" value="([^"]+)"',
                                      page.text).group(1),
              "started_at": re.search(r'name="started_at" type="hidden" value="([^"]+)"',
                                      page.text).group(1)} | data
    if files:
        fields |= files
    return client.post(f"/visits/{world['assignment'].id}", data=fields,
                       content_type="multipart/form-data")


def test_the_form_has_a_field_per_question_of_the_channel(world, client, auth):
    page = open_form(client, auth, world)
    assert page.status_code == 200
    for question in ("greeted", "wait_minutes", "store_clean", "asked_needs", "pushy",
                     "return_policy_correct", "checkout_ease", "receipt_photo", "comments"):
        assert f'id="question-{question}"' in page.text
    assert 'id="question-found_product"' not in page.text  # the online section
    assert "Ask about &lt;gift&gt; returns" in page.text
    assert 'data-show-if="{&#34;question&#34;: &#34;had_problem&#34;' in page.text
    assert page.text.count('value="na"') == 1  # asked_needs allows N/A
    assert 'inputmode="decimal"' in page.text and "minutes" in page.text


def test_an_online_assignment_shows_the_website_section(world, client, auth):
    auth.login("sam@example.com", PASSWORD)
    page = client.get(f"/visits/{world['web_assignment'].id}")
    assert 'id="question-found_product"' in page.text
    assert 'id="question-greeted"' not in page.text


def test_sending_a_complete_form_stores_the_visit(world, client, auth, session):
    page = open_form(client, auth, world)
    response = post(client, page, world, form_fields(RETAIL_ANSWERS))
    assert response.status_code == 302
    assert response.headers["Location"] == "/shopper"
    visit = session.exec(select(Visit)).one()
    assert visit.status == "submitted" and visit.answers["store_clean"] == 5
    assert visit.cx == 100.0
    listing = client.get("/shopper").text
    assert "Visit sent. The server received it at" in listing
    assert "See receipt" in listing
    receipt = client.get(f"/visits/{world['assignment'].id}")
    assert "Visit sent" in receipt.text and 'name="q-greeted"' not in receipt.text


def test_missing_and_wrong_answers_are_named_next_to_their_question(world, client, auth,
                                                                     session):
    page = open_form(client, auth, world)
    answers = form_fields(RETAIL_ANSWERS) | {"q-wait_minutes": "ten", "q-checkout_ease": "11"}
    del answers["q-greeted"]
    response = post(client, page, world, answers)
    assert response.status_code == 422
    html = response.text
    assert 'href="#question-greeted"' in html and "Answer this question." in html
    assert re.search(r'id="error-wait_minutes">Enter a number, like 4.5.</p>', html)
    assert re.search(r'id="error-checkout_ease">Choose a whole number from 0 to 10.</p>', html)
    # what was typed is still there
    assert 'value="ten"' in html
    assert session.exec(select(Visit)).all() == []


def test_messages_are_in_the_shoppers_language(world, client, auth, session):
    world["sam"].locale = "es"
    session.add(world["sam"])
    session.commit()
    page = open_form(client, auth, world)
    assert "Enviar visita" in page.text
    response = post(client, page, world, {})
    assert "Responda a esta pregunta." in response.text


def test_numbers_in_the_shoppers_language(world, client, auth, session):
    world["sam"].locale = "de"
    session.add(world["sam"])
    session.commit()
    page = open_form(client, auth, world)
    response = post(client, page, world, form_fields(RETAIL_ANSWERS) | {
        "q-wait_minutes": "4,5"})
    assert response.status_code == 302
    assert session.exec(select(Visit)).one().answers["wait_minutes"] == 4.5


def test_a_draft_is_saved_and_restored(world, client, auth, session):
    page = open_form(client, auth, world)
    draft = post(client, page, world, {"action": "draft", "q-greeted": "no",
                                       "q-wait_minutes": "7", "q-comments": "<b>Bold</b>"})
    assert draft.status_code == 302
    visit = session.exec(select(Visit)).one()
    assert visit.status == "draft" and visit.answers["greeted"] == "no"
    again = client.get(f"/visits/{world['assignment'].id}")
    assert re.search(r'value="no" checked', again.text)
    assert 'value="7"' in again.text
    assert "&lt;b&gt;Bold&lt;/b&gt;" in again.text
    assert str(visit.uuid) in again.text  # the same visit continues


def jpeg() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 30)).save(output, "JPEG")
    return output.getvalue()


def test_photos_are_sent_with_the_form(world, client, auth, session):
    page = open_form(client, auth, world)
    response = post(client, page, world, form_fields(RETAIL_ANSWERS),
                    files={"q-receipt_photo": [(io.BytesIO(jpeg()), "receipt.jpg"),
                                               (io.BytesIO(jpeg()), "second.jpg")]})
    assert response.status_code == 302
    visit = session.exec(select(Visit)).one()
    assert len(visit.answers["receipt_photo"]) == 2


def test_a_bad_photo_is_named_and_good_ones_are_kept(world, client, auth, session):
    page = open_form(client, auth, world)
    answers = form_fields(RETAIL_ANSWERS)
    del answers["q-greeted"]
    response = post(client, page, world, answers, files={
        "q-receipt_photo": [(io.BytesIO(jpeg()), "ok.jpg"),
                            (io.BytesIO(b"not an image"), "bad.jpg")]})
    assert response.status_code == 422
    assert "This file is not a JPEG, PNG or WebP photo." in response.text
    kept = re.search(r'name="q-receipt_photo-refs" id="[^"]+" value="([^"]+)"', response.text)
    assert kept and len(kept.group(1).split()) == 1
    assert f'/photos/{kept.group(1)}' in response.text  # its thumbnail
    # Committed with a draft that holds it: opening the form again shows it.
    draft = session.exec(select(Visit)).one()
    assert (draft.status, draft.answers["receipt_photo"]) == ("draft", [kept.group(1)])
    with client.get(f"/photos/{kept.group(1)}") as served:
        assert served.status_code == 200
    again = client.get(f"/visits/{world['assignment'].id}")
    assert f'value="{kept.group(1)}"' in again.text


def test_a_mistake_with_no_new_photo_stores_nothing(world, client, auth, session):
    page = open_form(client, auth, world)
    answers = form_fields(RETAIL_ANSWERS)
    del answers["q-greeted"]
    assert post(client, page, world, answers).status_code == 422
    assert session.exec(select(Visit)).all() == []


def test_a_returned_visit_reopens_with_the_reviewers_note(world, client, auth, session):
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                       status="returned", assignment_id=world["assignment"].id)
    session.add(ReviewEvent(visit_id=visit.id, actor_id=world["manager"].id,
                            action="returned", note="The receipt photo is missing."))
    session.commit()
    auth.login("sam@example.com", PASSWORD)
    assert "The receipt photo is missing." in client.get("/shopper").text
    page = client.get(f"/visits/{world['assignment'].id}")
    assert "Returned to you by the reviewer" in page.text
    assert "The receipt photo is missing." in page.text
    assert str(visit.uuid) in page.text
    response = post(client, page, world, form_fields(RETAIL_ANSWERS | {"greeted": "no"}))
    assert response.status_code == 302
    session.expire_all()
    resent = session.exec(select(Visit).where(Visit.uuid == visit.uuid)).one()
    assert (resent.status, resent.revision, resent.answers["greeted"]) == ("submitted", 2, "no")


def test_only_the_assigned_shopper_opens_the_form(world, client, auth):
    assert open_form(client, auth, world, "kim@example.com").status_code == 404
    auth.logout()
    assert open_form(client, auth, world, "mia@example.com").status_code == 404
    auth.logout()
    auth.login("sam@example.com", PASSWORD)
    assert client.get("/visits/999999").status_code == 404


def test_posting_without_csrf_is_refused(world, client, auth, session):
    open_form(client, auth, world)
    response = client.post(f"/visits/{world['assignment'].id}",
                           data=form_fields(RETAIL_ANSWERS) | {"visit_uuid": str(uuid.uuid4())})
    assert response.status_code == 400
    assert session.exec(select(Visit)).all() == []


def test_the_app_is_installable(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    document = manifest.get_json()
    assert document["display"] == "standalone" and document["start_url"] == "/shopper"
    assert any(icon["sizes"] == "512x512" for icon in document["icons"])
    worker = client.get("/sw.js", buffered=True)
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert "keep-pages" in worker.get_data(as_text=True)


def test_the_service_worker_keeps_every_script_the_pages_import(client):
    """Offline, a page whose script imports a module the worker did not keep would not
    run at all."""
    static = Path(__file__).resolve().parents[2] / "static" / "js"
    worker = client.get("/sw.js", buffered=True).get_data(as_text=True)
    kept = set(re.findall(r'"(/static/js/[\w-]+\.js)"', worker))
    imported = {f"/static/js/{name}" for script in static.glob("*.js")
                for name in re.findall(r'from "\./([\w-]+\.js)"', script.read_text())}
    assert imported and imported <= kept
