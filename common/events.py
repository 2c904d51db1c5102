"""Agent status events on the channel layer group ``agents``, published from agent threads.

A ``group_send`` run from a plain thread (``async_to_sync``) on the in-memory layer lands in a queue of
another event loop: the websocket consumer waiting on it only notices when its wait times out. So the
relay posts the ``group_send`` onto the loop of the server (each consumer registers its running loop
on connect, :func:`register_loop`) with ``asyncio.run_coroutine_threadsafe``; the consumer wakes at
once. A process without a server (``manage.py runagents`` with channels_redis) gets its own loop in
a thread. With the in-memory layer and no server loop nobody can listen, and nothing is sent.

Throttle: a state change is sent at once; message counters at most once per agent per
``PYROS_STATUS_EVENT_INTERVAL`` (50 ms): the first change goes out at once, the later ones of the
interval are coalesced into one event at its end (so an agent handling 50k msg/s sends 20 events/s).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from .conf import setting
from .status import from_agent

if TYPE_CHECKING:
    from .agent import Agent

log = logging.getLogger("pyros.events")

GROUP = "agents"
EVENT_TYPE = "agent.status"

_loop_lock = threading.Lock()
_server_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the loop of the server whose consumers listen to the group (the latest one wins)."""
    global _server_loop
    with _loop_lock:
        _server_loop = weakref.ref(loop)


def server_loop() -> asyncio.AbstractEventLoop | None:
    with _loop_lock:
        loop = _server_loop() if _server_loop is not None else None
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


class _LoopThread:
    """An event loop in a daemon thread, for a process that has no server loop of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pyros-status-events", daemon=True)
        self.thread.start()

    def close(self, timeout: float = 2.0) -> None:
        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if tasks:
                await asyncio.wait(tasks, timeout=timeout)

        try:
            asyncio.run_coroutine_threadsafe(drain(), self.loop).result(timeout + 1)
        except Exception:
            log.warning("status events: pending events not delivered at stop")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)
        if not self.thread.is_alive():
            self.loop.close()


class EventRelay:
    """The status listener that turns agent events into throttled channel layer events."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = float(setting("PYROS_STATUS_EVENT_INTERVAL") if interval is None else interval)
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._pending: dict[str, float] = {}  # agent -> when its coalesced event is due
        self._own: _LoopThread | None = None

    # --- the listener (runs in agent threads: cheap) -----------------------------------------------
    def on_agent_event(self, agent: Agent, event: str) -> None:
        loop = self._loop()
        if loop is None:
            return
        now = time.monotonic()
        name = agent.name
        with self._lock:
            wait = self._last.get(name, -1e9) + self.interval - now
            if event == "state" or wait <= 0:
                self._last[name] = now
                self._pending.pop(name, None)
                wait = 0.0
            elif now < self._pending.get(name, -1e9) + 1.0:  # (a flush lost with its loop is forgotten)
                return
            else:
                self._pending[name] = now + wait
        if wait <= 0:
            self._post(loop, self._send(from_agent(agent)))
        else:
            loop.call_soon_threadsafe(loop.call_later, wait, self._flush, agent)

    def _flush(self, agent: Agent) -> None:
        """Runs in the loop at the end of an interval: send the coalesced event."""
        with self._lock:
            if self._pending.pop(agent.name, None) is None:
                return
            self._last[agent.name] = time.monotonic()
        task = asyncio.ensure_future(self._send(from_agent(agent)))
        task.add_done_callback(_log_failure)

    # --- delivery ------------------------------------------------------------------------------------
    def _loop(self) -> asyncio.AbstractEventLoop | None:
        loop = server_loop()
        if loop is not None:
            return loop
        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            return None  # in-memory and no server in this process: nobody can listen
        with self._lock:
            if self._own is None:
                self._own = _LoopThread()
            return self._own.loop

    @staticmethod
    async def _send(view: dict[str, Any]) -> None:
        layer = get_channel_layer()
        if layer is not None:
            await layer.group_send(GROUP, {"type": EVENT_TYPE, "agent": view})

    @staticmethod
    def _post(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]) -> None:
        try:
            future = asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:  # the loop closed meanwhile
            coro.close()
            return
        future.add_done_callback(_log_failure)

    def close(self) -> None:
        """Deliver what is pending and stop the relay's own loop thread (if it has one)."""
        with self._lock:
            own, self._own = self._own, None
        if own is not None:
            own.close()


def _log_failure(future: Future[None] | asyncio.Future[None]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        log.warning("status event not delivered: %s: %s", type(exc).__name__, exc)
