"""Agents in another process: ``manage.py runagents`` persists heartbeats that the web process's API
shows (and injects into), and with ``REDIS_URL`` its status events reach a websocket client of this
process through channels_redis."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from common.sender import Sender
from common.testing import free_port
from common.testing import wait_until as _wait_until
from pyros.asgi import application

from ..runtime.proc import Proc
from .conftest import session_cookie
from .stack import Stack, api, make_stack
from .test_consumers import ORIGIN, receive, status_of

# Another process's state: no event crosses the process boundary but the one we test.
wait_until = functools.partial(_wait_until, timeout=15.0, pause=0.1)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = make_stack(tmp_path)
    try:
        yield stack
    finally:
        stack.stop_all()


def agents_by_name(base: str, token: str) -> dict[str, Any]:
    status, body = api(base, token, "/api/agents/")
    assert status == 200, body
    return {agent["name"]: agent for agent in body}


def test_agents_of_a_runagents_process_show_in_the_web_process(stack: Stack) -> None:
    agents = stack.start("runagents")
    agents.expect(r"2 agent\(s\) running \(alert_manager on 127\.0\.0\.1:\d+, scheduler on 127\.0\.0\.1:\d+\)")
    base = stack.runserver(PYROS_AGENTS_AUTOSTART="0")

    def both_running() -> dict[str, Any] | None:
        views = agents_by_name(base, stack.token)
        return views if all(view["state"] == "running" for view in views.values()) else None

    views = wait_until(both_running, "both agents running by their heartbeats")
    for name, view in views.items():
        assert (view["source"], view["pid"], view["port"]) == ("heartbeat", agents.popen.pid, stack.ports[name])

    body = {"message": "Observation finished", "params": {"id": 3}}
    status, reply = api(base, stack.token, "/api/agents/scheduler/messages/", body)
    assert (status, reply["reply"]) == (200, {"acknowledged": 3, "finished": 1})
    wait_until(
        lambda: agents_by_name(base, stack.token)["scheduler"]["messages_handled"] == 1,
        "the handled message in the scheduler's heartbeat",
    )

    agents.signal(signal.SIGTERM)
    assert agents.wait(20) == 0, agents.output
    views = agents_by_name(base, stack.token)
    assert {view["state"] for view in views.values()} == {"stopped"}, views
    status, error = api(base, stack.token, "/api/agents/scheduler/messages/", {"message": "PING"})
    assert (status, error["outcome"]) == (503, "unreachable")


# --- Redis -----------------------------------------------------------------------------------------
@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed (.ci/run installs it: apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    server = Proc([*argv, "--dir", str(tmp_path)], dict(os.environ))
    try:
        server.expect(r"Ready to accept connections", 20)
        yield port
    finally:
        server.signal(signal.SIGTERM)
        server.wait(10)


@pytest.fixture
def redis_stack(redis_port: int, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    url = f"redis://127.0.0.1:{redis_port}/0"
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }
    stack = make_stack(tmp_path, REDIS_URL=url)
    monkeypatch.setenv("PYROS_AGENT_CONFIG", stack.env["PYROS_AGENT_CONFIG"])
    try:
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture
def cookie(transactional_db: None, make_user: Any) -> str:
    return session_cookie(make_user("operator", staff=True))


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_events_of_a_runagents_process_reach_a_websocket_client_through_redis(
    redis_stack: Stack, cookie: str
) -> None:
    comm = WebsocketCommunicator(application, "/ws/agents/", headers=[ORIGIN, (b"cookie", cookie.encode())])
    ok, code = await comm.connect(timeout=10)
    assert ok, f"connection refused ({code})"
    snapshot = await comm.receive_json_from(timeout=10)
    assert snapshot["type"] == "snapshot"
    agents = redis_stack.start("runagents", "scheduler")
    running, _ = await receive(comm, status_of("scheduler", state="running"), "the running event via redis", 20)
    assert running["agent"]["pid"] == agents.popen.pid
    start = time.monotonic()
    await asyncio.to_thread(Sender.send_to, "scheduler", "Observation finished", {"id": 1})
    _, arrived = await receive(comm, status_of("scheduler", messages_handled=1), "the message event via redis", 5)
    assert arrived - start < 0.5, f"a status event took {arrived - start:.3f} s from the other process"
    await comm.disconnect()
    agents.signal(signal.SIGTERM)
    assert await asyncio.to_thread(agents.wait, 20) == 0, agents.output


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_lifecycle_of_an_agent_of_a_runagents_process_over_rest_through_redis(
    redis_stack: Stack, make_user: Any
) -> None:
    from rest_framework.test import APIClient

    agents = redis_stack.start("runagents", "scheduler")
    agents.expect(r"1 agent\(s\) running \(scheduler on 127\.0\.0\.1:\d+\)")  # and its control listener
    client = APIClient()
    client.force_authenticate(make_user("operator", staff=True))

    response = client.post("/api/agents/scheduler/stop/")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["pid"]) == ("stopped", agents.popen.pid)
    with pytest.raises(Exception, match="unreachable"):
        Sender.send_to("scheduler", "PING", timeout=1)
    response = client.post("/api/agents/scheduler/start/")
    assert (response.status_code, response.json()["state"]) == (200, "running"), response.content
    assert Sender.send_to("scheduler", "PING", timeout=5) == "PONG"
    response = client.post("/api/agents/scheduler/restart/")
    assert (response.status_code, response.json()["state"]) == (200, "running"), response.content

    agents.signal(signal.SIGTERM)
    assert agents.wait(20) == 0, agents.output
    response = client.post("/api/agents/scheduler/start/")
    assert response.status_code == 504 and "no process" in response.json()["detail"]
