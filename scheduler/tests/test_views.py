"""The Schedule panel: server-side SVG (timeline + altitude curves), and the page in a real Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client

from scheduler import store, svg
from scheduler.models import ObservationRequest
from scheduler.planner import plan

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAMES = ("crab", "m42", "eta-car")


def _planned() -> dict[str, Any]:
    for name, ra, dec in (("crab", 83.633, 22.014), ("m42", 83.82, -5.39), ("eta-car", 161.265, -59.685)):
        ObservationRequest.objects.create(name=name, ra=ra, dec=dec, duration=1800, priority=2)
    day = date(2026, 12, 15)
    schedule = store.save_plan(plan(store.waiting_requests(), store.site(), store.config(), day=day), day)
    view = store.schedule_view(schedule)
    assert view is not None and len(view["slots"]) == 3
    return view


@pytest.mark.django_db
def test_svg_has_one_bar_and_one_curve_per_slot() -> None:
    text = svg.render(_planned())
    assert text.startswith("<svg") and text.count('class="slot"') == 3 and text.count('class="curve"') == 3
    assert text.count('class="observed"') == 3
    assert all(f'data-name="{n}"' in text for n in NAMES)
    assert "No night" in svg.render(None)


@pytest.mark.django_db
def test_observed_segment_is_above_the_minimum_altitude() -> None:
    view = _planned()
    text = svg.render(view)
    # y of 30 deg on the plot: every point of a bold (observed) segment is at or above it.
    limit = svg._y(30.0)
    for chunk in text.split('class="observed"')[1:]:
        points = chunk.split('points="', 1)[1].split('"', 1)[0].split()
        assert points and all(float(p.split(",")[1]) <= limit + 0.1 for p in points)


@pytest.mark.django_db
def test_pages_need_a_user(django_user_model: Any) -> None:
    client = Client()
    assert client.get("/schedule/").status_code == 302
    django_user_model.objects.create_user("viewer", password="pw-12345")
    client.login(username="viewer", password="pw-12345")
    assert b"Nothing planned yet" in client.get("/schedule/").content
    _planned()
    page = client.get("/schedule/")
    assert page.status_code == 200 and page.content.count(b'class="slot"') == 3
    image = client.get("/schedule/night.svg")
    assert image["Content-Type"] == "image/svg+xml" and image.content.count(b'class="curve"') == 3


@pytest.fixture
def browser_env() -> Iterator[None]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_schedule_panel_in_a_real_browser(browser_env: None, live_server: Any, django_user_model: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    _planned()
    django_user_model.objects.create_user("viewer", password="pw-12345")
    client = Client()
    client.login(username="viewer", password="pw-12345")
    cookie = client.cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(live_server.url + "/schedule/")
            expect(page.locator("svg#night rect.slot")).to_have_count(3)
            expect(page.locator("svg#night polyline.curve")).to_have_count(3)
            expect(page.locator("#slots tbody tr")).to_have_count(3)
            for name in NAMES:
                box = page.locator(f'svg#night rect.slot[data-name="{name}"]').bounding_box()
                assert box is not None and box["width"] > 5 and box["height"] > 5, (name, box)
            curve = page.locator('svg#night polyline.curve[data-name="crab"]').bounding_box()
            assert curve is not None and curve["width"] > 100  # spans hours of the night
        finally:
            browser.close()
