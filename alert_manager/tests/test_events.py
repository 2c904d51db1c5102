"""``alert`` events on /ws/agents/ through the real ASGI application (session auth, origin check)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from alert_manager.handover import process
from pyros.asgi import application

from .samples import raw

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def cookie(settings: Any) -> str:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.create_user("reader", password="pw"))
    return f"sessionid={client.cookies['sessionid'].value}"


async def next_alert(comm: WebsocketCommunicator, timeout: float = 3.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = await comm.receive_json_from(timeout=max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            raise AssertionError(f"no alert event within {timeout} s") from None
        if message["type"] == "alert":
            return message


async def test_alert_events_reach_the_websocket(settings: Any) -> None:
    session = await sync_to_async(cookie)(settings)
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", session.encode())]
    comm = WebsocketCommunicator(application, "/ws/agents/", headers=headers)
    ok, code = await comm.connect(timeout=5)
    assert ok, code
    ingest = sync_to_async(process, thread_sensitive=False)
    accepted = await ingest(raw("swift_bat_pos.xml"), source="test", send=False)
    event = await next_alert(comm)
    assert (event["outcome"], event["line"]) == ("accepted", accepted.line())
    assert event["alert"]["id"] == accepted.alert_id and event["alert"]["error_radius"] == 0.05
    await ingest(raw("swift_xrt_pos_update.xml"), source="test", send=False)
    event = await next_alert(comm)
    assert event["outcome"] == "update" and event["alert"]["error_radius"] == 0.0015
    await ingest(raw("malformed.xml"), source="test", send=False)
    event = await next_alert(comm)
    assert event["outcome"] == "rejected" and event["alert"] is None and "malformed XML" in event["line"]
    await comm.disconnect()


async def test_link_down_event(settings: Any, tmp_path: Any) -> None:
    from alert_manager.agent import AlertManagerAgent
    from common.config import AgentAddress

    from .brokers import Comet

    settings.PYROS_ALERT_LINK_CHECK_INTERVAL = 0.05
    session = await sync_to_async(cookie)(settings)
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", session.encode())]
    comet = await sync_to_async(Comet(tmp_path / "comet").start, thread_sensitive=False)()
    options = {"vtp_broker": f"127.0.0.1:{comet.broadcast_port}", "link_timeout": "0.3"}
    agent = AlertManagerAgent(address=AgentAddress("alert_manager", "127.0.0.1", 0, options, "test"))
    comm = WebsocketCommunicator(application, "/ws/agents/", headers=headers)
    try:
        ok, code = await comm.connect(timeout=5)
        assert ok, code
        agent.start()
        event = await next_alert(comm, timeout=10)
        assert event["outcome"] == "link down" and event["alert"] is None
        assert event["line"].startswith(f"alert link down: vtp 127.0.0.1:{comet.broadcast_port} silent for")
        assert event["link"]["connected"] is True and event["link"]["link_down"] is True
    finally:
        await comm.disconnect()
        await sync_to_async(agent.stop, thread_sensitive=False)()
        await sync_to_async(comet.stop, thread_sensitive=False)()
