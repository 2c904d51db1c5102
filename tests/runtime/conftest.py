from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.testing import assert_threads_ended


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert_threads_ended(before)


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
