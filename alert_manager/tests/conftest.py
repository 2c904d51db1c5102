"""Fixtures of the alert manager tests: a recording scheduler (a real agent on 127.0.0.1 port 0 that
answers NEW_ALERT), and the thread guard."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.protocol import Message
from common.sender import Sender
from common.testing import assert_threads_ended, free_port


class RecordingScheduler(Agent):
    """Stands for the scheduler: records the params of each NEW_ALERT it receives."""

    def __init__(self) -> None:
        super().__init__(Agent.SCHEDULER, address=AgentAddress(Agent.SCHEDULER, "127.0.0.1", 0, {}, "test"))
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        self.actions_by_message = {"NEW_ALERT": self.new_alert}

    def new_alert(self, message: Message) -> dict[str, Any]:
        with self.arrived:
            self.received.append(dict(message.params))
            self.arrived.notify_all()
        return {"accepted": message.params.get("alert_id")}

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"the scheduler got {len(self.received)} NEW_ALERT of {count} in {timeout} s")
            return list(self.received)


@pytest.fixture
def scheduler() -> Iterator[RecordingScheduler]:
    agent = RecordingScheduler()
    agent.start()
    if not agent.wait_ready(5):
        raise AssertionError(f"scheduler stand-in not ready: {agent.state} {agent.stats.last_error}")
    yield agent
    agent.stop()
    Sender.close_all()


@pytest.fixture(autouse=True)
def isolated_agent_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Agents of this project's config on ports nobody listens on: a test never reaches a real scheduler
    (the recording one publishes its bound port in this process's directory, which wins)."""
    path = tmp_path_factory.mktemp("agents") / "pyros_agent_config.ini"
    sections = [f"[{name}]\nhost = 127.0.0.1\nport = {free_port()}\n" for name in ("alert_manager", "scheduler")]
    path.write_text("\n".join(sections))
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(path))


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert_threads_ended(before)
