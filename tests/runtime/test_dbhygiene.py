"""Handlers, timers and callbacks run with Django's request hygiene: an agent never keeps a connection
past CONN_MAX_AGE, and one the server killed costs one failed handler, not every later one.

Observable on a database server only (PostgreSQL: each connection is a backend process with its own
pid, and the server can end it); the SQLite pass skips them, CI's PostgreSQL pass runs them."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest
from django.db import connection, connections

from common.agent import Agent
from common.exceptions import RemoteHandlerError
from common.sender import Sender

from .conftest import loopback

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can end a connection: runs in CI's PostgreSQL pass")


class BackendAgent(Agent):
    """Answers with the pid of the database backend serving its thread."""

    def __init__(self) -> None:
        super().__init__("db", address=loopback("db"))
        self.actions_by_message = {"Backend": self.backend}
        self.timer_pids: queue.Queue[int] = queue.Queue()

    def backend(self, message: Any) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return int(cursor.fetchone()[0])

    def record_backend(self) -> None:
        self.timer_pids.put(self.backend(None))


def set_max_age(agent: Agent, seconds: int) -> None:
    """CONN_MAX_AGE of the agent thread's connections (read when a connection opens)."""
    done = threading.Event()

    def apply() -> None:
        connections["default"].settings_dict["CONN_MAX_AGE"] = seconds
        connections["default"].close()
        done.set()

    agent.call_soon(apply)
    assert done.wait(5), "the agent did not run the callback"


def test_no_connection_is_kept_past_conn_max_age_0(start_agent) -> None:
    agent = start_agent(BackendAgent())
    set_max_age(agent, 0)
    first = Sender.send_to("db", "Backend")
    second = Sender.send_to("db", "Backend")
    assert first != second, "the agent kept its connection across handlers (no close_old_connections)"
    agent.call_later(0.01, agent.record_backend)
    try:
        from_timer = agent.timer_pids.get(timeout=5)
    except queue.Empty:
        raise AssertionError(f"the timer did not run: {agent.stats.last_error}") from None
    assert from_timer not in (first, second)  # timers too


def test_a_connection_the_server_ended_costs_one_handler(start_agent) -> None:
    agent = start_agent(BackendAgent())
    set_max_age(agent, 600)  # persistent connections, as a busy deployment would have
    first = Sender.send_to("db", "Backend")
    assert Sender.send_to("db", "Backend") == first  # kept, as CONN_MAX_AGE asks
    with connection.cursor() as cursor:  # the server restarts, a proxy drops the link ...
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    with pytest.raises(RemoteHandlerError):
        Sender.send_to("db", "Backend")  # the dead connection is found by this query
    again = Sender.send_to("db", "Backend")  # and closed after it: a new one serves the next
    assert again != first
    assert Sender.send_to("db", "Backend") == again
