"""``pymasep.communication.Server``: binds at construction, accepts in ``wait_connection()``.

Each accepted connection gets its own thread for the handshake (read the client's hello within
``handshake_timeout``, answer hello(server id), register, start the handler), so a client that
never says hello holds up nobody. ``max_connection`` is a real limit and ids are unique: the
client past the limit, or one whose id is already connected, is answered BYE and closed, and the
reason is logged (warning) and kept in ``refused``. ``stop()`` says BYE to every client and joins
every thread; nothing is left to ``__del__``.
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from typing import Any

from ..conf import setting
from ..transport.exceptions import PeerClosedError
from .base_threaded_communication import BaseThreadedCommunication
from .codec import decode_hello
from .discovery import AnnouncementResponder
from .exceptions import DuplicateConnectionError, PymasepError
from .frame import Frame
from .transport import Listener, SocketHandler


class Server(BaseThreadedCommunication):
    def __init__(
        self,
        ident: str,
        max_connection: int,
        socket_handler_class: type[SocketHandler],
        socket_handler_args: tuple[Any, ...],
        host: str,
        port: int,
        wait_announcement: bool = False,
        log_level: str | int = logging.WARNING,
        *,
        handshake_timeout: float | None = None,
        io_timeout: float | None = None,
        discovery_address: str | None = None,
        discovery_port: int | None = None,
    ) -> None:
        super().__init__(
            ident,
            socket_handler_class,
            socket_handler_args,
            host,
            port,
            log_level,
            handshake_timeout=handshake_timeout,
            io_timeout=io_timeout,
        )
        if not isinstance(max_connection, int) or max_connection < 1:
            raise ValueError(f"max_connection must be an int >= 1, got {max_connection!r}")
        self.max_connection = max_connection
        self.max_pending = max(16, max_connection)  # handshakes in progress at once
        self.refused: deque[tuple[str | None, str, str]] = deque(maxlen=100)  # (id, peer, reason)
        self.discovery_address: str = discovery_address or setting("PYMASEP_DISCOVERY_ADDRESS")
        self.discovery_port: int = setting("PYMASEP_DISCOVERY_PORT") if discovery_port is None else discovery_port
        self.listener = Listener(host, port, backlog=max(self.max_connection, 16), name=f"pymasep-{ident}")
        self.socket = self.listener.socket
        self.port = self.listener.address[1]
        self.wait_announcement_thread: AnnouncementResponder | None = None
        if wait_announcement:
            try:
                self._make_responder()
            except BaseException:
                self.listener.stop()
                raise

    # --- accepting ----------------------------------------------------------------------------------
    def wait_connection(self) -> None:
        """Start accepting clients (in a daemon thread)."""
        self.listener.start(self._handshake)

    def stop_wait_connection(self) -> None:
        """Stop accepting new clients (connected ones stay)."""
        self.listener.stop()

    def _handshake(self, conn: socket.socket, addr: Any) -> None:
        if self.listener.pending > self.max_pending:
            self._note_refusal(None, addr, f"{self.max_pending} handshakes already in progress")
            conn.close()
            return
        handler = self.socket_handler_class(conn, addr, self.logger, *self.socket_handler_args)
        handler.io_timeout = self.io_timeout
        client_id = self._read_hello(handler, addr)
        if client_id is None:
            return
        reason = self._admit(client_id, handler)
        if reason is not None:
            self._note_refusal(client_id, addr, reason)
            handler.refuse()
            return
        self.listener.detach()  # admitted: stop_wait_connection() must not cut it any more
        try:
            handler.send_frame(Frame.hello_frame(self.id))
        except OSError as exc:
            self.logger.info("client %r left during the handshake: %s", client_id, exc)
            handler.stop()
            return
        self.logger.info("client %r connected from %s", client_id, _label(addr))
        handler.start()

    def _read_hello(self, handler: SocketHandler, addr: Any) -> str | None:
        try:
            return decode_hello(handler.receive_frame(timeout=self.handshake_timeout).message)
        except TimeoutError:
            self._note_refusal(None, addr, f"no hello within {self.handshake_timeout:g} s")
        except (PeerClosedError, OSError) as exc:
            self.logger.info("connection from %s closed before its hello: %s", _label(addr), exc)
        except PymasepError as exc:
            self._note_refusal(None, addr, str(exc))
            handler.refuse()
            return None
        handler.stop()
        return None

    def _admit(self, client_id: str, handler: SocketHandler) -> str | None:
        """Register the client, or say why not (under the registry lock: the check is atomic)."""
        with self._current_connections_lock:
            if len(self._current_connections) >= self.max_connection and client_id not in self._current_connections:
                return f"max_connection ({self.max_connection}) clients already connected"
            try:
                self._add_locked(client_id, handler)
            except DuplicateConnectionError as exc:
                return f"duplicate client id: {exc}"
        return None

    def _note_refusal(self, client_id: str | None, addr: Any, reason: str) -> None:
        who = f"client {client_id!r}" if client_id is not None else "a client"
        self.logger.warning("server %r refused %s from %s: %s", self.id, who, _label(addr), reason)
        self.refused.append((client_id, _label(addr), reason))

    # --- discovery ----------------------------------------------------------------------------------
    def _make_responder(self) -> AnnouncementResponder:
        if self.wait_announcement_thread is None:
            self.wait_announcement_thread = AnnouncementResponder(
                self.discovery_address,
                self.discovery_port,
                self.host or "",
                self.listener.address[1],
                name=f"pymasep-{self.id}",
            )
        return self.wait_announcement_thread

    def wait_announcement(self) -> None:
        """Answer discovery requests at ``discovery_address:discovery_port`` with this server's address
        (``announcement_port`` is the bound UDP port, for a discovery port of 0)."""
        self._make_responder().start()

    @property
    def announcement_port(self) -> int | None:
        return None if self.wait_announcement_thread is None else self.wait_announcement_thread.port

    def stop_wait_announcement(self) -> None:
        if self.wait_announcement_thread is not None:
            self.wait_announcement_thread.stop()
            self.wait_announcement_thread = None

    # --- stopping -----------------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        """Stop discovery and accepting, say BYE to every client, join every thread (idempotent)."""
        self.stop_wait_announcement()
        self.listener.stop(timeout)
        self._stop_connections(timeout)

    def __enter__(self) -> Server:
        return self


def _label(addr: Any) -> str:
    return f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else str(addr)
