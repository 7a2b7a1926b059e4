"""Each demo account logs in on a 360 px phone and lands on its own home page."""

from __future__ import annotations

import pytest

ACCOUNTS = [
    ("admin@demo.test", "demo-admin", "/admin", "Programme"),
    ("manager@demo.test", "demo-manager", "/manager", "My regions"),
    ("shopper@demo.test", "demo-shopper", "/shopper", "My visits"),
    ("client@demo.test", "demo-client", "/client", "Demo Retail"),
]


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize(("email", "password", "path", "heading"), ACCOUNTS,
                         ids=[a[0].split("@")[0] for a in ACCOUNTS])
def test_demo_account_logs_in_on_a_phone(demo, live_server, phone, screenshot, email, password,
                                         path, heading):
    phone.goto(live_server + "/")
    assert phone.url.endswith("/login")
    assert fits_the_screen(phone)
    phone.fill("#email", email)
    phone.fill("#password", password)
    phone.click("button[type=submit]")
    phone.wait_for_url(live_server + path)
    assert phone.locator("h1").inner_text() == heading
    assert phone.locator('meta[name="csrf-token"]').get_attribute("content")
    assert fits_the_screen(phone)
    screenshot(phone, f"home-{path.strip('/')}")
    # Log out from the phone's navigation.
    phone.click("text=Log out")
    phone.wait_for_url(live_server + "/login")
    assert "You are logged out." in phone.content()


def test_wrong_password_is_explained_next_to_the_field(demo, live_server, phone, screenshot):
    phone.goto(live_server + "/login")
    phone.fill("#email", "shopper@demo.test")
    phone.fill("#password", "not the password")
    phone.click("button[type=submit]")
    summary = phone.locator(".error-summary")
    assert "The e-mail address or the password is not right." in summary.inner_text()
    assert phone.locator("#password").get_attribute("aria-invalid") == "true"
    assert fits_the_screen(phone)
    screenshot(phone, "login-wrong-password")


def test_the_log_in_page_speaks_the_phones_language(demo, live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-ES")
    page = context.new_page()
    page.goto(live_server + "/login")
    assert page.locator("h1").inner_text() == "Iniciar sesión"
    context.close()
