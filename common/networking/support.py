"""Building blocks of the ZMQ Net_Node and Station: settings, outbox, duplicate memory, worker pool,
and the hand-off queue from user threads to a node's single I/O thread.

Only the I/O thread touches a node's sockets. Other threads hand it encoded frames through
:class:`SendQueue` (a deque plus an eventfd in the poller: one wake-up per burst, not per message).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from queue import Empty, Full, Queue
from typing import Any

from .codec import NetMessage
from .exceptions import OutboxFullError

log = logging.getLogger("pyros.netnode")


def loopback(host: str) -> str:
    """autopilot says "localhost"; ZMQ wants an address: map it to 127.0.0.1."""
    return "127.0.0.1" if host in ("localhost", "", None) else host


@dataclass(slots=True)
class Pending:
    """An unconfirmed message: resent with the same leading frames (the recipient frame is kept)."""

    message: NetMessage
    tag: str
    head: list[bytes]
    sent_at: float


class Outbox:
    """Bounded, thread-safe store of unconfirmed messages by id."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._items: dict[str, Pending] = {}
        self._cond = threading.Condition(threading.Lock())
        self._waiting = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, msg_id: object) -> bool:
        return msg_id in self._items

    def ids(self) -> list[str]:
        with self._cond:
            return list(self._items)

    @property
    def low(self) -> int:
        """A full outbox takes new messages again once it is down to this (one wake-up per ~10%)."""
        return self.size - max(1, self.size // 10)

    def add(self, pending: Pending) -> None:
        with self._cond:
            if len(self._items) >= self.size:
                self._waiting += 1
                try:
                    ok = self._cond.wait_for(lambda: len(self._items) <= self.low, self.timeout)
                finally:
                    self._waiting -= 1
                if not ok:
                    raise OutboxFullError(
                        f"{self.size} messages await confirmation for more than {self.timeout:g} s; "
                        f"{pending.message.id} not sent"
                    )
            self._items[pending.message.id] = pending

    def confirm(self, msg_id: Any) -> bool:
        """Forget a confirmed message (True if it was here). Call :meth:`wake_waiters` after counting."""
        if not isinstance(msg_id, str):
            return False
        with self._cond:
            return self._items.pop(msg_id, None) is not None

    def wait_empty(self, timeout: float) -> bool:
        """Wait until every message is confirmed or failed (True) or ``timeout`` passes (False)."""
        with self._cond:
            self._waiting += 1
            try:
                return self._cond.wait_for(lambda: not self._items, timeout)
            finally:
                self._waiting -= 1

    def due(self, now: float, interval: float) -> tuple[list[Pending], list[Pending]]:
        """(to resend, failed): messages older than ``interval``; those at ttl 0 are removed as failed,
        the others get ttl decremented and their send time renewed."""
        resend: list[Pending] = []
        failed: list[Pending] = []
        with self._cond:
            for msg_id, pending in list(self._items.items()):
                if now - pending.sent_at < interval:
                    continue
                if pending.message.ttl <= 0:
                    del self._items[msg_id]
                    failed.append(pending)
                else:
                    pending.message.ttl -= 1
                    pending.sent_at = now
                    resend.append(pending)
        return resend, failed

    def wake_waiters(self) -> None:
        """After confirmed or failed messages were counted: there is room, maybe the outbox is empty."""
        # read without the lock: a waiter registers before it tests its condition
        if self._waiting and len(self._items) <= self.low:
            with self._cond:
                self._cond.notify_all()


class SeenIds:
    """The last ``size`` message ids (insertion order), to drop repeated copies. I/O thread only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: dict[str, None] = {}

    def check_and_add(self, msg_id: str) -> bool:
        """True if ``msg_id`` was seen before; else remember it."""
        ids = self._ids
        if msg_id in ids:
            return True
        ids[msg_id] = None
        if len(ids) > self.size:
            del ids[next(iter(ids))]
        return False


Call = tuple[Callable[..., Any], tuple[Any, ...]]


class WorkerPool:
    """A fixed number of threads running submitted batches of calls from a bounded queue.

    The I/O thread submits one batch per poll cycle (everything it drained), so the hand-off costs
    one queue operation per burst, not per message; calls of a batch run in order."""

    def __init__(self, name: str, workers: int, backlog: int) -> None:
        self._queue: Queue[list[Call] | None] = Queue(max(1, backlog))
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-worker{i}", daemon=True) for i in range(max(1, workers))
        ]
        self._stopping = threading.Event()
        self.errors = 0
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        return self.submit_batch([(fn, args)])

    def submit_batch(self, calls: list[Call]) -> bool:
        """Queue ``calls``; waits while the backlog is full (False if the pool is stopping)."""
        while not self._stopping.is_set():
            try:
                self._queue.put(calls, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def _work(self) -> None:
        while True:
            calls = self._queue.get()
            if calls is None:
                return
            for fn, args in calls:
                try:
                    fn(*args)
                except Exception:
                    self.errors += 1
                    log.exception("listen method %s raised", getattr(fn, "__qualname__", fn))

    def stop(self, timeout: float = 5.0) -> None:
        """Run what is queued, then stop the threads and join them."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for _ in self._threads:
            try:
                self._queue.put(None, timeout=max(0.0, deadline - time.monotonic()))
            except Full:
                self._drop_backlog()
                self._queue.put(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    log.error("worker %s did not stop within %g s", thread.name, timeout)

    def _drop_backlog(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except Empty:
            pass


class SendQueue:
    """Frames from any thread to the I/O thread: a deque plus an eventfd the I/O thread polls."""

    def __init__(self) -> None:
        self.items: deque[tuple[str, list[bytes]]] = deque()
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._armed = False
        self._lock = threading.Lock()
        self.closed = False

    def put(self, tag: str, frames: list[bytes]) -> None:
        self.items.append((tag, frames))
        if not self._armed:  # one wake-up per burst: the I/O thread drains everything queued
            self._armed = True
            self.wake()

    def wake(self) -> None:
        with self._lock:
            if not self.closed:
                os.eventfd_write(self.fd, 1)

    def clear_wake(self) -> None:
        """I/O thread: acknowledge the wake-up before draining ``items``."""
        self._armed = False
        try:
            os.eventfd_read(self.fd)
        except BlockingIOError:
            pass

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                os.close(self.fd)


@dataclass(slots=True)
class NodeStats:
    """Counters of one node or Station (read them freely; the I/O thread updates them)."""

    sent: int = 0
    received: int = 0
    confirmed: int = 0
    resent: int = 0
    failed: int = 0
    duplicates: int = 0
    invalid: int = 0
    unroutable: int = 0
    no_listen: int = 0
    failed_ids: deque[str] = field(default_factory=lambda: deque(maxlen=100))

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "received": self.received,
            "confirmed": self.confirmed,
            "resent": self.resent,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "unroutable": self.unroutable,
            "no_listen": self.no_listen,
        }
