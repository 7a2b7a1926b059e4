"""Who may see what: one helper for every view.

Scope is decided from the object's own region or client (never from a URL or a form):
admins see everything; managers the objects of their regions; shoppers their own
assignments and visits and the locations of their assignments; client viewers their
client's locations and approved visits. Outside scope the answer is `NotFound` (404),
so that ids leak nothing.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, exists, false, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from ..exceptions import NotFound
from ..models import (
    Assignment,
    Client,
    Location,
    ManagerRegion,
    Photo,
    Questionnaire,
    Region,
    ReportDelivery,
    ReportSchedule,
    User,
    Visit,
)
from ..security import LARGEST_ID

T = TypeVar("T")


def _managed(user: User, region_id: Any) -> ColumnElement[bool]:
    return exists().where(ManagerRegion.user_id == user.id, ManagerRegion.region_id == region_id)


def _in_client(user: User, region_id: Any) -> ColumnElement[bool]:
    # Aliases, so that the subquery never correlates with a table of the outer query.
    region = aliased(Region)
    return exists().where(region.id == region_id, region.client_id == user.client_id)


def _location_managed(user: User, location_id: Any) -> ColumnElement[bool]:
    location = aliased(Location)
    return exists().where(location.id == location_id,
                          ManagerRegion.region_id == location.region_id,
                          ManagerRegion.user_id == user.id)


def _location_in_client(user: User, location_id: Any) -> ColumnElement[bool]:
    location, region = aliased(Location), aliased(Region)
    return exists().where(location.id == location_id, region.id == location.region_id,
                          region.client_id == user.client_id)


def location_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Location: the locations `user` may see."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return _managed(user, Location.region_id)
    if user.role == "client":
        return _in_client(user, Location.region_id)
    if user.role == "shopper":
        return exists().where(Assignment.location_id == Location.id,
                              Assignment.shopper_id == user.id)
    return false()


def region_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Region."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return _managed(user, Region.id)
    if user.role == "client":
        return Region.client_id == user.client_id
    return false()


def visit_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Visit: a shopper's own, a manager's regions', a client's
    approved ones."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return _location_managed(user, Visit.location_id)
    if user.role == "client":
        return (Visit.status == "approved") & _location_in_client(user, Visit.location_id)
    if user.role == "shopper":
        return Visit.shopper_id == user.id
    return false()


def assignment_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Assignment: a shopper's own, a manager's regions'."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return _location_managed(user, Assignment.location_id)
    if user.role == "shopper":
        return Assignment.shopper_id == user.id
    return false()


def schedule_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ReportSchedule: admins all; a manager those of their regions
    (a whole client's schedule is the admins')."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return ReportSchedule.region_id.is_not(None) & _managed(user,
                                                                 ReportSchedule.region_id)
    return false()


def delivery_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ReportDelivery: admins all; a manager their regions'; a client
    viewer the reports sent about their client (the archive)."""
    if user.role == "admin":
        return true()
    if user.role == "manager":
        return ReportDelivery.region_id.is_not(None) & _managed(user,
                                                                 ReportDelivery.region_id)
    if user.role == "client":
        return (ReportDelivery.client_id == user.client_id) & (ReportDelivery.status == "sent")
    return false()


def can_see(session: Session, user: User | None, obj: Any) -> bool:
    """Whether `user` may see `obj`, decided from the object's own region or client."""
    if user is None or not user.active:
        return False
    if user.role == "admin":
        return True
    model = type(obj)
    if model is Client:
        return session.exec(select(Region.id).where(
            Region.client_id == obj.id, region_scope(user))).first() is not None
    scope_of = {Region: region_scope, Location: location_scope, Visit: visit_scope,
                Assignment: assignment_scope, ReportSchedule: schedule_scope,
                ReportDelivery: delivery_scope}.get(model)
    if scope_of is not None:
        return session.exec(select(model.id).where(model.id == obj.id, scope_of(user))
                            ).first() is not None
    if model is Photo:
        visit = session.exec(select(Visit).where(Visit.uuid == obj.visit_uuid)).first()
        if visit is None:  # a photo whose visit has not arrived yet: its owner only
            return obj.owner_id == user.id
        return can_see(session, user, visit)
    if model is Questionnaire:
        if user.role == "manager":
            return True
        if user.role == "shopper":
            return session.exec(select(Assignment.id).where(
                Assignment.questionnaire_id == obj.id, Assignment.shopper_id == user.id)
            ).first() is not None
        return False
    if model is User:
        return obj.id == user.id
    return False


def get_visible(session: Session, user: User | None, model: type[T], key: Any) -> T:
    """Fetch `model` by primary key and check that `user` may see it; else NotFound."""
    if isinstance(key, int) and abs(key) > LARGEST_ID:  # past the database's integer
        raise NotFound(f"{model.__name__} {key}")
    try:
        obj = session.get(model, key)
    except (TypeError, ValueError):  # a key of the wrong type is no object either
        obj = None
    if obj is None or not can_see(session, user, obj):
        raise NotFound(f"{model.__name__} {key}")
    return obj


def get_visible_by_uuid(session: Session, user: User | None, model: type[T], key: Any) -> T:
    """Fetch a Visit or Photo by its `uuid` (as text) and check that `user` may see it;
    else NotFound, a malformed uuid included."""
    try:
        wanted = uuid_module.UUID(str(key))
    except ValueError:
        raise NotFound(f"{model.__name__} {key}") from None
    obj = session.exec(select(model).where(model.uuid == wanted)).first()
    if obj is None or not can_see(session, user, obj):
        raise NotFound(f"{model.__name__} {key}")
    return obj
