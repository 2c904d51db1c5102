"""The sender of a TCP sending endpoint: one thread pushes each client's latest status, non-blocking.

Each client still gets its own queue of capacity 1 (the DISCOS ``subscribe(q)`` contract: the System
leaves only the newest status in it), but instead of one thread per client racing for the GIL at every
tick, one thread per endpoint wakes when any queue receives a status and sends to every client in turn
with non-blocking sends. A client that cannot take a whole status keeps the unsent rest (never
interleaved with another status) and is retried at the next wake-up; meanwhile its queue keeps only the
newest status, so a slow client costs memory of one status and never delays the others.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from dataclasses import dataclass
from typing import Any

from simulators.utils import put_latest, to_wire

logger = logging.getLogger("pyros.simulators")


class StatusQueue(queue.Queue[Any]):
    """A ``Queue(maxsize=1)`` that wakes its broadcaster whenever a status is put into it.

    :meth:`publish_now` (used by ``SendingSystem.publish``) sends the status at once from the caller's
    thread instead, with no other thread to wake; the queue then only holds statuses a slow client
    could not take yet.
    """

    def __init__(self, broadcaster: Broadcaster) -> None:
        super().__init__(maxsize=1)
        self._broadcaster = broadcaster
        self.sock: socket.socket | None = None

    def _put(self, item: Any) -> None:
        super()._put(item)
        self._broadcaster.wake()

    def publish_now(self, message: Any) -> None:
        if self.sock is None or not self._broadcaster.deliver(self.sock, message):
            put_latest(self, message)


@dataclass
class _Client:
    queue: StatusQueue
    label: str
    pending: bytes = b""


class Broadcaster:
    """Sends the statuses queued for each client of one sending endpoint."""

    def __init__(self, name: str, retry_interval: float = 0.01) -> None:
        self.name = name
        self.retry_interval = retry_interval
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._clients: dict[socket.socket, _Client] = {}
        self._stopping = False
        self._thread: threading.Thread | None = None

    def new_queue(self) -> StatusQueue:
        return StatusQueue(self)

    def wake(self) -> None:
        self._wake.set()

    def add(self, sock: socket.socket, status_queue: StatusQueue, label: str) -> None:
        status_queue.sock = sock
        with self._lock:
            self._clients[sock] = _Client(status_queue, label)
        self._wake.set()

    def deliver(self, sock: socket.socket, message: Any) -> bool:
        """Send ``message`` to this client now, in the caller's thread; False if it is not registered.

        A client still busy with an earlier status gets ``message`` queued instead (newest wins).
        """
        retry = False
        with self._lock:
            client = self._clients.get(sock)
            if client is None:
                return False
            busy = bool(client.pending)
            if not busy:
                self._drain(client.queue)
                client.pending = to_wire(message)
                retry = self._flush(sock, client)
        if busy:
            put_latest(client.queue, message)  # wakes the broadcaster, which retries the slow client
        elif retry:
            self._wake.set()
        return True

    @staticmethod
    def _drain(status_queue: StatusQueue) -> None:
        try:
            status_queue.get_nowait()
        except queue.Empty:
            pass

    def remove(self, sock: socket.socket) -> None:
        """Forget a client; on return the broadcaster no longer touches its socket."""
        with self._lock:
            self._clients.pop(sock, None)

    def send(self, sock: socket.socket, data: bytes) -> bool:
        """Send a reply to one client after whatever it has pending (never inside a status)."""
        with self._lock:
            client = self._clients.get(sock)
            if client is None:
                return False
            client.pending += data
            left = self._flush(sock, client)
        if left:
            self._wake.set()
        return sock in self._clients

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.name} sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        self._stopping = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _run(self) -> None:
        retry = False
        while True:
            self._wake.wait(self.retry_interval if retry else None)
            self._wake.clear()
            if self._stopping:
                return
            with self._lock:
                retry = any([self._push(sock, client) for sock, client in list(self._clients.items())])

    def _push(self, sock: socket.socket, client: _Client) -> bool:
        """Send what this client has waiting; True if some bytes are left for a later attempt."""
        if not client.pending:
            try:
                client.pending = to_wire(client.queue.get_nowait())
            except queue.Empty:
                return False
        return self._flush(sock, client)

    def _flush(self, sock: socket.socket, client: _Client) -> bool:
        """Non-blocking send of the client's pending bytes (lock held); True if some are left."""
        try:
            sent = sock.send(client.pending, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError as exc:
            logger.info("%s: send failed, dropping the client: %s", client.label, exc)
            del self._clients[sock]
            try:
                sock.shutdown(socket.SHUT_RDWR)  # its handler's recv() returns and it cleans up
            except OSError:
                pass
            return False
        client.pending = client.pending[sent:]
        return bool(client.pending)
