"""Scope, as a table: every route of the app, who may call it, and what everyone else gets.

Inside scope a route answers 2xx (or redirects where the page does); outside scope 404,
never 403, so that ids leak nothing; anonymous callers are sent to /login by pages and
get 401 from the API, except on the public routes. A route missing from ROUTES fails
`test_every_route_is_in_the_table`: a new route adds its row here.

Callers: `admin`; `north_manager` (region North of Acme: store N1, not S1); `viewer`
(client viewer of Acme: N1 and S1) and `other_viewer` (of Other Co: store E1); shoppers
`sam` (assignments at N1) and `kim` (at S1); `anonymous`. Pages are called through the
real log-in form, the API with each caller's API token.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlmodel import Session

from shopper.auth.services import issue_api_token
from shopper.models import Photo, ReportDelivery, ReportSchedule, Visit, utcnow
from tests.conftest import AuthActions, csrf_token
from tests.factories import (
    PASSWORD,
    RETAIL_ANSWERS,
    field_world,
    make_assignment,
    make_client,
    make_location,
    make_questionnaire,
    make_region,
    make_user,
    make_visit,
    questionnaire_doc,
)

CALLERS = ("admin", "north_manager", "viewer", "other_viewer", "sam", "kim")
#: The uuids of a draft and of a photo that are not stored yet.
DRAFT_UUID = uuid.UUID("00000000-0000-4000-8000-00000000d4a7")
PHOTO_UUID = uuid.UUID("00000000-0000-4000-8000-00000000f070")


@dataclass(frozen=True)
class Call:
    """One request of a route's row. `path` and a redirect's `expected` are formatted
    with the world (`{w[sam_visit].uuid}`); `body(world)` gives the keyword arguments of
    the request (`json=`, `data=`), CSRF token added for pages; a list's items must hold
    the world objects named in `shows` and none of those in `hides`; the visits named in
    `keeps` must be left as they were, those in `changes` not."""

    caller: str
    path: str
    #: The status, or the path a redirect leads to.
    expected: int | str
    body: Callable[[dict], dict] | None = None
    note: str = ""
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()
    #: Visits whose status and revision must not change (where a route skips what is
    #: outside scope instead of answering 404).
    keeps: tuple[str, ...] = ()
    #: Visits whose status or revision must change: the call above did its work.
    changes: tuple[str, ...] = ()


def anonymous(path: str, expected: int | str | None = None, **options: Any) -> Call:
    """An anonymous call: by default 401 under /api/, else a redirect to the log-in."""
    if expected is None:
        expected = 401 if path.startswith("/api/") else "/login"
    return Call("anonymous", path, expected, **options)


def public(path: str) -> list[Call]:
    return [anonymous(path, 200), Call("sam", path, 200), Call("admin", path, 200)]


def home_page(role: str, caller: str) -> list[Call]:
    """A role's home page: its own role sees it, the others are sent to theirs via /."""
    return ([Call(caller, f"/{role}", 200), anonymous(f"/{role}")]
            + [Call(other, f"/{role}", "/") for other in ("admin", "north_manager", "viewer",
                                                           "sam") if other != caller])


def visit_body(assignment: str, visit_uuid: str | None = None) -> Callable[[dict], dict]:
    def body(world: dict) -> dict:
        started = utcnow() - timedelta(minutes=30)
        return {"json": {
            "uuid": str(world[visit_uuid].uuid if visit_uuid else uuid.uuid4()),
            "assignment_id": world[assignment].id, "channel": "in_store",
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=20)).isoformat(),
            "answers": dict(RETAIL_ANSWERS)}}
    return body


def draft_body(assignment: str) -> Callable[[dict], dict]:
    return lambda world: {"json": {"assignment_id": world[assignment].id,
                                   "answers": {"greeted": "yes"}}}


def photo_body(visit: str) -> Callable[[dict], dict]:
    return lambda world: {"data": {"file": (io.BytesIO(png()), "shelf.png"),
                                   "uuid": str(PHOTO_UUID),
                                   "visit_uuid": str(world[visit].uuid)}}


def form_draft(world: dict) -> dict:
    return {"data": {"action": "draft", "visit_uuid": str(DRAFT_UUID),
                     "started_at": (utcnow() - timedelta(minutes=5)).isoformat(),
                     "q-greeted": "yes"}}


def log_in_body(world: dict) -> dict:
    return {"data": {"email": "sam@example.com", "password": PASSWORD}}


def language_body(world: dict) -> dict:
    return {"data": {"locale": "de", "next": "/"}}


SAM_PHOTO, KIM_PHOTO = "/photos/{w[sam_photo].uuid}", "/photos/{w[kim_photo].uuid}"
SAM_VISIT, KIM_VISIT = "/api/v1/visits/{w[sam_visit].uuid}", "/api/v1/visits/{w[kim_visit].uuid}"
N1_CARD, S1_CARD = ("/api/v1/locations/{w[store].id}/scorecard",
                    "/api/v1/locations/{w[other_store].id}/scorecard")
E1_CARD = "/api/v1/locations/{w[east_store].id}/scorecard"
TARGET = lambda world: {"data": {"target": "85"}}  # noqa: E731
N1_PAGE, S1_PAGE, E1_PAGE = ("/scorecards/locations/{w[store].id}",
                             "/scorecards/locations/{w[other_store].id}",
                             "/scorecards/locations/{w[east_store].id}")
SAM_FORM, KIM_FORM = "/visits/{w[assignment].id}", "/visits/{w[kim_assignment].id}"


NEW_SCHEDULE = "/reports/schedules/new?client={w[acme].id}"
NORTH_SCHEDULE, ACME_SCHEDULE = ("/reports/schedules/{w[north_schedule].id}",
                                 "/reports/schedules/{w[acme_schedule].id}")
NORTH_SENT, ACME_SENT = ("/reports/deliveries/{w[north_sent].id}",
                         "/reports/deliveries/{w[acme_sent].id}")
N1_PDF, S1_PDF = ("/reports/locations/{w[store].id}.pdf",
                  "/reports/locations/{w[other_store].id}.pdf")
PREPARED = "/reports/prepared?client={w[acme].id}"
SCHEDULE_FORM = lambda world: {"data": {  # noqa: E731
    "region": str(world["north"].id), "recipients": "north@example.com",
    "frequency": "monthly", "day_of_month": "3", "locale": "en", "kind": "summary",
    "active": "y"}}


def prepare_body(region: str | None = None) -> Callable[[dict], dict]:
    def body(world: dict) -> dict:
        data = {"client": str(world["acme"].id), "kind": "summary"}
        if region:
            data["region"] = str(world[region].id)
        return {"data": data}
    return body


def photo_row(prefix: str) -> list[Call]:
    """A photo's file (/photos/...) or its metadata (/api/v1/photos/...): whoever may
    see its visit."""
    sam, kim = prefix + SAM_PHOTO, prefix + KIM_PHOTO
    return [Call("sam", sam, 200), Call("sam", kim, 404), Call("kim", kim, 200),
            Call("north_manager", sam, 200), Call("north_manager", kim, 404),
            Call("viewer", sam, 200), Call("other_viewer", sam, 404),
            Call("admin", kim, 200), anonymous(sam)]


def review_row(action: str, north: str, south: str, body: dict | None) -> list[Call]:
    """A review action (or the audit trail) on a visit at N1 (`north`) and one at S1:
    neither its shopper nor a client viewer who sees it may act on it."""
    options = {"body": lambda world: {"json": dict(body)}} if body is not None else {}
    north, south = f"/api/v1/visits/{{w[{north}].uuid}}{action}", \
        f"/api/v1/visits/{{w[{south}].uuid}}{action}"
    return [Call("north_manager", north, 200, **options),
            Call("north_manager", south, 404, **options),
            Call("admin", south, 200, **options), Call("sam", north, 404, **options),
            Call("viewer", "/api/v1/visits/{w[sam_visit].uuid}" + action, 404, **options),
            anonymous(north, **options)]


def ticked(*visits: str) -> Callable[[dict], dict]:
    """The queue's bulk approval form with these visits ticked at revision 1."""
    return lambda world: {"data": {"visit": [f"{world[name].uuid}:1" for name in visits]}}


def review_page_row(action: str, north: str, south: str, data: dict | None,
                    then: str | None = None) -> list[Call]:
    """The review desk's page of a visit, or a form on it, as review_row; a form done
    redirects to `then` (the visit's page when None)."""
    options = {"body": lambda world: {"data": dict(data)}} if data is not None else {}
    north_page, south_page = (f"/review/visits/{{w[{name}].uuid}}" for name in (north, south))
    done = (200 if data is None else then or north_page,
            200 if data is None else then or south_page)
    return [Call("north_manager", north_page + action, done[0], **options),
            Call("north_manager", south_page + action, 404, **options),
            Call("admin", south_page + action, done[1], **options),
            Call("sam", north_page + action, 404, **options),
            Call("viewer", "/review/visits/{w[sam_visit].uuid}" + action, 404, **options),
            anonymous(north_page + action, **options)]


#: (endpoint, method) -> the calls that check its scope.
ROUTES: dict[tuple[str, str], list[Call]] = {
    # --- public ---
    ("main.healthz", "GET"): public("/healthz"),
    ("field.manifest", "GET"): public("/manifest.webmanifest"),
    ("field.service_worker", "GET"): public("/sw.js"),
    ("api.openapi", "GET"): public("/api/v1/openapi.json"),
    ("auth.login", "GET"): [anonymous("/login", 200), Call("sam", "/login", "/"),
                            Call("admin", "/login", "/")],
    ("auth.login", "POST"): [anonymous("/login", "/shopper", body=log_in_body),
                             Call("admin", "/login", "/", body=log_in_body)],
    ("auth.logout", "POST"): [anonymous("/logout", "/login"), Call("sam", "/logout", "/login")],
    ("auth.set_language", "POST"): [anonymous("/language", "/", body=language_body),
                                    Call("viewer", "/language", "/", body=language_body)],
    # --- home pages ---
    ("main.home", "GET"): [anonymous("/"), Call("admin", "/", "/admin"),
                           Call("north_manager", "/", "/manager"),
                           Call("viewer", "/", "/client"), Call("sam", "/", "/shopper")],
    ("main.home_admin", "GET"): home_page("admin", "admin"),
    ("main.home_manager", "GET"): home_page("manager", "north_manager"),
    ("main.home_client", "GET"): home_page("client", "viewer"),
    ("main.home_shopper", "GET"): home_page("shopper", "sam"),
    # --- the shopper's visit form: their own assignments only ---
    ("field.visit_form", "GET"): [
        Call("sam", SAM_FORM, 200), Call("sam", KIM_FORM, 404), Call("kim", KIM_FORM, 200),
        Call("north_manager", SAM_FORM, 404), Call("admin", SAM_FORM, 404),
        Call("viewer", SAM_FORM, 404), anonymous(SAM_FORM)],
    ("field.visit_form", "POST"): [
        Call("sam", SAM_FORM, SAM_FORM, body=form_draft), Call("kim", SAM_FORM, 404,
                                                              body=form_draft),
        Call("north_manager", SAM_FORM, 404, body=form_draft),
        Call("admin", SAM_FORM, 404, body=form_draft), anonymous(SAM_FORM, body=form_draft)],
    # --- photos ---
    ("field.photo", "GET"): photo_row(""),
    ("api.photo_metadata", "GET"): photo_row("/api/v1"),
    ("api.upload_photo", "POST"): [  # shoppers only, for a visit of their own
        Call("sam", "/api/v1/photos", 201, body=photo_body("sam_visit"), note="own visit"),
        Call("sam", "/api/v1/photos", 404, body=photo_body("kim_visit"), note="kim's visit"),
        Call("north_manager", "/api/v1/photos", 404, body=photo_body("sam_visit")),
        Call("admin", "/api/v1/photos", 404, body=photo_body("sam_visit")),
        Call("viewer", "/api/v1/photos", 404, body=photo_body("sam_visit")),
        anonymous("/api/v1/photos", body=photo_body("sam_visit"))],
    # --- API: the caller's own ---
    ("api.csrf_token", "GET"): [Call(caller, "/api/v1/csrf-token", 200) for caller in CALLERS]
    + [anonymous("/api/v1/csrf-token")],
    ("api.list_assignments", "GET"): [
        Call("sam", "/api/v1/assignments", 200, shows=("assignment",),
             hides=("kim_assignment",)),
        Call("kim", "/api/v1/assignments", 200, shows=("kim_assignment",),
             hides=("assignment",)),
        Call("north_manager", "/api/v1/assignments", 200, hides=("kim_assignment",)),
        Call("viewer", "/api/v1/assignments", 200, hides=("assignment", "kim_assignment")),
        anonymous("/api/v1/assignments")],
    ("api.submit_visit", "POST"): [
        Call("sam", "/api/v1/visits", 201, body=visit_body("assignment"),
             note="own assignment"),
        Call("sam", "/api/v1/visits", 404, body=visit_body("kim_assignment"),
             note="kim's assignment"),
        Call("sam", "/api/v1/visits", 404, body=visit_body("assignment", "kim_visit"),
             note="kim's visit uuid"),
        Call("north_manager", "/api/v1/visits", 404, body=visit_body("assignment")),
        Call("admin", "/api/v1/visits", 404, body=visit_body("assignment")),
        Call("viewer", "/api/v1/visits", 404, body=visit_body("assignment")),
        anonymous("/api/v1/visits", body=visit_body("assignment"))],
    ("api.save_draft", "PUT"): [
        Call("sam", "/api/v1/visits/{w[draft_uuid]}/draft", 200,
             body=draft_body("assignment"), note="own assignment"),
        Call("sam", KIM_VISIT + "/draft", 404, body=draft_body("assignment"),
             note="kim's visit"),
        Call("kim", "/api/v1/visits/{w[draft_uuid]}/draft", 404,
             body=draft_body("assignment"), note="sam's assignment"),
        Call("north_manager", "/api/v1/visits/{w[draft_uuid]}/draft", 404,
             body=draft_body("assignment")),
        Call("admin", "/api/v1/visits/{w[draft_uuid]}/draft", 404,
             body=draft_body("assignment")),
        anonymous("/api/v1/visits/{w[draft_uuid]}/draft", body=draft_body("assignment"))],
    # --- API: what the caller's role and scope let them see ---
    ("api.get_visit", "GET"): [
        Call("sam", SAM_VISIT, 200), Call("sam", KIM_VISIT, 404), Call("kim", KIM_VISIT, 200),
        Call("north_manager", SAM_VISIT, 200), Call("north_manager", KIM_VISIT, 404),
        Call("viewer", KIM_VISIT, 200), Call("viewer", SAM_VISIT, 200),
        Call("viewer", "/api/v1/visits/{w[sam_submitted].uuid}", 404, note="not approved"),
        Call("other_viewer", SAM_VISIT, 404), Call("admin", KIM_VISIT, 200),
        anonymous(SAM_VISIT)],
    ("api.list_visits", "GET"): [
        Call("sam", "/api/v1/visits", 200, shows=("sam_visit",), hides=("kim_visit",)),
        Call("north_manager", "/api/v1/visits", 200, shows=("sam_visit", "sam_submitted"),
             hides=("kim_visit",)),
        Call("viewer", "/api/v1/visits", 200, shows=("sam_visit", "kim_visit"),
             hides=("sam_submitted",)),
        Call("other_viewer", "/api/v1/visits", 200, hides=("sam_visit", "kim_visit")),
        Call("admin", "/api/v1/visits", 200, shows=("sam_visit", "kim_visit")),
        anonymous("/api/v1/visits")],
    ("api.list_locations", "GET"): [
        Call("sam", "/api/v1/locations", 200, shows=("store",),
             hides=("other_store", "east_store")),
        Call("north_manager", "/api/v1/locations", 200, shows=("store",),
             hides=("other_store", "east_store")),
        Call("viewer", "/api/v1/locations", 200, shows=("store", "other_store"),
             hides=("east_store",)),
        Call("other_viewer", "/api/v1/locations", 200, shows=("east_store",),
             hides=("store", "other_store")),
        Call("admin", "/api/v1/locations", 200, shows=("store", "other_store", "east_store")),
        anonymous("/api/v1/locations")],
    ("api.location_scorecard", "GET"): [  # managers, admins, client viewers; no shopper
        Call("north_manager", N1_CARD, 200), Call("north_manager", S1_CARD, 404),
        Call("viewer", S1_CARD, 200), Call("viewer", E1_CARD, 404),
        Call("other_viewer", N1_CARD, 404), Call("other_viewer", E1_CARD, 200),
        Call("admin", E1_CARD, 200),
        Call("sam", N1_CARD, 404, note="assigned there"), Call("kim", N1_CARD, 404),
        anonymous(N1_CARD)],
    # --- review: the managers of the visit's region and admins ---
    ("api.approve_visit", "POST"): review_row("/approve", "sam_submitted", "kim_submitted",
                                              {"revision": 1}),
    ("api.return_visit", "POST"): review_row("/return", "sam_submitted", "kim_submitted",
                                             {"revision": 1, "note": "The receipt is "
                                                                     "missing."}),
    ("api.edit_visit", "PATCH"): review_row("", "sam_visit", "kim_visit", {
        "revision": 1, "answers": {"greeted": "no"}, "reason": "The receipt says so."}),
    ("api.visit_events", "GET"): review_row("/events", "sam_visit", "kim_visit", None),
    ("review.review_queue", "GET"): [
        Call("north_manager", "/review", 200, shows=("sam_submitted",),
             hides=("kim_submitted",)),
        Call("admin", "/review", 200, shows=("sam_submitted", "kim_submitted")),
        Call("sam", "/review", 404), Call("viewer", "/review", 404), anonymous("/review")],
    ("review.approve_selected", "POST"): [  # what is outside scope is skipped, not 404
        Call("north_manager", "/review/approve", "/review", body=ticked("sam_submitted"),
             changes=("sam_submitted",)),
        Call("north_manager", "/review/approve", "/review", body=ticked("kim_submitted"),
             keeps=("kim_submitted",), note="a South visit"),
        Call("admin", "/review/approve", "/review", body=ticked("kim_submitted"),
             changes=("kim_submitted",)),
        Call("sam", "/review/approve", 404, body=ticked("sam_submitted")),
        Call("viewer", "/review/approve", 404, body=ticked("sam_submitted")),
        anonymous("/review/approve", body=ticked("sam_submitted"))],
    ("review.review_visit", "GET"): review_page_row("", "sam_submitted", "kim_submitted",
                                                    None),
    ("review.approve_visit", "POST"): review_page_row("/approve", "sam_submitted",
                                                      "kim_submitted", {"revision": "1"}),
    ("review.return_visit", "POST"): review_page_row(
        "/return", "sam_submitted", "kim_submitted",
        {"revision": "1", "note": "The receipt is missing."}, then="/review"),
    ("review.edit_visit", "POST"): review_page_row("/edit", "sam_visit", "kim_visit", {
        "revision": "1", "question": "greeted", "answer": "no",
        "reason": "The receipt says so."}),
    # --- scorecards: managers (their regions), admins, client viewers (their client) ---
    ("scorecards.overview", "GET"): [
        Call("north_manager", "/scorecards", 200), Call("admin", "/scorecards", 200),
        Call("viewer", "/scorecards", 200), Call("other_viewer", "/scorecards", 200),
        Call("north_manager", "/scorecards?region={w[south].id}", 404),
        Call("other_viewer", "/scorecards?client={w[acme].id}", 404),
        Call("sam", "/scorecards", 404), anonymous("/scorecards")],
    ("scorecards.location", "GET"): [
        Call("north_manager", N1_PAGE, 200), Call("north_manager", S1_PAGE, 404),
        Call("viewer", S1_PAGE, 200), Call("viewer", E1_PAGE, 404),
        Call("other_viewer", N1_PAGE, 404), Call("admin", E1_PAGE, 200),
        Call("sam", N1_PAGE, 404, note="assigned there"), anonymous(N1_PAGE)],
    ("scorecards.client_visit", "GET"): [
        Call("viewer", "/scorecards/visits/{w[sam_visit].uuid}", 200),
        Call("viewer", "/scorecards/visits/{w[sam_submitted].uuid}", 404,
             note="not approved"),
        Call("other_viewer", "/scorecards/visits/{w[sam_visit].uuid}", 404),
        Call("north_manager", "/scorecards/visits/{w[sam_visit].uuid}",
             "/review/visits/{w[sam_visit].uuid}"),
        Call("north_manager", "/scorecards/visits/{w[kim_visit].uuid}", 404),
        Call("sam", "/scorecards/visits/{w[sam_visit].uuid}", 404),
        anonymous("/scorecards/visits/{w[sam_visit].uuid}")],
    ("scorecards.set_target", "POST"): [  # admins only
        Call("admin", "/scorecards/clients/{w[acme].id}/target", "/scorecards",
             body=TARGET),
        Call("north_manager", "/scorecards/clients/{w[acme].id}/target", 404,
             body=TARGET),
        Call("viewer", "/scorecards/clients/{w[acme].id}/target", 404,
             body=TARGET),
        Call("sam", "/scorecards/clients/{w[acme].id}/target", 404,
             body=TARGET),
        anonymous("/scorecards/clients/{w[acme].id}/target",
                  body=TARGET)],
    ("scorecards.export_overview", "GET"): [
        Call("north_manager", "/scorecards/overview.csv", 200),
        Call("north_manager", "/scorecards/overview.csv?region={w[south].id}", 404),
        Call("viewer", "/scorecards/overview.csv", 200),
        Call("other_viewer", "/scorecards/overview.csv?client={w[acme].id}", 404),
        Call("admin", "/scorecards/overview.csv", 200),
        Call("sam", "/scorecards/overview.csv", 404), anonymous("/scorecards/overview.csv")],
    ("scorecards.export_visits", "GET"): [
        Call("north_manager", "/scorecards/visits.csv?location={w[store].id}", 200),
        Call("north_manager", "/scorecards/visits.csv?location={w[other_store].id}", 404),
        Call("viewer", "/scorecards/visits.csv", 200),
        Call("viewer", "/scorecards/visits.csv?location={w[east_store].id}", 404),
        Call("admin", "/scorecards/visits.csv", 200),
        Call("sam", "/scorecards/visits.csv", 404), anonymous("/scorecards/visits.csv")],
    # --- reports: schedules (admins; managers their regions'), the archive, PDFs ---
    ("reports.index", "GET"): [
        Call("admin", "/reports", 200), Call("north_manager", "/reports", 200),
        Call("viewer", "/reports", 200), Call("other_viewer", "/reports", 200),
        Call("sam", "/reports", 404), anonymous("/reports")],
    ("reports.new_schedule", "GET"): [
        Call("admin", NEW_SCHEDULE, 200), Call("north_manager", NEW_SCHEDULE, 404),
        Call("viewer", NEW_SCHEDULE, 404), Call("sam", NEW_SCHEDULE, 404),
        anonymous(NEW_SCHEDULE)],
    ("reports.new_schedule", "POST"): [
        Call("admin", NEW_SCHEDULE, 422, body=lambda world: {"data": {"recipients": "x"}},
             note="refused, in scope"),
        Call("north_manager", NEW_SCHEDULE, 404, body=SCHEDULE_FORM),
        Call("viewer", NEW_SCHEDULE, 404, body=SCHEDULE_FORM),
        anonymous(NEW_SCHEDULE, body=SCHEDULE_FORM)],
    ("reports.edit_schedule", "GET"): [
        Call("admin", NORTH_SCHEDULE + "/edit", 200),
        Call("north_manager", NORTH_SCHEDULE + "/edit", 404, note="admins only"),
        Call("viewer", NORTH_SCHEDULE + "/edit", 404), anonymous(NORTH_SCHEDULE + "/edit")],
    ("reports.edit_schedule", "POST"): [
        Call("admin", NORTH_SCHEDULE + "/edit", NORTH_SCHEDULE, body=SCHEDULE_FORM),
        Call("north_manager", NORTH_SCHEDULE + "/edit", 404, body=SCHEDULE_FORM),
        Call("sam", NORTH_SCHEDULE + "/edit", 404, body=SCHEDULE_FORM),
        anonymous(NORTH_SCHEDULE + "/edit", body=SCHEDULE_FORM)],
    ("reports.delete_schedule", "POST"): [
        Call("north_manager", NORTH_SCHEDULE + "/delete", 404),
        Call("viewer", NORTH_SCHEDULE + "/delete", 404),
        anonymous(NORTH_SCHEDULE + "/delete"),
        Call("admin", NORTH_SCHEDULE + "/delete", "/reports")],
    ("reports.schedule", "GET"): [
        Call("north_manager", NORTH_SCHEDULE, 200),
        Call("north_manager", ACME_SCHEDULE, 404, note="the whole client's"),
        Call("admin", ACME_SCHEDULE, 200), Call("viewer", NORTH_SCHEDULE, 404),
        Call("sam", NORTH_SCHEDULE, 404), anonymous(NORTH_SCHEDULE)],
    ("reports.send_schedule", "POST"): [
        Call("north_manager", NORTH_SCHEDULE + "/send", NORTH_SCHEDULE),
        Call("north_manager", ACME_SCHEDULE + "/send", 404),
        Call("admin", ACME_SCHEDULE + "/send", ACME_SCHEDULE),
        Call("viewer", NORTH_SCHEDULE + "/send", 404), Call("sam", NORTH_SCHEDULE + "/send", 404),
        anonymous(NORTH_SCHEDULE + "/send")],
    ("reports.send_again", "POST"): [
        Call("north_manager", NORTH_SENT + "/again", NORTH_SCHEDULE),
        Call("north_manager", ACME_SENT + "/again", 404),
        Call("admin", ACME_SENT + "/again", ACME_SCHEDULE),
        Call("viewer", ACME_SENT + "/again", 404), anonymous(NORTH_SENT + "/again")],
    ("reports.preview_schedule", "POST"): [
        Call("north_manager", NORTH_SCHEDULE + "/preview", "/reports/prepared"),
        Call("north_manager", ACME_SCHEDULE + "/preview", 404),
        Call("admin", ACME_SCHEDULE + "/preview", "/reports/prepared"),
        Call("viewer", NORTH_SCHEDULE + "/preview", 404),
        anonymous(NORTH_SCHEDULE + "/preview")],
    ("reports.location_pdf", "GET"): [
        Call("north_manager", N1_PDF, 200), Call("north_manager", S1_PDF, 404),
        Call("viewer", S1_PDF, 200), Call("other_viewer", N1_PDF, 404),
        Call("admin", S1_PDF, 200), Call("sam", N1_PDF, 404, note="assigned there"),
        anonymous(N1_PDF)],
    ("reports.prepare", "POST"): [
        Call("viewer", "/reports/prepare", "/reports/prepared", body=prepare_body()),
        Call("other_viewer", "/reports/prepare", 404, body=prepare_body()),
        Call("north_manager", "/reports/prepare", 404, body=prepare_body("south")),
        Call("north_manager", "/reports/prepare?client={w[acme].id}", "/reports/prepared",
             body=prepare_body("north"), note="their region"),
        Call("sam", "/reports/prepare", 404, body=prepare_body()),
        anonymous("/reports/prepare", body=prepare_body())],
    ("reports.prepared", "GET"): [
        Call("viewer", PREPARED, 200), Call("other_viewer", PREPARED, 404),
        Call("north_manager", PREPARED + "&region={w[south].id}", 404),
        Call("north_manager", PREPARED + "&region={w[north].id}", 200),
        Call("admin", PREPARED, 200), Call("sam", PREPARED, 404), anonymous(PREPARED)],
    ("reports.delivery_pdf", "GET"): [
        Call("viewer", ACME_SENT + ".pdf", 200), Call("viewer", NORTH_SENT + ".pdf", 200),
        Call("other_viewer", ACME_SENT + ".pdf", 404),
        Call("north_manager", NORTH_SENT + ".pdf", 200),
        Call("north_manager", ACME_SENT + ".pdf", 404), Call("admin", ACME_SENT + ".pdf", 200),
        Call("sam", NORTH_SENT + ".pdf", 404), anonymous(NORTH_SENT + ".pdf")],
    ("auth.account", "GET"): [Call(caller, "/account", 200) for caller in CALLERS]
    + [anonymous("/account")],
    ("auth.account", "POST"): [
        Call("north_manager", "/account", "/account", body=lambda world: {"data": {}}),
        Call("sam", "/account", 200, note="nothing to set"), anonymous("/account")],
    ("api.get_questionnaire", "GET"): [
        Call("sam", "/api/v1/questionnaires/retail-visit", 200),
        Call("sam", "/api/v1/questionnaires/kim-only", 404),
        Call("kim", "/api/v1/questionnaires/kim-only", 200),
        Call("north_manager", "/api/v1/questionnaires/retail-visit", 200),
        Call("admin", "/api/v1/questionnaires/kim-only", 200),
        Call("viewer", "/api/v1/questionnaires/retail-visit", 404),
        anonymous("/api/v1/questionnaires/retail-visit")],
}


def png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(output, "PNG")
    return output.getvalue()


def stored_photo(session, upload_dir: str, owner, visit) -> Photo:
    data = png()
    name = f"{uuid.uuid4().hex}.png"
    Path(upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(upload_dir) / name).write_bytes(data)
    photo = Photo(uuid=uuid.uuid4(), visit_uuid=visit.uuid, owner_id=owner.id,
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data), width=16,
                  height=12, content_type="image/png", path=name)
    session.add(photo)
    session.flush()
    return photo


@pytest.fixture
def world(app, session):
    world = field_world(session)
    other = make_client(session, "Other Co")
    world["east_store"] = make_location(session, make_region(session, other, "East"), "E1")
    world["other_viewer"] = make_user(session, "client", client=other)
    questionnaire = world["questionnaire"]
    # Sam's approved visit at N1 under an assignment of its own (the world's assignment
    # stays open for the form and the API), one of his not yet approved, Kim's at S1.
    done = make_assignment(session, world["sam"], world["store"], questionnaire)
    world["sam_visit"] = make_visit(session, world["sam"], world["store"], questionnaire,
                                    assignment_id=done.id)
    world["sam_submitted"] = make_visit(session, world["sam"], world["store"], questionnaire,
                                        status="submitted")
    world["kim_visit"] = make_visit(session, world["kim"], world["other_store"], questionnaire)
    world["kim_submitted"] = make_visit(session, world["kim"], world["other_store"],
                                        questionnaire, status="submitted")
    upload_dir = app.config["UPLOAD_DIR"]
    world["sam_photo"] = stored_photo(session, upload_dir, world["sam"], world["sam_visit"])
    world["kim_photo"] = stored_photo(session, upload_dir, world["kim"], world["kim_visit"])
    kim_only = make_questionnaire(session, questionnaire_doc(id="kim-only"))
    make_assignment(session, world["kim"], world["other_store"], kim_only)
    _report_world(session, world, app.config["REPORT_DIR"])
    world["draft_uuid"] = DRAFT_UUID
    world["tokens"] = {caller: issue_api_token(session=session, user=world[caller])
                       for caller in CALLERS}
    session.commit()
    return world


def _report_world(session, world: dict, report_dir: str) -> None:
    """A schedule of Acme's North region and one of the whole client, each with a
    report sent (its PDF kept)."""
    for name, region in (("north", world["north"]), ("acme", None)):
        schedule = ReportSchedule(client_id=world["acme"].id,
                                  region_id=region.id if region else None,
                                  recipients=[f"{name}@example.com"], kind="summary")
        session.add(schedule)
        session.flush()
        key = f"{name}report".ljust(40, "0")
        sent = ReportDelivery(schedule_id=schedule.id, client_id=world["acme"].id,
                              region_id=schedule.region_id, period="2026-10",
                              recipients=list(schedule.recipients), status="sent",
                              attempts=1, sent_at=utcnow(), report_key=key)
        session.add(sent)
        session.flush()
        world[f"{name}_schedule"], world[f"{name}_sent"] = schedule, sent
        folder = Path(report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.pdf").write_bytes(b"%PDF-1.7 kept report")


class Callers:
    """A test client per caller, logged in on first use: through the log-in form for
    pages, with the caller's API token for the API."""

    def __init__(self, app, world):
        self._app, self._world = app, world
        self._clients: dict[str, Any] = {}

    def client(self, caller: str):
        if caller not in self._clients:
            client = self._app.test_client()
            if caller != "anonymous":
                logged_in = AuthActions(client).login(self._world[caller].email, PASSWORD)
                assert logged_in.status_code == 302, f"{caller} could not log in"
            self._clients[caller] = client
        return self._clients[caller]

    def answer(self, call: Call, method: str, path: str):
        """The status, or the path a redirect leads to; an API error that is not JSON
        says so; a list that shows or hides the wrong objects names them."""
        kwargs = call.body(self._world) if call.body else {}
        headers = {}
        api = path.startswith("/api/")
        if api and call.caller != "anonymous":
            headers["Authorization"] = f"Bearer {self._world['tokens'][call.caller]}"
            client = self._app.test_client()
        else:
            client = self.client(call.caller)
            if not api and method not in ("GET", "HEAD"):
                page = client.get("/" if call.caller != "anonymous" else "/login",
                                  follow_redirects=True)
                kwargs.setdefault("data", {})["csrf_token"] = csrf_token(page.text)
        before = self._states(call.keeps + call.changes)
        response = client.open(path, method=method, headers=headers, **kwargs)
        try:
            summary = self._summary(call, response, api)
        finally:
            response.close()  # a sent file's handle
        after = self._states(call.keeps + call.changes)
        wrong = ([f"changed {name}" for name in call.keeps if before[name] != after[name]]
                 + [f"left {name}" for name in call.changes if before[name] == after[name]])
        return f"{summary}, {', '.join(wrong)}" if wrong else summary

    def _states(self, names: tuple[str, ...]) -> dict[str, tuple]:
        with Session(self._app.extensions["shopper.engine"]) as session:
            return {name: (visit.status, visit.revision) for name in names
                    if (visit := session.get(Visit, self._world[name].id))}

    def _summary(self, call: Call, response, api: bool):
        if 300 <= response.status_code < 400:
            return urlsplit(response.headers["Location"]).path
        if api and response.status_code >= 400 and not response.is_json:
            return f"{response.status_code}, not JSON"
        if call.shows or call.hides:
            keys = {name: self._key(name) for name in call.shows + call.hides}
            if response.is_json:
                listed = {item.get("uuid", item.get("id"))
                          for item in response.get_json()["items"]}
            else:  # a page: the uuids it names
                listed = {key for key in keys.values() if str(key) in response.text}
            wrong = sorted([name for name in call.shows if keys[name] not in listed]
                           + [name for name in call.hides if keys[name] in listed])
            if wrong:
                return f"{response.status_code}, wrong items: {', '.join(wrong)}"
        return response.status_code

    def _key(self, name: str):
        obj = self._world[name]
        return str(obj.uuid) if hasattr(obj, "uuid") else obj.id


def test_every_route_is_in_the_table(app):
    """Every route with each of its methods has a row, with an anonymous call: a new
    route fails here until its scope is written down."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.endpoint != "static" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert set(ROUTES) == routes
    assert [route for route, calls in ROUTES.items()
            if not any(call.caller == "anonymous" for call in calls)] == []


@pytest.mark.parametrize("route", sorted(ROUTES), ids=" ".join)
def test_scope(app, world, route):
    endpoint, method = route
    callers = Callers(app, world)
    adapter = app.url_map.bind("localhost")
    answers, expected = {}, {}
    for call in ROUTES[route]:
        path = call.path.format(w=world)
        # The call reaches this route: a 404 below is scope, not a mistyped path.
        assert adapter.match(urlsplit(path).path, method)[0] == endpoint, path
        label = f"{call.caller} {method} {path}" + (f" ({call.note})" if call.note else "")
        assert label not in answers, f"two calls are {label}"
        answers[label] = callers.answer(call, method, path)
        expected[label] = (call.expected.format(w=world) if isinstance(call.expected, str)
                           else call.expected)
    assert answers == expected
