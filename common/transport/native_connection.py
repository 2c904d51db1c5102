"""One connection of the native endpoint: its output buffer, its state and its deadlines.

Used by the agent's thread only (the endpoint's selector loop). The policy (when to refuse, cut or
time out) is in :mod:`common.transport.native`; this class keeps the per-connection bookkeeping.
"""

from __future__ import annotations

import selectors
import socket
import time
from typing import Protocol

from ..protocol import U32_BE, FrameDecoder, Message, frame_message


class ConnectionOwner(Protocol):
    """What a connection needs of its endpoint (``common.transport.native.NativeEndpoint``)."""

    max_frame_size: int
    max_output: int
    frame_timeout: float
    selector: selectors.BaseSelector
    dirty: list[FrameConnection]

    def schedule(self, conn: FrameConnection) -> None: ...

    def cut(self, conn: FrameConnection) -> None: ...

    def close(self, conn: FrameConnection) -> None: ...


OUTPUT_GRACE = 0.5  # seconds a connection may stay over max_output before it is cut
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class FrameConnection:
    """One client connection (used by the agent's thread only)."""

    __slots__ = (
        "awaiting",
        "choked",
        "closed",
        "closing",
        "cut_at",
        "decoder",
        "endpoint",
        "error_frame",
        "events",
        "frame_since",
        "last_read",
        "lingering",
        "out",
        "peer",
        "reading",
        "sock",
    )

    def __init__(self, endpoint: ConnectionOwner, sock: socket.socket, peer: tuple[str, int]) -> None:
        self.endpoint = endpoint
        self.sock = sock
        self.peer = f"{peer[0]}:{peer[1]}"
        self.decoder = FrameDecoder(U32_BE, endpoint.max_frame_size)
        self.out = bytearray()
        self.events = _READ
        self.reading = True  # False while over max_output, and once closing
        self.choked = False  # over max_output: not read until it reads back under, cut at cut_at
        self.closed = False
        self.closing = False  # no more input; close once the replies owed and the error are out
        self.lingering = False  # our side is shut for writing; discarding input until the peer's FIN
        self.awaiting = 0  # requests delivered whose reply is not queued yet
        self.error_frame: bytes | None = None  # sent once every earlier request is answered
        self.last_read = time.monotonic()
        self.frame_since: float | None = None  # when the incomplete frame in the decoder began
        self.cut_at: float | None = None  # over max_output, or closing: hard deadline

    def send(self, data: bytes) -> None:
        """Queue whole frames; they are written when the agent's loop flushes."""
        if self.closed:
            raise ConnectionResetError(f"client {self.peer} has gone")
        if not self.out:
            self.endpoint.dirty.append(self)
        self.out += data
        if len(self.out) > self.endpoint.max_output:
            self._over_limit()

    def send_message(self, message: Message) -> None:
        """Queue a reply. Raises ``ValueError`` (the reply cannot be encoded within the frame limit;
        nothing queued) or ``ConnectionResetError`` (the client has gone or was cut)."""
        data = frame_message(message, self.endpoint.max_frame_size)
        self.send(data)
        if self.awaiting:
            self.awaiting -= 1
            if not self.awaiting and self.error_frame is not None:
                self._send_error()

    def _over_limit(self) -> None:
        endpoint = self.endpoint
        self.flush()
        if self.closed or len(self.out) <= endpoint.max_output:
            return
        if self.choked:  # still over and another reply came: cut now rather than grow
            endpoint.cut(self)
            raise ConnectionResetError(f"client {self.peer} was cut: it does not read its replies")
        self.choked = True
        self.reading = False
        grace = time.monotonic() + OUTPUT_GRACE
        self.cut_at = grace if self.cut_at is None else min(self.cut_at, grace)
        endpoint.schedule(self)
        self._update_events()

    def _send_error(self) -> None:
        frame, self.error_frame = self.error_frame, None
        if frame is not None and not self.closed:
            if not self.out:
                self.endpoint.dirty.append(self)
            self.out += frame

    def flush(self) -> None:
        if self.closed:
            return
        if self.out:
            try:
                sent = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self.endpoint.close(self)
                return
            del self.out[:sent]
            if self.choked and len(self.out) <= self.endpoint.max_output:
                self.choked = False  # it reads again: back under the bound
                if not self.closing:
                    self.reading = True
                    self.cut_at = None
                    self.endpoint.schedule(self)
        if self.closing and not self.out and not self.awaiting and self.error_frame is None and not self.lingering:
            self._linger()
        self._update_events()

    def _linger(self) -> None:
        """Everything owed is written: half-close and wait (bounded) for the peer to hang up, so
        that closing with unread input does not reset the connection under our last frames."""
        self.lingering = True
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.endpoint.close(self)

    def _update_events(self) -> None:
        if self.closed:
            return
        events = (_READ if self.reading or self.lingering else 0) | (_WRITE if self.out else 0)
        if events == self.events:
            return
        selector = self.endpoint.selector
        if not events:
            selector.unregister(self.sock)
        elif not self.events:
            selector.register(self.sock, events, self)
        else:
            selector.modify(self.sock, events, self)
        self.events = events

    def deadline(self) -> float | None:
        frame = self.frame_since + self.endpoint.frame_timeout if self.frame_since is not None else None
        if frame is None or (self.cut_at is not None and self.cut_at < frame):
            return self.cut_at
        return frame
