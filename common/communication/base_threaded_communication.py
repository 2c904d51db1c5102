"""``pymasep.communication.BaseThreadedCommunication``: what Server and Client share, the registry of
connections by peer id (ids are unique: a duplicate is refused, never silently overwritten).

Logging goes to the ``pyros.pymasep.<Server|Client>`` logger at ``log_level``; no log file is
written anywhere (pymasep 0.2 wrote ``logs/<class>-<id>.log`` in the working directory).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..conf import setting
from .exceptions import DuplicateConnectionError, UnknownConnectionError
from .frame import Frame
from .transport import SocketHandler


class BaseThreadedCommunication:
    def __init__(
        self,
        ident: str,
        socket_handler_class: type[SocketHandler],
        socket_handler_args: tuple[Any, ...],
        host: str | None,
        port: int | None,
        log_level: str | int,
        *,
        handshake_timeout: float | None = None,
        io_timeout: float | None = None,
    ) -> None:
        if not isinstance(ident, str) or not ident:
            raise ValueError(f"a pymasep id is a non-empty str, got {ident!r}")
        self.id = ident
        self.host = host
        self.port = port
        self.socket_handler_class = socket_handler_class
        self.socket_handler_args = tuple(socket_handler_args)
        self.handshake_timeout: float = handshake_timeout or setting("PYMASEP_HANDSHAKE_TIMEOUT")
        self.io_timeout: float = io_timeout or setting("PYMASEP_IO_TIMEOUT")
        self.logger = logging.getLogger(f"pyros.pymasep.{type(self).__name__}")
        self.logger.setLevel(log_level)
        self._current_connections: dict[str, SocketHandler] = {}
        self._current_connections_lock = threading.Lock()
        self._connections_changed = threading.Condition(self._current_connections_lock)

    # --- the registry ---------------------------------------------------------------------------
    def add_connection(self, ident: str, sh: SocketHandler) -> None:
        """Register ``sh`` under the peer's id; :class:`DuplicateConnectionError` if it is taken."""
        with self._current_connections_lock:
            self._add_locked(ident, sh)

    def _add_locked(self, ident: str, sh: SocketHandler) -> None:
        if ident in self._current_connections:
            raise DuplicateConnectionError(ident)
        self._current_connections[ident] = sh
        sh.peer_id = ident
        sh._on_close = self._forget
        self._connections_changed.notify_all()

    def _forget(self, sh: SocketHandler) -> None:
        with self._current_connections_lock:
            if sh.peer_id is not None and self._current_connections.get(sh.peer_id) is sh:
                del self._current_connections[sh.peer_id]
                self._connections_changed.notify_all()

    def get_connection(self, ident: str) -> SocketHandler:
        with self._current_connections_lock:
            try:
                return self._current_connections[ident]
            except KeyError:
                raise UnknownConnectionError(ident, sorted(self._current_connections)) from None

    def is_connection_registered(self, ident: str) -> bool:
        with self._current_connections_lock:
            return ident in self._current_connections

    def connection_ids(self) -> list[str]:
        with self._current_connections_lock:
            return sorted(self._current_connections)

    def wait_for_connections(self, predicate: Callable[[list[str]], bool], timeout: float) -> bool:
        """Wait until ``predicate(sorted ids)`` holds (True) or ``timeout`` passes (False)."""
        with self._connections_changed:
            return self._connections_changed.wait_for(lambda: predicate(sorted(self._current_connections)), timeout)

    def send_frame_to(self, ident: str, frame: Frame) -> None:
        """Send a frame to the connection ``ident`` (a bye frame also ends that connection)."""
        self.get_connection(ident).send_frame_async(frame)

    def _stop_connections(self, timeout: float) -> None:
        """Say BYE to every connection, end their threads and wait for them."""
        with self._current_connections_lock:
            handlers = list(self._current_connections.values())
        for handler in handlers:
            handler.say_bye()
            handler.stop(timeout)

    def __enter__(self) -> BaseThreadedCommunication:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_connections(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self.stop(timeout)
