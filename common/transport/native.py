"""The native pyros endpoint: length-prefixed JSON frames over TCP, served by the agent's own thread.

The endpoint is non-blocking and driven by a selector that the agent's thread waits on (together
with its wake-up socket), so a request is read, dispatched and answered in one thread: no hand-off
between threads on the hot path. Replies are buffered per connection and flushed once per loop
turn (one write for a whole batch of pipelined replies, never a frame split across calls by us).
Oversized or malformed input gets an error frame and the connection is closed; a client that
stalls mid-frame for ``frame_timeout`` seconds is timed out; a client that stops reading while
more than ``max_output`` bytes of replies wait is dropped. Other connections are not affected.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time
from collections.abc import Callable

from ..protocol import ERROR, U32_BE, FrameDecoder, Message, ProtocolError, decode_message, frame_message

log = logging.getLogger("pyros.transport")

RECV_SIZE = 262144


class FrameConnection:
    """One client connection (used by the agent's thread only)."""

    __slots__ = ("closed", "decoder", "endpoint", "last_progress", "out", "peer", "sock", "want_write")

    def __init__(self, endpoint: NativeEndpoint, sock: socket.socket, peer: tuple[str, int]) -> None:
        self.endpoint = endpoint
        self.sock = sock
        self.peer = f"{peer[0]}:{peer[1]}"
        self.decoder = FrameDecoder(U32_BE, endpoint.max_frame_size)
        self.out = bytearray()
        self.want_write = False
        self.closed = False
        self.last_progress = time.monotonic()

    def send(self, data: bytes) -> None:
        """Queue whole frames; they are written when the agent's loop flushes."""
        if self.closed:
            raise ConnectionResetError(f"client {self.peer} has gone")
        if not self.out:
            self.endpoint.dirty.append(self)
        self.out += data

    def send_message(self, message: Message) -> None:
        self.send(frame_message(message))

    def flush(self) -> None:
        if self.closed or not self.out:
            return
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self.endpoint.close(self)
            return
        del self.out[:sent]
        if self.out and len(self.out) > self.endpoint.max_output:
            log.warning("%s: dropping %s: it does not read its replies", self.endpoint.name, self.peer)
            self.endpoint.close(self)
            return
        if bool(self.out) != self.want_write:
            self.want_write = bool(self.out)
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.want_write else 0)
            self.endpoint.selector.modify(self.sock, events, self)


Deliver = Callable[[Message, FrameConnection], None]


class NativeEndpoint:
    """Non-blocking TCP server for native frames, registered on a selector owned by its caller."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        name: str = "native",
        max_frame_size: int = 1024 * 1024,
        frame_timeout: float = 10.0,
        max_output: int = 16 * 1024 * 1024,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.name = name
        self.max_frame_size = max_frame_size
        self.frame_timeout = frame_timeout
        self.max_output = max_output
        self.selector: selectors.BaseSelector = selectors.DefaultSelector()
        self.connections: set[FrameConnection] = set()
        self.dirty: list[FrameConnection] = []
        self._listener: socket.socket | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._listener is None:
            raise RuntimeError(f"{self.name}: not listening")
        host, port = self._listener.getsockname()[:2]
        return host, port

    def start(self, selector: selectors.BaseSelector) -> None:
        """Bind and listen (raises ``OSError``, e.g. EADDRINUSE) and register on ``selector``."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        self._listener = sock
        self.selector = selector
        selector.register(sock, selectors.EVENT_READ, self)

    def handle(self, key: selectors.SelectorKey, mask: int, deliver: Deliver) -> None:
        """Act on one selector event: accept, read (deliver each message), or write."""
        if key.fileobj is self._listener:
            self._accept()
            return
        conn: FrameConnection = key.data
        if mask & selectors.EVENT_WRITE:
            conn.flush()
        if mask & selectors.EVENT_READ and not conn.closed:
            self._read(conn, deliver)

    def _accept(self) -> None:
        assert self._listener is not None
        for _ in range(64):
            try:
                sock, peer = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("%s: accept failed: %s", self.name, exc)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = FrameConnection(self, sock, peer)
            self.connections.add(conn)
            self.selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: FrameConnection, deliver: Deliver) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close(conn)
            return
        conn.last_progress = time.monotonic()
        decoder = conn.decoder
        decoder.receive_data(data)
        try:
            while (payload := decoder.next_frame()) is not None:
                deliver(decode_message(payload), conn)
        except ProtocolError as exc:
            self.refuse(conn, type(exc).__name__.removesuffix("Error"), str(exc))

    def flush(self) -> None:
        """Write what the replies queued (called by the agent's loop before it waits)."""
        dirty, self.dirty = self.dirty, []
        for conn in dirty:
            conn.flush()

    def next_deadline(self) -> float | None:
        """When the earliest mid-frame client times out (monotonic), or None."""
        stalled = [c.last_progress for c in self.connections if c.decoder.pending]
        return min(stalled) + self.frame_timeout if stalled else None

    def expire(self, now: float) -> None:
        for conn in [c for c in self.connections if c.decoder.pending]:
            if now - conn.last_progress >= self.frame_timeout:
                self.refuse(conn, "FrameTimeout", f"no complete frame within {self.frame_timeout:g} s")

    def refuse(self, conn: FrameConnection, error: str, text: str) -> None:
        log.warning("%s: closing connection from %s: %s", self.name, conn.peer, text)
        conn.out += frame_message(Message("FRAME", {"error": error, "message": text}, 0, self.name, ERROR))
        try:
            conn.sock.setblocking(True)
            conn.sock.settimeout(1.0)
            conn.sock.sendall(conn.out)
        except OSError:
            pass
        self.close(conn)

    def close(self, conn: FrameConnection) -> None:
        if conn.closed:
            return
        conn.closed = True
        self.connections.discard(conn)
        try:
            self.selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()

    def stop(self) -> None:
        for conn in list(self.connections):
            conn.flush()
            self.close(conn)
        if self._listener is not None:
            try:
                self.selector.unregister(self._listener)
            except (KeyError, ValueError):
                pass
            self._listener.close()
            self._listener = None
