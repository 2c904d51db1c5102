"""Heartbeats: the agents of any process persist their status, so other processes can show it.

:func:`install` hooks a runtime up (``CommonConfig.ready()`` does it for the process's runtime): a
status listener (state changes wake the heartbeat thread; every change feeds the status events of
``common.events``) and a lifecycle hook that starts the heartbeat thread with the runtime and stops
it with it. The thread writes one ``AgentStatus`` row per started agent every
``PYROS_HEARTBEAT_INTERVAL`` seconds and at once on a state change, then a last time at stop. It
closes its database connection after each beat; a database that is down is logged, never fatal.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import close_old_connections, connection

from .conf import setting
from .dbhygiene import wait_for_apps
from .events import EventRelay
from .states import LIVE_STATES, AgentState
from .status import HOSTNAME, is_fresh, to_datetime

if TYPE_CHECKING:
    from .agent import Agent
    from .runtime import AgentRuntime

log = logging.getLogger("pyros.heartbeat")


class Heartbeat:
    def __init__(self, runtime: AgentRuntime, relay: EventRelay, interval: float | None = None) -> None:
        self.runtime = runtime
        self.relay = relay
        self.interval = float(setting("PYROS_HEARTBEAT_INTERVAL") if interval is None else interval)
        self.beats = 0  # beats done
        self._started = 0  # beats begun
        self.last_error: str | None = None
        # Held while a beat writes: a reader that must not overlap with the writes can take it.
        self.db_lock = threading.Lock()
        self._beat_done = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- hooks --------------------------------------------------------------------------------------
    def on_agent_event(self, agent: Agent, event: str) -> None:
        if event == "state":
            self._wake.set()
        self.relay.on_agent_event(agent, event)

    def start(self, runtime: AgentRuntime | None = None) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="pyros-heartbeat", daemon=True)
            self._thread.start()

    def stop(self, runtime: AgentRuntime | None = None, timeout: float = 5.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.error("heartbeat thread did not stop within %g s", timeout)
        self.relay.close()

    # --- the thread ---------------------------------------------------------------------------------
    def _run(self) -> None:
        wait_for_apps()  # started from an app's ready(): no query before every app is ready
        try:
            while not self._stop.is_set():
                self._wake.clear()
                read = self.beat()
                self._wake.wait(self.interval if read else min(self.interval, 0.1))  # unread: retry soon
        finally:
            self.beat()  # the last word: stopped states

    def beat(self) -> bool:
        """Persist the status of this runtime's started agents, and publish it as events (False when
        their status could not be read)."""
        with self._beat_done:
            self._started += 1
            number = self._started
        statuses: list[dict[str, Any]] | None = None
        try:
            statuses = [status for status in self.runtime.status() if status["state"] != AgentState.NOT_STARTED]
        except (OSError, RuntimeError) as exc:
            log.warning("heartbeat skipped: the agents' status could not be read: %s", exc)
        else:
            with self.db_lock:
                self._persist(statuses)
        with self._beat_done:
            self.beats = number
            self._beat_done.notify_all()
        # Live agents only: the page marks a live agent it has not heard of for a while unreachable;
        # a "port in use" one must not keep contradicting the process that really runs it.
        for status in statuses or []:
            agent = self.runtime.agent(status["name"])
            if agent is not None and status["state"] in LIVE_STATES:
                self.relay.on_agent_event(agent, "heartbeat")
        return statuses is not None

    def _persist(self, statuses: list[dict[str, Any]]) -> None:
        close_old_connections()
        try:
            for status in statuses:
                write_status(status)
            self.last_error = None
        except Exception as exc:  # the database is down, locked, or not migrated: say so, go on
            text = f"{type(exc).__name__}: {exc}"
            if text != self.last_error:
                log.warning("heartbeat not persisted: %s", text)
            self.last_error = text
        finally:
            connection.close()

    def progress(self) -> tuple[int, int]:
        """(beats begun, beats done), read together."""
        with self._beat_done:
            return self._started, self.beats

    def wait_done(self, number: int, timeout: float) -> bool:
        """Wait until beat ``number`` is done (False on timeout)."""
        with self._beat_done:
            return self._beat_done.wait_for(lambda: self.beats >= number, timeout)

    def wait_for_beats(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` beats that begin after this call are done (False on timeout)."""
        return self.wait_done(self.progress()[0] + count, timeout)


def write_status(status: dict[str, Any]) -> None:
    """Upsert the row of one agent of this process, unless a fresh live row of another process owns it
    (an agent whose port is taken by the process that really runs it must not hide that one)."""
    from .models import AgentStatus

    now = datetime.now(UTC)
    pid = os.getpid()
    row = AgentStatus.objects.filter(name=status["name"]).first()
    if (
        row is not None
        and (row.pid, row.hostname) != (pid, HOSTNAME)
        and row.state in LIVE_STATES
        and status["state"] not in LIVE_STATES
        and is_fresh(row.heartbeat_at, now)
    ):
        return
    fields = {
        "state": status["state"],
        "host": status.get("host") or "",
        "port": status.get("port"),
        "pid": pid,
        "hostname": HOSTNAME,
        "started_at": to_datetime(status.get("started_at")),
        "messages_handled": status.get("messages_handled", 0),
        "errors": status.get("errors", 0),
        "last_message": (status.get("last_message") or "")[:255],
        "last_message_at": to_datetime(status.get("last_message_at")),
        "last_error": status.get("last_error") or "",
        "restarts": status.get("restarts", 0),
        "supervision": status.get("supervision", ""),
        "messages": list(status.get("messages") or []),
        "endpoints": list(status.get("endpoints") or []),
        "traffic": list(status.get("traffic") or []),
        "heartbeat_at": now,
    }
    AgentStatus.objects.update_or_create(name=status["name"], defaults=fields)


def install(runtime: AgentRuntime) -> Heartbeat:
    """Hook heartbeats and status events into ``runtime`` (once per runtime)."""
    existing = getattr(runtime, "_pyros_heartbeat", None)
    if isinstance(existing, Heartbeat):
        return existing
    heartbeat = Heartbeat(runtime, EventRelay())
    runtime._pyros_heartbeat = heartbeat  # type: ignore[attr-defined]
    runtime.add_status_listener(heartbeat.on_agent_event)
    runtime.add_lifecycle_hook(heartbeat.start, heartbeat.stop)
    return heartbeat
