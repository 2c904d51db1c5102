"""The operator console in a real headless Chromium (system package) driven by Playwright, against the
server as production runs it: ``collectstatic``, then ``daphne pyros.asgi:application`` alone with
DEBUG off (agents started with it). Signs in, watches both agents live, stops and starts one with the
buttons, sends a message with completion, finds it in the message log, sees a live row arrive, opens an
agent's page, checks dark mode and the 390 px layout, and saves a screenshot of each page at 1280 and
390 px to ``$PYROS_SCREENSHOTS`` (default ``run/screenshots/``, git-ignored)."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from alert_manager.tests.samples import raw
from common.sender import Sender
from common.timefmt import format_time

from .stack import PASSWORD, Stack, api, make_stack

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("PYROS_SCREENSHOTS") or ROOT / "run" / "screenshots")
PAGES = {
    "agents": "/",
    "agent": "/agents/scheduler/",
    "messages": "/messages/",
    "simulators": "/simulators/",
    "alerts": "/alerts/",
    "schedule": "/schedule/",
    "telescope": "/telescope/",
    "weather": "/weather/",
}
WEATHER_PORT = 12600
UNLABELLED = """Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
    .filter((e) => e.labels.length === 0 && !e.getAttribute("aria-label")).map((e) => e.id || e.name)"""
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stack, str]]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs it: apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    stack = make_stack(tmp_path, PYROS_RUN_DIR=str(tmp_path / "run"))
    monkeypatch.setenv("PYROS_AGENT_CONFIG", stack.env["PYROS_AGENT_CONFIG"])  # for this process's Sender
    try:
        base = stack.daphne()
        yield stack, base
    finally:
        stack.stop_all()


def sign_in(page: Any, base: str) -> None:
    page.goto(base + "/")
    assert "/login/?next=/" in page.url  # anonymous: sign in first
    assert page.evaluate(UNLABELLED) == []
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")


def check_static_files(page: Any, base: str) -> None:
    """The stylesheet is the hashed (cache-busted) copy of collectstatic and it applies."""
    href = page.get_attribute('link[rel="stylesheet"]', "href")
    assert re.fullmatch(r"/static/common/dashboard\.[0-9a-f]{12}\.css", href or ""), href
    response = page.request.get(base + href, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert "immutable" in response.headers.get("cache-control", "")
    assert response.headers.get("content-encoding") == "gzip"
    assert page.request.get(base + "/favicon.ico").status == 200
    header_bg = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
    assert header_bg not in ("rgba(0, 0, 0, 0)", "transparent"), "the stylesheet did not apply"


def stop_and_start_with_the_buttons(page: Any) -> None:
    from playwright.sync_api import expect

    state = page.locator('tr[data-agent="alert_manager"] .state')
    stop = page.locator('tr[data-agent="alert_manager"] button[data-action="stop"]')
    stop.focus()  # keyboard: Enter opens the confirmation, Escape leaves it
    page.keyboard.press("Enter")
    expect(page.locator("#stop-dialog")).to_be_visible()
    expect(page.locator("#stop-cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#stop-dialog")).to_be_hidden()
    expect(stop).to_be_focused()
    stop.click()
    expect(page.locator("#stop-dialog")).to_be_visible()
    page.click("#stop-cancel")  # a confirmation: cancel keeps it running
    expect(page.locator("#stop-dialog")).to_be_hidden()
    expect(state).to_have_text("running")
    page.click('tr[data-agent="alert_manager"] button[data-action="stop"]')
    start = time.monotonic()
    page.click("#stop-confirm")
    expect(state).to_have_text("stopped", timeout=1_000)
    assert time.monotonic() - start < 1.0
    start = time.monotonic()
    page.click('tr[data-agent="alert_manager"] button[data-action="start"]')
    expect(state).to_have_text("running", timeout=1_000)
    assert time.monotonic() - start < 1.0


def send_with_completion(page: Any) -> None:
    from playwright.sync_api import expect

    page.select_option("#inject-agent", "scheduler")
    options = page.locator("#known-messages option")
    expect(page.locator('#known-messages option[value="Observation finished"]')).to_have_count(1)
    assert options.count() >= 4  # the scheduler's messages and the built-in ones
    page.fill("#inject-message", "Observation finished")
    page.fill("#inject-params", '{"id": 4242}')
    page.click("#inject-send")
    result = page.locator("#inject-result")
    expect(result).to_contain_text('"acknowledged": 4242')
    expect(result).to_have_class("result ok")
    page.fill("#inject-message", "Nope")
    page.click("#inject-send")
    expect(result).to_contain_text("404 unknown message: UnknownMessage")
    expect(result).to_have_class("result error")
    page.fill("#inject-params", "[1, 2")
    page.click("#inject-send")
    expect(result).to_contain_text("params: not valid JSON")


def message_log(page: Any, stack: Stack, base: str) -> None:
    from playwright.sync_api import expect

    page.click("nav.sections >> text=Messages")
    page.wait_for_url(base + "/messages/")
    page.fill("#id_q", "4242")
    page.press("#id_q", "Enter")  # keyboard: submit the filters
    page.wait_for_url(re.compile(r".*/messages/\?q=4242.*"))
    rows = page.locator("#log tbody tr[data-log]")
    expect(rows).to_have_count(2)  # "Observation finished" and the "Nope" typo, both with id 4242
    expect(rows.nth(1).locator("summary")).to_have_text("Observation finished")
    rows.nth(1).locator("summary").click()  # the row opens its params and reply
    expect(rows.nth(1).locator("pre.params")).to_contain_text('"id": 4242')
    expect(rows.nth(1).locator("pre.reply")).to_contain_text('"acknowledged": 4242')
    expect(rows.nth(0).locator(".badge")).to_have_text("404 unknown message")
    expect(page.locator("#connection")).to_have_text("live")
    body = {"message": "PING", "params": {"q": 4242}}
    status, _reply = api(base, stack.token, "/api/agents/scheduler/messages/", body)
    assert status == 200
    expect(rows).to_have_count(3, timeout=2_000)  # a new row arrived live
    expect(rows.first.locator("td.via")).to_have_text("api")
    expect(rows.first.locator("summary")).to_have_text("PING")
    sent = rows.first.locator("td.sent time")  # drawn by the browser; the next row by the server: one format
    for text in (sent.inner_text(), rows.nth(1).locator("td.sent time").inner_text()):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text), text
    zones = ["UTC", "America/Santiago", "Europe/Paris", "Asia/Kolkata", "Pacific/Chatham"]
    for instant in ("2026-07-02T07:34:35.999Z", "2026-12-31T23:59:59Z", "2027-03-28T01:00:00Z"):
        for zone in zones:  # the browser's text is the server's, zone by zone
            in_browser = page.evaluate("([iso, zone]) => window.pyros.formatTime(iso, zone)", [instant, zone])
            with override_settings(PYROS_TIME_ZONE=zone):
                assert in_browser == format_time(instant), (instant, zone)
    sent.hover()  # the relative time on hover
    expect(sent).to_have_attribute("title", re.compile(r"^\d+(\.\d)? s ago$"))


def agent_page(page: Any, stack: Stack, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/")
    page.click('tr[data-agent="scheduler"] td.name a')
    page.wait_for_url(base + "/agents/scheduler/")
    expect(page.locator('#known tr[data-message="Observation finished"]')).to_have_count(1)
    expect(page.locator('tr[data-agent="scheduler"] .state')).to_have_text("running")
    recent = page.locator("#recent-log tbody tr[data-log]")
    expect(recent.first).to_be_visible()
    expect(page.locator("#agents tbody tr")).to_have_count(1)
    expect(page.locator("#connection")).to_have_text("live")
    before = recent.count()
    status, _reply = api(base, stack.token, "/api/agents/scheduler/messages/", {"message": "SCHEDULE"})
    assert status == 200
    expect(recent).to_have_count(before + 1)  # its recent messages are live too
    expect(recent.first.locator("summary")).to_have_text("SCHEDULE")


def simulators_live(page: Any, stack: Stack, base: str) -> None:
    """A simulator started after the page opened shows up, and goes when it stops (the run's state files)."""
    from playwright.sync_api import expect

    page.goto(base + "/simulators/")
    expect(page.locator("#no-simulators")).to_be_visible()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # a free UDP port for the station
        probe.bind(("127.0.0.1", 0))
        offset = probe.getsockname()[1] - WEATHER_PORT
    run = stack.start("runsimulators", "weather_station", "--port-offset", str(offset))
    run.expect(r"ready weather_station", 30)
    row = page.locator('tr[data-simulator="weather_station"]')
    expect(row).to_be_visible(timeout=5_000)
    expect(row).to_contain_text(str(WEATHER_PORT + offset))
    expect(page.locator(f'section.run[data-pid="{run.popen.pid}"]')).to_be_visible()
    run.signal(signal.SIGTERM)
    assert run.wait(10) == 0, run.output
    expect(page.locator("#no-simulators")).to_be_visible(timeout=5_000)
    stack.start("runsimulators", "weather_station", "--port-offset", str(offset)).expect(r"ready weather_station", 30)


def alerts_live(page: Any, base: str) -> None:
    """An alert stored after the Alerts page opened shows up in place (no reload: console.js's one
    websocket stays live), and the page is in the console's navigation."""
    from playwright.sync_api import expect

    page.goto(base + "/alerts/")
    expect(page.locator('nav.sections a[aria-current="page"]')).to_have_text("Alerts")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#alerts tbody tr[data-alert]")).to_have_count(0)
    page.evaluate("window.notReloaded = true")
    reply = Sender.send_to("alert_manager", "New alert", {"xml": raw("swift_bat_pos.xml").decode()}, timeout=10)
    expect(page.locator("#alerts tbody tr[data-alert]")).to_have_count(1, timeout=5_000)
    expect(page.locator(f'#alerts tr[data-alert="{reply["alert_id"]}"]')).to_contain_text("1234567")
    expect(page.locator("#last-event")).not_to_be_empty()
    assert page.evaluate("window.notReloaded") is True, "the page reloaded instead of refreshing in place"
    expect(page.locator("#connection")).to_have_text("live")
    page.click(f'#alerts tr[data-alert="{reply["alert_id"]}"] a')
    page.wait_for_url(base + f"/alerts/{reply['alert_id']}/")
    expect(page.locator("#position")).to_contain_text("RA 150.12340")
    expect(page.locator('nav.sections a[aria-current="page"]')).to_have_text("Alerts")
    expect(page.locator("#connection")).to_have_text("live")
    page.evaluate("window.notReloaded = true")
    update = raw("swift_xrt_pos_update.xml").decode()  # the XRT position of the same trigger
    assert Sender.send_to("alert_manager", "New alert", {"xml": update}, timeout=10)["alert_id"] == reply["alert_id"]
    expect(page.locator("#position")).to_contain_text("RA 150.13010", timeout=5_000)  # refreshed in place
    assert page.evaluate("window.notReloaded") is True, "the detail page reloaded instead of refreshing in place"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "alert-1280.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SCREENSHOTS / "alert-1280-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")


def dark_mode_and_phone(browser: Any, context: Any, base: str) -> None:
    from playwright.sync_api import expect

    dark = browser.new_context(color_scheme="dark", storage_state=context.storage_state())
    try:
        page = dark.new_page()
        page.goto(base + "/")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "agents-1280-dark.png"), full_page=True)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 20, 27)", background  # the dark palette
        page.click("#theme-toggle")
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(247, 248, 250)"
        page.set_viewport_size({"width": 390, "height": 844})
        for path in PAGES.values():
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px"
            assert page.evaluate(UNLABELLED) == [], f"{path}: fields without a label"
            expect(page.locator("nav.sections")).to_be_visible()
        page.keyboard.press("Tab")  # keyboard: the first stop is the skip link
        assert page.evaluate("document.activeElement.className") == "skip"
    finally:
        dark.close()


def screenshots(browser: Any, context: Any, base: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = context.new_page()
    anonymous = browser.new_page()
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in PAGES.items():
            page.goto(base + path)
            if name == "simulators":
                page.locator('tr[data-simulator="weather_station"]').wait_for()
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        anonymous.set_viewport_size({"width": width, "height": height})
        anonymous.goto(base + "/login/")
        anonymous.screenshot(path=str(SCREENSHOTS / f"login-{width}.png"), full_page=True)
    anonymous.close()
    page.close()
    desktop = {"width": 1280, "height": 800}
    dark = browser.new_context(color_scheme="dark", storage_state=context.storage_state(), viewport=desktop)
    try:
        page = dark.new_page()
        for name, path in PAGES.items():
            page.goto(base + path)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-1280-dark.png"), full_page=True)
    finally:
        dark.close()


def test_console_in_a_real_browser(server: tuple[Stack, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    stack, base = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(10_000)
            sign_in(page, base)
            check_static_files(page, base)
            for name in ("alert_manager", "scheduler"):
                expect(page.locator(f'tr[data-agent="{name}"] .state')).to_have_text("running")
            expect(page.locator("#connection")).to_have_text("live")

            # A status change made outside the page arrives within a second, without reloading.
            start = time.monotonic()
            Sender.send_to("scheduler", "Observation finished", {"id": 1})
            expect(page.locator('tr[data-agent="scheduler"] td.handled')).to_have_text("1", timeout=1_000)
            expect(page.locator('tr[data-agent="scheduler"] td.last-message')).to_have_text("Observation finished")
            assert time.monotonic() - start < 1.0, "the page took more than a second to show the change"
            Sender.send_to("scheduler", "STATUS")  # a status poll is not the agent's last message
            expect(page.locator('tr[data-agent="scheduler"] td.last-message')).to_have_text("Observation finished")

            stop_and_start_with_the_buttons(page)
            send_with_completion(page)
            message_log(page, stack, base)
            agent_page(page, stack, base)
            simulators_live(page, stack, base)  # (leaves one running for the screenshots)
            alerts_live(page, base)
            dark_mode_and_phone(browser, context, base)
            screenshots(browser, context, base)
        finally:
            browser.close()
    for name in [*PAGES, "login"]:
        for width, _height in WIDTHS.values():
            assert (SCREENSHOTS / f"{name}-{width}.png").stat().st_size > 1000
