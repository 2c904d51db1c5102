"""/ws/agents/ through the real ASGI application (origin check, session auth) with real agents:
snapshot, status events within 100 ms, the throttle, injection, refusals."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from common.models import MessageLog
from common.runtime import AgentRuntime
from common.sender import Sender
from pyros.asgi import application

from .conftest import session_cookie

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def communicator(cookie: str | None, origin: tuple[bytes, bytes] = ORIGIN) -> WebsocketCommunicator:
    headers = [origin] + ([(b"cookie", cookie.encode())] if cookie else [])
    return WebsocketCommunicator(application, "/ws/agents/", headers=headers)


async def connected(cookie: str) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    comm = communicator(cookie)
    ok, code = await comm.connect(timeout=5)
    assert ok, f"connection refused ({code})"
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return comm, snapshot


async def receive(
    comm: WebsocketCommunicator, match: Callable[[dict[str, Any]], bool], what: str, timeout: float = 3.0
) -> tuple[dict[str, Any], float]:
    """The next message that matches (others are skipped), and when it arrived."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            message = await comm.receive_json_from(timeout=max(remaining, 0.001))
        except TimeoutError:
            raise AssertionError(f"no {what} within {timeout} s") from None
        if match(message):
            return message, time.monotonic()


def status_of(name: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    def match(message: dict[str, Any]) -> bool:
        if message["type"] != "status" or message["agent"]["name"] != name:
            return False
        return all(message["agent"].get(key) == value for key, value in fields.items())

    return match


@pytest.fixture
def operator_cookie(live_agents: AgentRuntime, make_user: Any) -> str:
    return session_cookie(make_user("operator", staff=True))


@pytest.fixture
def reader_cookie(live_agents: AgentRuntime, make_user: Any) -> str:
    return session_cookie(make_user("reader"))


async def test_snapshot_on_connect(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, snapshot = await connected(operator_cookie)
    by_name = {agent["name"]: agent for agent in snapshot["agents"]}
    assert set(by_name) == {"echo", "other", "ghost"}
    assert by_name["echo"]["state"] == "running"
    assert by_name["ghost"]["state"] == "unreachable"
    assert snapshot["can_inject"] is True
    assert snapshot["heartbeat_max_age"] > 0
    await comm.disconnect()


async def test_message_events_arrive_within_100_ms(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    loop = asyncio.get_running_loop()
    latencies = []
    for count in range(1, 6):
        await asyncio.sleep(0.06)  # past the throttle interval: each change is a first one
        start = time.monotonic()
        await loop.run_in_executor(None, Sender.send_to, "echo", "Echo", {"n": count})
        _, arrived = await receive(comm, status_of("echo", messages_handled=count), f"event for message {count}")
        latencies.append(arrived - start)
    assert statistics.median(latencies) < 0.1, f"status event latencies (s): {latencies}"
    assert max(latencies) < 0.5, f"status event latencies (s): {latencies}"
    await comm.disconnect()


async def test_state_change_event_arrives_within_100_ms(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    stopped_at: list[float] = []
    other = live_agents.agent("other")
    assert other is not None
    other.add_listener(lambda agent, event: stopped_at.append(time.monotonic()) if agent.state == "stopped" else None)
    await asyncio.get_running_loop().run_in_executor(None, other.stop)
    _, arrived = await receive(comm, status_of("other", state="stopped"), "event for the stopped agent")
    assert stopped_at, "the agent did not report its stop"
    assert arrived - stopped_at[0] < 0.1, f"state event after {arrived - stopped_at[0]:.3f} s"
    await comm.disconnect()


async def test_a_burst_of_messages_is_coalesced(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    count = 300

    def burst() -> None:
        for i in range(count):
            Sender.send_to("echo", "Echo", {"i": i})

    start = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(None, burst)
    elapsed = time.monotonic() - start
    events = 0
    while True:  # until the trailing event carries the final count
        message, _ = await receive(comm, status_of("echo"), f"the event with messages_handled={count}")
        events += 1
        if message["agent"]["messages_handled"] == count:
            break
    allowed = elapsed / 0.05 + 3
    assert events <= allowed, f"{events} events for {count} messages in {elapsed:.2f} s (at most {allowed:.0f})"
    await comm.disconnect()


async def test_inject_reply_and_error(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    await comm.send_json_to({"type": "inject", "id": 7, "agent": "echo", "message": "Echo", "params": {"x": 1}})
    reply, _ = await receive(comm, lambda m: m["type"] == "reply", "reply")
    assert (reply["id"], reply["status_code"], reply["reply"]) == (7, 200, {"x": 1})
    await comm.send_json_to({"type": "inject", "id": 8, "agent": "echo", "message": "Fail"})
    error, _ = await receive(comm, lambda m: m["type"] == "reply", "error reply")
    assert (error["id"], error["status_code"], error["error"]) == (8, 502, {"type": "ValueError", "text": "boom"})
    await comm.send_json_to({"type": "inject", "id": 9, "agent": "echo", "message": "PING", "params": [1]})
    invalid, _ = await receive(comm, lambda m: m["type"] == "error", "validation error")
    assert invalid["id"] == 9 and invalid["error"].startswith("params")
    await comm.send_to(text_data="{not json")
    garbage, _ = await receive(comm, lambda m: m["type"] == "error", "error for a frame that is not JSON")
    assert "JSON" in garbage["error"]
    await comm.disconnect()
    logged = await asyncio.to_thread(lambda: list(MessageLog.objects.values_list("message", "via", "user__username")))
    assert sorted(logged) == [("Echo", "websocket", "operator"), ("Fail", "websocket", "operator")]


async def test_status_events_flow_while_an_injection_waits(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    await comm.send_json_to({"type": "inject", "id": 1, "agent": "echo", "message": "Hold", "timeout": 5})
    await asyncio.get_running_loop().run_in_executor(None, Sender.send_to, "other", "Echo")
    await receive(comm, status_of("other", messages_handled=1), "event while echo holds")
    live_agents.agent("echo").release.set()
    reply, _ = await receive(comm, lambda m: m["type"] == "reply", "reply to Hold")
    assert reply["reply"] == "released"
    await comm.disconnect()


async def test_user_without_permission_watches_but_cannot_inject(live_agents: AgentRuntime, reader_cookie: str) -> None:
    comm, snapshot = await connected(reader_cookie)
    assert snapshot["can_inject"] is False
    await comm.send_json_to({"type": "inject", "id": 3, "agent": "echo", "message": "PING"})
    error, _ = await receive(comm, lambda m: m["type"] == "error", "refusal")
    assert error["id"] == 3 and "permission" in error["error"]
    await comm.disconnect()
    assert await asyncio.to_thread(MessageLog.objects.count) == 0


@pytest.mark.parametrize(
    "with_cookie,origin",
    [
        pytest.param(False, ORIGIN, id="anonymous"),
        pytest.param(True, (b"origin", b"http://evil.example.com"), id="foreign-origin"),
    ],
)
async def test_refused_connections(
    live_agents: AgentRuntime, operator_cookie: str, with_cookie: bool, origin: tuple[bytes, bytes]
) -> None:
    comm = communicator(operator_cookie if with_cookie else None, origin)
    ok, _ = await comm.connect(timeout=5)
    assert not ok
    await comm.disconnect()


async def test_snapshot_on_request_and_unknown_types(live_agents: AgentRuntime, operator_cookie: str) -> None:
    comm, _ = await connected(operator_cookie)
    await comm.send_json_to({"type": "snapshot"})
    snapshot, _ = await receive(comm, lambda m: m["type"] == "snapshot", "snapshot on request")
    assert {agent["name"] for agent in snapshot["agents"]} == {"echo", "other", "ghost"}
    await comm.send_json_to({"type": "dance", "id": 4})
    error, _ = await receive(comm, lambda m: m["type"] == "error", "error for an unknown type")
    assert error["id"] == 4 and "dance" in error["error"]
    await comm.disconnect()
