"""POST /api/v1/photos: verified, re-encoded, stored once, served with permission; only
from shoppers, for their own visits; costly files refused from their headers."""

from __future__ import annotations

import io
import struct
import threading
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shopper import db
from shopper.auth.services import issue_api_token
from shopper.models import Photo, utcnow
from tests.factories import (
    RETAIL_ANSWERS,
    field_world,
    make_client,
    make_user,
    make_visit,
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
    world = field_world(session)
    world["client_viewer"] = make_user(session, "client",
                                       client=make_client(session, "Other Stores"))
    for name, who in (("token", "sam"), ("kim_token", "kim"),
                      ("manager_token", "north_manager"), ("client_token", "client_viewer"),
                      ("admin_token", "admin")):
        world[name] = issue_api_token(session=session, user=world[who])
    session.commit()
    return world


def upload(client, token, data, photo_uuid=None, visit_uuid=None, name="p.jpg"):
    # Encoded here, in memory: the test client spools a body over 500 KB to a temporary
    # file that nothing closes (a ResourceWarning, so an error in this suite).
    boundary, body = encode_multipart({
        "file": FileStorage(io.BytesIO(data), filename=name),
        "uuid": str(photo_uuid or uuid.uuid4()), "visit_uuid": str(visit_uuid or uuid.uuid4())})
    return client.post("/api/v1/photos", headers={"Authorization": f"Bearer {token}"},
                       data=body, content_type=f"multipart/form-data; boundary={boundary}")


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


def assert_nothing_stored(app) -> None:
    with Session(app.extensions["shopper.engine"]) as session:
        assert session.exec(select(Photo)).all() == []
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not uploads.exists() or list(uploads.iterdir()) == []


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


UNREADABLE = "photo_unreadable"
NOT_A_PHOTO = (UNREADABLE, "This file is not a JPEG, PNG or WebP photo.")


@pytest.mark.parametrize(("data", "problem"), [
    (b"%PDF-1.4 not an image", NOT_A_PHOTO),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", NOT_A_PHOTO),
    (gif(), NOT_A_PHOTO),
    (image_bytes()[:2000], NOT_A_PHOTO),
    (bomb(), ("too_many_pixels", "This picture is too large to read: take the photo again "
                                 "or send a smaller one.")),
])
def test_anything_but_a_jpeg_png_or_webp_is_422(world, client, app, data, problem):
    response = upload(client, world["token"], data)
    assert response.status_code == 422
    code, message = problem
    assert response.get_json()["errors"] == [
        {"question": "file", "code": code, "message": message}]
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


# --- who may upload -----------------------------------------------------------------


@pytest.mark.parametrize("token", ["manager_token", "client_token", "admin_token"])
def test_only_shoppers_upload_photos(world, client, app, session, token):
    sams_visit = make_visit(session, world["sam"], world["store"], world["questionnaire"])
    session.commit()
    for visit_uuid in (sams_visit.uuid, uuid.uuid4()):  # a visit they may read, or none
        response = upload(client, world[token], image_bytes(), visit_uuid=visit_uuid)
        assert response.status_code == 404
    assert_nothing_stored(app)


def test_a_photo_for_another_shoppers_visit_is_404_and_stores_nothing(world, client, app,
                                                                      session):
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"])
    session.commit()
    response = upload(client, world["kim_token"], image_bytes(), visit_uuid=visit.uuid)
    assert response.status_code == 404
    assert_nothing_stored(app)
    # The visit's own shopper may still add photos to it.
    assert upload(client, world["token"], image_bytes(), visit_uuid=visit.uuid
                  ).status_code == 201


def test_twenty_uploads_of_one_photo_at_once_store_it_once(world, app):
    data, photo_uuid, visit_uuid = image_bytes(), uuid.uuid4(), uuid.uuid4()
    answers: list[tuple[int, dict]] = []
    start = threading.Barrier(20)

    def post() -> None:
        client = app.test_client()
        start.wait(timeout=10)
        response = upload(client, world["token"], data, photo_uuid, visit_uuid)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _body in answers) == [200] * 19 + [201]
    assert {(body["ref"], body["sha256"]) for _status, body in answers} == {
        (str(photo_uuid), answers[0][1]["sha256"])}
    stored = stored_file(app, str(photo_uuid))
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == [stored]


# --- costly files: decided from their headers (bench/uploads.py times them) ----------


def encoded(kind: str, size: tuple[int, int], mode: str = "RGB", colour=(90, 120, 150),
            **options) -> bytes:
    """One colour: what decides is the header (size, mode, scans), and it is cheap."""
    output = io.BytesIO()
    Image.new(mode, size, colour).save(output, kind, **options)
    return output.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png16(size: tuple[int, int], colour_type: int, pixel: bytes) -> bytes:
    """A flat 16-bit PNG (Pillow does not write them): colour type 0 grey, 2 RGB."""
    width, height = size
    rows = zlib.compress((b"\0" + pixel * width) * height)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows)
            + png_chunk(b"IEND", b""))


def with_text(png: bytes, chunks: int) -> bytes:
    """zTXt chunks after the pixels, each of its own key, inflating to 1 MB each."""
    packed = zlib.compress(b"a" * 1_000_000, 9)
    end = png.index(b"IEND") - 4
    return png[:end] + b"".join(png_chunk(b"zTXt", b"note%d\0\0" % n + packed)
                                for n in range(chunks)) + png[end:]


def mpo(size: tuple[int, int]) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (90, 120, 150)).save(
        output, "MPO", save_all=True, append_images=[Image.new("RGB", size, (9, 9, 9))])
    assert Image.open(io.BytesIO(output.getvalue())).format == "MPO"
    return output.getvalue()


def cut(data: bytes) -> bytes:
    return data[:len(data) // 2]


@pytest.mark.parametrize(("make", "kind", "size"), [
    pytest.param(lambda: encoded("JPEG", (7200, 5400)), "JPEG", (2400, 1800),
                 id="jpeg-39mpx-decoded-at-half-scale"),
    pytest.param(lambda: encoded("JPEG", (4799, 3599)), "JPEG", (2400, 1800),
                 id="jpeg-17mpx-decoded-at-full-scale"),
    pytest.param(lambda: encoded("JPEG", (4000, 3000), progressive=True), "JPEG",
                 (2400, 1800), id="jpeg-progressive-12mpx"),
    pytest.param(lambda: encoded("JPEG", (6000, 4000), "CMYK", (0, 90, 200, 0)), "JPEG",
                 (2400, 1600), id="jpeg-cmyk-24mpx"),
    pytest.param(lambda: encoded("JPEG", (65000, 600)), "JPEG", (2400, 22),
                 id="jpeg-panorama-39mpx"),
    pytest.param(lambda: mpo((4000, 3000)), "JPEG", (2400, 1800), id="mpo-12mpx"),
    pytest.param(lambda: encoded("PNG", (6324, 6324), "P", 3), "PNG", (2400, 2400),
                 id="png-palette-40mpx"),
    pytest.param(lambda: encoded("PNG", (4800, 3600)), "PNG", (2400, 1800), id="png-17mpx"),
    pytest.param(lambda: png16((4000, 3000), 2, b"\x9c\x40\x4e\x20\xff\xff"), "PNG",
                 (2400, 1800), id="png-16bit-rgb-12mpx"),
    pytest.param(lambda: encoded("WEBP", (3000, 2250)), "WEBP", (2400, 1800),
                 id="webp-7mpx"),
])
def test_large_photos_within_the_budget_are_stored_shrunk(world, client, app, make, kind,
                                                          size):
    response = upload(client, world["token"], make())
    assert response.status_code == 201
    with Image.open(stored_file(app, response.get_json()["ref"])) as stored:
        assert (stored.format, stored.size) == (kind, size)


@pytest.mark.parametrize(("make", "code"), [
    pytest.param(lambda: encoded("PNG", (6324, 6324)), "too_many_pixels",
                 id="png-40mpx-one-colour-the-reported-file"),
    pytest.param(lambda: encoded("PNG", (6324, 6324), "RGBA", (9, 9, 9, 90)),
                 "too_many_pixels", id="png-rgba-40mpx"),
    pytest.param(lambda: png16((5000, 5000), 2, b"\x9c\x40\x4e\x20\xff\xff"),
                 "too_many_pixels", id="png-16bit-rgb-25mpx"),
    pytest.param(lambda: with_text(encoded("PNG", (4800, 3600)), 60), "too_many_pixels",
                 id="png-17mpx-with-60mb-of-text"),
    pytest.param(lambda: encoded("JPEG", (8000, 6000)), "too_many_pixels",
                 id="jpeg-48mpx-over-the-pixel-limit"),
    pytest.param(lambda: encoded("JPEG", (4799, 4799)), "too_many_pixels",
                 id="jpeg-23mpx-decoded-at-full-scale"),
    pytest.param(lambda: encoded("JPEG", (7200, 5400), progressive=True), "too_many_pixels",
                 id="jpeg-progressive-39mpx"),
    pytest.param(lambda: encoded("WEBP", (6324, 6324)), "too_many_pixels", id="webp-40mpx"),
    pytest.param(lambda: encoded("WEBP", (4000, 3000)), "too_many_pixels", id="webp-12mpx"),
    pytest.param(lambda: cut(encoded("JPEG", (7200, 5400))), UNREADABLE, id="jpeg-truncated"),
    pytest.param(lambda: cut(encoded("PNG", (4000, 3000))), UNREADABLE, id="png-truncated"),
    pytest.param(lambda: cut(encoded("WEBP", (3000, 2250))), UNREADABLE, id="webp-truncated"),
])
def test_costly_photos_are_refused_before_they_are_decoded(world, client, app, make, code):
    response = upload(client, world["token"], make())
    assert response.status_code == 422
    assert [(e["question"], e["code"]) for e in response.get_json()["errors"]] == [
        ("file", code)]
    assert_nothing_stored(app)


def test_a_16_bit_png_keeps_its_tones(world, client, app):
    data = png16((3000, 2000), 0, b"\x80\x00")  # mid grey, 32768 of 65535
    response = upload(client, world["token"], data)
    assert response.status_code == 201
    with Image.open(stored_file(app, response.get_json()["ref"])) as stored:
        assert stored.getpixel((10, 10)) == (128, 128, 128)


def test_a_photo_is_stored_upright_and_shrunk(world, client, app):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to show
    output = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 200, 10)).save(output, "JPEG", exif=exif)
    response = upload(client, world["token"], output.getvalue())
    assert response.status_code == 201
    assert (response.get_json()["width"], response.get_json()["height"]) == (1800, 2400)
    with Image.open(stored_file(app, response.get_json()["ref"])) as stored:
        assert stored.size == (1800, 2400) and not stored.getexif()
