"""The single I/O thread shared in design by Net_Node and Station.

It owns the ZMQ sockets: it polls them and the :class:`SendQueue` eventfd with one ``zmq.Poller``,
drains inbound messages in batches, sends what other threads queued, sends confirms and forwards
itself (no thread hop), and resends unconfirmed messages every half ``repeat_interval``.
Sockets are closed with linger 0 when the loop ends.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import zmq
import zmq.backend

from ..conf import setting
from .codec import encode_message
from .support import NodeStats, Outbox, SendQueue, log

RECV_BATCH = 1000
RETRY_DELAY = 0.005
COPY_THRESHOLD = 65536  # larger bodies are handed to ZMQ without a copy

# pyzmq's backend socket methods, without the per-call Python layer of zmq.Socket (the I/O thread
# calls them a few times per message: this halves its cost). Same semantics, public module.
_backend = getattr(zmq.backend, "Socket", zmq.Socket)
_send = _backend.send
_recv = _backend.recv
NOBLOCK = zmq.NOBLOCK
NOBLOCK_MORE = zmq.NOBLOCK | zmq.SNDMORE


class ZmqLoop:
    """Base of Net_Node and Station: subclasses implement :meth:`on_frames`."""

    def __init__(self, name: str, context: zmq.Context[Any], own_context: bool) -> None:
        self.loop_name = name
        self.context = context
        self._own_context = own_context
        self.repeat_interval: float = float(setting("NETNODE_REPEAT_INTERVAL"))
        self.sockets: dict[str, zmq.Socket[Any]] = {}
        self.sendq = SendQueue()
        self.outbox = Outbox(int(setting("NETNODE_OUTBOX_SIZE")), float(setting("NETNODE_OUTBOX_TIMEOUT")))
        self.stats = NodeStats()
        self.closing = threading.Event()
        self._io_thread: threading.Thread | None = None
        self._retry_at: float | None = None

    # --- sockets ------------------------------------------------------------------------------------
    def make_socket(self, kind: int, tag: str, identity: str) -> zmq.Socket[Any]:
        sock: zmq.Socket[Any] = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.IDENTITY, identity.encode())
        hwm = int(setting("NETNODE_HWM"))
        sock.setsockopt(zmq.SNDHWM, hwm)
        sock.setsockopt(zmq.RCVHWM, hwm)
        sock.setsockopt(zmq.MAXMSGSIZE, int(setting("NETNODE_MAX_MESSAGE_SIZE")))  # larger: peer dropped
        if kind == zmq.ROUTER:
            sock.setsockopt(zmq.ROUTER_MANDATORY, 1)  # unroutable identities raise: counted and logged
        self.sockets[tag] = sock
        return sock

    def close_sockets(self) -> None:
        for sock in self.sockets.values():
            sock.close(linger=0)

    def start_loop(self, daemon: bool) -> None:
        self._io_thread = threading.Thread(target=self._run, name=f"{self.loop_name}-io", daemon=daemon)
        self._io_thread.start()

    def stop_loop(self, timeout: float) -> bool:
        """Stop and join the I/O thread (it closes the sockets); terminate the context if owned."""
        self.closing.set()
        self.sendq.wake()
        thread = self._io_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.error("%s: I/O thread did not stop within %g s", self.loop_name, timeout)
                return False
        elif thread is None:
            self.close_sockets()
            self.sendq.close()
        if self._own_context:
            self.context.term()
        return True

    # --- the I/O thread -----------------------------------------------------------------------------
    def on_frames(self, tag: str, frames: list[bytes]) -> None:
        raise NotImplementedError

    def end_of_batch(self) -> None:
        """Called after each poll cycle's messages were handled (hand queued listen calls over)."""

    def _run(self) -> None:
        poller = zmq.Poller()
        tags = {}
        for tag, sock in self.sockets.items():
            poller.register(sock, zmq.POLLIN)
            tags[sock] = tag
        poller.register(self.sendq.fd, zmq.POLLIN)
        last_scan = time.monotonic()
        try:
            while not self.closing.is_set():
                now = time.monotonic()
                half = max(self.repeat_interval, 0.02) / 2  # read each time: it may be changed
                next_scan = last_scan + half
                wait = min(next_scan - now, 1.0)
                if self._retry_at is not None:
                    wait = min(wait, self._retry_at - now)
                for sock, _event in poller.poll(int(max(0.0, wait) * 1000)):
                    if sock != self.sendq.fd:
                        self._drain(sock, tags[sock])
                self.end_of_batch()
                self.sendq.clear_wake()
                self.flush()
                now = time.monotonic()
                if now >= last_scan + half:
                    self._repeat(now)
                    last_scan = now
        except Exception:
            log.exception("%s: I/O thread crashed", self.loop_name)
            raise
        finally:
            self.close_sockets()
            self.sendq.close()

    def _drain(self, sock: zmq.Socket[Any], tag: str) -> None:
        for _ in range(RECV_BATCH):
            try:
                frame = _recv(sock, NOBLOCK, False)  # a zmq.Frame: .more is cheaper than getsockopt(RCVMORE)
            except zmq.Again:
                return
            frames = [frame.bytes]
            while frame.more:
                frame = _recv(sock, 0, False)
                frames.append(frame.bytes)
            try:
                self.on_frames(tag, frames)
            except Exception:
                self.stats.invalid += 1
                log.exception("%s: cannot handle %d-frame message on %s", self.loop_name, len(frames), tag)

    def flush(self) -> None:
        """Send what other threads queued (stops at a full peer; retried shortly)."""
        if self._retry_at is not None and time.monotonic() < self._retry_at:
            return
        self._retry_at = None
        items = self.sendq.items
        while items:
            tag, frames = items.popleft()
            if not self.send_now(tag, frames):
                items.appendleft((tag, frames))
                self._retry_at = time.monotonic() + RETRY_DELAY
                return

    def emit(self, tag: str, frames: list[bytes]) -> None:
        """I/O thread: send now, or queue behind what waits."""
        if self.sendq.items or not self.send_now(tag, frames):
            self.sendq.items.append((tag, frames))
            if self._retry_at is None:
                self._retry_at = time.monotonic() + RETRY_DELAY

    def send_now(self, tag: str, frames: list[bytes]) -> bool:
        """False when the socket cannot take it now (high-water mark); unroutable messages are dropped."""
        sock = self.sockets.get(tag)
        if sock is None:
            self.stats.unroutable += 1
            log.warning("%s: no %s socket to send %r", self.loop_name, tag, frames[:-1])
            return True
        last = len(frames) - 1
        try:
            _send(sock, frames[0], NOBLOCK_MORE if last else NOBLOCK)  # all or nothing from here on
            for i in range(1, last):
                _send(sock, frames[i], NOBLOCK_MORE)
            if last:
                body = frames[last]
                _send(sock, body, NOBLOCK, len(body) < COPY_THRESHOLD)
        except zmq.Again:
            return False
        except zmq.ZMQError as exc:
            self.stats.unroutable += 1
            log.warning("%s: cannot send to %r via %s: %s", self.loop_name, frames[0], tag, exc)
            return True
        self.stats.sent += 1
        return True

    def _repeat(self, now: float) -> None:
        resend, failed = self.outbox.due(now, self.repeat_interval)
        for pending in resend:
            self.stats.resent += 1
            log.debug("%s: REPUBLISH %s (ttl now %d)", self.loop_name, pending.message.id, pending.message.ttl)
            self.emit(pending.tag, [*pending.head, encode_message(pending.message)])
        for pending in failed:
            self.stats.failed += 1
            self.stats.failed_ids.append(pending.message.id)
            log.warning("%s: PUBLISH FAILED %s - %s", self.loop_name, pending.message.id, pending.message)
        if failed:
            self.outbox.wake_waiters()
