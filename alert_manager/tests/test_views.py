"""The Alerts panel of the console (/alerts/, /alerts/<id>/)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alert_manager.agent import AlertManagerAgent
from alert_manager.ingest import ingest
from common.config import AgentAddress

from .brokers import Comet
from .samples import raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(settings: Any) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.create_user("reader", password="pw"))
    return client


def test_anonymous_is_sent_to_sign_in() -> None:
    response = Client().get("/alerts/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_and_detail(client: Client) -> None:
    alert_id = ingest(raw("swift_bat_pos.xml")).alert_id
    ingest(raw("swift_xrt_pos_update.xml"))
    ingest(raw("billion_laughs.xml"))
    page = client.get("/alerts/").content.decode()
    assert f'href="/alerts/{alert_id}/"' in page and "XRT_Position" in page and "1234567" in page
    assert "DOCTYPE/DTD not allowed" in page  # the rejected packet
    assert "alert_manager agent not reachable" in page  # no agent in this test
    detail = client.get(f"/alerts/{alert_id}/").content.decode()
    assert "RA 150.13010, Dec 20.57020, error radius 0.00150 deg (UTC-FK5-GEO)" in detail
    assert "Def_NOT_a_GRB" in detail and "Solution_Status" in detail
    assert "&lt;Error2Radius&gt;0.0500&lt;/Error2Radius&gt;" in detail  # the first packet, raw and escaped
    assert client.get("/alerts/999999/").status_code == 404


def test_link_state_of_the_running_agent(client: Client, tmp_path: Path) -> None:
    comet = Comet(tmp_path / "comet").start()
    options = {"vtp_broker": f"127.0.0.1:{comet.broadcast_port}"}
    agent = AlertManagerAgent(address=AgentAddress("alert_manager", "127.0.0.1", 0, options, "test"))
    try:
        agent.start()
        assert agent.wait_ready(10)
        deadline = time.monotonic() + 10
        while not agent.status()["endpoints"][0]["connected"] and time.monotonic() < deadline:
            time.sleep(0.02)
        page = client.get("/alerts/").content.decode()
    finally:
        agent.stop()
        comet.stop()
    assert f'data-link="vtp 127.0.0.1:{comet.broadcast_port}"' in page
    assert "<td>yes</td>" in page and ">up<" in page
