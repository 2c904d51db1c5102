"""Net_Node streams: batch items appended to a queue into ``STREAM`` messages.

Each stream has its own thread and its own DEALER (identity ``<node id>_<stream id>``) connected to
the stream's upstream, sending ``[upstream, upstream, body]`` like autopilot. Pending items are sent
when ``min_size`` are waiting or ``linger`` seconds after the first of them arrived, whichever
comes first. While nothing is pending the thread blocks on a condition (no busy-spin); appending
``"END"`` or ``stop()`` flushes what is pending and ends the thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Any

import zmq

from .codec import MINPRINT, NOREPEAT, STREAM, NetMessage, encode_message, timestamp_now
from .support import log

END = "END"
CLOSE_LINGER_MS = 1000  # a stream's last batch may still be on its way when it is closed
SEND_TIMEOUT_MS = 1000


class StreamQueue:
    """What ``get_stream`` returns: ``append(item)`` (or ``put``) from any thread."""

    def __init__(self, maxlen: int | None) -> None:
        self._items: deque[Any] = deque(maxlen=maxlen)
        self._cond = threading.Condition(threading.Lock())
        self.closed = False

    def append(self, item: Any) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify()

    put = append

    def __len__(self) -> int:
        return len(self._items)

    def take(self, timeout: float | None) -> tuple[list[Any], bool]:
        """Wait (up to ``timeout``; None = until something happens) and take everything queued."""
        with self._cond:
            if not self._items and not self.closed:
                self._cond.wait(timeout)
            batch = list(self._items)
            self._items.clear()
            return batch, self.closed

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify()


class NetStream:
    """One stream: its queue, its thread, its socket (created and closed in its thread)."""

    def __init__(
        self,
        context: zmq.Context[Any],
        *,
        node_id: str,
        stream_id: str,
        key: str,
        min_size: int,
        upstream: str,
        address: str,
        subject: str,
        q_size: int | None,
        linger: float,
        max_batch: int,
    ) -> None:
        self.context = context
        self.socket_id = f"{node_id}_{stream_id}"
        self.node_id = node_id
        self.key = key
        self.min_size = max(1, int(min_size))
        self.upstream = upstream
        self.address = address
        self.subject = subject
        self.linger = linger
        self.max_batch = max(self.min_size, max_batch)
        self.queue = StreamQueue(q_size)
        self.sent_items = 0
        self.sent_messages = 0
        self.dropped_items = 0
        self._counter = itertools.count()
        self.thread = threading.Thread(target=self._run, name=f"netstream-{self.socket_id}")

    def start(self, daemon: bool) -> None:
        self.thread.daemon = daemon
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Flush what is pending and join the thread."""
        self.queue.close()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)
            if self.thread.is_alive():
                log.error("stream %s did not stop within %g s", self.socket_id, timeout)

    def _run(self) -> None:
        sock = self.context.socket(zmq.DEALER)
        sock.setsockopt(zmq.IDENTITY, self.socket_id.encode())
        sock.setsockopt(zmq.SNDTIMEO, SEND_TIMEOUT_MS)
        sock.connect(self.address)
        try:
            self._loop(sock)
        except Exception:
            log.exception("stream %s crashed", self.socket_id)
        finally:
            sock.close(linger=CLOSE_LINGER_MS)

    def _loop(self, sock: zmq.Socket[Any]) -> None:
        pending: list[Any] = []
        first = 0.0
        while True:
            timeout = None if not pending else max(0.0, first + self.linger - time.monotonic())
            batch, ended = self.queue.take(timeout)
            for item in batch:
                if isinstance(item, str) and item == END:
                    ended = True
                    break
                if not pending:
                    first = time.monotonic()
                pending.append(list(item) if isinstance(item, tuple) else item)
                if len(pending) >= self.max_batch:
                    self._send(sock, pending)
                    pending = []
            due = len(pending) >= self.min_size or time.monotonic() - first >= self.linger
            if pending and (ended or due):
                self._send(sock, pending)
                pending = []
            if ended:
                return

    def _send(self, sock: zmq.Socket[Any], items: list[Any]) -> None:
        if self.min_size > 1:
            bodies = [self._encode(self._batch_message(items), len(items))]
        else:
            bodies = [self._encode(self._item_message(item), 1) for item in items]
        head = self.upstream.encode()
        for body in bodies:
            if body is None:
                continue
            try:
                sock.send_multipart([head, head, body], copy=False)
            except zmq.Again:
                self.dropped_items += len(items) if self.min_size > 1 else 1
                log.warning("stream %s: upstream not taking data, batch dropped", self.socket_id)
                continue
            self.sent_messages += 1
        self.sent_items += len(items)

    def _batch_message(self, items: list[Any]) -> NetMessage:
        value = {
            "inner_key": self.key,
            "headers": {"subject": self.subject, "pilot": self.node_id, "continuous": True},
            "payload": items,
        }
        return self._message(STREAM, value, {})

    def _item_message(self, item: Any) -> NetMessage:
        extra = {"subject": self.subject, "pilot": self.node_id, "continuous": True}
        return self._message(self.key, item, extra)

    def _message(self, key: str, value: Any, extra: dict[str, Any]) -> NetMessage:
        msg_id = f"{self.socket_id}_{next(self._counter)}"
        flags = {NOREPEAT: True, MINPRINT: True}
        return NetMessage(msg_id, self.upstream, self.socket_id, key, value, timestamp_now(), False, flags, extra=extra)

    def _encode(self, message: NetMessage, count: int) -> bytes | None:
        try:
            return encode_message(message)
        except (TypeError, ValueError) as exc:
            self.dropped_items += count
            log.warning("stream %s: items cannot be sent (%s), dropped", self.socket_id, exc)
            return None
