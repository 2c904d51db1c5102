"""Which agents run in this process: registration, the autostart guard, supervision, lifecycle control.

Each app's ``AppConfig.ready()`` registers its agent class with :data:`runtime` and calls
``runtime.autostart()``; the agents start only in a serving process (see :func:`autostart_reason`).
A crashed agent thread is restarted after 1, 2, 4 ... s (at most ``PYROS_RESTART_BACKOFF_MAX``), up to
``PYROS_RESTART_LIMIT`` times in a row; an agent that ran healthily for ``PYROS_RESTART_RESET_AFTER``
seconds before it crashed starts a new count. An agent whose port is taken is retried with the same
backoff until the port is free. An agent stopped by an operator (:meth:`AgentRuntime.stop_agent`) or
by ``SHUTDOWN`` stays stopped until someone starts it (:meth:`AgentRuntime.start_agent`).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .agent import Agent
from .conf import setting
from .exceptions import UnknownAgentError
from .states import AgentState

log = logging.getLogger("pyros.runtime")

AgentFactory = Callable[[], Agent]

ASGI_SERVERS = ("daphne", "uvicorn", "gunicorn", "hypercorn")


def autostart_reason(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> str | None:
    """Why the agents should start in this process, or None when they must not."""
    argv = list(sys.argv if argv is None else argv)
    environ = dict(os.environ if environ is None else environ)

    if not setting("PYROS_AGENTS_AUTOSTART"):
        return None
    prog = os.path.basename(argv[0]) if argv else ""
    if "PYTEST_VERSION" in environ or "pytest" in prog:
        return None
    package = os.path.basename(os.path.dirname(argv[0])) if prog == "__main__.py" else ""
    if package in ASGI_SERVERS:  # python -m daphne / uvicorn ...
        return f"ASGI server ({package})"
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
        self.restarts = 0  # restarts after crashes since the last healthy run
        self.port_retries = 0  # attempts since the port was found taken
        self.next_restart: threading.Timer | None = None
        self.retry_at: float | None = None  # wall-clock time of the scheduled restart
        self.gave_up = False

    def cancel_restart(self) -> threading.Timer | None:
        timer, self.next_restart, self.retry_at = self.next_restart, None, None
        if timer is not None:
            timer.cancel()
        return timer


class AgentRuntime:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._agents: dict[str, Supervised] = {}
        self._status_listeners: list[Callable[[Agent, str], None]] = []
        # (on_start, on_stop) hooks: the heartbeat thread of common.heartbeat, the control listener.
        self._lifecycle_hooks: list[tuple[Callable[[AgentRuntime], None], Callable[[AgentRuntime], None]]] = []
        # Callables returning the reasons not to autostart (the agent configuration check of common.checks).
        self._start_guards: list[Callable[[], list[str]]] = []
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

    def runs(self, name: str) -> bool:
        """True when ``name`` was started in this process (whatever its state now)."""
        return self.agent(name) is not None

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

    def add_start_guard(self, guard: Callable[[], list[str]]) -> None:
        """``guard()`` returns the errors that keep ``autostart()`` from starting anything (logged once)."""
        self._start_guards.append(guard)

    # --- start / stop --------------------------------------------------------------------------------
    def autostart(self) -> str | None:
        """Start the registered agents if this process is a serving one (idempotent: each app's
        ready() calls it after registering its agent; agents already started are left alone)."""
        reason = autostart_reason()
        if reason is None:
            return None
        errors = [error for guard in self._start_guards for error in guard()]
        if errors:
            with self._lock:
                first, self._autostarted = not self._autostarted, True
            if first:
                log.error("agents not started: %s", "; ".join(errors))
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
                started.append(self._start(self._supervised(name)))
        for on_start, _ in list(self._lifecycle_hooks):
            on_start(self)
        return started

    def _start(self, sup: Supervised) -> Agent:
        if sup.agent is None:
            sup.agent = sup.factory()
            sup.agent.add_listener(self._on_event)
            for listener in self._status_listeners:
                sup.agent.add_listener(listener)
        sup.agent.start()
        return sup.agent

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stopping = True
            sups = list(self._agents.values())
            timers = [sup.cancel_restart() for sup in sups]
        for timer in timers:
            if timer is not None:
                timer.join(timeout)
        for sup in sups:
            if sup.agent is not None:
                sup.agent.stop(timeout)
        for _, on_stop in list(self._lifecycle_hooks):
            on_stop(self)

    # --- lifecycle control (REST, CLI, console) ----------------------------------------------------
    def start_agent(self, name: str, timeout: float = 5.0) -> Agent:
        """Start a stopped, crashed or given-up agent now (a running one is left alone); supervision
        starts afresh. Waits up to ``timeout`` for it to serve or fail."""
        with self._lock:
            sup = self._supervised(name)
            timer = sup.cancel_restart()
            sup.restarts = sup.port_retries = 0
            sup.gave_up = False
            first = not self._hooks_running()
            self._stopping = False
        if timer is not None:
            timer.join(timeout)
        agent = sup.agent
        if agent is not None and agent.is_alive() and agent.state not in (AgentState.STARTING, AgentState.RUNNING):
            agent.stop(timeout)  # a thread still ending after a crash
        with self._lock:
            agent = self._start(sup)
        if first:
            for on_start, _ in list(self._lifecycle_hooks):
                on_start(self)
        agent.wait_ready(timeout)
        return agent

    def stop_agent(self, name: str, timeout: float = 5.0) -> Agent | None:
        """Stop an agent and keep it stopped (no supervision) until :meth:`start_agent`."""
        with self._lock:
            sup = self._supervised(name)
            timer = sup.cancel_restart()
            agent = sup.agent
        if timer is not None:
            timer.join(timeout)
        if agent is not None:
            agent.stop(timeout)
        return agent

    def restart_agent(self, name: str, timeout: float = 5.0) -> Agent:
        self.stop_agent(name, timeout)
        return self.start_agent(name, timeout)

    def _supervised(self, name: str) -> Supervised:
        sup = self._agents.get(name)
        if sup is None:
            raise UnknownAgentError(name, sorted(self._agents), "this process's runtime")
        return sup

    def _hooks_running(self) -> bool:
        return any(sup.agent is not None and sup.agent.is_alive() for sup in self._agents.values())

    # --- supervision ---------------------------------------------------------------------------------
    def _on_event(self, agent: Agent, event: str) -> None:
        if event != "state" or agent.state not in (AgentState.CRASHED, AgentState.PORT_IN_USE):
            return
        with self._lock:
            sup = self._agents.get(agent.name)
            if sup is None or sup.agent is not agent or self._stopping:
                return
            if agent.state == AgentState.PORT_IN_USE:
                delay = self._backoff(sup.port_retries)
                level = logging.WARNING if sup.port_retries == 0 else logging.DEBUG
                sup.port_retries += 1
                log.log(
                    level, "agent %s: port in use; trying again in %g s (and later, with backoff)", agent.name, delay
                )
            else:
                sup.port_retries = 0
                started = agent.stats.started_at
                if started is not None and time.time() - started >= float(setting("PYROS_RESTART_RESET_AFTER")):
                    sup.restarts = 0  # it ran healthily: a new series of crashes
                if sup.restarts >= int(setting("PYROS_RESTART_LIMIT")):
                    sup.gave_up = True
                    log.error("agent %s crashed %d times in a row: not restarting it", agent.name, sup.restarts + 1)
                    return
                delay = self._backoff(sup.restarts)
                sup.restarts += 1
                log.warning("agent %s crashed; restarting in %g s", agent.name, delay)
            timer = threading.Timer(delay, self._restart, args=(sup, agent))
            timer.name = f"restart-{agent.name}"
            timer.daemon = True
            sup.next_restart = timer
            sup.retry_at = time.time() + delay
            timer.start()

    @staticmethod
    def _backoff(attempt: int) -> float:
        cap = float(setting("PYROS_RESTART_BACKOFF_MAX"))
        return min(float(setting("PYROS_RESTART_BACKOFF_BASE")) * (2 ** min(attempt, 32)), cap)

    def _restart(self, sup: Supervised, agent: Agent) -> None:
        with self._lock:
            if self._stopping or sup.agent is not agent or sup.next_restart is None:
                return
            sup.next_restart = sup.retry_at = None
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
            status: dict[str, Any] = {"name": sup.name, "state": AgentState.NOT_STARTED, "thread_alive": False}
        else:
            status = sup.agent.status()
        status["restarts"] = sup.restarts
        status["supervision"] = _supervision(sup, status["state"])
        return status


def _supervision(sup: Supervised, state: str) -> str:
    if sup.gave_up:
        return "gave up after repeated crashes"
    retry_at = sup.retry_at
    if retry_at is not None and state in (AgentState.CRASHED, AgentState.PORT_IN_USE):
        wait = max(retry_at - time.time(), 0.0)
        return f"{'restart' if state == AgentState.CRASHED else 'retry'} in {wait:.0f} s"
    return "ok"


runtime = AgentRuntime()
