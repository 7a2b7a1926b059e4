"""Log-in, log-out, sessions, CSRF, and the API token."""

from __future__ import annotations

import statistics
import time

import pytest

from shopper.auth.services import authenticate, issue_api_token
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_client, make_region, make_user


@pytest.fixture
def users(session):
    client = make_client(session)
    region = make_region(session, client)
    people = {
        "admin": make_user(session, "admin", email="admin@example.com"),
        "manager": make_user(session, "manager", email="manager@example.com", regions=[region]),
        "shopper": make_user(session, "shopper", email="shopper@example.com"),
        "client": make_user(session, "client", email="client@example.com", client=client),
    }
    session.commit()
    return people


def test_login_page_carries_a_csrf_token_and_the_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert csrf_token(page.text)
    assert 'name="email"' in page.text and 'name="password"' in page.text


@pytest.mark.parametrize(("role", "home"), [
    ("admin", "/admin"), ("manager", "/manager"), ("shopper", "/shopper"),
    ("client", "/client")])
def test_each_role_lands_on_its_home_page(users, auth, client, role, home):
    response = auth.login(f"{role}@example.com", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200
    assert csrf_token(page.text)
    assert f"Signed in as {role}@example.com" in page.text


def test_email_is_not_case_sensitive(users, auth):
    response = auth.login("  Manager@Example.COM ", PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/manager")


@pytest.mark.parametrize(("email", "password"), [
    ("manager@example.com", "wrong password"),
    ("nobody@example.com", PASSWORD),
])
def test_unknown_email_and_wrong_password_get_the_same_message(users, auth, email, password):
    response = auth.login(email, password)
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.text
    assert "There is a problem" in response.text  # the error summary
    assert 'href="#password"' in response.text


def test_unknown_email_and_wrong_password_take_the_same_time(users, app):
    """Both check a scrypt hash: an unknown e-mail must not answer measurably faster."""
    from shopper import db

    def timed(email: str, password: str) -> float:
        with app.test_request_context("/login", method="POST"):
            start = time.perf_counter()
            assert authenticate(session=db.get_session(), email=email, password=password) is None
            return time.perf_counter() - start

    unknown = statistics.median(timed("nobody@example.com", "x") for _ in range(5))
    wrong = statistics.median(timed("manager@example.com", "x") for _ in range(5))
    assert 0.5 < unknown / wrong < 2.0


def test_empty_form_names_both_fields(client):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page.text)})
    assert "Enter your e-mail address." in response.text
    assert "Enter your password." in response.text


def test_inactive_user_cannot_log_in(users, session, auth):
    users["shopper"].active = False
    session.add(users["shopper"])
    session.commit()
    assert "is not right" in auth.login("shopper@example.com", PASSWORD).text


def test_login_without_csrf_token_is_refused(users, client):
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.text


def test_login_starts_a_new_session(users, client, auth):
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login("admin@example.com", PASSWORD)
    assert client.get_cookie("session").value != before


def test_logout_needs_a_post_with_csrf(users, client, auth):
    auth.login("admin@example.com", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/admin").status_code == 302  # back to the log-in page


def test_password_change_ends_other_sessions(users, session, client, auth):
    from shopper.auth.services import hash_password

    auth.login("admin@example.com", PASSWORD)
    users["admin"].password_hash = hash_password("a brand new password")
    session.add(users["admin"])
    session.commit()
    response = client.get("/admin")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x",
                                    "/\\evil.example"])
def test_next_never_redirects_off_site(users, client, target):
    page = client.get("/login")
    response = client.post("/login", query_string={"next": target}, data={
        "email": "admin@example.com", "password": PASSWORD,
        "csrf_token": csrf_token(page.text)})
    assert response.headers["Location"] == "/admin"


def test_next_returns_to_the_page_asked_for(users, client):
    assert client.get("/manager").headers["Location"] == "/login?next=/manager"
    page = client.get("/login?next=/manager")
    response = client.post("/login?next=/manager", data={
        "email": "manager@example.com", "password": PASSWORD,
        "csrf_token": csrf_token(page.text)})
    assert response.headers["Location"] == "/manager"


def test_other_roles_home_pages_send_back_to_ones_own(users, auth, client):
    auth.login("shopper@example.com", PASSWORD)
    assert client.get("/admin").headers["Location"] == "/"
    assert client.get("/", follow_redirects=True).request.path == "/shopper"


def test_bearer_token_identifies_the_user_without_a_session(users, session, app):
    from shopper.auth.session import load_user

    token = issue_api_token(session=session, user=users["manager"])
    session.commit()
    assert len(token) >= 40 and users["manager"].api_token_hash != token
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        load_user()
        from flask import g
        assert g.user.email == "manager@example.com"
    with app.test_request_context("/", headers={"Authorization": "Bearer not-a-token"}):
        load_user()
        assert g.user is None


def test_language_picker_saves_the_choice_on_the_account(users, auth, client, session):
    auth.login("manager@example.com", PASSWORD)
    page = client.get("/manager")
    response = client.post("/language", data={"locale": "de", "next": "/manager",
                                              "csrf_token": csrf_token(page.text)},
                           follow_redirects=True)
    assert "Meine Regionen" in response.text
    session.expire_all()
    assert session.get(type(users["manager"]), users["manager"].id).locale == "de"


def test_browser_language_is_used_before_log_in(client):
    page = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert "Iniciar sesión" in page.text
    assert '<html lang="es">' in page.text


def test_pages_that_change_nothing_do_not_reset_the_session_cookie(users, auth, client):
    """A background request answered after a log-out must not set the old session back."""
    auth.login("shopper@example.com", PASSWORD)
    client.get("/shopper")  # puts the CSRF token in the session
    assert "Set-Cookie" not in client.get("/shopper").headers
    auth.logout()
    assert client.get("/shopper").status_code == 302
