"""``pymasep.communication.Client``: ``connect()`` to ``host:port`` (or to what ``search_server()``
found), hello both ways with a timeout, then a handler thread receives. ``stop()``/``close()`` says
BYE and joins the thread."""

from __future__ import annotations

import logging
import socket
from typing import Any

from ..conf import setting
from ..transport.exceptions import PeerClosedError
from .base_threaded_communication import BaseThreadedCommunication
from .codec import decode_hello
from .discovery import search_server
from .exceptions import (
    ClientRefusedError,
    HandshakeFailedError,
    HandshakeTimeoutError,
    NotConnectedError,
    PymasepError,
    ServerNotFoundError,
)
from .frame import Frame
from .transport import SocketHandler


class Client(BaseThreadedCommunication):
    def __init__(
        self,
        ident: str,
        socket_handler_class: type[SocketHandler],
        socket_handler_args: tuple[Any, ...],
        host: str | None = None,
        port: int | None = None,
        log_level: str | int = logging.WARNING,
        *,
        handshake_timeout: float | None = None,
        io_timeout: float | None = None,
        discovery_address: str | None = None,
        discovery_port: int | None = None,
        discovery_timeout: float | None = None,
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
        self.server_id: str | None = None
        self.socket: socket.socket | None = None
        self.discovery_address: str = discovery_address or setting("PYMASEP_DISCOVERY_ADDRESS")
        self.discovery_port: int = setting("PYMASEP_DISCOVERY_PORT") if discovery_port is None else discovery_port
        self.discovery_timeout: float = discovery_timeout or setting("PYMASEP_DISCOVERY_TIMEOUT")

    def connect(self) -> None:
        """Connect, exchange hellos (``handshake_timeout``), register the server, start receiving.

        Raises ``OSError`` (refused, unreachable), :class:`ClientRefusedError` (answered BYE: id taken
        or server full), :class:`HandshakeTimeoutError`, :class:`HandshakeFailedError`."""
        if self.host is None or self.port is None:
            raise NotConnectedError(f"client {self.id!r}: no server address: give host and port, or search_server()")
        sock = socket.create_connection((self.host, self.port), timeout=self.handshake_timeout)
        self.socket = sock
        handler = self.socket_handler_class(sock, (self.host, self.port), self.logger, *self.socket_handler_args)
        handler.io_timeout = self.io_timeout
        server_id = self._exchange_hellos(handler)
        self.server_id = server_id
        self.add_connection(server_id, handler)
        self.logger.debug("client %r connected to server %r", self.id, server_id)
        handler.start()

    def _exchange_hellos(self, handler: SocketHandler) -> str:
        try:
            return self._hello_answer(handler, f"{self.host}:{self.port}")
        except BaseException:
            handler.stop()
            raise

    def _hello_answer(self, handler: SocketHandler, where: str) -> str:
        try:
            handler.send_frame(Frame.hello_frame(self.id))
            answer = handler.receive_frame(timeout=self.handshake_timeout)
        except TimeoutError:
            raise HandshakeTimeoutError(
                f"server at {where} sent no hello within {self.handshake_timeout:g} s"
            ) from None
        except (PeerClosedError, OSError, PymasepError) as exc:
            raise HandshakeFailedError(f"handshake with {where} failed: {exc}") from None
        if answer.is_bye:
            raise ClientRefusedError(
                f"server at {where} refused client {self.id!r} (it answered BYE): this id is already "
                "connected, or the server has max_connection clients (the server's log says which)"
            )
        try:
            return decode_hello(answer.message)
        except PymasepError as exc:
            raise HandshakeFailedError(f"handshake with {where} failed: {exc}") from None

    def search_server(self, timeout: float | None = None) -> tuple[str, int]:
        """Find a server by UDP discovery at ``discovery_address:discovery_port``; sets and returns
        ``(host, port)``. :class:`ServerNotFoundError` when none answers within the timeout."""
        wait = timeout or self.discovery_timeout
        try:
            host, port = search_server(self.discovery_address, self.discovery_port, wait, self._ignored)
        except TimeoutError:
            raise ServerNotFoundError(
                f"no pymasep server answered at {self.discovery_address}:{self.discovery_port} within {wait:g} s"
            ) from None
        self.host, self.port = host, port
        return host, port

    def _ignored(self, data: bytes, sender: tuple[str, int]) -> None:
        self.logger.warning("ignored a discovery answer from %s: %r", sender, data[:80])

    def stop(self, timeout: float = 5.0) -> None:
        """Say BYE to the server and wait for the handler thread (idempotent)."""
        self._stop_connections(timeout)

    def __enter__(self) -> Client:
        return self
