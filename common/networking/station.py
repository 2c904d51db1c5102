"""Station: autopilot's ROUTER hub (``autopilot.networking.Station``), run in a thread.

A ROUTER (identity ``id``) bound on ``listen_port`` for children and peers, optionally a DEALER
"pusher" connected to an upstream Station (``push_ip:push_port``, identity ``push_id``). It learns
the identities of senders on first receipt and forwards what is not for it (``station_route``):
``[to, body]`` to a known child, ``[push_id, to, body]`` upstream, multihop frames minus its own
hop. Messages for it go to ``listens[key](message)`` on a bounded worker pool, are confirmed unless
NOREPEAT, and repeated copies are dropped by id. An empty last frame is echoed (ping); a last frame
``b"CLOSING"`` (or the ``KILL`` key) stops it. Unlike autopilot it is not a separate process:
``start()`` runs it in a thread and ``release()`` stops it.
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
    STREAM,
    NetMessage,
    decode_message,
    encode_confirm,
    encode_message,
    make_message,
    split_router,
    station_route,
)
from .exceptions import NetNodeError
from .loop import ZmqLoop
from .senders import RecentSenders
from .support import Call, Pending, SeenIds, WorkerPool, log, loopback

StationListen = Callable[[NetMessage], Any]
LISTENER = "listener"
PUSHER = "pusher"


class Station(ZmqLoop):
    def __init__(
        self,
        id: str | None = None,  # autopilot's signature
        push_ip: str | None = None,
        push_port: int | None = None,
        push_id: str | bytes | None = None,
        pusher: bool = False,
        listen_port: int | None = None,
        listens: dict[str, StationListen] | None = None,
        *,
        instance: bool = False,
        daemon: bool = True,
        workers: int | None = None,
        expand_on_receive: bool = False,
    ) -> None:
        if not id or not isinstance(id, str):
            raise ValueError("a Station needs a non-empty string id")
        context = zmq.Context.instance() if instance else zmq.Context()
        super().__init__(f"station-{id}", context, own_context=not instance)
        self.id = id
        self.push_ip = push_ip
        self.push_port = push_port
        self.push_id = push_id.encode() if isinstance(push_id, str) else push_id
        self.pusher = pusher
        self.listen_port = listen_port
        self.daemon = daemon
        self.expand = expand_on_receive
        self.allow_blosc = bool(setting("NETNODE_ALLOW_BLOSC"))
        self.listens: dict[str, StationListen] = dict(listens or {})
        self.listens.update({CONFIRM: self.l_confirm, STREAM: self.l_stream, "KILL": self.l_kill})
        self.routes: dict[bytes, list[bytes]] = {}
        self.senders = RecentSenders(
            int(setting("NETNODE_MAX_SENDERS")), float(setting("NETNODE_SENDER_TTL")), self._forget
        )
        self.msg_counter = itertools.count()
        self.ready = threading.Event()
        self.connected = threading.Event()
        self._my_ids = frozenset({id.encode(), f"_{id}".encode()})
        self._seen = SeenIds(int(setting("NETNODE_SEEN_IDS")))
        self._calls: list[Call] = []  # listen calls of this poll cycle (I/O thread)
        self._workers = workers
        self._released = False
        self.pool: WorkerPool | None = None

    @property
    def msgs_received(self) -> int:
        return self.stats.received

    def start(self) -> None:
        """Bind the listener (``listen_port`` 0 or None: a free port, then stored in ``listen_port``),
        connect the pusher, start the worker pool and the I/O thread. Idempotent."""
        if self.ready.is_set() or self._released:
            return
        try:
            listener = self.make_socket(zmq.ROUTER, LISTENER, self.id)
            host = setting("NETNODE_BIND_HOST")
            if not self.listen_port:
                self.listen_port = listener.bind_to_random_port(f"tcp://{host}")
            else:
                listener.bind(f"tcp://{host}:{self.listen_port}")
            if self.pusher:
                if self.push_id is None or self.push_port is None:
                    raise ValueError("a Station with a pusher needs push_id and push_port")
                dealer = self.make_socket(zmq.DEALER, PUSHER, self.id)
                dealer.connect(f"tcp://{loopback(self.push_ip or '127.0.0.1')}:{self.push_port}")
                dealer.send_multipart([self.push_id, b""])  # ping: the upstream learns our identity
        except (zmq.ZMQError, ValueError):
            self.close_sockets()
            self.sendq.close()
            if self._own_context:
                self.context.term()
            raise
        size = int(self._workers or setting("NETNODE_WORKERS"))
        self.pool = WorkerPool(self.loop_name, size, int(setting("NETNODE_WORKER_BACKLOG")))
        self.start_loop(self.daemon)
        self.ready.set()

    # --- sending -----------------------------------------------------------------------------------
    def prepare_message(
        self, to: str | Sequence[str], key: str, value: Any, repeat: bool = True, flags: dict[str, Any] | None = None
    ) -> NetMessage:
        return make_message(self.id, next(self.msg_counter), to, key, value, repeat=repeat, flags=flags)

    def send(
        self,
        to: str | list[str] | None = None,
        key: str | None = None,
        value: Any = None,
        msg: NetMessage | None = None,
        repeat: bool = True,
        flags: dict[str, Any] | None = None,
    ) -> str:
        """Send via the listener (ROUTER): ``[to, body]``, or ``[h1..hn, hn, body]`` for a list."""
        msg, to = self._prepared(to, key, value, msg, repeat, flags)
        body = encode_message(msg)
        if isinstance(to, list):
            hops = [hop.encode() for hop in to]
            frames = [*hops, hops[-1], body]
        else:
            frames = [to.encode(), body]
        return self._queue(LISTENER, frames, msg, repeat)

    def push(
        self,
        to: str | None = None,
        key: str | None = None,
        value: Any = None,
        msg: NetMessage | None = None,
        repeat: bool = True,
        flags: dict[str, Any] | None = None,
    ) -> str:
        """Send via the pusher (DEALER) upstream: ``[push_id, to, body]`` (``to`` defaults to push_id)."""
        if self.push_id is None:
            raise ValueError(f"Station {self.id!r} has no pusher")
        if to is None and msg is None:
            to = self.push_id.decode()
        msg, target = self._prepared(to, key, value, msg, repeat, flags)
        recipient = target[-1] if isinstance(target, list) else target
        frames = [self.push_id, recipient.encode(), encode_message(msg)]
        return self._queue(PUSHER, frames, msg, repeat)

    def _prepared(
        self,
        to: str | list[str] | None,
        key: str | None,
        value: Any,
        msg: NetMessage | None,
        repeat: bool,
        flags: dict[str, Any] | None,
    ) -> tuple[NetMessage, str | list[str]]:
        if self._released:
            raise RuntimeError(f"Station {self.id!r} was released")
        if msg is None:
            if not to or not key:
                raise ValueError("send() needs 'to' and 'key' (or a prepared msg)")
            return self.prepare_message(to, key, value, repeat, flags), to
        return msg, to or msg.to

    def _queue(self, tag: str, frames: list[bytes], msg: NetMessage, repeat: bool) -> str:
        # only what originates here is repeated (autopilot compared the sender with the process name)
        if repeat and msg.wants_confirm and msg.sender == self.id:
            self.outbox.add(Pending(msg, tag, frames[:-1], time.monotonic()))
        self.sendq.put(tag, frames)
        return msg.id

    def end_of_batch(self) -> None:
        if self._calls:
            calls, self._calls = self._calls, []
            if self.pool is not None:
                self.pool.submit_batch(calls)

    def _forget(self, identity: bytes) -> None:
        """An identity left the senders map: its route goes too (both stay bounded)."""
        self.routes.pop(identity, None)

    # --- receiving (I/O thread) --------------------------------------------------------------------
    def on_frames(self, tag: str, frames: list[bytes]) -> None:
        if tag == LISTENER:
            identity, rest = split_router(frames)
            self.senders.add(identity)
            self.senders.add(b"_" + identity)
            if len(frames) > 4:
                self.routes[identity] = frames[:-3]
        else:
            rest = frames
        route = station_route(rest, self._my_ids, self.senders, self.push_id if PUSHER in self.sockets else None)
        if route.action == "ping":
            if tag == LISTENER:
                self.send_now(LISTENER, frames)
            else:
                self.connected.set()
        elif route.action == "closing":
            log.info("%s: CLOSING received, stopping", self.loop_name)
            self.closing.set()
        elif route.action == "deliver":
            self._handle(route.body, tag)
        else:
            log.debug("%s: FORWARDING (%s) %r", self.loop_name, route.action, route.frames[:-1])
            self.emit(LISTENER if route.action == "router" else PUSHER, route.frames)

    def _handle(self, body: bytes, tag: str) -> None:
        try:
            msg = decode_message(body, expand_arrays=self.expand, allow_blosc=self.allow_blosc)
        except NetNodeError as exc:
            self.stats.invalid += 1
            log.warning("%s: invalid message dropped: %s", self.loop_name, exc)
            return
        self.stats.received += 1
        if msg.key == CONFIRM:
            self.l_confirm(msg)
            return
        if msg.wants_confirm:  # confirm every copy (a confirm may be lost), handle the first only
            duplicate = self._seen.check_and_add(msg.id)
            if duplicate:
                self.stats.duplicates += 1
            self._confirm(msg, tag)
            if duplicate:
                log.debug("%s: duplicate %s dropped", self.loop_name, msg.id)
                return
        listen = self.listens.get(msg.key)
        if listen is None:
            self.stats.no_listen += 1
            log.warning("%s: no listen function for msg id %s with key %r", self.loop_name, msg.id, msg.key)
        else:
            self._calls.append((listen, (msg,)))

    def _confirm(self, msg: NetMessage, tag: str) -> None:
        body = encode_confirm(msg, self.id, next(self.msg_counter))
        sender = msg.sender.encode()
        if tag == PUSHER and self.push_id is not None:
            self.emit(PUSHER, [self.push_id, sender, body])
        elif sender in self.senders or PUSHER not in self.sockets or self.push_id is None:
            self.emit(LISTENER, [sender, body])
        else:
            self.emit(PUSHER, [self.push_id, sender, body])

    # --- built-in listens --------------------------------------------------------------------------
    def l_confirm(self, msg: NetMessage) -> None:
        if self.outbox.confirm(msg.value):
            self.stats.confirmed += 1
            self.outbox.wake_waiters()

    def l_stream(self, msg: NetMessage) -> None:
        """Call the listen of ``inner_key`` once per item (dict items get the headers merged in)."""
        value = msg.value if isinstance(msg.value, dict) else {}
        inner = value.get("inner_key")
        listen = self.listens.get(inner) if isinstance(inner, str) else None
        payload = value.get("payload")
        if listen is None or not isinstance(inner, str) or not isinstance(payload, list):
            self.stats.no_listen += 1
            log.warning("%s: STREAM %s has no listen for inner key %r", self.loop_name, msg.id, inner)
            return
        headers = value.get("headers")
        for item in payload:
            if isinstance(item, dict) and isinstance(headers, dict):
                item = {**item, **headers}
            listen(replace(msg, key=inner, value=item))

    def l_kill(self, msg: NetMessage) -> None:
        log.info("%s: received kill request", self.loop_name)
        self.closing.set()
        self.sendq.wake()

    # --- lifecycle -----------------------------------------------------------------------------------
    def release(self, timeout: float = 5.0) -> None:
        """Stop the I/O thread (sockets closed, linger 0), the worker pool, and terminate the context
        when owned. Idempotent."""
        if self._released:
            return
        self._released = True
        self.stop_loop(timeout)
        if self.pool is not None:
            self.pool.stop(timeout)

    stop = release

    def __repr__(self) -> str:
        return f"<Station {self.id} port={self.listen_port} push={self.push_id!r}@{self.push_port}>"
