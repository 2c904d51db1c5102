"""Which agents run in this process: registration, the autostart guard, supervision, status.

Each app's ``AppConfig.ready()`` registers its agent class with :data:`runtime` and calls
``runtime.autostart()``; the agents start only in a serving process (see :func:`autostart_reason`).
A crashed agent thread is restarted after 1, 2, 4 ... s (at most ``PYROS_RESTART_BACKOFF_MAX``),
up to ``PYROS_RESTART_LIMIT`` times; an agent whose port is taken is reported, not retried.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .agent import CRASHED, PORT_IN_USE, Agent
from .conf import setting

log = logging.getLogger("pyros.runtime")

AgentFactory = Callable[[], Agent]

# manage.py commands during which agents must never start.
NEVER = frozenset(
    {
        "migrate",
        "makemigrations",
        "check",
        "shell",
        "collectstatic",
        "test",
        "dbshell",
        "createsuperuser",
        "showmigrations",
        "sqlmigrate",
        "flush",
        "loaddata",
        "dumpdata",
        "runagents",
        "sendmessage",
        "agentstatus",
    }
)
ASGI_SERVERS = ("daphne", "uvicorn", "gunicorn", "hypercorn")


def autostart_reason(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> str | None:
    """Why the agents should start in this process, or None when they must not."""
    argv = list(sys.argv if argv is None else argv)
    environ = dict(os.environ if environ is None else environ)
    from django.conf import settings

    if not getattr(settings, "PYROS_AGENTS_AUTOSTART", True):
        return None
    prog = os.path.basename(argv[0]) if argv else ""
    if "PYTEST_VERSION" in environ or "pytest" in prog:
        return None
    if prog in {"manage.py", "django-admin", "__main__.py"} and len(argv) > 1:
        command = argv[1]
        if command == "runserver":
            if environ.get("RUN_MAIN") == "true":
                return "runserver (autoreloader child)"
            if "--noreload" in argv:
                return "runserver --noreload"
        return None
    if any(server in prog for server in ASGI_SERVERS) or any(server in a for a in argv[:2] for server in ASGI_SERVERS):
        return f"ASGI server ({prog})"
    return None


class Supervised:
    """One agent of this process and its supervision record."""

    def __init__(self, name: str, factory: AgentFactory) -> None:
        self.name = name
        self.factory = factory
        self.agent: Agent | None = None
        self.restarts = 0
        self.next_restart: threading.Timer | None = None
        self.gave_up = False


class AgentRuntime:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._agents: dict[str, Supervised] = {}
        self._status_listeners: list[Callable[[Agent, str], None]] = []
        # (on_start, on_stop) hooks, e.g. the heartbeat thread of common.heartbeat (dashboard issue).
        self._lifecycle_hooks: list[tuple[Callable[[AgentRuntime], None], Callable[[AgentRuntime], None]]] = []
        self._autostarted = False
        self._stopping = False

    # --- registration -------------------------------------------------------------------------------
    def register(self, name: str, factory: AgentFactory) -> None:
        """Register the agent ``name`` (one per name: later registrations are ignored)."""
        with self._lock:
            self._agents.setdefault(name, Supervised(name, factory))

    def names(self) -> list[str]:
        with self._lock:
            return list(self._agents)

    def agent(self, name: str) -> Agent | None:
        with self._lock:
            sup = self._agents.get(name)
            return None if sup is None else sup.agent

    def add_status_listener(self, listener: Callable[[Agent, str], None]) -> None:
        self._status_listeners.append(listener)
        with self._lock:
            for sup in self._agents.values():
                if sup.agent is not None:
                    sup.agent.add_listener(listener)

    def add_lifecycle_hook(
        self, on_start: Callable[[AgentRuntime], None], on_stop: Callable[[AgentRuntime], None]
    ) -> None:
        """``on_start(runtime)`` runs after each ``start()``, ``on_stop(runtime)`` after ``stop()``."""
        self._lifecycle_hooks.append((on_start, on_stop))

    # --- start / stop --------------------------------------------------------------------------------
    def autostart(self) -> str | None:
        """Start the registered agents if this process is a serving one (idempotent: each app's
        ready() calls it after registering its agent; agents already started are left alone)."""
        reason = autostart_reason()
        if reason is None:
            return None
        with self._lock:
            first = not self._autostarted
            self._autostarted = True
            pending = [name for name, sup in self._agents.items() if sup.agent is None]
        if first:
            log.info("starting agents: %s", reason)
            atexit.register(self.stop)
        if pending:
            self.start(pending)
        return reason

    def start(self, names: Sequence[str] | None = None) -> list[Agent]:
        """Start the named (default: all registered) agents; returns them (idempotent)."""
        started = []
        with self._lock:
            self._stopping = False
            for name in names or list(self._agents):
                sup = self._agents[name]
                if sup.agent is None:
                    sup.agent = sup.factory()
                    sup.agent.add_listener(self._on_event)
                    for listener in self._status_listeners:
                        sup.agent.add_listener(listener)
                sup.agent.start()
                started.append(sup.agent)
        for on_start, _ in list(self._lifecycle_hooks):
            on_start(self)
        return started

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stopping = True
            sups = list(self._agents.values())
            for sup in sups:
                if sup.next_restart is not None:
                    sup.next_restart.cancel()
        for sup in sups:
            if sup.next_restart is not None:
                sup.next_restart.join(timeout)
                sup.next_restart = None
            if sup.agent is not None:
                sup.agent.stop(timeout)
        for _, on_stop in list(self._lifecycle_hooks):
            on_stop(self)

    # --- supervision ---------------------------------------------------------------------------------
    def _on_event(self, agent: Agent, event: str) -> None:
        if event != "state" or agent.state != CRASHED:
            return
        with self._lock:
            sup = self._agents.get(agent.name)
            if sup is None or sup.agent is not agent or self._stopping:
                return
            limit = int(setting("PYROS_RESTART_LIMIT"))
            if sup.restarts >= limit:
                sup.gave_up = True
                log.error("agent %s crashed %d times: not restarting it again", agent.name, sup.restarts + 1)
                return
            cap = float(setting("PYROS_RESTART_BACKOFF_MAX"))
            delay = min(float(setting("PYROS_RESTART_BACKOFF_BASE")) * (2**sup.restarts), cap)
            log.warning("agent %s crashed; restarting in %g s", agent.name, delay)
            timer = threading.Timer(delay, self._restart, args=(sup,))
            timer.name = f"restart-{agent.name}"
            timer.daemon = True
            sup.next_restart = timer
            timer.start()

    def _restart(self, sup: Supervised) -> None:
        with self._lock:
            if self._stopping or sup.agent is None:
                return
            sup.restarts += 1
            agent = sup.agent
        if agent.is_alive():  # the dying thread has not finished its finally block yet
            agent.stop(5.0)
        agent.start()

    # --- status --------------------------------------------------------------------------------------
    def status(self) -> list[dict[str, Any]]:
        with self._lock:
            sups = list(self._agents.values())
        return [self._status_of(sup) for sup in sups]

    def _status_of(self, sup: Supervised) -> dict[str, Any]:
        if sup.agent is None:
            status: dict[str, Any] = {"name": sup.name, "state": "not started", "thread_alive": False}
        else:
            status = sup.agent.status()
        status["restarts"] = sup.restarts
        status["supervision"] = _supervision(sup, status["state"])
        return status


def _supervision(sup: Supervised, state: str) -> str:
    if sup.gave_up:
        return "gave up after repeated crashes"
    if state == CRASHED and sup.next_restart is not None and sup.next_restart.is_alive():
        return "restart scheduled"
    if state == PORT_IN_USE:
        return "port in use: not retried"
    return "ok"


runtime = AgentRuntime()
