"""A slow or stalled upload holds no database lock: the body is read before the
request's first query (on SQLite a writer holds the write lock from its first query to
its commit, so every other write would wait for the phone's network)."""

from __future__ import annotations

import json
import socket
import urllib.request
import uuid

from shopper.auth.services import issue_api_token
from tests.factories import make_assignment, make_location, make_questionnaire, make_user


def test_other_writes_go_on_while_an_upload_stalls(app, session, live_server):
    store = make_location(session)
    questionnaire = make_questionnaire(session)
    sam, kim = make_user(session, "shopper"), make_user(session, "shopper")
    assignment = make_assignment(session, kim, store, questionnaire)
    sam_token = issue_api_token(session=session, user=sam)
    kim_token = issue_api_token(session=session, user=kim)
    session.commit()
    host, port = live_server.removeprefix("http://").split(":")

    # Sam's phone sends the headers and half the photo, then the signal goes.
    stalled = socket.create_connection((host, int(port)))
    boundary = "stall"
    body_start = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                  f"filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
    body = body_start + b"\xff" * 5000 + f"\r\n--{boundary}--\r\n".encode()
    stalled.sendall((f"POST /api/v1/photos HTTP/1.1\r\nHost: {host}\r\n"
                     f"Authorization: Bearer {sam_token}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                    + body[:3000])
    try:
        # Kim saves a draft meanwhile: it must not wait for Sam's network (it would wait
        # for SQLite's 30 s busy timeout and fail if Sam's request held the write lock).
        request = urllib.request.Request(
            f"{live_server}/api/v1/visits/{uuid.uuid4()}/draft", method="PUT",
            data=json.dumps({"assignment_id": assignment.id, "answers": {}}).encode(),
            headers={"Authorization": f"Bearer {kim_token}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 200
        stalled.settimeout(0.5)
        try:
            answered = stalled.recv(100)
        except TimeoutError:
            answered = b""
        assert answered == b""  # Sam's upload is still waiting for its body
        # The signal comes back: the rest arrives and Sam gets an answer (no uuid: 422).
        stalled.settimeout(20)
        stalled.sendall(body[3000:])
        assert stalled.recv(100).startswith(b"HTTP/1.1 422")
    finally:
        stalled.close()
