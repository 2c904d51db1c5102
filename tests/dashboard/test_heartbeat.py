"""Heartbeats of this process's agents: persisted periodically and at once on a state change, the last
word at stop, a database failure logged and survived."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from common.heartbeat import install
from common.models import AgentStatus
from common.runtime import AgentRuntime
from common.sender import Sender
from common.status import HOSTNAME

from .conftest import heartbeat_of, runtime_with


def rows(rt: AgentRuntime) -> dict[str, AgentStatus]:
    with heartbeat_of(rt).db_lock:  # not while the heartbeat thread writes (in-memory SQLite locks tables)
        return {row.name: row for row in AgentStatus.objects.all()}


def test_every_started_agent_is_persisted(beating_agents: AgentRuntime) -> None:
    hb = heartbeat_of(beating_agents)
    Sender.send_to("echo", "Echo", {"n": 1})
    assert hb.wait_for_beats(2, 5), "no heartbeat within 5 s"
    persisted = rows(beating_agents)
    assert set(persisted) == {"echo", "other"}
    echo = persisted["echo"]
    assert (echo.state, echo.pid, echo.hostname, echo.host) == ("running", os.getpid(), HOSTNAME, "127.0.0.1")
    assert echo.port == beating_agents.agent("echo").bound_address[1]
    assert (echo.messages_handled, echo.last_message, echo.errors) == (1, "Echo", 0)
    assert "Echo" in echo.messages
    assert [(t["direction"], t["message"], t["outcome"]) for t in echo.traffic] == [("in", "Echo", "ok")]
    assert echo.endpoints == []  # the native port only (its own fields)
    assert datetime.now(UTC) - echo.heartbeat_at < timedelta(seconds=5)


@pytest.fixture
def slow_beating_agents(
    agent_config: Path, monkeypatch: pytest.MonkeyPatch, transactional_db: None, settings: Any
) -> Iterator[AgentRuntime]:
    settings.PYROS_HEARTBEAT_INTERVAL = 60.0  # only a state change can cause a beat within the test
    yield from runtime_with(monkeypatch, install)


def test_a_state_change_is_persisted_at_once(slow_beating_agents: AgentRuntime) -> None:
    hb = heartbeat_of(slow_beating_agents)
    slow_beating_agents.agent("other").stop()
    deadline = time.monotonic() + 5
    while True:
        begun, done = hb.progress()
        if rows(slow_beating_agents)["other"].state == "stopped":
            break
        # The beat under way may be the one that writes it; else only a beat woken by the change can.
        awaited = begun if done < begun else begun + 1
        remaining = deadline - time.monotonic()
        assert remaining > 0 and hb.wait_done(awaited, remaining), "the state change woke no beat"


def test_stop_writes_the_last_word_and_ends_the_thread(beating_agents: AgentRuntime) -> None:
    hb = heartbeat_of(beating_agents)
    assert hb.wait_for_beats(1, 5), "no heartbeat within 5 s"
    beating_agents.stop()
    assert {row.state for row in rows(beating_agents).values()} == {"stopped"}
    assert not any(t.name == "pyros-heartbeat" for t in threading.enumerate())


def test_an_unavailable_database_is_logged_and_survived(
    beating_agents: AgentRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    hb = heartbeat_of(beating_agents)
    assert hb.wait_for_beats(1, 5), "no heartbeat within 5 s"
    with hb.db_lock, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE common_agentstatus RENAME TO common_agentstatus_away")
    try:
        with caplog.at_level(logging.WARNING, logger="pyros.heartbeat"):
            assert hb.wait_for_beats(2, 5), "the heartbeat thread stopped beating"
        assert hb.last_error is not None and "common_agentstatus" in hb.last_error
        assert "heartbeat not persisted" in caplog.text
        assert Sender.send_to("echo", "Echo", {"a": 1}) == {"a": 1}  # the agents do not care
    finally:
        with hb.db_lock, connection.cursor() as cursor:
            cursor.execute("ALTER TABLE common_agentstatus_away RENAME TO common_agentstatus")
    assert hb.wait_for_beats(1, 5), "no heartbeat after the database came back"
    assert hb.last_error is None
    assert rows(beating_agents)["echo"].messages_handled == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "age,overwritten",
    [
        pytest.param(1, False, id="fresh-live-row-of-another-process-wins"),
        pytest.param(60, True, id="stale-row-is-replaced"),
    ],
)
def test_a_port_in_use_agent_does_not_hide_the_process_that_runs_it(age: int, overwritten: bool) -> None:
    from common.heartbeat import write_status

    heartbeat_at = datetime.now(UTC) - timedelta(seconds=age)
    AgentStatus.objects.create(name="echo", state="running", pid=1, hostname="elsewhere", heartbeat_at=heartbeat_at)
    write_status({"name": "echo", "state": "port in use", "last_error": "cannot listen"})
    row = AgentStatus.objects.get(name="echo")
    expected: Any = ("port in use", os.getpid()) if overwritten else ("running", 1)
    assert (row.state, row.pid) == expected
