"""POST /api/v1/photos: verified, re-encoded, stored once, served with permission."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from shopper import db
from shopper.auth.services import issue_api_token
from shopper.models import Photo, utcnow
from tests.factories import (
    RETAIL_ANSWERS,
    make_assignment,
    make_location,
    make_questionnaire,
    make_region,
    make_user,
)


def image_bytes(kind="JPEG", size=(640, 480), color=(200, 30, 30), exif_gps=False) -> bytes:
    picture = Image.new("RGB", size, color)
    output = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam"  # Make
        exif[0x8825] = {1: "N", 2: (53.0, 47.0, 54.0), 3: "W", 4: (1.0, 32.0, 30.0)}  # GPS
        picture.save(output, kind, exif=exif)
    else:
        picture.save(output, kind)
    return output.getvalue()


@pytest.fixture
def world(session):
    region = make_region(session)
    store = make_location(session, region)
    questionnaire = make_questionnaire(session)
    sam = make_user(session, "shopper", email="sam@example.com")
    kim = make_user(session, "shopper", email="kim@example.com")
    objects = {
        "sam": sam, "store": store,
        "assignment": make_assignment(session, sam, store, questionnaire),
        "token": issue_api_token(session=session, user=sam),
        "kim_token": issue_api_token(session=session, user=kim),
        "manager_token": issue_api_token(session=session, user=make_user(
            session, "manager", regions=[region])),
    }
    session.commit()
    return objects


def upload(client, token, data, photo_uuid=None, visit_uuid=None, name="p.jpg"):
    return client.post("/api/v1/photos", headers={"Authorization": f"Bearer {token}"}, data={
        "file": (io.BytesIO(data), name), "uuid": str(photo_uuid or uuid.uuid4()),
        "visit_uuid": str(visit_uuid or uuid.uuid4())}, content_type="multipart/form-data")


def send_visit(client, world, visit_uuid, refs):
    """Submit the world's visit naming these receipt photos."""
    started = utcnow() - timedelta(minutes=30)
    return client.post("/api/v1/visits", headers={"Authorization": f"Bearer {world['token']}"},
                       json={"uuid": str(visit_uuid), "assignment_id": world["assignment"].id,
                             "channel": "in_store", "started_at": started.isoformat(),
                             "ended_at": (started + timedelta(minutes=20)).isoformat(),
                             "answers": RETAIL_ANSWERS | {"receipt_photo": refs}})


def stored_file(app, ref: str) -> Path:
    with Session(app.extensions["shopper.engine"]) as session:
        photo = session.exec(select(Photo).where(Photo.uuid == uuid.UUID(ref))).one()
    return Path(app.config["UPLOAD_DIR"]) / photo.path


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_images_are_stored_and_reencoded(world, client, app, kind):
    data = image_bytes(kind)
    response = upload(client, world["token"], data)
    assert response.status_code == 201
    body = response.get_json()
    path = stored_file(app, body["ref"])
    assert path.exists() and Path(app.config["UPLOAD_DIR"]) in path.parents
    assert "static" not in path.parts
    with Image.open(path) as stored:
        assert stored.format == kind and stored.size == (640, 480)


def test_exif_and_gps_are_stripped(world, client, app):
    data = image_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(data)).getexif()  # the original carries EXIF with GPS
    body = upload(client, world["token"], data).get_json()
    stored = stored_file(app, body["ref"]).read_bytes()
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"SpyCam" not in stored


def test_the_same_uuid_and_bytes_again_answers_200_with_the_same_ref(world, client, app):
    data, photo_uuid, visit_uuid = image_bytes(), uuid.uuid4(), uuid.uuid4()
    first = upload(client, world["token"], data, photo_uuid, visit_uuid)
    again = upload(client, world["token"], data, photo_uuid, visit_uuid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["ref"] == again.get_json()["ref"] == str(photo_uuid)
    assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_the_same_uuid_with_other_bytes_is_a_conflict(world, client):
    photo_uuid, visit_uuid = uuid.uuid4(), uuid.uuid4()
    upload(client, world["token"], image_bytes(), photo_uuid, visit_uuid)
    response = upload(client, world["token"], image_bytes(color=(0, 0, 255)), photo_uuid,
                      visit_uuid)
    assert response.status_code == 409


def test_too_large_is_413(world, client, app):
    app.config["PHOTO_MAX_BYTES"] = 10_000
    response = upload(client, world["token"], image_bytes(size=(1200, 1200)) + b"\0" * 20_000)
    assert response.status_code == 413
    assert not Path(app.config["UPLOAD_DIR"]).exists() or not any(
        Path(app.config["UPLOAD_DIR"]).iterdir())


def gif() -> bytes:
    output = io.BytesIO()
    Image.new("P", (10, 10)).save(output, "GIF")
    return output.getvalue()


def bomb() -> bytes:
    output = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(output, "PNG")  # 400 Mpx in a few kB
    return output.getvalue()


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.4 not an image", "file: not a JPEG, PNG or WebP image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "file: not a JPEG, PNG or WebP image"),
    (gif(), "file: not a JPEG, PNG or WebP image"),
    (image_bytes()[:2000], "file: not a JPEG, PNG or WebP image"),
    (bomb(), "file: the image has too many pixels"),
])
def test_anything_but_a_jpeg_png_or_webp_is_422(world, client, app, data, message):
    response = upload(client, world["token"], data)
    assert response.status_code == 422
    assert response.get_json()["messages"] == [message]
    with Session(app.extensions["shopper.engine"]) as session:
        assert session.exec(select(Photo)).all() == []


def test_missing_fields_are_named(world, client):
    response = client.post("/api/v1/photos", data={}, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {world['token']}"})
    assert response.status_code == 422
    assert {e["question"] for e in response.get_json()["errors"]} == {
        "file", "uuid", "visit_uuid"}


def test_a_file_written_for_an_upload_that_fails_is_removed(world, client, app, monkeypatch):
    def failing_commit():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db, "commit", failing_commit)
    response = upload(client, world["token"], image_bytes())
    assert response.status_code == 500
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_photos_are_served_only_to_those_who_may_see_them(world, client):
    visit_uuid = uuid.uuid4()
    body = upload(client, world["token"], image_bytes(), visit_uuid=visit_uuid).get_json()
    url = body["url"]
    own = client.get(url, headers={"Authorization": f"Bearer {world['token']}"}, buffered=True)
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(own.get_data())).format == "JPEG"
    assert client.get(url, headers={"Authorization": f"Bearer {world['kim_token']}"}
                      ).status_code == 404
    manager = {"Authorization": f"Bearer {world['manager_token']}"}
    assert client.get(url, headers=manager).status_code == 404  # no visit yet
    assert send_visit(client, world, visit_uuid, [body["ref"]]).status_code == 201
    assert client.get(url, headers=manager, buffered=True).status_code == 200
    assert client.get("/photos/not-a-uuid", headers=manager).status_code == 404


def test_a_visit_can_only_name_photos_that_are_stored(world, client):
    other = upload(client, world["token"], image_bytes()).get_json()["ref"]  # another visit
    response = send_visit(client, world, uuid.uuid4(), [str(uuid.uuid4()), other])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [(e["question"], e["code"]) for e in errors] == [("receipt_photo", "photo_missing")] * 2


def test_a_photo_used_before_is_flagged(world, client, session):
    data = image_bytes()
    upload(client, world["token"], data)  # the same picture, sent for another visit
    visit_uuid = uuid.uuid4()
    ref = upload(client, world["token"], data, visit_uuid=visit_uuid).get_json()["ref"]
    response = send_visit(client, world, visit_uuid, [ref])
    assert response.get_json()["quality_flags"] == ["photo_reused"]
