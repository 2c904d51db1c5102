"""The native pyros endpoint: length-prefixed JSON frames over TCP, served by the agent's own thread.

The endpoint is non-blocking and driven by a selector that the agent's thread waits on (together
with its wake-up socket), so a request is read, dispatched and answered in one thread: no hand-off
between threads on the hot path. Replies are buffered per connection and flushed once per loop
turn (one write for a whole batch of pipelined replies, never a frame split across calls by us).

Nothing a peer does blocks the agent's thread or other connections:

- Oversized or malformed input: every request read before the bad frame is answered, then the
  error frame is queued, then the connection is closed (half-close, drain, close). Nothing blocks.
- A frame must be complete within ``frame_timeout`` seconds of its first byte (a whole-frame
  deadline: trickling one byte at a time does not extend it); a connection silent for
  ``idle_timeout`` seconds is closed; at most ``max_connections`` are served (more are refused with
  an error frame).
- Unread replies are bounded per connection (checked on every reply): past ``max_output`` bytes
  the connection stops being read, and if it has not read back under the bound within
  ``OUTPUT_GRACE`` seconds (or another reply would have to be queued) it is cut, its buffers freed.
- Out of descriptors or memory, accepting pauses with back-off and resumes by itself.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time
from collections.abc import Callable
from typing import Any

from ..conf import setting
from ..protocol import ERROR, REQUEST, Message, ProtocolError, decode_message, frame_message
from .backoff import AcceptBackoff, LogBudget
from .native_connection import OUTPUT_GRACE, FrameConnection

__all__ = ["OUTPUT_GRACE", "Deliver", "FrameConnection", "NativeEndpoint"]

log = logging.getLogger("pyros.transport")

RECV_SIZE = 262144
CLOSE_GRACE = 1.0  # seconds a closing connection gets to take its last frames and hang up
LINGER_BYTES = 1 << 20  # input discarded while closing before we stop waiting for the peer's FIN
REFUSAL_SLACK = 64  # connections over the cap that still get an error frame (then: plain close)
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


Deliver = Callable[[Message, FrameConnection], None]


class NativeEndpoint:
    """Non-blocking TCP server for native frames, registered on a selector owned by its caller.

    Limits left to ``None`` come from the settings (``PYROS_MAX_CONNECTIONS``,
    ``PYROS_IDLE_TIMEOUT``, ``PYROS_MAX_OUTPUT``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        name: str = "native",
        max_frame_size: int = 1024 * 1024,
        frame_timeout: float = 10.0,
        max_output: int | None = None,
        max_connections: int | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.name = name
        self.max_frame_size = max_frame_size
        self.frame_timeout = frame_timeout
        self.max_output: int = max_output if max_output is not None else setting("PYROS_MAX_OUTPUT")
        self.max_connections: int = max_connections or setting("PYROS_MAX_CONNECTIONS")
        self.idle_timeout: float = idle_timeout or setting("PYROS_IDLE_TIMEOUT")
        self.selector: selectors.BaseSelector = selectors.DefaultSelector()
        self.connections: set[FrameConnection] = set()
        self.dirty: list[FrameConnection] = []
        self.backoff = AcceptBackoff(name)
        self.refused = 0  # connections refused at the cap (since start)
        self._listener: socket.socket | None = None
        self._listening = False
        self._timed: dict[FrameConnection, float] = {}
        self._sweep_at = time.monotonic() + self._sweep_period
        self._at_cap = False
        self._log_budget = LogBudget()

    def describe(self) -> dict[str, Any]:
        """The endpoint's state for the agent's status (read from another thread: counts only)."""
        return {
            "name": self.name,
            "connections": len(self.connections),
            "max_connections": self.max_connections,
            "refused": self.refused,
            "accept_paused": self.backoff.paused,
        }

    @property
    def _sweep_period(self) -> float:
        return max(min(self.idle_timeout / 4, 1.0), 0.01)

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
        self._watch_listener(True)

    def _watch_listener(self, on: bool) -> None:
        if self._listener is None or on == self._listening:
            return
        if on:
            self.selector.register(self._listener, _READ, self)
        else:
            self.selector.unregister(self._listener)
        self._listening = on

    def handle(self, key: selectors.SelectorKey, mask: int, deliver: Deliver) -> None:
        """Act on one selector event: accept, read (deliver each message), or write."""
        if key.fileobj is self._listener:
            self._accept()
            return
        conn: FrameConnection = key.data
        if mask & _WRITE:
            conn.flush()
        if mask & _READ and not conn.closed:
            if conn.lingering:
                self._discard(conn)
            elif conn.reading:
                self._read(conn, deliver)

    def _accept(self) -> None:
        listener = self._listener
        if listener is None:
            return
        for _ in range(64):
            try:
                sock, peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if self.backoff.failed(exc):
                    self._watch_listener(False)
                return
            self.backoff.succeeded()
            self._admit(sock, peer)

    def _admit(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        live = len(self.connections)
        if live >= self.max_connections + REFUSAL_SLACK:
            self.refused += 1
            sock.close()
            return
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # reset before we got to it
            sock.close()
            return
        conn = FrameConnection(self, sock, peer)
        self.connections.add(conn)
        self.selector.register(sock, _READ, conn)
        if live < self.max_connections:
            self._at_cap = False
            return
        self.refused += 1
        if not self._at_cap:
            self._at_cap = True
            log.warning("%s: %d connections: refusing new ones until some close", self.name, live)
        self.refuse(
            conn, "TooManyConnections", f"the agent serves at most {self.max_connections} connections", quiet=True
        )

    def _read(self, conn: FrameConnection, deliver: Deliver) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close(conn)
            return
        if not data:  # the peer is done sending: answer what it asked, then close
            self._begin_close(conn)
            return
        now = conn.last_read = time.monotonic()
        decoder = conn.decoder
        unframed = decoder.pending + len(data)
        decoder.receive_data(data)
        try:
            while (payload := decoder.next_frame()) is not None:
                message = decode_message(payload)
                if message.kind == REQUEST:
                    conn.awaiting += 1
                deliver(message, conn)
        except ProtocolError as exc:
            self.refuse(conn, type(exc).__name__.removesuffix("Error"), str(exc))
            return
        if decoder.pending:  # mid-frame: the deadline runs from the first byte of this frame
            if decoder.pending != unframed or conn.frame_since is None:
                conn.frame_since = now
                self.schedule(conn)
        elif conn.frame_since is not None:
            conn.frame_since = None
            self.schedule(conn)

    def _discard(self, conn: FrameConnection) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.decoder.clear()
        if not data or len(data) >= LINGER_BYTES:
            self.close(conn)

    def flush(self) -> None:
        """Write what the replies queued (called by the agent's loop before it waits)."""
        dirty, self.dirty = self.dirty, []
        for conn in dirty:
            conn.flush()

    def schedule(self, conn: FrameConnection) -> None:
        """Re-read ``conn``'s deadline (frame, output or closing) after its state changed."""
        deadline = None if conn.closed else conn.deadline()
        if deadline is None:
            self._timed.pop(conn, None)
        else:
            self._timed[conn] = deadline

    def next_deadline(self) -> float | None:
        """When the next timer of this endpoint falls due (monotonic), or None."""
        deadline = min(self._timed.values()) if self._timed else None
        if self.connections and (deadline is None or self._sweep_at < deadline):
            deadline = self._sweep_at
        paused = self.backoff.paused_until
        if paused is not None and (deadline is None or paused < deadline):
            deadline = paused
        return deadline

    def expire(self, now: float) -> None:
        if self.backoff.due(now):
            self._watch_listener(True)
            self._accept()
        if self._timed:
            for conn, deadline in list(self._timed.items()):
                if deadline <= now:
                    self._timeout(conn, now)
        if now >= self._sweep_at:
            self._sweep_at = now + self._sweep_period
            for conn in [c for c in self.connections if now - c.last_read >= self.idle_timeout]:
                if not conn.closing and not conn.out and not conn.awaiting:
                    # no error frame: a pooled client would take it for the answer to its next
                    # request; it sees the connection close and reconnects
                    log.debug("%s: closing %s: idle for %g s", self.name, conn.peer, self.idle_timeout)
                    self._begin_close(conn)

    def _timeout(self, conn: FrameConnection, now: float) -> None:
        if conn.closing:
            self.close(conn)
        elif conn.choked:
            self.cut(conn)
        elif conn.frame_since is not None:
            self.refuse(conn, "FrameTimeout", f"no complete frame within {self.frame_timeout:g} s")
        else:
            self.schedule(conn)

    def _warn(self, text: str, *args: object) -> None:
        left_out = self._log_budget.take()
        if left_out is None:
            return
        if left_out:
            text += f" ({left_out} similar lines left out)"
        log.warning(text, *args)

    def cut(self, conn: FrameConnection) -> None:
        unread = len(conn.out)
        self._warn("%s: dropping %s: it does not read its replies (%d bytes unread)", self.name, conn.peer, unread)
        self.close(conn)

    def refuse(self, conn: FrameConnection, error: str, text: str, *, quiet: bool = False) -> None:
        """Stop reading ``conn``; answer the requests already read, then send the error, then close.
        Never blocks: everything goes through the connection's output buffer."""
        if conn.closed or conn.closing:
            return
        if not quiet:
            self._warn("%s: closing connection from %s: %s", self.name, conn.peer, text)
        conn.error_frame = frame_message(Message("FRAME", {"error": error, "message": text}, 0, self.name, ERROR))
        if not conn.awaiting:
            conn._send_error()
        self._begin_close(conn)

    def _begin_close(self, conn: FrameConnection) -> None:
        conn.closing = True
        conn.reading = False
        conn.frame_since = None
        deadline = time.monotonic() + max(CLOSE_GRACE, self.frame_timeout if conn.awaiting else 0.0)
        conn.cut_at = deadline if conn.cut_at is None else min(conn.cut_at, deadline)
        self.schedule(conn)
        conn.flush()

    def close(self, conn: FrameConnection) -> None:
        if conn.closed:
            return
        conn.closed = True
        self.connections.discard(conn)
        self._timed.pop(conn, None)
        if conn.events:
            try:
                self.selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.sock.close()
        conn.out = bytearray()  # memory returned now, not when the last reference goes
        conn.decoder.clear()

    def stop(self) -> None:
        for conn in list(self.connections):
            conn.flush()
            self.close(conn)
        self._timed.clear()
        if self._listener is not None:
            self._watch_listener(False)
            self._listener.close()
            self._listener = None
