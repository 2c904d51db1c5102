"""The pyros agent: one thread, one inbox, timers, dispatch through ``actions_by_message``.

A subclass names itself, declares its messages and maps them to methods::

    class SchedulerAgent(Agent):
        MSG_OBS_FINISHED = "Observation finished"

        def __init__(self, **kwargs):
            super().__init__(Agent.SCHEDULER, **kwargs)
            self.actions_by_message = {self.MSG_OBS_FINISHED: self.observation_finished}

        def observation_finished(self, message):
            return {"ack": message.params.get("id")}

``start()`` starts the agent's thread: it binds the native TCP endpoint (the address of the agent's
section in ``pyros_agent_config.ini``), starts the endpoints that section configures (see
:mod:`common.endpoints`) and those given to :meth:`Agent.add_endpoint`, runs ``work()``, then serves
messages through ``receive()`` and ``analyze_message()`` until ``stop()`` or ``SHUTDOWN``;
``shutdown()`` then runs in the agent's thread. A handler's return value is the reply; a handler that
raises produces an error reply (and is counted), never a dead agent.

Other threads reach the agent's thread only through :meth:`Agent.call_soon`; :meth:`Agent.call_later`
and :meth:`Agent.call_every` run callbacks on time, driven by the agent's own loop (its ``select``
timeout). Handlers, callbacks and timers run with Django's database hygiene (:mod:`common.dbhygiene`).
The agent knows no dialect.
"""

from __future__ import annotations

import logging
import selectors
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

from .agent_endpoints import EndpointsMixin, describe_endpoint
from .conf import setting
from .config import AgentAddress, load_config
from .dbhygiene import close_connections, tidy_connections, wait_for_apps
from .endpoints import Endpoint
from .exceptions import UnknownMessageTypeError
from .heap import freeze_startup_heap
from .protocol import Message
from .records import AgentStats, Call, Callback, Envelope, Handler, Reply
from .states import AgentState
from .timers import TimerHandle, TimerQueue
from .traffic import IN, Traffic
from .traffic import bind as bind_traffic
from .transport.native import FrameConnection, NativeEndpoint
from .transport.wake import Waker

log = logging.getLogger("pyros.agent")

__all__ = ["Agent", "AgentStats", "Call", "Envelope"]

Listener = Callable[["Agent", str], None]


class Agent(EndpointsMixin):
    # Agent names (sections of pyros_agent_config.ini).
    ALERT_MANAGER = "alert_manager"
    SCHEDULER = "scheduler"

    # Built-in messages every agent answers.
    SHUTDOWN = "SHUTDOWN"
    STATUS = "STATUS"
    PING = "PING"
    BUILTIN_MESSAGES = (STATUS, PING, SHUTDOWN)
    ROUTINE_MESSAGES = frozenset({STATUS, PING})  # counted apart: they are not the agent's work

    def __init__(
        self,
        name: str,
        *,
        address: AgentAddress | None = None,
        config_path: str | None = None,
        max_frame_size: int | None = None,
        frame_timeout: float | None = None,
    ) -> None:
        if not name or not isinstance(name, str):
            raise ValueError("an agent needs a non-empty name")
        self.name = name
        self.actions_by_message: dict[str, Handler] = {}
        self._endpoint_actions: dict[str, Handler] = {}
        self._address = address
        self._config_path = config_path
        self.max_frame_size = max_frame_size or setting("PYROS_MAX_FRAME_SIZE")
        self.frame_timeout = frame_timeout or setting("PYROS_FRAME_TIMEOUT")
        self.stats = AgentStats()
        self.traffic = Traffic(int(setting("PYROS_TRAFFIC_KEPT")))
        self.endpoints: list[Endpoint] = []  # the endpoints running now
        self._given_endpoints: list[Endpoint] = []  # add_endpoint() before start: started at every start
        self.native: NativeEndpoint | None = None
        self.ready = threading.Event()
        self._inbox: SimpleQueue[Envelope | Call | None] = SimpleQueue()
        self._arrived: deque[Envelope] = deque()  # native messages read by the agent's own thread
        self._timers = TimerQueue()
        self._selector: selectors.BaseSelector | None = None
        self._waker: Waker | None = None
        self._sleeping = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()
        self._listeners: list[Listener] = []
        self._bind_error: str | None = None

    # --- to override ----------------------------------------------------------------------------
    def work(self) -> None:
        """Runs first in the agent's thread: non-blocking setup (endpoints, timers)."""

    def shutdown(self) -> None:
        """Runs in the agent's thread when it stops: undo what ``work()`` did outside the agent."""

    # --- lifecycle --------------------------------------------------------------------------------
    @property
    def address(self) -> AgentAddress:
        if self._address is None:
            self._address = load_config(self._config_path)[self.name]
        return self._address

    @property
    def bound_address(self) -> tuple[str, int] | None:
        """Where the native endpoint listens (None when not listening)."""
        try:
            return None if self.native is None else self.native.address
        except (RuntimeError, OSError):
            return None

    @property
    def state(self) -> AgentState:
        return self.stats.state

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def in_agent_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def start(self) -> None:
        """Start the agent's thread (idempotent: a running agent is left alone)."""
        with self._lifecycle:
            if self.is_alive():
                return
            self._stopping.clear()
            self.ready.clear()
            self._inbox = SimpleQueue()
            self._arrived.clear()
            self._waker = Waker()
            self._set_state(AgentState.STARTING)
            self._thread = threading.Thread(target=self._run, name=f"agent-{self.name}", daemon=True)
            self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Wait until the agent serves messages (or failed to start: see ``state``)."""
        return self.ready.wait(timeout) and self.state == AgentState.RUNNING

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the agent to stop and wait for its thread (``shutdown()`` runs in it)."""
        with self._lifecycle:
            thread = self._thread
            self._stopping.set()
            self._inbox.put(None)
            self._wake()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.error("agent %s did not stop within %g s", self.name, timeout)

    def add_listener(self, listener: Listener) -> None:
        """``listener(agent, event)`` is called on ``"state"`` changes and after each ``"message"``."""
        self._listeners.append(listener)

    # --- work in the agent's thread -----------------------------------------------------------------
    def call_soon(self, callback: Callback, *args: Any) -> Call:
        """Run ``callback(*args)`` in the agent's thread, after what is already queued (thread-safe)."""
        call = Call(callback, args)
        self._inbox.put(call)
        if self._sleeping:
            self._wake()
        return call

    def call_later(self, delay: float, callback: Callback, *args: Any) -> TimerHandle:
        """Run ``callback(*args)`` in the agent's thread in ``delay`` seconds (thread-safe)."""
        return self._add_timer(delay, callback, args, None)

    def call_every(self, interval: float, callback: Callback, *args: Any) -> TimerHandle:
        """Run ``callback(*args)`` in the agent's thread every ``interval`` seconds, first after one
        interval; deadlines stay on the grid (no drift), ticks missed while busy are skipped."""
        if not interval > 0:
            raise ValueError(f"call_every needs a positive interval, got {interval!r}")
        return self._add_timer(interval, callback, args, float(interval))

    def _add_timer(self, delay: float, callback: Callback, args: tuple[Any, ...], every: float | None) -> TimerHandle:
        if not callable(callback):
            raise TypeError(f"{callback!r} is not callable")
        handle = self._timers.add(float(delay), callback, args, every)
        if self._sleeping and not self.in_agent_thread():
            self._wake()
        return handle

    def _run(self) -> None:
        worked = False
        try:
            if not self._open_endpoints():
                return
            wait_for_apps()
            freeze_startup_heap()
            bind_traffic(self.name, self.traffic)
            self.stats.started_at = time.time()
            worked = True
            self._guarded(self.work)
            self._set_state(AgentState.RUNNING)
            self.ready.set()
            self._serve()
        except Exception as exc:  # the thread ends here; the runtime's supervisor restarts it
            self.stats.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.exception("agent %s crashed", self.name)
            self._set_state(AgentState.CRASHED)
        finally:
            if worked:
                self._safe_shutdown()
            self._timers.clear()
            self._close_endpoints()
            close_connections()
            if self.stats.state not in (AgentState.CRASHED, AgentState.PORT_IN_USE):
                self._set_state(AgentState.STOPPED)
            self.ready.set()

    def _guarded(self, function: Callable[[], Any]) -> Any:
        tidy_connections()
        try:
            return function()
        finally:
            tidy_connections()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            envelope = self.receive()
            if envelope is None:
                break
            self.analyze_message(envelope)

    def receive(self, timeout: float | None = None) -> Envelope | None:
        """The next inbound native message (None: stop requested, or nothing within ``timeout``).

        While it waits it runs what ``call_soon`` queued and the timers that fall due. Native clients
        are served by this thread itself (their sockets are on the agent's selector).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        inbox = self._inbox
        while True:
            if self._arrived:
                return self._arrived.popleft()
            while not inbox.empty():
                item = inbox.get_nowait()
                if isinstance(item, Envelope):
                    return item
                if item is not None and not item.cancelled:
                    self._run_callback(item.callback, item.args)
            if self._stopping.is_set():
                return None
            if self._timers.next_deadline() is not None:
                for handle in self._timers.pop_due():
                    if not handle.cancelled:
                        self._run_callback(handle.callback, handle.args)
                if not inbox.empty() or self._arrived:
                    continue
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return None
            next_timer = self._timers.next_deadline()
            if next_timer is not None:
                until = max(next_timer - time.monotonic(), 0.0)
                wait = until if wait is None else min(wait, until)
            self._poll(wait)

    def _run_callback(self, callback: Callback, args: tuple[Any, ...]) -> None:
        tidy_connections()
        try:
            callback(*args)
        except Exception as exc:
            self._count_error(f"callback {getattr(callback, '__qualname__', callback)!r}", exc)
        finally:
            tidy_connections()

    def _count_error(self, what: str, exc: Exception) -> None:
        stats = self.stats
        stats.errors += 1
        stats.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("agent %s: %s raised %s", self.name, what, stats.last_error, exc_info=exc)
        if self._listeners:
            self._notify("message")

    def _poll(self, wait: float | None) -> None:
        native = self.native
        if native is not None:
            native.flush()
            frame_deadline = native.next_deadline()
            if frame_deadline is not None:
                until = max(frame_deadline - time.monotonic(), 0.0)
                wait = until if wait is None else min(wait, until)
        selector = self._selector
        if selector is None:
            raise RuntimeError(f"agent {self.name}: receive() outside the agent's thread")
        self._sleeping = True
        try:
            # Re-checked once asleep-flagged: work queued or a timer set by another thread just before
            # this point did not wake us (the other side saw _sleeping still False).
            if not self._inbox.empty():
                return
            next_timer = self._timers.next_deadline()
            if next_timer is not None:
                until = max(next_timer - time.monotonic(), 0.0)
                wait = until if wait is None else min(wait, until)
            events = selector.select(wait)
        finally:
            self._sleeping = False
        for key, mask in events:
            if key.data is None:
                if self._waker is not None:
                    self._waker.drain()
            elif native is not None:
                native.handle(key, mask, self._deliver)
        if native is not None:
            native.expire(time.monotonic())

    def _deliver(self, message: Message, conn: FrameConnection) -> None:
        self._arrived.append(Envelope(message, conn.send_message))

    def _wake(self) -> None:
        waker = self._waker
        if waker is not None:
            waker.wake()

    def analyze_message(self, envelope: Envelope) -> None:
        """Dispatch one native message and send its reply (or error reply)."""
        response = self.handle(envelope.message)
        if response is not None and envelope.reply is not None:
            self.send_reply(envelope.reply, envelope.message, response)

    def handle(self, message: Message) -> Message | None:
        """Dispatch ``message`` in the agent's thread; the reply or error reply to send back, or None
        when the message wants none. What endpoints call (from a ``call_soon`` callback)."""
        stats = self.stats
        mtype = message.type
        if mtype in self.actions_by_message or mtype in self._endpoint_actions or mtype == self.SHUTDOWN:
            stats.messages_handled += 1
            stats.last_message = mtype
            stats.last_message_at = at = time.time()
            tidy_connections()
            try:
                response = message.reply(self.dispatch(message), self.name)
                outcome = "ok"
            except Exception as exc:
                stats.errors += 1
                stats.last_error = outcome = f"{type(exc).__name__}: {exc}"
                log.warning("agent %s: handler for %r raised %s", self.name, mtype, stats.last_error)
                response = message.error("HandlerError", str(exc), self.name, exception=type(exc).__name__)
            finally:
                tidy_connections()
            self.traffic.note(IN, message.sender or "?", mtype, outcome, at)
            if self._listeners:
                self._notify("message")
        elif mtype in self.ROUTINE_MESSAGES:
            stats.routine_handled += 1
            response = message.reply(self.dispatch(message), self.name)
        else:
            stats.unknown_messages += 1
            self.traffic.note(IN, message.sender or "?", mtype, "unknown message")
            known = self.known_messages()
            text = f"agent {self.name!r} does not know message {mtype!r}; it knows: {', '.join(known)}"
            response = message.error("UnknownMessage", text, self.name, known=known)
        return response if message.expects_reply else None

    def send_reply(self, reply: Reply, message: Message, response: Message) -> None:
        """Send ``response`` with ``reply``; a result that cannot be encoded becomes a ``BadReply`` error
        reply (counted), a client that has gone is ignored. Runs in the agent's thread."""
        try:
            reply(response)
        except (TypeError, ValueError, RecursionError) as exc:  # the result cannot be encoded
            self.stats.errors += 1
            text = f"the reply to {message.type!r} cannot be encoded: {type(exc).__name__}: {exc}"
            log.warning("agent %s: %s", self.name, text)
            self._safe_reply(reply, message.error("BadReply", text, self.name))
        except OSError:
            log.debug("agent %s: the client of %r left before its reply", self.name, message.type)

    def _safe_reply(self, reply: Reply, response: Message) -> None:
        try:
            reply(response)
        except (OSError, TypeError, ValueError) as exc:
            log.warning(
                "agent %s: the error reply could not be sent either: %s: %s", self.name, type(exc).__name__, exc
            )

    def dispatch(self, message: Message) -> Any:
        handler = self.actions_by_message.get(message.type)
        if handler is not None:
            return handler(message)
        handler = self._endpoint_actions.get(message.type)
        if handler is not None:
            return handler(message)
        if message.type == self.STATUS:
            return self.status()
        if message.type == self.PING:
            return "PONG"
        if message.type == self.SHUTDOWN:
            self._stopping.set()
            return f"agent {self.name} shutting down"
        raise UnknownMessageTypeError(f"agent {self.name!r} does not know message {message.type!r}")

    def known_messages(self) -> list[str]:
        return sorted(set(self.actions_by_message) | set(self._endpoint_actions) | set(self.BUILTIN_MESSAGES))

    def status(self) -> dict[str, Any]:
        stats = self.stats
        bound = self.bound_address
        return {
            "name": self.name,
            "state": stats.state,
            "started_at": stats.started_at,
            "messages_handled": stats.messages_handled,
            "routine_handled": stats.routine_handled,
            "unknown_messages": stats.unknown_messages,
            "errors": stats.errors,
            "last_message": stats.last_message,
            "last_message_at": stats.last_message_at,
            "last_error": stats.last_error,
            "thread_alive": self.is_alive(),
            "host": bound[0] if bound else (self._address.host if self._address else None),
            "port": bound[1] if bound else (self._address.port if self._address else None),
            "messages": self.known_messages(),
            "timers": len(self._timers),
            "native": describe_endpoint(native) if (native := self.native) is not None else None,
            "endpoints": [describe_endpoint(ep) for ep in list(self.endpoints)],
            "traffic": [entry.as_dict() for entry in self.traffic.recent()],
        }

    def _safe_shutdown(self) -> None:
        try:
            self._guarded(self.shutdown)
        except Exception:
            log.exception("agent %s: shutdown() raised", self.name)

    def _set_state(self, state: AgentState) -> None:
        self.stats.state = state
        self._notify("state")

    def _notify(self, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(self, event)
            except Exception:
                log.exception("agent %s: status listener failed", self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.state}>"
