"""Who may see what, decided from each object's own region or client."""

from __future__ import annotations

import pytest
from sqlmodel import select

from shopper.auth.permissions import can_see, get_visible, location_scope, visit_scope
from shopper.exceptions import NotFound
from shopper.models import Location, Visit
from tests.factories import (
    field_world,
    make_client,
    make_location,
    make_region,
    make_user,
    make_visit,
)


@pytest.fixture
def world(session):
    objects = field_world(session)
    other = make_client(session, "Other Co")
    east = make_region(session, other, "East")
    objects |= {"other": other, "east": east, "north_store": objects["store"],
                "south_store": objects["other_store"], "alice": objects["sam"],
                "bob": make_user(session, "shopper"), "acme_viewer": objects["viewer"],
                "alice_assignment": objects["assignment"]}
    objects["east_store"] = make_location(session, east, "E1")
    objects["other_viewer"] = make_user(session, "client", client=other)
    questionnaire = objects["questionnaire"]
    objects["alice_visit"] = make_visit(session, objects["alice"], objects["north_store"],
                                        questionnaire, status="approved")
    objects["bob_visit"] = make_visit(session, objects["bob"], objects["south_store"],
                                      questionnaire, status="submitted")
    objects["bob_draft_north"] = make_visit(session, objects["bob"], objects["north_store"],
                                            questionnaire, status="submitted")
    session.commit()
    return objects


# (user, object, may see)
MATRIX = [
    ("admin", "east_store", True), ("admin", "bob_visit", True), ("admin", "other", True),
    ("north_manager", "north", True), ("north_manager", "south", False),
    ("north_manager", "north_store", True), ("north_manager", "south_store", False),
    ("north_manager", "east_store", False), ("north_manager", "acme", True),
    ("north_manager", "other", False), ("north_manager", "alice_visit", True),
    ("north_manager", "bob_draft_north", True), ("north_manager", "bob_visit", False),
    ("north_manager", "alice_assignment", True), ("north_manager", "questionnaire", True),
    ("alice", "alice_visit", True), ("alice", "bob_visit", False),
    ("alice", "bob_draft_north", False), ("alice", "alice_assignment", True),
    ("alice", "north_store", True), ("alice", "south_store", False),
    ("alice", "questionnaire", True), ("bob", "questionnaire", False),
    ("bob", "alice_assignment", False), ("alice", "north", False), ("alice", "acme", False),
    ("acme_viewer", "acme", True), ("acme_viewer", "other", False),
    ("acme_viewer", "north", True), ("acme_viewer", "east", False),
    ("acme_viewer", "south_store", True), ("acme_viewer", "east_store", False),
    ("acme_viewer", "alice_visit", True),  # approved
    ("acme_viewer", "bob_visit", False),  # submitted, not yet approved
    ("acme_viewer", "alice_assignment", False), ("acme_viewer", "questionnaire", False),
    ("other_viewer", "north_store", False), ("other_viewer", "east_store", True),
]


@pytest.mark.parametrize(("who", "what", "allowed"), MATRIX,
                         ids=[f"{w}-{o}" for w, o, _ in MATRIX])
def test_scope(world, session, who, what, allowed):
    user, obj = world[who], world[what]
    assert can_see(session, user, obj) is allowed
    if allowed:
        assert get_visible(session, user, type(obj), obj.id) is obj
    else:
        with pytest.raises(NotFound):
            get_visible(session, user, type(obj), obj.id)


def test_nobody_and_inactive_users_see_nothing(world, session):
    assert not can_see(session, None, world["north_store"])
    world["admin"].active = False
    assert not can_see(session, world["admin"], world["north_store"])


def test_missing_and_malformed_ids_are_not_found(world, session):
    with pytest.raises(NotFound):
        get_visible(session, world["admin"], Location, 999_999)


def scoped(session, model, clause):
    return {row.code if model is Location else row.id
            for row in session.exec(select(model).where(clause))}


def test_list_scopes_agree_with_the_checks(world, session):
    assert scoped(session, Location, location_scope(world["north_manager"])) == {"N1"}
    assert scoped(session, Location, location_scope(world["acme_viewer"])) == {"N1", "S1"}
    assert scoped(session, Location, location_scope(world["alice"])) == {"N1"}
    assert scoped(session, Location, location_scope(world["admin"])) == {"N1", "S1", "E1"}
    assert scoped(session, Visit, visit_scope(world["north_manager"])) == {
        world["alice_visit"].id, world["bob_draft_north"].id}
    assert scoped(session, Visit, visit_scope(world["bob"])) == {
        world["bob_visit"].id, world["bob_draft_north"].id}
    assert scoped(session, Visit, visit_scope(world["acme_viewer"])) == {world["alice_visit"].id}
