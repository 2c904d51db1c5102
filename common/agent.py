"""The pyros agent: one thread, one inbox, dispatch through ``actions_by_message``.

A subclass names itself, declares its messages and maps them to methods::

    class SchedulerAgent(Agent):
        MSG_OBS_FINISHED = "Observation finished"

        def __init__(self, **kwargs):
            super().__init__(Agent.SCHEDULER, **kwargs)
            self.actions_by_message = {self.MSG_OBS_FINISHED: self.observation_finished}

        def observation_finished(self, message):
            return {"ack": message.params.get("id")}

``start()`` starts the agent's thread: it binds the agent's endpoints (the native TCP endpoint at
the address of its section in ``pyros_agent_config.ini``, plus any extra endpoint the section
configures), runs ``work()``, then serves messages through ``receive()`` and
``analyze_message()`` until ``stop()`` or the ``SHUTDOWN`` message; ``shutdown()`` then runs in
the agent's thread. A handler's return value is the reply; a handler that raises produces an error
reply (and is counted), never a dead agent.
"""

from __future__ import annotations

import errno
import logging
import selectors
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, Protocol

from . import directory
from .conf import setting
from .config import AgentAddress, load_config
from .ivy_agent import IvyAgentMixin  # Ivy bus: bind_ivy / send_ivy (issue 4)
from .protocol import Message
from .transport.native import FrameConnection, NativeEndpoint
from .transport.wake import Waker

log = logging.getLogger("pyros.agent")

Handler = Callable[[Message], Any]
Reply = Callable[[Message], None]
Listener = Callable[["Agent", str], None]

# Agent states.
STARTING = "starting"
RUNNING = "running"
STOPPED = "stopped"
CRASHED = "crashed"
PORT_IN_USE = "port in use"


class Endpoint(Protocol):
    """Something that feeds an agent's inbox (native TCP, Ivy bus, pymasep, Net_Node ...)."""

    name: str

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def describe(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class Envelope:
    """An inbound message and where its reply goes (``reply`` is None when none is wanted)."""

    message: Message
    reply: Reply | None = None
    origin: str = "native"


@dataclass(slots=True)
class AgentStats:
    state: str = STOPPED
    started_at: float | None = None
    messages_handled: int = 0
    errors: int = 0
    last_message: str | None = None
    last_message_at: float | None = None
    last_error: str | None = None


# Extra endpoints: callables (agent, address) -> Endpoint | None, registered by the dialect
# integrations (Ivy, pymasep, Net_Node) in common/endpoints.py.
EndpointFactory = Callable[["Agent", AgentAddress], "Endpoint | None"]


class Agent(IvyAgentMixin):  # IvyAgentMixin: Ivy bus methods (issue 4)
    # Agent names (sections of pyros_agent_config.ini).
    ALERT_MANAGER = "alert_manager"
    SCHEDULER = "scheduler"

    # Built-in messages every agent answers.
    SHUTDOWN = "SHUTDOWN"
    STATUS = "STATUS"
    PING = "PING"
    BUILTIN_MESSAGES = (STATUS, PING, SHUTDOWN)

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
        # Built-in actions added by endpoints (e.g. "send this text on my Ivy bus"); the subclass's
        # actions_by_message wins over them.
        self.extra_actions: dict[str, Handler] = {}
        self._address = address
        self._config_path = config_path
        self.max_frame_size = max_frame_size or setting("PYROS_MAX_FRAME_SIZE")
        self.frame_timeout = frame_timeout or setting("PYROS_FRAME_TIMEOUT")
        self.stats = AgentStats()
        self.endpoints: list[Endpoint] = []
        self.native: NativeEndpoint | None = None
        self.ready = threading.Event()
        self._inbox: SimpleQueue[Envelope | None] = SimpleQueue()
        self._arrived: deque[Envelope] = deque()  # native messages read by the agent's own thread
        self._selector: selectors.BaseSelector | None = None
        self._waker: Waker | None = None
        self._sleeping = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()
        self._listeners: list[Listener] = []

    # --- to override ----------------------------------------------------------------------------
    def work(self) -> None:
        """Runs first in the agent's thread: non-blocking setup; may start helper threads."""

    def shutdown(self) -> None:
        """Runs in the agent's thread when it stops: stop what ``work()`` started."""

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
    def state(self) -> str:
        return self.stats.state

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

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
            self._set_state(STARTING)
            self._thread = threading.Thread(target=self._run, name=f"agent-{self.name}", daemon=True)
            self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Wait until the agent serves messages (or failed to start: see ``state``)."""
        return self.ready.wait(timeout) and self.state == RUNNING

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

    # --- the agent's thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        worked = False
        try:
            if not self._open_endpoints():
                return
            self.stats.started_at = time.time()
            worked = True
            self.work()
            self._set_state(RUNNING)
            self.ready.set()
            self._serve()
        except Exception as exc:  # the thread ends here; the runtime's supervisor restarts it
            self.stats.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.exception("agent %s crashed", self.name)
            self._set_state(CRASHED)
        finally:
            if worked:
                self._safe_shutdown()
            self._close_endpoints()
            if self.stats.state not in (CRASHED, PORT_IN_USE):
                self._set_state(STOPPED)
            self.ready.set()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            envelope = self.receive()
            if envelope is None:
                break
            self.analyze_message(envelope)

    def receive(self, timeout: float | None = None) -> Envelope | None:
        """The next inbound message (None: stop requested, or nothing within ``timeout``).

        Native clients are served by this thread itself (their sockets are on the agent's
        selector); other endpoints' threads put their messages in the inbox and wake it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._arrived:
                return self._arrived.popleft()
            if not self._inbox.empty():
                return self._inbox.get_nowait()
            if self._stopping.is_set():
                return None
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return None
            self._poll(wait)

    def _poll(self, wait: float | None) -> None:
        native = self.native
        if native is not None:
            native.flush()
            frame_deadline = native.next_deadline()
            if frame_deadline is not None:
                until = max(frame_deadline - time.monotonic(), 0.0)
                wait = until if wait is None else min(wait, until)
        self._sleeping = True
        try:
            if not self._inbox.empty():
                return
            assert self._selector is not None  # set in _run before serving
            events = self._selector.select(wait)
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

    def submit(self, message: Message, reply: Reply | None = None, origin: str = "native") -> None:
        """Queue a message for the agent's thread (thread-safe; what endpoints call)."""
        self._inbox.put(Envelope(message, reply, origin))
        if self._sleeping:
            self._wake()

    def _wake(self) -> None:
        waker = self._waker
        if waker is not None:
            waker.wake()

    def analyze_message(self, envelope: Envelope) -> None:
        """Dispatch one message and send its reply (or error reply)."""
        message = envelope.message
        stats = self.stats
        stats.messages_handled += 1
        stats.last_message = message.type
        stats.last_message_at = time.time()
        try:
            result = self.dispatch(message)
            response = message.reply(result, self.name)
        except _UnknownMessage as exc:
            stats.errors += 1
            response = message.error("UnknownMessage", str(exc), self.name, known=exc.known)
        except Exception as exc:
            stats.errors += 1
            stats.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("agent %s: handler for %r raised %s", self.name, message.type, stats.last_error)
            response = message.error("HandlerError", str(exc), self.name, exception=type(exc).__name__)
        if envelope.reply is not None and message.expects_reply:
            self._send_reply(envelope.reply, message, response)
        if self._listeners:
            self._notify("message")

    def _send_reply(self, reply: Reply, message: Message, response: Message) -> None:
        try:
            reply(response)
        except (TypeError, ValueError) as exc:  # the result cannot be encoded
            self.stats.errors += 1
            text = f"the reply to {message.type!r} cannot be encoded: {exc}"
            log.warning("agent %s: %s", self.name, text)
            self._safe_reply(reply, message.error("BadReply", text, self.name))
        except OSError:
            log.debug("agent %s: the client of %r left before its reply", self.name, message.type)

    def _safe_reply(self, reply: Reply, response: Message) -> None:
        try:
            reply(response)
        except (OSError, TypeError, ValueError):
            pass

    def dispatch(self, message: Message) -> Any:
        handler = self.actions_by_message.get(message.type)
        if handler is not None:
            return handler(message)
        handler = self.extra_actions.get(message.type)
        if handler is not None:
            return handler(message)
        if message.type == self.STATUS:
            return self.status()
        if message.type == self.PING:
            return "PONG"
        if message.type == self.SHUTDOWN:
            self._stopping.set()
            return f"agent {self.name} shutting down"
        raise _UnknownMessage(self.name, message.type, self.known_messages())

    def known_messages(self) -> list[str]:
        return sorted(set(self.actions_by_message) | set(self.extra_actions) | set(self.BUILTIN_MESSAGES))

    def status(self) -> dict[str, Any]:
        stats = self.stats
        bound = self.bound_address
        return {
            "name": self.name,
            "state": stats.state,
            "started_at": stats.started_at,
            "messages_handled": stats.messages_handled,
            "errors": stats.errors,
            "last_message": stats.last_message,
            "last_message_at": stats.last_message_at,
            "last_error": stats.last_error,
            "thread_alive": self.is_alive(),
            "host": bound[0] if bound else (self._address.host if self._address else None),
            "port": bound[1] if bound else (self._address.port if self._address else None),
            "messages": self.known_messages(),
            "endpoints": [_describe(ep) for ep in list(self.endpoints)],
        }

    # --- endpoints ----------------------------------------------------------------------------------
    def _open_endpoints(self) -> bool:
        address = self.address
        self._selector = selectors.DefaultSelector()
        assert self._waker is not None  # created by start()
        self._selector.register(self._waker.reader, selectors.EVENT_READ, None)
        self.native = NativeEndpoint(
            address.host,
            address.port,
            name=f"{self.name}-native",
            max_frame_size=self.max_frame_size,
            frame_timeout=self.frame_timeout,
        )
        try:
            self.native.start(self._selector)
        except OSError as exc:
            self.native = None
            return self._bind_failed(address, "port", address.port, exc)
        bound = self.native.address
        directory.publish(self.name, *bound)
        log.info("agent %s listening on %s:%s", self.name, *bound)
        from .endpoints import endpoint_factories

        for factory in endpoint_factories():
            endpoint = factory(self, address)
            if endpoint is None:
                continue
            try:
                endpoint.start()
            except OSError as exc:
                return self._bind_failed(address, endpoint.name, None, exc)
            self.endpoints.append(endpoint)
        return True

    def _bind_failed(self, address: AgentAddress, what: str, port: int | None, exc: OSError) -> bool:
        where = f"{address.host}:{port}" if port is not None else what
        if exc.errno == errno.EADDRINUSE:
            self.stats.last_error = (
                f"cannot listen on {where}: address already in use by another process "
                f"(is pyros already running? or change [{self.name}] {what} in {address.source or 'the config'})"
            )
            state = PORT_IN_USE
        else:
            self.stats.last_error = f"cannot listen on {where}: {exc.strerror or exc}"
            state = CRASHED
        log.error("agent %s: %s", self.name, self.stats.last_error)
        self._set_state(state)
        self._close_endpoints()
        return False

    def _close_endpoints(self) -> None:
        for endpoint in reversed(self.endpoints):
            try:
                endpoint.stop()
            except Exception:
                log.exception("agent %s: stopping endpoint %s failed", self.name, endpoint.name)
        self.endpoints = []
        if self.native is not None:
            bound = self.bound_address
            if bound is not None:
                directory.withdraw(self.name, bound)
            self.native.stop()
            self.native = None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self._waker is not None:
            self._waker.close()

    def _safe_shutdown(self) -> None:
        try:
            self.shutdown()
        except Exception:
            log.exception("agent %s: shutdown() raised", self.name)

    def _set_state(self, state: str) -> None:
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


def _describe(endpoint: Endpoint) -> dict[str, Any]:
    """An endpoint's status; one that is closing under a reader from another thread says so."""
    try:
        return endpoint.describe()
    except (OSError, RuntimeError) as exc:
        return {"name": endpoint.name, "error": f"{type(exc).__name__}: {exc}"}


class _UnknownMessage(Exception):
    def __init__(self, agent: str, message: str, known: list[str]) -> None:
        super().__init__(f"agent {agent!r} does not know message {message!r}; it knows: {', '.join(known)}")
        self.known = known
