"""Real Chromium (Debian's) driven by Playwright, at a phone's size, against the app
served on loopback by a real WSGI server in a thread."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system` installs chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(tmp_path):
    """Save a full-page screenshot; also into SCREENSHOT_DIR when it is set, to look at."""

    def take(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get("SCREENSHOT_DIR"):
            Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(os.environ["SCREENSHOT_DIR"]) / path.name)
        return path

    return take


@contextmanager
def logged_in_phone(browser, live_server: str, email: str, password: str,
                    **options) -> Iterator:
    """A phone-sized page (unless `viewport` says otherwise) logged in as `email`;
    fails the test if a script error happened on any page it showed."""
    context = browser.new_context(**({"viewport": PHONE} | options))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    yield page
    assert errors == []
    context.close()
