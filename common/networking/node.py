"""Net_Node: autopilot's drop-in ZMQ networking object (``autopilot.networking.Net_Node``).

A DEALER (identity = ``id``) connected to the upstream Station's ROUTER at ``upstream_ip:port``,
optionally a ROUTER bound at ``router_port`` for direct peers. One I/O thread owns both sockets
(:class:`ZmqLoop`); listen methods run on a bounded :class:`WorkerPool` and receive the message's
``value`` (autopilot's convention). Messages sent with ``repeat=True`` are resent until confirmed;
received messages are confirmed (unless NOREPEAT) and repeated copies are dropped by id.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import zmq

from ..conf import setting
from .codec import (
    CONFIRM,
    PING,
    STREAM,
    NetMessage,
    decode_message,
    encode_confirm,
    encode_message,
    make_message,
    node_frames,
)
from .exceptions import NetNodeError
from .loop import ZmqLoop
from .senders import RecentSenders
from .stream import NetStream, StreamQueue
from .support import Call, Pending, SeenIds, WorkerPool, log, loopback

Listen = Callable[[Any], Any]
DEALER = "dealer"
ROUTER = "router"


class Net_Node(ZmqLoop):  # autopilot's name
    """See the module docstring. ``on_message(message)``, when given, receives (in the I/O thread,
    so it must not block) every message whose key has no listen method."""

    def __init__(
        self,
        id: str,  # autopilot's signature
        upstream: str | None,
        port: int | None,
        listens: dict[str, Listen],
        instance: bool = True,
        upstream_ip: str = "localhost",
        router_port: int | None = None,
        daemon: bool = True,
        expand_on_receive: bool = True,
        *,
        on_message: Callable[[NetMessage], None] | None = None,
        workers: int | None = None,
    ) -> None:
        if not id or not isinstance(id, str):
            raise ValueError("a Net_Node needs a non-empty string id")
        context = zmq.Context.instance() if instance else zmq.Context()
        super().__init__(f"netnode-{id}", context, own_context=not instance)
        self.id = id
        self.upstream = upstream
        self.port = None if port is None else int(port)
        self.upstream_ip = upstream_ip
        self.router_port = router_port
        self.daemon = daemon
        self.expand = expand_on_receive
        self.allow_blosc = bool(setting("NETNODE_ALLOW_BLOSC"))
        self.listens: dict[str, Listen] = {CONFIRM: self.l_confirm}
        self.listens.update(listens)
        self.on_message = on_message
        self.senders = RecentSenders(int(setting("NETNODE_MAX_SENDERS")), float(setting("NETNODE_SENDER_TTL")))
        self.streams: dict[str, threading.Thread] = {}
        self._streams: list[NetStream] = []
        self.msg_counter = itertools.count()
        self.connected = threading.Event()
        self._seen = SeenIds(int(setting("NETNODE_SEEN_IDS")))
        self._calls: list[Call] = []  # listen calls of this poll cycle (I/O thread)
        self._released = False
        self.init_networking(workers)

    @property
    def msgs_received(self) -> int:
        return self.stats.received

    def init_networking(self, workers: int | None = None) -> None:
        """Create the sockets (bind/connect), the worker pool and the I/O thread."""
        try:
            if self.upstream is not None and self.port is not None:
                dealer = self.make_socket(zmq.DEALER, DEALER, self.id)
                dealer.connect(f"tcp://{loopback(self.upstream_ip)}:{self.port}")
                dealer.send_multipart([self.upstream.encode(), PING])  # so the Station learns our identity
            if self.router_port is not None:
                router = self.make_socket(zmq.ROUTER, ROUTER, self.id)
                host = setting("NETNODE_BIND_HOST")
                if self.router_port == 0:
                    self.router_port = router.bind_to_random_port(f"tcp://{host}")
                else:
                    router.bind(f"tcp://{host}:{self.router_port}")
        except zmq.ZMQError:
            self.close_sockets()
            self.sendq.close()
            if self._own_context:
                self.context.term()
            raise
        size = int(workers or setting("NETNODE_WORKERS"))
        self.pool = WorkerPool(self.loop_name, size, int(setting("NETNODE_WORKER_BACKLOG")))
        self.start_loop(self.daemon)

    # --- sending -------------------------------------------------------------------------------------
    def prepare_message(
        self, to: str | Sequence[str], key: str, value: Any, repeat: bool, flags: dict[str, Any] | None = None
    ) -> NetMessage:
        return make_message(self.id, next(self.msg_counter), to, key, value, repeat=repeat, flags=flags)

    def send(
        self,
        to: str | list[str] | None = None,
        key: str | None = None,
        value: Any = None,
        msg: NetMessage | None = None,
        repeat: bool = False,
        flags: dict[str, Any] | None = None,
        force_to: bool = False,
    ) -> str:
        """Send a message (thread-safe); returns its id. ``to`` defaults to the upstream; a list is a
        multihop path. With ``repeat`` it is resent every ``repeat_interval`` until confirmed."""
        if self._released:
            raise RuntimeError(f"Net_Node {self.id!r} was released")
        if to is None:
            to = self.upstream if msg is None else msg.to
        if to is None:
            raise ValueError(f"Net_Node {self.id!r} has no upstream: give 'to'")
        if msg is None:
            if key is None:
                raise ValueError("send() needs a key (or a prepared msg)")
            msg = self.prepare_message(to, key, value, repeat, flags)
        body = encode_message(msg)
        tag, frames = self._frames_for(to, body, force_to)
        if repeat and msg.wants_confirm:  # CONFIRMs and NOREPEAT messages are never confirmed
            self.outbox.add(Pending(msg, tag, frames[:-1], time.monotonic()))
        self.sendq.put(tag, frames)
        return msg.id

    def _frames_for(self, to: str | list[str], body: bytes, force_to: bool) -> tuple[str, list[bytes]]:
        direct = force_to or DEALER not in self.sockets or (isinstance(to, str) and to.encode() in self.senders)
        frames = node_frames(to, body, upstream=self.upstream or self.id, direct=direct)
        if ROUTER in self.sockets and (frames[0] in self.senders or DEALER not in self.sockets):
            return ROUTER, frames
        return DEALER, frames

    def end_of_batch(self) -> None:
        if self._calls:
            calls, self._calls = self._calls, []
            if self.pool is not None:
                self.pool.submit_batch(calls)

    # --- receiving (I/O thread) ---------------------------------------------------------------------
    def on_frames(self, tag: str, frames: list[bytes]) -> None:
        if tag == ROUTER:
            self.senders.add(frames[0])
        body = frames[-1]
        if body == PING:
            if tag == ROUTER:
                self.send_now(ROUTER, frames)  # echo a ping
            else:
                self.connected.set()  # our upstream answered our ping
            return
        try:
            msg = decode_message(body, expand_arrays=self.expand, allow_blosc=self.allow_blosc)
        except NetNodeError as exc:
            self.stats.invalid += 1
            log.warning("%s: invalid message dropped: %s", self.loop_name, exc)
            return
        self.stats.received += 1
        if msg.key == CONFIRM:
            if self.outbox.confirm(msg.value):
                self.stats.confirmed += 1
                self.outbox.wake_waiters()
            return
        if msg.wants_confirm:  # confirm every copy (a confirm may be lost), handle the first only
            duplicate = self._seen.check_and_add(msg.id)
            if duplicate:
                self.stats.duplicates += 1
            self._confirm(msg)
            if duplicate:
                log.debug("%s: duplicate %s dropped", self.loop_name, msg.id)
                return
        self._dispatch(msg)

    def _confirm(self, msg: NetMessage) -> None:
        body = encode_confirm(msg, self.id, next(self.msg_counter))
        tag, frames = self._frames_for(msg.sender, body, False)
        self.emit(tag, frames)

    def _dispatch(self, msg: NetMessage) -> None:
        listen = self.listens.get(msg.key)
        if listen is not None:
            self._calls.append((listen, (msg.value,)))
        elif msg.key == STREAM and isinstance(msg.value, dict):
            self._dispatch_stream(msg)
        elif self.on_message is not None:
            self.on_message(msg)
        else:
            self.stats.no_listen += 1
            log.warning("%s: MSG ID %s - no listen function for key %r", self.loop_name, msg.id, msg.key)

    def _dispatch_stream(self, msg: NetMessage) -> None:
        value = msg.value
        inner = value.get("inner_key")
        payload = value.get("payload")
        listen = self.listens.get(inner) if isinstance(inner, str) else None
        if isinstance(inner, str) and isinstance(payload, list):
            if listen is not None:
                self._calls.append((_call_each, (listen, payload)))
                return
            if self.on_message is not None:
                for item in payload:
                    self.on_message(replace(msg, key=inner, value=item))
                return
        self.stats.no_listen += 1
        log.warning("%s: STREAM %s - no listen function for inner key %r", self.loop_name, msg.id, inner)

    def l_confirm(self, value: Any) -> None:
        """CONFIRMs are handled in the I/O thread; kept for autopilot compatibility."""
        if self.outbox.confirm(value):
            self.stats.confirmed += 1
            self.outbox.wake_waiters()

    # --- streams ------------------------------------------------------------------------------------
    def get_stream(
        self,
        id: str,  # autopilot's signature
        key: str,
        min_size: int = 5,
        upstream: str | None = None,
        port: int | None = None,
        ip: str | None = None,
        subject: str | None = None,
        q_size: int | None = None,
    ) -> StreamQueue:
        """A queue to ``append`` items to: they are sent in batches (``key="STREAM"``) by a stream
        thread when ``min_size`` are pending or after ``NETNODE_STREAM_LINGER`` s."""
        target = upstream or self.upstream
        target_port = port if port is not None else self.port
        if target is None or target_port is None:
            raise ValueError("get_stream needs an upstream and a port")
        stream = NetStream(
            self.context,
            node_id=self.id,
            stream_id=id,
            key=key,
            min_size=min_size,
            upstream=target,
            address=f"tcp://{loopback(ip or self.upstream_ip)}:{target_port}",
            subject=subject or "",
            q_size=q_size,
            linger=float(setting("NETNODE_STREAM_LINGER")),
            max_batch=int(setting("NETNODE_STREAM_MAX_BATCH")),
        )
        self._streams.append(stream)
        self.streams[id] = stream.thread
        stream.start(self.daemon)
        return stream.queue

    # --- lifecycle -----------------------------------------------------------------------------------
    def release(self, timeout: float = 5.0) -> None:
        """Flush and stop the streams, stop the I/O thread (sockets closed, linger 0), stop the worker
        pool, and terminate the ZMQ context when this node owns it. Idempotent."""
        if self._released:
            return
        self._released = True
        for stream in self._streams:
            stream.stop(timeout)
        self.stop_loop(timeout)
        self.pool.stop(timeout)

    def __repr__(self) -> str:
        return f"<Net_Node {self.id} upstream={self.upstream}@{self.upstream_ip}:{self.port}>"


def _call_each(listen: Listen, items: list[Any]) -> None:
    for item in items:
        listen(item)
