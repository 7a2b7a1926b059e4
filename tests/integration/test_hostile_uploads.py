"""Hostile uploads (the table of tests/hostile_files.py), sent by a shopper for their own
open visit through the real API and through the plain visit form: each gets the status
and problem code of the table. A refused file leaves no row and no file, not even a
temporary one; an accepted one leaves one row and one file, re-encoded, with nothing of
the upload but its picture. bench/uploads.py times the same files."""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from shopper.auth.services import issue_api_token
from shopper.models import Photo, Visit
from tests.conftest import csrf_token
from tests.factories import PASSWORD, RETAIL_ANSWERS, field_world, make_visit
from tests.hostile_files import BY_NAME, HOSTILE, HostileFile, multipart_body

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}
#: What the visit form says next to the photo question, by the API's problem code.
FORM_MESSAGES = {
    "photo_unreadable": "This file is not a JPEG, PNG or WebP photo.",
    "too_many_pixels": "This picture is too large to read: take the photo again or send a "
                       "smaller one.",
    "too_large": "This photo is too large.",
}


@pytest.fixture
def world(session):
    world = field_world(session)
    world["visit"] = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                                status="draft", assignment_id=world["assignment"].id)
    world["token"] = issue_api_token(session=session, user=world["sam"])
    session.commit()
    return world


def multipart(fields: list[tuple[str, str]], file_field: str,
              hostile: HostileFile) -> tuple[str, bytes]:
    return multipart_body(fields, file_field, hostile.filename, hostile.content_type,
                          hostile.data())


def files_under(directory: Path) -> set[Path]:
    """Every file below `directory`, hidden and temporary ones included."""
    return {Path(top) / name for top, _dirs, names in os.walk(directory) for name in names}


def photos(app) -> list[Photo]:
    with Session(app.extensions["shopper.engine"]) as session:
        return list(session.exec(select(Photo)).all())


def assert_nothing_stored(app, written: set[Path]) -> None:
    assert photos(app) == []
    assert written == set()
    assert files_under(Path(app.config["UPLOAD_DIR"])) == set()


def assert_stored_clean(app, hostile: HostileFile, written: set[Path]) -> Photo:
    """One row, one file under UPLOAD_DIR by a name of the server's: the picture alone,
    re-encoded, without metadata or anything after it."""
    [row] = photos(app)
    kind, size = hostile.stored
    content_type, extension = FORMATS[kind]
    assert re.fullmatch(rf"[0-9a-f]{{32}}\.{extension}", row.path)
    path = Path(app.config["UPLOAD_DIR"]) / row.path
    assert written == {path}
    stored, uploaded = path.read_bytes(), hostile.data()
    assert stored != uploaded and row.sha256 == hashlib.sha256(uploaded).hexdigest()
    assert (row.content_type, row.size, (row.width, row.height)) == (
        content_type, len(stored), size)
    with Image.open(io.BytesIO(stored)) as picture:
        assert (picture.format, picture.size) == (kind, size)
        assert getattr(picture, "n_frames", 1) == 1
        assert not picture.getexif()  # no EXIF at all, so no GPS position
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(picture.info)
    if kind == "JPEG":
        assert stored.endswith(b"\xff\xd9")
    elif kind == "PNG":
        assert stored.endswith(b"IEND\xaeB`\x82")
    else:
        assert int.from_bytes(stored[4:8], "little") + 8 == len(stored)
    for payload in hostile.payload:
        assert payload not in stored
    return row


def nothing_outside(app, hostile: HostileFile) -> None:
    """A name with a path in it is never followed, from the upload folder or from here."""
    name = hostile.filename.replace("\\", "/")
    if "/" in name:
        for base in (Path(app.config["UPLOAD_DIR"]), Path.cwd()):
            assert not (base / name).exists()


def problem_code(response) -> str:
    if response.status_code < 400:
        return ""
    body = response.get_json()
    return body["errors"][0]["code"] if "errors" in body else body["error"]


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_the_api_answers_each_hostile_file_as_the_table_says(world, client, app, tmp_path,
                                                            hostile):
    photo_uuid = uuid.uuid4()
    boundary, body = multipart([("uuid", str(photo_uuid)),
                                ("visit_uuid", str(world["visit"].uuid))], "file", hostile)
    before = files_under(tmp_path)
    response = client.post("/api/v1/photos", data=body,
                           headers={"Authorization": f"Bearer {world['token']}"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    written = files_under(tmp_path) - before
    assert (response.status_code, problem_code(response)) == hostile.expected
    nothing_outside(app, hostile)
    if hostile.status != 201:
        if hostile.status == 422:
            assert [e["question"] for e in response.get_json()["errors"]] == ["file"]
        assert_nothing_stored(app, written)
        return
    row = assert_stored_clean(app, hostile, written)
    assert response.get_json()["ref"] == str(row.uuid) == str(photo_uuid)
    assert (row.visit_uuid, row.owner_id) == (world["visit"].uuid, world["sam"].id)


#: Through the plain HTML visit form: what a phone without JavaScript sends.
FORM_SAMPLE = ["png-bomb-1bit-20000", "svg-xxe", "html-as-jpeg", "jpeg-truncated-1024", "empty",
               "jpeg-10mib-and-1", "jpeg-zip-polyglot", "jpeg-php-in-comment", "mpo",
               "name-traversal"]


@pytest.mark.parametrize("name", FORM_SAMPLE)
def test_the_visit_form_answers_hostile_files_as_the_api_does(world, client, auth, app,
                                                             tmp_path, name):
    hostile = BY_NAME[name]
    auth.login("sam@example.com", PASSWORD)
    page = client.get(f"/visits/{world['assignment'].id}")
    assert f'value="{world["visit"].uuid}"' in page.text  # the open visit's form
    fields = [("csrf_token", csrf_token(page.text)), ("action", "send"),
              ("visit_uuid", str(world["visit"].uuid)),
              ("started_at", re.search(r'name="started_at" type="hidden" value="([^"]+)"',
                                       page.text).group(1))]
    fields += [(f"q-{key}", str(value)) for key, value in RETAIL_ANSWERS.items()]
    boundary, body = multipart(fields, "q-receipt_photo", hostile)
    before = files_under(tmp_path)
    response = client.post(f"/visits/{world['assignment'].id}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    written = files_under(tmp_path) - before
    nothing_outside(app, hostile)
    with Session(app.extensions["shopper.engine"]) as session:
        visit = session.exec(select(Visit).where(Visit.uuid == world["visit"].uuid)).one()
    if hostile.status != 201:
        assert response.status_code == 422
        assert FORM_MESSAGES[hostile.code] in response.text
        assert visit.status == "draft"
        assert_nothing_stored(app, written)
        return
    assert response.status_code == 302
    row = assert_stored_clean(app, hostile, written)
    assert (visit.status, visit.answers["receipt_photo"]) == ("submitted", [str(row.uuid)])
