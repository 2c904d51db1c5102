"""The sending half of one Ivy connection: a bounded queue of encoded lines and the thread that
writes them in batches (everything queued goes out in one ``send``).

A full queue refuses the line and reports the overflow (the owner disconnects the peer: nothing is
dropped silently). ``close(last)`` stops accepting lines; the thread sends what is queued plus
``last``, half-closes the socket, waits (at most ``LINGER`` s) for the reader to see the peer
close, then shuts the socket down. A peer that stops reading cannot block a closing writer past
its deadline.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("pyros.ivy")

LINGER = 2.0  # seconds a closing connection waits for the peer to close its side


class LineWriter:
    def __init__(
        self,
        sock: socket.socket,
        name: str,
        max_queue: int,
        on_overflow: Callable[[int], None],
        overflow_lines: bytes = b"",
    ) -> None:
        self.sock = sock
        self.name = name
        self.max_queue = max_queue
        self.on_overflow = on_overflow  # (number of queued lines not sent) -> None
        self.overflow_lines = overflow_lines  # what the peer gets instead (ERROR + BYE)
        self.sent = 0
        self.reader_done = threading.Event()  # set by the reader when the peer's side is closed
        self._items: deque[bytes] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._idle = False
        self._closing = False
        self._deadline: float | None = None
        self.thread = threading.Thread(target=self._write_loop, name=f"{name}-writer", daemon=True)

    @property
    def queued(self) -> int:
        return len(self._items)

    @property
    def closing(self) -> bool:
        return self._closing

    def enqueue(self, line: bytes) -> bool:
        """Queue encoded lines; False when closing, or on overflow (``on_overflow`` then runs)."""
        with self._cond:
            if self._closing:
                return False
            if len(self._items) < self.max_queue:
                self._items.append(line)
                if self._idle:
                    self._cond.notify()
                return True
            dropped = len(self._items)
            self._items.clear()
        self.close(self.overflow_lines, LINGER)
        self.on_overflow(dropped)
        return False

    def close(self, last: bytes = b"", deadline: float | None = None) -> None:
        """Send what is queued plus ``last``, then close; ``deadline`` (s) bounds a stuck send."""
        with self._cond:
            if self._closing:
                return
            if last:
                self._items.append(last)
            self._closing = True
            if deadline is not None:
                self._deadline = time.monotonic() + deadline
            self._cond.notify()

    def _write_loop(self) -> None:
        items, cond = self._items, self._cond
        while True:
            with cond:
                while not items and not self._closing:
                    self._idle = True
                    cond.wait()
                self._idle = False
                batch = b"".join(items)
                count = len(items)
                items.clear()
                closing = self._closing
            if batch and not self._send_all(batch):
                break
            self.sent += count
            if closing:
                break
        self.shutdown(socket.SHUT_WR)
        if not self.reader_done.wait(LINGER):
            self.shutdown(socket.SHUT_RDWR)

    def _send_all(self, data: bytes) -> bool:
        view = memoryview(data)
        sock = self.sock
        while view:
            try:
                view = view[sock.send(view, socket.MSG_DONTWAIT) :]
            except BlockingIOError:
                deadline = self._deadline
                if deadline is not None and time.monotonic() > deadline:
                    log.warning("%s: the peer does not read: giving up sending to it", self.name)
                    return False
                select.select([], [sock], [], 0.25)
            except OSError:
                return False
        return True

    def shutdown(self, how: int) -> None:
        try:
            self.sock.shutdown(how)
        except OSError:
            pass

    def join(self, timeout: float) -> None:
        """Wait for the thread; past ``timeout``, shut the socket down to unblock it."""
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.shutdown(socket.SHUT_RDWR)
            self.thread.join()
