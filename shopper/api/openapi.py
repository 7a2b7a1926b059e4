"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_INVALID = {"$ref": "#/components/schemas/Invalid"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "next": {"type": ["string", "null"], "format": "uri"}}}


_VISIT = {"$ref": "#/components/schemas/Visit"}
_UUID = {"name": "uuid", "in": "path", "required": True,
         "schema": {"type": "string", "format": "uuid"}}


def _review(summary: str, body: str, statuses: str) -> dict[str, Any]:
    """A review action: managers of the visit's region and admins; 409 when the revision
    sent is not the visit's, or its status does not allow the action."""
    return {
        "summary": summary, "parameters": [_UUID],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}},
        "responses": {
            "200": _json(_VISIT, "done; the visit with its new revision"),
            "404": _json(_ERROR, "not found, or not a visit the caller reviews"),
            "409": _json(_ERROR, f"a stale revision, or not one of the {statuses}"),
            "422": _json(_INVALID, "a missing note or reason, or an invalid answer")}}


def openapi_document() -> dict[str, Any]:
    not_found = _json(_ERROR, "not found, or outside the caller's scope")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shopper API", "version": "1",
                 "description": "Browser sessions send the session cookie and the CSRF "
                                "token in X-CSRFToken; scripts send "
                                "`Authorization: Bearer <token>`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/assignments": {"get": {
                "summary": "The caller's open assignments, with their questionnaires",
                "responses": {"200": _json(_list_of("Assignment"), "open assignments")}}},
            "/visits": {
                "post": {
                    "summary": "Submit a finished visit (idempotent on uuid)",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Submission"}}}},
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Visit"}, "stored"),
                        "200": _json({"$ref": "#/components/schemas/Visit"},
                                     "the same uuid and content again: the stored visit"),
                        "404": not_found,
                        "409": _json(_ERROR, "the same uuid with other content"),
                        "422": _json(_INVALID, "invalid answers; nothing stored")}},
                "get": {
                    "summary": "Visits in the caller's scope",
                    "parameters": [
                        {"name": "location", "in": "query", "schema": {"type": "integer"}},
                        {"name": "status", "in": "query", "schema": {
                            "enum": ["draft", "submitted", "approved", "returned"]}},
                        {"name": "from", "in": "query", "schema": {"type": "string",
                                                                   "format": "date"}},
                        {"name": "to", "in": "query", "schema": {"type": "string",
                                                                 "format": "date"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": _json(_list_of("Visit"), "visits"),
                                  "422": _json(_INVALID, "bad filters")}}},
            "/visits/{uuid}": {
                "get": {
                    "summary": "One visit",
                    "parameters": [_UUID],
                    "responses": {"200": _json(_VISIT, "the visit"), "404": not_found}},
                "patch": _review("Change answers for a reason; the engine rescores the visit",
                                 "Edit", "submitted or approved visits")},
            "/visits/{uuid}/approve": {"post": _review(
                "Approve a submitted visit", "Approve", "submitted visits")},
            "/visits/{uuid}/return": {"post": _review(
                "Return a submitted visit to its shopper with notes", "Return",
                "submitted visits")},
            "/visits/{uuid}/events": {"get": {
                "summary": "The visit's audit trail, oldest first (its reviewers only)",
                "parameters": [_UUID],
                "responses": {"200": _json(_list_of("Event"), "the events"),
                              "404": not_found}}},
            "/visits/{uuid}/draft": {"put": {
                "summary": "Keep the answers so far on the server",
                "parameters": [{"name": "uuid", "in": "path", "required": True,
                                "schema": {"type": "string", "format": "uuid"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["assignment_id", "answers"],
                    "properties": {"assignment_id": {"type": "integer"},
                                   "answers": {"type": "object"},
                                   "started_at": {"type": "string", "format": "date-time"}}}}}},
                "responses": {"200": _json({"type": "object"}, "saved"), "404": not_found,
                              "409": _json(_ERROR, "already sent")}}},
            "/photos": {"post": {
                "summary": "Upload one photo (idempotent on uuid)",
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["file", "visit_uuid", "uuid"],
                               "properties": {
                                   "file": {"type": "string", "format": "binary"},
                                   "visit_uuid": {"type": "string", "format": "uuid"},
                                   "uuid": {"type": "string", "format": "uuid"}}}}}},
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/PhotoRef"}, "stored"),
                    "200": _json({"$ref": "#/components/schemas/PhotoRef"},
                                 "the same uuid and bytes again"),
                    "409": _json(_ERROR, "the same uuid with other bytes"),
                    "413": _json(_ERROR, "too large"),
                    "422": _json(_INVALID, "not a JPEG, PNG or WebP image")}}},
            "/locations": {"get": {
                "summary": "Locations in the caller's scope",
                "responses": {"200": _json(_list_of("Location"), "locations")}}},
            "/locations/{id}/scorecard": {"get": {
                "summary": "A location's scorecard over its approved visits in a period",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "from", "in": "query", "schema": {"type": "string",
                                                               "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string",
                                                             "format": "date"}}],
                "responses": {"200": _json({"type": "object", "description":
                                            "spec/scoring.md section 5, plus name, region "
                                            "and channel"}, "the scorecard"),
                              "404": not_found, "422": _json(_INVALID, "bad dates")}}},
            "/questionnaires/{id}": {"get": {
                "summary": "A questionnaire document (spec/scoring.md)",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "version", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json({"type": "object"}, "the document"),
                              "404": not_found}}},
            "/csrf-token": {"get": {
                "summary": "A fresh CSRF token for the browser session",
                "responses": {"200": _json({"type": "object", "properties": {
                    "token": {"type": "string"}}}, "the token")}}},
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"},
                                                           "message": {"type": "string"}}},
                "Invalid": {"type": "object", "properties": {
                    "error": {"type": "string", "enum": ["invalid"]},
                    "messages": {"type": "array", "items": {"type": "string"}},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {
                        "question": {"type": "string",
                                     "description": "the question id, or the field"},
                        "code": {"type": "string", "description":
                                 "stable: required, out_of_range, not_a_number, ..."},
                        "message": {"type": "string",
                                    "description": "in the caller's language"}}}}}},
                "Approve": {"type": "object", "required": ["revision"], "properties": {
                    "revision": {"type": "integer"}}},
                "Return": {"type": "object", "required": ["revision"], "properties": {
                    "revision": {"type": "integer"},
                    "note": {"type": "string", "description": "to the shopper"},
                    "notes": {"type": "object", "additionalProperties": {"type": "string"},
                              "description": "question id -> note"}}},
                "Edit": {"type": "object", "required": ["revision", "answers", "reason"],
                         "properties": {
                             "revision": {"type": "integer"},
                             "answers": {"type": "object", "description":
                                         "question id -> new answer (null removes it)"},
                             "reason": {"type": "string"}}},
                "Event": {"type": "object", "properties": {
                    "action": {"type": "string", "enum": [
                        "submitted", "approved", "returned", "edited", "reopened"]},
                    "at": {"type": "string", "format": "date-time"},
                    "actor": {"type": ["integer", "null"]},
                    "actor_name": {"type": ["string", "null"]},
                    "revision": {"type": ["integer", "null"]},
                    "note": {"type": ["string", "null"]},
                    "notes": {"type": "object", "additionalProperties": {"type": "string"}},
                    "before": {"type": ["object", "null"]},
                    "after": {"type": ["object", "null"]}}},
                "Submission": {"type": "object", "required": [
                    "uuid", "assignment_id", "channel", "started_at", "ended_at", "answers"],
                    "properties": {
                        "uuid": {"type": "string", "format": "uuid"},
                        "assignment_id": {"type": "integer"},
                        "channel": {"enum": ["in_store", "online", "phone"]},
                        "started_at": {"type": "string", "format": "date-time"},
                        "ended_at": {"type": "string", "format": "date-time"},
                        "answers": {"type": "object"},
                        "position": {"type": ["object", "null"], "properties": {
                            "latitude": {"type": "number"}, "longitude": {"type": "number"},
                            "accuracy": {"type": "number"}}},
                        "position_status": {"enum": ["given", "refused", "unavailable"]}}},
                "Scores": {"type": ["object", "null"], "properties": {
                    "cx": {"type": ["number", "null"]},
                    "service": {"type": ["number", "null"]},
                    "experience": {"type": ["number", "null"]},
                    "sections": {"type": "object"}, "touchpoints": {"type": "object"},
                    "critical_failures": {"type": "array", "items": {"type": "string"}}}},
                "Visit": {"type": "object", "properties": {
                    "uuid": {"type": "string", "format": "uuid"},
                    "status": {"enum": ["draft", "submitted", "approved", "returned"]},
                    "location": {"type": "integer"},
                    "channel": {"type": "string"},
                    "questionnaire": {"type": "object", "properties": {
                        "id": {"type": "string"}, "version": {"type": "integer"}}},
                    "started_at": {"type": "string", "format": "date-time"},
                    "ended_at": {"type": "string", "format": "date-time"},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "revision": {"type": "integer", "description":
                                 "raised by every resubmission and review action; review "
                                 "actions send the one they were shown"},
                    "shopper": {"type": "integer", "description":
                                "the shopper's user id (managers and admins only)"},
                    "answers": {"type": "object"},
                    "scores": {"$ref": "#/components/schemas/Scores"},
                    "quality_flags": {"type": "array", "items": {"type": "string"}}}},
                "Assignment": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "location": {"type": "integer"},
                    "channel": {"type": "string"},
                    "window": {"type": "object", "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"}}},
                    "scenario": {"type": "string"},
                    "state": {"enum": ["new", "draft", "sent", "returned"]},
                    "questionnaire": {"type": "object"}}},
                "Location": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "region": {"type": "string"}, "channel": {"type": "string"}}},
                "PhotoRef": {"type": "object", "properties": {"ref": {"type": "string"}}},
            },
        },
    }
