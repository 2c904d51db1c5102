from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.sender import Sender

_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port, never one this process handed out before (two calls in a row may
    otherwise get the same port back from the kernel)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    Sender.close_all()
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for t in leftover:
        t.join(5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads left running after the test: {still}"


@pytest.fixture
def start_agent() -> Iterator[Callable[..., Agent]]:
    """start_agent(AgentClass_or_instance, **kwargs) -> a running agent on 127.0.0.1, port 0."""
    started: list[Agent] = []

    def start(agent: Agent) -> Agent:
        started.append(agent)
        agent.start()
        assert agent.wait_ready(5), f"agent {agent.name} did not become ready: {agent.state} {agent.stats.last_error}"
        return agent

    yield start
    for agent in started:
        agent.stop()


def loopback(name: str, port: int = 0, **options: str) -> AgentAddress:
    return AgentAddress(name, "127.0.0.1", port, options, "test")


@pytest.fixture
def ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """ini(text) writes an agent config and points PYROS_AGENT_CONFIG at it."""

    def write(text: str) -> Path:
        path = tmp_path / "pyros_agent_config.ini"
        path.write_text(text)
        monkeypatch.setenv("PYROS_AGENT_CONFIG", str(path))
        return path

    return write
