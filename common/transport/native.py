"""The native pyros endpoint: length-prefixed JSON frames over TCP into an agent's inbox.

Each connection thread decodes frames (``common.protocol``) and submits the messages to a
callback; replies go back through :class:`FrameConnection.send`, one write per frame (or per batch
of frames), under a lock, with TCP_NODELAY. Oversized or malformed input gets an error frame and
the connection is closed; a client that stalls mid-frame is timed out. Other connections are not
affected.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from ..protocol import ERROR, U32_BE, FrameDecoder, Message, ProtocolError, decode_message, frame_message
from .tcp import ThreadedTCPServer

log = logging.getLogger("pyros.transport")


class FrameConnection:
    """The sending half of one client connection (thread-safe)."""

    __slots__ = ("_lock", "_sock", "closed", "peer")

    def __init__(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self.peer = f"{peer[0]}:{peer[1]}"
        self.closed = False

    def send(self, data: bytes) -> None:
        """Write whole frames; raises OSError if the client has gone."""
        with self._lock:
            self._sock.sendall(data)

    def send_message(self, message: Message) -> None:
        self.send(frame_message(message))


MessageCallback = Callable[[Message, FrameConnection], None]


class NativeEndpoint:
    """TCP server speaking native frames; ``on_message(message, connection)`` runs on the connection
    thread for each decoded message, in order."""

    def __init__(
        self,
        host: str,
        port: int,
        on_message: MessageCallback,
        *,
        name: str = "native",
        max_frame_size: int = 1024 * 1024,
        frame_timeout: float = 10.0,
    ) -> None:
        self.on_message = on_message
        self.name = name
        self.max_frame_size = max_frame_size
        self.frame_timeout = frame_timeout
        self.server = ThreadedTCPServer(host, port, self._handle, name=name)

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    def start(self) -> None:
        self.server.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.server.stop(timeout)

    def _handle(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = FrameConnection(sock, peer)
        decoder = FrameDecoder(U32_BE, self.max_frame_size)
        try:
            self._read_loop(sock, conn, decoder)
        finally:
            conn.closed = True

    def _read_loop(self, sock: socket.socket, conn: FrameConnection, decoder: FrameDecoder) -> None:
        while True:
            sock.settimeout(self.frame_timeout if decoder.pending else None)
            try:
                data = sock.recv(262144)
            except TimeoutError:
                self._refuse(conn, "FrameTimeout", f"no complete frame within {self.frame_timeout:g} s")
                return
            except OSError:
                return
            if not data:
                return
            decoder.receive_data(data)
            try:
                while (payload := decoder.next_frame()) is not None:
                    self.on_message(decode_message(payload), conn)
            except ProtocolError as exc:
                self._refuse(conn, type(exc).__name__.removesuffix("Error"), str(exc))
                return

    def _refuse(self, conn: FrameConnection, error: str, text: str) -> None:
        log.warning("%s: closing connection from %s: %s", self.name, conn.peer, text)
        try:
            conn.send_message(Message("FRAME", {"error": error, "message": text}, 0, self.name, ERROR))
        except OSError:
            pass
