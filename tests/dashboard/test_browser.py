"""The dashboard page in a real headless Chromium (system package) driven by Playwright, against the
real web server of ``make run`` (daphne's runserver, DEBUG, agents started with it) in a subprocess:
sign in, see both agents, watch status changes arrive, inject messages and read the replies."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.sender import Sender

from .stack import PASSWORD, Stack, make_stack

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stack, str]]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs it: apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    stack = make_stack(tmp_path)
    monkeypatch.setenv("PYROS_AGENT_CONFIG", stack.env["PYROS_AGENT_CONFIG"])  # for this process's Sender
    try:
        base = stack.runserver()
        yield stack, base
    finally:
        stack.stop_all()


def test_dashboard_in_a_real_browser(server: tuple[Stack, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    _stack, base = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(10_000)
            page.goto(base + "/")
            assert "/login/?next=/" in page.url  # anonymous: sign in first
            page.fill("#id_username", "admin")
            page.fill("#id_password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_url(base + "/")

            for name in ("alert_manager", "scheduler"):
                expect(page.locator(f'tr[data-agent="{name}"] .state')).to_have_text("running")
            expect(page.locator("#connection")).to_have_text("live")

            # A status change made outside the page arrives within a second, without reloading.
            start = time.monotonic()
            Sender.send_to("scheduler", "Observation finished", {"id": 1})
            expect(page.locator('tr[data-agent="scheduler"] td.handled')).to_have_text("1", timeout=2_000)
            expect(page.locator('tr[data-agent="scheduler"] td.last-message')).to_have_text("Observation finished")
            assert time.monotonic() - start < 1.0, "the page took more than a second to show the change"
            Sender.send_to("alert_manager", "SHUTDOWN")
            expect(page.locator('tr[data-agent="alert_manager"] .state')).to_have_text("stopped", timeout=2_000)

            # Inject a message and read the reply; then an error.
            page.select_option("#inject-agent", "scheduler")
            page.fill("#inject-message", "Observation finished")
            page.fill("#inject-params", '{"id": 5}')
            page.click("#inject-send")
            result = page.locator("#inject-result")
            expect(result).to_contain_text('"acknowledged": 5')
            expect(result).to_have_class("result ok")
            expect(page.locator('tr[data-agent="scheduler"] td.handled')).to_have_text("2")
            page.fill("#inject-message", "Nope")
            page.click("#inject-send")
            expect(result).to_contain_text("404 unknown message: UnknownMessage")
            expect(result).to_have_class("result error")
            page.fill("#inject-params", "[1, 2")
            page.click("#inject-send")
            expect(result).to_contain_text("params: not valid JSON")
        finally:
            browser.close()
