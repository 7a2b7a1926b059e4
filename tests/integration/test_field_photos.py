"""store_photo itself, which the API and the plain visit form both call: who may store
a photo for which visit, decided before anything is written."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlmodel import select

from shopper.exceptions import NotFound
from shopper.field.photos import store_photo
from shopper.models import Photo
from tests.factories import field_world, make_client, make_user, make_visit


@pytest.fixture
def people(session):
    world = field_world(session)
    people = {name: world[name] for name in ("sam", "kim", "admin")}
    people |= {"manager": world["north_manager"],
               "client": make_user(session, "client",
                                   client=make_client(session, "Other Stores")),
               "visit": make_visit(session, world["sam"], world["store"],
                                   world["questionnaire"])}
    session.commit()
    return people


def store(session, user, visit_uuid, upload_dir, clean_ups):
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(output, "JPEG")
    return store_photo(session=session, user=user, photo_uuid=uuid.uuid4(),
                       visit_uuid=visit_uuid, data=output.getvalue(),
                       upload_dir=str(upload_dir), max_bytes=1_000_000,
                       max_pixels=1_000_000, on_rollback=clean_ups.append)


@pytest.mark.parametrize("role", ["manager", "client", "admin"])
def test_only_a_shopper_stores_photos(people, session, tmp_path, role):
    for visit_uuid in (people["visit"].uuid, uuid.uuid4()):
        clean_ups: list = []
        with pytest.raises(NotFound):
            store(session, people[role], visit_uuid, tmp_path / "uploads", clean_ups)
        assert clean_ups == []
    assert not (tmp_path / "uploads").exists()
    assert session.exec(select(Photo)).all() == []


def test_a_shopper_stores_photos_for_own_or_unknown_visits_only(people, session, tmp_path):
    clean_ups: list = []
    with pytest.raises(NotFound):
        store(session, people["kim"], people["visit"].uuid, tmp_path / "uploads", clean_ups)
    assert clean_ups == [] and not (tmp_path / "uploads").exists()
    assert session.exec(select(Photo)).all() == []

    _photo, created = store(session, people["sam"], people["visit"].uuid, tmp_path / "uploads",
                            clean_ups)
    assert created
    _photo, created = store(session, people["kim"], uuid.uuid4(), tmp_path / "uploads",
                            clean_ups)
    assert created  # a visit still on kim's phone
    assert len(list((tmp_path / "uploads").iterdir())) == 2
