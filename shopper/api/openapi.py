"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

Every request and response has a named schema, so that a client generated from the
document (tests/integration/test_openapi_client.py runs openapi-python-client) parses
each answer into typed models. Keys the API always sends are `required`; a value that
may be null says so (`["number", "null"]`, or `anyOf` a schema and null). Objects do not
forbid other keys: the API may add one without breaking a generated client.
"""

from __future__ import annotations

from typing import Any

from ..security import LARGEST_ID

#: Items on a page of every list (the views page with it; the document names the last page).
PAGE_SIZE = 50


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [_ref(name), {"type": "null"}]}


def _object(required: list[str], properties: dict[str, Any], description: str = ""
            ) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return schema | {"description": description} if description else schema


def _map_of(values: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": values, "description": description}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _list_of(name: str, description: str) -> dict[str, Any]:
    return _object(["items", "next"], {
        "items": {"type": "array", "items": _ref(name)},
        "next": {"type": ["string", "null"], "format": "uri-reference",
                 "description": "the next page, or null on the last: an absolute URL "
                                "under BASE_URL when it is set, else a path on this "
                                "server (never built from the request's Host header)"}},
        description)


_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_STRING_OR_NULL = {"type": ["string", "null"]}
_UUID = {"type": "string", "format": "uuid"}
_DAY = {"type": "string", "format": "date"}

_UNAUTHORIZED = _json(_ref("Error"), "no session and no valid token")
_MALFORMED = _json(_ref("Error"), "a NUL character in the path or the query")
_THROTTLED = _json(_ref("Error"), "too many failed tokens or log-ins from the caller's "
                                  "address: try again after Retry-After seconds") | {
    "headers": {"Retry-After": {"required": True, "description": "seconds",
                                "schema": {"type": "integer", "minimum": 1}}}}
_UNAVAILABLE = _json(_ref("Error"), "the database does not answer (a restart, a lost "
                                    "connection): nothing was stored; send it again after "
                                    "Retry-After seconds") | {
    "headers": {"Retry-After": {"required": True, "description": "seconds",
                                "schema": {"type": "integer", "minimum": 1}}}}
_VISIT_LOCATION = {"headers": {"Location": {
    "required": True, "description": "the visit's address (GET /visits/{uuid})",
    "schema": {"type": "string", "format": "uri-reference"}}}}
_NOT_FOUND = _json(_ref("Error"), "not found, or outside the caller's scope")
_UUID_PARAMETER = {"name": "uuid", "in": "path", "required": True, "schema": _UUID}
#: An id as the database holds it (PostgreSQL's integer); a larger one names nothing.
_ID = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
_ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": _ID}
_DAY_PARAMETERS = [
    {"name": "from", "in": "query", "schema": _DAY,
     "description": "first day, inclusive, in the programme's time zone"},
    {"name": "to", "in": "query", "schema": _DAY,
     "description": "last day, inclusive, in the programme's time zone"}]
_PAGE_PARAMETER = {"name": "page", "in": "query", "description": f"{PAGE_SIZE} items a page",
                   "schema": {"type": "integer", "minimum": 1,
                              "maximum": LARGEST_ID // PAGE_SIZE}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _invalid(description: str) -> dict[str, Any]:
    return _json(_ref("Invalid"), description)


def _operation(operation_id: str, tag: str, summary: str, responses: dict[str, Any],
               **more: Any) -> dict[str, Any]:
    """An operation of a logged-in caller (every one answers 401 without a session or
    token, 400 for a NUL character in the path or the query, which no id, date or filter
    has and the database cannot hold, 429 while the caller's address is locked out for
    guessing tokens or passwords, auth/throttle.py, and 503 while the database is away)."""
    return {"operationId": operation_id, "tags": [tag], "summary": summary, **more,
            "responses": {"400": _MALFORMED} | responses | {
                "401": _UNAUTHORIZED, "429": _THROTTLED, "503": _UNAVAILABLE}}


def _review(operation_id: str, summary: str, body: str, statuses: str) -> dict[str, Any]:
    """A review action: managers of the visit's region and admins; 409 when the revision
    sent is not the visit's, or its status does not allow the action."""
    return _operation(operation_id, "review", summary, {
        "200": _json(_ref("Visit"), "done; the visit with its new revision"),
        "404": _error("not found, or not a visit the caller reviews"),
        "409": _error(f"a stale revision, or not one of the {statuses}"),
        "422": _invalid("a missing revision, note or reason, a NUL character in one, or "
                        "an invalid answer")},
        parameters=[_UUID_PARAMETER], requestBody=_body(body))


def _paths() -> dict[str, Any]:
    return {
        "/assignments": {"get": _operation(
            "list_assignments", "field",
            "The caller's open assignments, with their questionnaires",
            {"200": _json(_ref("AssignmentList"), "open assignments")})},
        "/visits": {
            "post": _operation(
                "submit_visit", "field", "Submit a finished visit (idempotent on uuid)", {
                    "201": _json(_ref("Visit"), "stored") | _VISIT_LOCATION,
                    "200": _json(_ref("Visit"),
                                 "the same uuid and content again: the stored visit")
                    | _VISIT_LOCATION,
                    "400": _error("not a JSON object, or a NUL character in the path or the "
                                  "query"),
                    "404": _NOT_FOUND,
                    "409": _error("the same uuid with other content, or an assignment "
                                  "that has another visit or was cancelled"),
                    "422": _invalid("invalid answers; nothing stored")},
                requestBody=_body("Submission")),
            "get": _operation(
                "list_visits", "visits", "Visits in the caller's scope", {
                    "200": _json(_ref("VisitList"), "visits"),
                    "422": _invalid("bad filters")},
                parameters=[
                    {"name": "location", "in": "query", "schema": _ID},
                    {"name": "status", "in": "query", "schema": _ref("VisitStatus")},
                    *_DAY_PARAMETERS, _PAGE_PARAMETER])},
        "/visits/{uuid}": {
            "get": _operation("get_visit", "visits", "One visit", {
                "200": _json(_ref("Visit"), "the visit"), "404": _NOT_FOUND},
                parameters=[_UUID_PARAMETER]),
            "patch": _review("edit_visit",
                             "Change answers for a reason; the engine rescores the visit",
                             "Edit", "submitted or approved visits")},
        "/visits/{uuid}/approve": {"post": _review(
            "approve_visit", "Approve a submitted visit", "Approve", "submitted visits")},
        "/visits/{uuid}/return": {"post": _review(
            "return_visit", "Return a submitted visit to its shopper with notes", "Return",
            "submitted visits")},
        "/visits/{uuid}/events": {"get": _operation(
            "list_visit_events", "review",
            "The visit's audit trail, oldest first (its reviewers only)", {
                "200": _json(_ref("EventList"), "the events"), "404": _NOT_FOUND},
            parameters=[_UUID_PARAMETER])},
        "/visits/{uuid}/draft": {"put": _operation(
            "save_draft", "field", "Keep the answers so far on the server", {
                "200": _json(_ref("DraftSaved"), "saved"),
                "400": _error("not a JSON object, or a NUL character in the path or the "
                              "query"),
                "404": _NOT_FOUND,
                "409": _error("already sent, or under another assignment"),
                "422": _invalid("a bad uuid, time or assignment_id, or answers that are not "
                                "a map (or hold a number past 2**53)")},
            parameters=[_UUID_PARAMETER], requestBody=_body("Draft"))},
        "/photos": {"post": _operation(
            "upload_photo", "field", "Upload one photo (idempotent on uuid)", {
                "201": _json(_ref("PhotoRef"), "stored"),
                "200": _json(_ref("PhotoRef"), "the same uuid and bytes again"),
                "400": _error("a form field with no name, or a NUL character in one, the "
                              "path or the query"),
                "404": _NOT_FOUND,
                "409": _error("the same uuid with other bytes"),
                "413": _error("too large"),
                "422": _invalid("a missing or unknown field, or not a JPEG, PNG or WebP "
                                "image")},
            requestBody={"required": True, "content": {"multipart/form-data": {
                "schema": _ref("PhotoUpload"),
                "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}}}}})},
        "/photos/{uuid}": {"get": _operation(
            "get_photo", "field", "A photo's metadata (its bytes are at `url`)", {
                "200": _json(_ref("Photo"), "the photo"), "404": _NOT_FOUND},
            parameters=[_UUID_PARAMETER])},
        "/locations": {"get": _operation(
            "list_locations", "locations", "Locations in the caller's scope", {
                "200": _json(_ref("LocationList"), "locations"),
                "422": _invalid("a page that is not a page number")},
            parameters=[_PAGE_PARAMETER])},
        "/locations/{id}/scorecard": {"get": _operation(
            "get_location_scorecard", "locations",
            "A location's scorecard over its approved visits in a period", {
                "200": _json(_ref("Scorecard"), "the scorecard"),
                "404": _error("not found, outside the caller's scope, or a shopper asking"),
                "422": _invalid("bad dates")},
            parameters=[_ID_PARAMETER, *_DAY_PARAMETERS])},
        "/questionnaires/{id}": {"get": _operation(
            "get_questionnaire", "questionnaires",
            "A questionnaire document (spec/scoring.md section 1)", {
                "200": _json(_ref("Questionnaire"), "the document"), "404": _NOT_FOUND,
                "422": _invalid("a version that is not a whole number")},
            parameters=[
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "version", "in": "query", "schema": {"type": "integer"},
                 "description": "default: the latest published version"}])},
        "/csrf-token": {"get": _operation(
            "get_csrf_token", "session", "A fresh CSRF token for the browser session", {
                "200": _json(_ref("CsrfToken"), "the token")})},
    }


_ANSWER = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
                     {"type": "array", "items": {"type": "string"}}],
           "description": "yes_no: \"yes\" or \"no\"; scale, number: a number; choice: "
                          "an option's value; text: a string; photo: photo references; "
                          "\"na\" where allowed"}
_TEXT = {"anyOf": [{"type": "string"}, _ref("LocaleText")]}
_SHOW_IF_VALUE = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}


def _questionnaire_schemas() -> dict[str, Any]:
    """The questionnaire document as stored (normalised: defaults filled in)."""
    return {
        "LocaleText": _map_of({"type": "string"}, "locale -> text"),
        "Questionnaire": _object(["id", "title", "version", "channels", "sections"], {
            "id": {"type": "string"}, "title": _TEXT,
            "version": {"type": "integer", "minimum": 1},
            "channels": {"type": "array", "items": _ref("Channel")},
            "sections": {"type": "array", "items": _ref("QuestionnaireSection")}},
            "spec/scoring.md section 1"),
        "QuestionnaireSection": _object(["id", "title", "questions"], {
            "id": {"type": "string"}, "title": _TEXT,
            "channels": {"type": "array", "items": _ref("Channel"),
                         "description": "only visits on these channels (absent: all)"},
            "questions": {"type": "array", "items": _ref("Question")}}),
        "Question": _object(
            ["id", "text", "type", "dimension", "touchpoint", "allow_na", "required"], {
                "id": {"type": "string"}, "text": _TEXT,
                "type": {"enum": ["yes_no", "scale", "choice", "number", "text", "photo"]},
                "weight": {"type": "number", "description": "scored types only"},
                "dimension": {"enum": ["service", "experience"]},
                "touchpoint": {"type": "string"},
                "critical": {"type": "boolean", "description": "scored types only"},
                "allow_na": {"type": "boolean"}, "required": {"type": "boolean"},
                "invert": {"type": "boolean", "description": "yes_no only"},
                "min": {"type": "integer", "description": "scale only"},
                "max": {"type": "integer", "description": "scale only"},
                "options": {"type": "array", "items": _ref("QuestionOption"),
                            "description": "choice only"},
                "bands": {"type": "array", "items": _ref("NumberBand"),
                          "description": "number only"},
                "unit": _TEXT | {"description": "number only"},
                "timer": {"type": "boolean", "description": "number only"},
                "help": _TEXT, "show_if": _ref("ShowIf")}),
        "QuestionOption": _object(["value", "label", "score"], {
            "value": {"type": "string"}, "label": _TEXT,
            "score": {"type": "number", "minimum": 0, "maximum": 1}}),
        "NumberBand": _object(["score"], {
            "max": {"type": "number", "description": "absent on the last band: the rest"},
            "score": {"type": "number", "minimum": 0, "maximum": 1}}),
        "ShowIf": _object(["question"], {
            "question": {"type": "string"}, "equals": _SHOW_IF_VALUE,
            "in": {"type": "array", "items": _SHOW_IF_VALUE}},
            "the question is shown when the earlier one's answer equals the value (or is "
            "in the list)"),
    }


def _visit_schemas() -> dict[str, Any]:
    return {
        "Channel": {"type": "string", "enum": ["in_store", "online", "phone"]},
        "VisitStatus": {"type": "string", "enum": ["draft", "submitted", "approved",
                                                   "returned"]},
        "Answers": _map_of(_ANSWER, "question id -> answer (spec/scoring.md section 2); a "
                                    "draft's are as the phone sent them"),
        "AnswerChanges": _map_of({"anyOf": [_ANSWER, {"type": "null"}]},
                                 "question id -> new answer; null removes it"),
        "ScoreMap": _map_of(_NUMBER_OR_NULL, "id -> score (0 to 100), null when no question "
                                             "of it counts"),
        "Scores": _object(
            ["cx", "service", "experience", "sections", "touchpoints", "critical_failures"], {
                "cx": _NUMBER_OR_NULL, "service": _NUMBER_OR_NULL,
                "experience": _NUMBER_OR_NULL,
                "sections": _ref("ScoreMap"), "touchpoints": _ref("ScoreMap"),
                "critical_failures": {"type": "array", "items": {"type": "string"},
                                      "description": "failed question ids"}},
            "the engine's scores of a visit (spec/scoring.md sections 3 and 4)"),
        "QuestionnaireRef": _object(["id", "version"], {
            "id": {"type": "string"}, "version": {"type": "integer"}}),
        "Position": _object(["latitude", "longitude"], {
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "accuracy": {"type": ["number", "null"], "minimum": 0,
                         "description": "metres"}}),
        "PositionStatus": {"type": "string", "enum": ["given", "refused", "unavailable"]},
        "Visit": _object(
            ["uuid", "status", "location", "assignment_id", "channel", "questionnaire",
             "started_at", "ended_at", "submitted_at", "revision", "answers", "scores",
             "quality_flags"], {
                "uuid": _UUID, "status": _ref("VisitStatus"),
                "location": {"type": "integer"},
                "assignment_id": {"type": ["integer", "null"],
                                  "description": "null for history loaded without one"},
                "channel": _ref("Channel"), "questionnaire": _ref("QuestionnaireRef"),
                "started_at": _NULLABLE_TIME, "ended_at": _NULLABLE_TIME,
                "submitted_at": _NULLABLE_TIME,
                "revision": {"type": "integer", "description":
                             "raised by every resubmission and review action; review "
                             "actions send the one they were shown"},
                "shopper": {"type": "integer", "description":
                            "the shopper's user id (managers and admins only)"},
                "answers": _ref("Answers"),
                "scores": _nullable("Scores") | {
                    "description": "null for a draft or invalid answers"},
                "position": _nullable("Position") | {
                    "description": "where the shopper checked in (not for client viewers)"},
                "position_status": {"anyOf": [_ref("PositionStatus"), {"type": "null"}],
                                    "description": "null: not asked yet (not for client "
                                                   "viewers)"},
                "quality_flags": {"type": "array", "items": {"type": "string"},
                                  "description": "too_short, far_from_location, "
                                                 "outside_window, photo_reused, ..."}}),
        "VisitList": _list_of("Visit", "a page of visits"),
        "Submission": _object(
            ["uuid", "assignment_id", "channel", "started_at", "ended_at", "answers"], {
                "uuid": _UUID, "assignment_id": _ID,
                "channel": _ref("Channel"), "started_at": _TIME, "ended_at": _TIME,
                "answers": _ref("Answers"), "position": _nullable("Position"),
                "position_status": _ref("PositionStatus"),
                "photos": {"type": "array", "items": {"type": "string"}, "description":
                           "accepted and ignored: photo references travel in the answers"}},
            "a finished visit; other keys are refused") | {"additionalProperties": False},
        "Draft": _object(["assignment_id", "answers"], {
            "assignment_id": _ID, "answers": _ref("Answers"),
            "started_at": _NULLABLE_TIME}, "the answers so far, not validated"),
        "DraftSaved": _object(["uuid", "status", "saved_at"], {
            "uuid": _UUID, "status": _ref("VisitStatus"), "saved_at": _TIME}),
        "Approve": _object(["revision"], {"revision": {"type": "integer"}}),
        "Return": _object(["revision"], {
            "revision": {"type": "integer"},
            "note": {"type": "string", "description": "to the shopper"},
            "notes": _map_of({"type": "string"}, "question id -> note")},
            "a note, notes, or both"),
        "Edit": _object(["revision", "answers", "reason"], {
            "revision": {"type": "integer"}, "answers": _ref("AnswerChanges"),
            "reason": {"type": "string"}}),
        "EventChange": _object([], {
            "status": _ref("VisitStatus"), "answers": _ref("AnswerChanges"),
            "cx": _NUMBER_OR_NULL}, "the fields of the visit that changed"),
        "Event": _object(
            ["action", "at", "actor", "actor_name", "revision", "note", "notes", "before",
             "after"], {
                "action": {"type": "string", "enum": [
                    "submitted", "approved", "returned", "edited", "reopened"]},
                "at": _TIME, "actor": {"type": ["integer", "null"]},
                "actor_name": _STRING_OR_NULL,
                "revision": {"type": ["integer", "null"],
                             "description": "the visit's revision after the event"},
                "note": {"type": ["string", "null"],
                         "description": "the note to the shopper, or the edit's reason"},
                "notes": _map_of({"type": "string"}, "question id -> note to the shopper"),
                "before": _nullable("EventChange"), "after": _nullable("EventChange")}),
        "EventList": _list_of("Event", "a visit's audit trail, oldest first"),
    }


def _field_schemas() -> dict[str, Any]:
    return {
        "Place": _object(["name", "address", "city", "url", "latitude", "longitude"], {
            "name": {"type": "string"}, "address": _STRING_OR_NULL, "city": _STRING_OR_NULL,
            "url": _STRING_OR_NULL, "latitude": _NUMBER_OR_NULL,
            "longitude": _NUMBER_OR_NULL}),
        "Window": _object(["start", "end"], {"start": _TIME, "end": _TIME},
                          "the visit must start within it"),
        "Assignment": _object(
            ["id", "location", "place", "channel", "window", "scenario", "state",
             "visit_uuid", "questionnaire"], {
                "id": {"type": "integer"}, "location": {"type": "integer"},
                "place": _ref("Place"), "channel": _ref("Channel"),
                "window": _ref("Window"), "scenario": {"type": "string"},
                "state": {"type": "string", "enum": ["new", "draft", "sent", "returned"]},
                "visit_uuid": {"type": ["string", "null"], "format": "uuid",
                               "description": "the visit begun, sent or returned"},
                "questionnaire": _ref("Questionnaire")}),
        "AssignmentList": _list_of("Assignment", "open assignments"),
        "PhotoUpload": _object(["file", "visit_uuid", "uuid"], {
            "file": {"type": "string", "format": "binary"}, "visit_uuid": _UUID,
            "uuid": _UUID}, "other fields are refused (422); a field with no name, or a NUL "
                            "character, is a 400") | {"additionalProperties": False},
        "PhotoRef": _object(["ref", "sha256", "width", "height", "url"], {
            "ref": {"type": "string", "description": "what a photo answer lists"},
            "sha256": {"type": "string"}, "width": {"type": "integer"},
            "height": {"type": "integer"}, "url": {"type": "string"}}),
        "Photo": _object(
            ["ref", "visit_uuid", "sha256", "width", "height", "content_type", "url"], {
                "ref": {"type": "string"}, "visit_uuid": _UUID, "sha256": {"type": "string"},
                "width": {"type": "integer"}, "height": {"type": "integer"},
                "content_type": {"type": "string"}, "url": {"type": "string"}}),
    }


def _location_schemas() -> dict[str, Any]:
    return {
        "Location": _object(
            ["id", "code", "name", "region", "channel", "address", "city", "url"], {
                "id": {"type": "integer"}, "code": {"type": "string"},
                "name": {"type": "string"},
                "region": {"type": "string", "description": "the region's name"},
                "channel": _ref("Channel"), "address": _STRING_OR_NULL,
                "city": _STRING_OR_NULL, "url": _STRING_OR_NULL}),
        "LocationList": _list_of("Location", "a page of locations"),
        "ScoreSummary": _object(["n", "mean", "sd", "ci95", "min", "max"], {
            "n": {"type": "integer"}, "mean": _NUMBER_OR_NULL,
            "sd": _NUMBER_OR_NULL | {"description": "null when n < 2"},
            "ci95": {"type": ["array", "null"], "items": {"type": "number"},
                     "minItems": 2, "maxItems": 2,
                     "description": "[low, high], clipped to [0, 100]; null when n < 2"},
            "min": _NUMBER_OR_NULL, "max": _NUMBER_OR_NULL},
            "one headline score over the visits where it is not null"),
        "Scorecard": _object(
            ["location", "name", "region", "channel", "from", "to", "visits",
             "critical_failure_rate", "cx", "service", "experience", "sections",
             "touchpoints", "change"], {
                "location": {"type": "integer"}, "name": {"type": "string"},
                "region": {"type": "string"}, "channel": _ref("Channel"),
                "from": {"type": ["string", "null"], "format": "date"},
                "to": {"type": ["string", "null"], "format": "date"},
                "visits": {"type": "integer"},
                "critical_failure_rate": _NUMBER_OR_NULL | {
                    "description": "0 to 1; null with no visits"},
                "cx": _ref("ScoreSummary"), "service": _ref("ScoreSummary"),
                "experience": _ref("ScoreSummary"),
                "sections": _ref("ScoreMap"), "touchpoints": _ref("ScoreMap"),
                "change": _object(["cx", "service", "experience"], {
                    "cx": _ref("Change"), "service": _ref("Change"),
                    "experience": _ref("Change")},
                    "against the previous period of the same length (all null when the "
                    "period is open-ended)")},
            "spec/scoring.md section 5 over the location's approved visits in the period, "
            "plus its name, region and channel"),
        "Change": _object(
            ["previous", "change", "significant"], {
                "previous": _NUMBER_OR_NULL | {
                    "description": "the mean over the previous period"},
                "change": _NUMBER_OR_NULL | {"description": "this mean minus the previous"},
                "significant": {"type": ["boolean", "null"], "description":
                                "Welch's t-test, two-sided, 5%; null when either period "
                                "has fewer than 2 visits"}},
            "spec/scoring.md section 7"),
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shopper API", "version": "1",
                 "description": "Browser sessions send the session cookie and the CSRF "
                                "token in X-CSRFToken; scripts send "
                                "`Authorization: Bearer <token>`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {
                "Error": _object(["error", "message"], {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "incident": {"type": "string",
                                 "description": "500 and 503 only: the id of the logged "
                                                "incident"}}),
                "Invalid": _object(["error", "errors", "messages"], {
                    "error": {"type": "string", "enum": ["invalid"]},
                    "errors": {"type": "array", "items": _ref("Problem")},
                    "messages": {"type": "array", "items": {"type": "string"},
                                 "description": "\"<question>: <message>\" for each"}},
                    "422: nothing was stored"),
                "Problem": _object(["question", "code", "message"], {
                    "question": {"type": "string",
                                 "description": "the question id, or the field"},
                    "code": {"type": "string", "description":
                             "stable: required, out_of_range, not_a_number, ..."},
                    "message": {"type": "string",
                                "description": "in the caller's language"}}),
                "CsrfToken": _object(["token"], {"token": {"type": "string"}}),
                **_visit_schemas(), **_field_schemas(), **_location_schemas(),
                **_questionnaire_schemas(),
            },
        },
    }
