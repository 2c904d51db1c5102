"""Waking a thread blocked in ``select``/``selectors`` from another thread (a self-pipe)."""

from __future__ import annotations

import socket


class Waker:
    """A socket pair: register ``reader`` on the selector; ``wake()`` from any thread makes it
    readable; the woken loop calls ``drain()``. Both ends are non-blocking; ``close()`` is final."""

    __slots__ = ("reader", "writer")

    def __init__(self) -> None:
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)

    def fileno(self) -> int:
        return self.reader.fileno()

    def wake(self) -> None:
        try:
            self.writer.send(b"\0")
        except OSError:  # the buffer is full (already woken) or the waker is closed
            pass

    def drain(self) -> None:
        try:
            while self.reader.recv(4096):
                pass
        except OSError:  # nothing left (BlockingIOError) or closed
            pass

    def close(self) -> None:
        self.reader.close()
        self.writer.close()
