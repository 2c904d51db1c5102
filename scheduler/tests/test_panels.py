"""The Telescope and Weather panels: server-rendered from the scheduler agent's answers, with a real
agent, the mount and the weather-station simulators; and when the agent does not answer."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from common.config import AgentAddress
from common.sender import Sender
from scheduler.agent import SchedulerAgent
from simulators import mount, weather_station
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer

from .test_executor import _alert, wait_until
from .test_executor import site as site
from .test_views import ARGS, CHROMIUM
from .test_views import browser_env as browser_env

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = Path(os.environ.get("PYROS_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "run" / "screenshots")


@pytest.fixture
def viewer(django_user_model: Any) -> Client:
    django_user_model.objects.create_user("viewer", password="pw-12345")
    client = Client()
    client.login(username="viewer", password="pw-12345")
    return client


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured scheduler's port has nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "agents.ini"
    config.write_text(f"[scheduler]\nhost = 127.0.0.1\nport = {port}\n")
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(config))


def test_panels_need_a_user_and_report_a_silent_agent(viewer: Client, nowhere: None) -> None:
    assert Client().get("/telescope/").status_code == 302
    assert Client().get("/weather/").status_code == 302
    for url in ("/telescope/", "/weather/"):
        page = viewer.get(url)
        assert page.status_code == 200 and b'id="error"' in page.content
        assert b"the scheduler agent does not answer" in page.content
    Sender.close_all()


@pytest.fixture
def running(site: tuple[dict[str, Any], float]) -> Iterator[tuple[SchedulerAgent, Server, Server]]:
    place = site[0]
    kwargs = {"slew_rate": 30.0, "acceleration": 60.0, "latitude": place["latitude"], "longitude": place["longitude"]}
    scope = Server(mount, ThreadingTCPServer, kwargs, l_address=("127.0.0.1", 0), s_address=("127.0.0.1", 0))
    station = Server(weather_station, ThreadingUDPServer, {}, l_address=("127.0.0.1", 0))
    scope.start()
    station.start()
    assert scope.l_address is not None and station.l_address is not None
    options = {
        "mount": f"127.0.0.1:{scope.l_address[1]}",
        "weather_station": f"127.0.0.1:{station.l_address[1]}",
        "weather_interval": "0.1",
    }
    agent = SchedulerAgent(address=AgentAddress("scheduler", "127.0.0.1", 0, options, "test"))
    agent.start()
    try:
        assert agent.wait_ready(5), agent.stats.last_error
        yield agent, scope, station
    finally:
        agent.stop()
        Sender.close_all()
        scope.stop(5.0)
        station.stop(5.0)


def test_telescope_and_weather_pages(
    viewer: Client, running: tuple[SchedulerAgent, Server, Server], site: tuple[dict[str, Any], float]
) -> None:
    agent, _, station = running
    wait_until(lambda: agent.weather_hold is None, "safe weather")
    ra = (site[1] + 5.0) % 360.0
    assert Sender.send_to("scheduler", "NEW_ALERT", _alert(ra, 701), timeout=10)["interrupt"] is True
    wait_until(lambda: Sender.send_to("scheduler", "TELESCOPE")["phase"] == "observing", "on target")
    wait_until(lambda: (Sender.send_to("scheduler", "TELESCOPE")["mount"]["position"] or {}).get("ra_deg"), "position")
    page = viewer.get("/telescope/").content.decode()
    assert 'id="sky"' in page and 'class="mount"' in page and 'class="target"' in page
    assert '<td id="phase">observing</td>' in page and "ToO SWIFT 701" in page and ":MS#" in page
    assert "goto started" in page and "on target" in page

    page = viewer.get("/weather/").content.decode()
    assert '<span class="safe">safe</span>' in page and "average wind (sm01)" in page and "15.0 m/s" in page
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        assert station.l_address is not None
        sock.sendto(b"w sm01 25 20261202000000\n", station.l_address)
    wait_until(lambda: agent.weather_hold is not None, "the hold")
    page = viewer.get("/weather/").content.decode()
    assert '<span class="unsafe">unsafe</span>' in page and "over the limit" in page
    assert "wind 25 m/s &gt; 15 m/s" in page
    assert "execution held since" in page
    telescope = viewer.get("/telescope/").content.decode()
    assert 'class="hold"' in telescope


def screenshots(page: Any, name: str) -> None:
    """Light and dark at 1280 px into the console's screenshot folder; in dark mode the server-drawn
    sky's text follows the theme (not black on the dark background)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-panel-1280.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    try:
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 20, 27)"
        if page.locator("svg#sky").count():
            fill = page.eval_on_selector("svg#sky g text", "e => getComputedStyle(e).fill")
            assert fill == "rgb(227, 232, 239)", fill  # the dark palette's --fg
        page.screenshot(path=str(SCREENSHOTS / f"{name}-panel-1280-dark.png"), full_page=True)
    finally:
        page.emulate_media(color_scheme="light")


@pytest.mark.browser
def test_telescope_panel_in_a_real_browser(
    browser_env: None,
    live_server: Any,
    django_user_model: Any,
    running: tuple[SchedulerAgent, Server, Server],
    site: tuple[dict[str, Any], float],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    agent = running[0]
    wait_until(lambda: agent.weather_hold is None, "safe weather")
    assert Sender.send_to("scheduler", "NEW_ALERT", _alert((site[1] + 5.0) % 360.0, 702), timeout=10)["interrupt"]
    wait_until(lambda: (Sender.send_to("scheduler", "TELESCOPE")["mount"]["position"] or {}).get("ra_deg"), "position")
    django_user_model.objects.create_user("viewer", password="pw-12345")
    client = Client()
    client.login(username="viewer", password="pw-12345")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.set_viewport_size({"width": 1280, "height": 800})
            page.goto(live_server.url + "/telescope/")
            for cls in ("mount", "target"):
                box = page.locator(f"svg#sky g.{cls}").bounding_box()
                assert box is not None and box["width"] > 5, (cls, box)
            expect(page.locator("#slot")).to_contain_text("ToO SWIFT 702")
            expect(page.locator('nav.sections a[aria-current="page"]')).to_have_text("Telescope")
            # The panel refreshes in place (console.js's pyros.refresh), not by reloading the page.
            page.evaluate("window.notReloaded = true; window.oldPanel = document.getElementById('telescope')")
            page.wait_for_function("document.getElementById('telescope') !== window.oldPanel", timeout=6_000)
            assert page.evaluate("window.notReloaded") is True, "the page reloaded instead of refreshing in place"
            expect(page.locator("#slot")).to_contain_text("ToO SWIFT 702")
            screenshots(page, "telescope")
            page.goto(live_server.url + "/weather/")
            expect(page.locator("#readings tbody tr")).to_have_count(6)
            expect(page.locator("#state")).to_contain_text("safe")
            expect(page.locator('nav.sections a[aria-current="page"]')).to_have_text("Weather")
            screenshots(page, "weather")
        finally:
            browser.close()
