"""How an agent opens, runs and closes its endpoints (the native TCP port first, then those of its
configuration keys and those given to ``add_endpoint``), and the built-in actions endpoints add.

A mixin of :class:`common.agent.Agent`, kept apart so the agent's loop reads on its own; it uses the
agent's attributes declared below.
"""

from __future__ import annotations

import errno
import logging
import selectors
import threading
from collections.abc import Callable
from typing import Any

from . import directory, endpoints
from .config import AgentAddress
from .endpoints import Endpoint
from .records import AgentStats, Call, Handler
from .states import AgentState
from .transport.native import NativeEndpoint
from .transport.wake import Waker

log = logging.getLogger("pyros.agent")


class EndpointsMixin:
    name: str
    stats: AgentStats
    native: NativeEndpoint | None
    endpoints: list[Endpoint]
    max_frame_size: int
    frame_timeout: float
    _given_endpoints: list[Endpoint]
    _endpoint_actions: dict[str, Handler]
    _selector: selectors.BaseSelector | None
    _waker: Waker | None
    _bind_error: str | None
    _thread: threading.Thread | None
    address: AgentAddress
    bound_address: tuple[str, int] | None
    call_soon: Callable[..., Call]
    is_alive: Callable[[], bool]
    in_agent_thread: Callable[[], bool]
    _set_state: Callable[[AgentState], None]

    def add_endpoint(self, endpoint: Endpoint) -> None:
        """Attach an endpoint. Given in ``__init__`` (before ``start()``) it is started at every start
        of the agent, so its ``start()`` must work again after ``stop()``; given in ``work()`` or a
        handler it starts at once and is dropped when the agent stops."""
        for method in ("start", "stop", "describe"):
            if not callable(getattr(endpoint, method, None)):
                raise TypeError(f"{endpoint!r} is not an endpoint: it has no {method}()")
        if self.in_agent_thread():
            self._start_endpoint(endpoint)
        elif self.is_alive():
            self.call_soon(self._start_endpoint, endpoint)
        else:
            self._given_endpoints.append(endpoint)

    def add_action(self, message_type: str, handler: Handler) -> None:
        """A built-in action of an endpoint (``IVY_SEND`` ...); the agent's own ``actions_by_message``
        wins over it. Called from the agent's thread (an endpoint's ``start()``)."""
        self._endpoint_actions[message_type] = handler

    def remove_action(self, message_type: str) -> None:
        self._endpoint_actions.pop(message_type, None)

    # --- the agent's thread ---------------------------------------------------------------------------
    # --- endpoints ----------------------------------------------------------------------------------
    def _open_endpoints(self) -> bool:
        address = self.address
        self._selector = selectors.DefaultSelector()
        if self._waker is None:
            raise RuntimeError(f"agent {self.name}: started without start()")
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
        self._bind_error = None
        bound = self.native.address
        directory.publish(self.name, *bound)
        log.info("agent %s listening on %s:%s", self.name, *bound)
        configured = [factory(self, address) for factory in endpoints.factories_for(address.options)]
        for endpoint in [*configured, *self._given_endpoints]:
            if endpoint is None:
                continue
            try:
                self._start_endpoint(endpoint)
            except OSError as exc:
                return self._bind_failed(address, endpoint.name, None, exc)
        return True

    def _start_endpoint(self, endpoint: Endpoint) -> None:
        endpoint.start()
        self.endpoints.append(endpoint)

    def _bind_failed(self, address: AgentAddress, what: str, port: int | None, exc: OSError) -> bool:
        where = f"{address.host}:{port}" if port is not None else what
        if exc.errno == errno.EADDRINUSE:
            self.stats.last_error = (
                f"cannot listen on {where}: address already in use by another process "
                f"(is pyros already running? or change [{self.name}] {what} in {address.source or 'the config'})"
            )
            state = AgentState.PORT_IN_USE
        else:
            self.stats.last_error = f"cannot listen on {where}: {exc.strerror or exc}"
            state = AgentState.CRASHED
        # Logged once per episode: a supervisor retrying a taken port does not repeat it.
        repeated = self._bind_error == self.stats.last_error
        self._bind_error = self.stats.last_error
        log.log(logging.DEBUG if repeated else logging.ERROR, "agent %s: %s", self.name, self.stats.last_error)
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
        self._endpoint_actions.clear()
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


def describe_endpoint(endpoint: Endpoint) -> dict[str, Any]:
    """An endpoint's status; one that is closing under a reader from another thread says so."""
    try:
        return endpoint.describe()
    except (OSError, RuntimeError) as exc:
        return {"name": endpoint.name, "error": f"{type(exc).__name__}: {exc}"}
