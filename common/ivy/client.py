"""One TCP connection to one remote Ivy agent: :class:`IvyClient`.

The connection's own thread reads (``run()``: decode lines, check the handshake order, hand events
to the bus); a writer thread drains a bounded send queue in batches (one ``send`` for everything
queued). When the queue overflows, the peer is sent ERROR + BYE and disconnected, and the bus
counts it: nothing is dropped silently. The peer's regexps live in an immutable tuple replaced under
a lock (the sending path reads it without locking).
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from .codec import (
    ADD_REGEXP,
    BYE,
    DEL_REGEXP,
    DIE,
    DIRECT_MSG,
    END_INIT,
    ERROR,
    MSG,
    PING,
    PONG,
    IvyDecoder,
    IvyMessage,
    IvyPeerState,
    check_text,
    encode_bye,
    encode_die,
    encode_direct,
    encode_error,
    encode_ping,
    encode_pong,
    msg_args,
)
from .exceptions import IvyError, IvyRegexpError
from .regexp import MAX_REGEXPS_PER_PEER, Pattern, compile_peer_regexp
from .writer import LINGER, LineWriter

log = logging.getLogger("pyros.ivy")

DEFAULT_MAX_QUEUE = 100_000
_RECV_SIZE = 1 << 18


class BusHooks(Protocol):
    """What a client reports to its bus (implemented by ``IvyBus``)."""

    name: str

    def _client_initialized(self, client: IvyClient) -> None: ...
    def _client_gone(self, client: IvyClient) -> None: ...
    def _deliver(self, client: IvyClient, sub_id: int, args: tuple[str, ...]) -> None: ...
    def _regexp_changed(self, client: IvyClient, event: str, sub_id: int, regexp: str) -> None: ...
    def _direct_message(self, client: IvyClient, num_id: int, text: str) -> None: ...
    def _die(self, client: IvyClient, num_id: int, text: str) -> None: ...
    def _pong(self, client: IvyClient, delta: float) -> None: ...
    def _overflow(self, client: IvyClient) -> None: ...


class _Ping:
    __slots__ = ("done", "rtt", "sent")

    def __init__(self) -> None:
        self.sent = time.perf_counter()
        self.done = threading.Event()
        self.rtt: float | None = None


class IvyClient:
    """A remote agent on the bus, as seen from one local bus peer (ivy-python's ``IvyClient``)."""

    def __init__(
        self,
        bus: BusHooks,
        sock: socket.socket,
        host: str,
        port: int,
        agent_id: str | None = None,
        name: str | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> None:
        self.bus = bus
        self.host = host
        self.port = port  # the peer's listen port once its START_INIT arrived
        self.agent_id = agent_id
        self._announced_name = name
        self.peer = IvyPeerState()
        self.max_queue = max_queue
        self.connected_at: float | None = None
        self.received_lines = 0
        self.overflowed = False
        self.last_ping_rtt: float | None = None
        self._sock = sock
        self._regexps: tuple[tuple[int, Pattern, bytes, str], ...] = ()
        self._regexp_lock = threading.Lock()
        overflow = encode_error(0, f"send queue overflow ({max_queue} messages): disconnected") + encode_bye()
        self._writer = LineWriter(sock, f"Ivy bus {bus.name}: {host}:{port}", max_queue, self._on_overflow, overflow)
        # Queue encoded lines for the writer thread; False when closing or on overflow.
        self.enqueue: Callable[[bytes], bool] = self._writer.enqueue
        self._ping_ids = itertools.count(1)
        self._pings: dict[int, _Ping] = {}
        self._ping_lock = threading.Lock()

    # --- identity -----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.peer.name or self._announced_name or f"{self.host}:{self.port}"

    @property
    def initialized(self) -> bool:
        return self.peer.initialized

    @property
    def regexps(self) -> dict[int, str]:
        """The peer's subscriptions: id -> regexp."""
        return {sub_id: text for sub_id, _, _, text in self._regexps}

    @property
    def queued(self) -> int:
        return self._writer.queued

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "agent_id": self.agent_id,
            "initialized": self.initialized,
            "regexps": self.regexps,
            "queued": self.queued,
            "sent": self._writer.sent,
            "received": self.received_lines,
            "last_ping_rtt": self.last_ping_rtt,
        }

    def __repr__(self) -> str:
        return f"<IvyClient {self.name} {self.host}:{self.port}>"

    def __str__(self) -> str:
        return f"{self.name}@{self.host}"

    # --- the peer's regexps ---------------------------------------------------------------------------
    def add_regexp(self, sub_id: int, regexp: str) -> None:
        """Record (or replace: ivy-c semantics) the peer's subscription ``sub_id``, compiled with RE2
        (linear-time matching). Raises :class:`IvyRegexpError` (PCRE-only construct, invalid, too
        large, or one regexp too many for this peer)."""
        pattern = compile_peer_regexp(regexp)
        prefix = f"{MSG} {sub_id}\x02".encode()
        with self._regexp_lock:
            kept = tuple(r for r in self._regexps if r[0] != sub_id)
            if len(kept) >= MAX_REGEXPS_PER_PEER:
                raise IvyRegexpError(f"a peer may hold at most {MAX_REGEXPS_PER_PEER} regexps")
            self._regexps = (*kept, (sub_id, pattern, prefix, regexp))

    def remove_regexp(self, sub_id: int) -> str | None:
        with self._regexp_lock:
            for entry in self._regexps:
                if entry[0] == sub_id:
                    self._regexps = tuple(r for r in self._regexps if r[0] != sub_id)
                    return entry[3]
        return None

    # --- sending ----------------------------------------------------------------------------------------
    def send_msg(self, text: str) -> int:
        """Send ``text`` once per subscription of this peer it matches (ivy-c: search anywhere).
        Returns the number of matches; raises IvyInvalidTextError for text Ivy cannot carry."""
        return self._send_checked(check_text(text, "message"))

    def _send_checked(self, text: str) -> int:
        count = 0
        data = text.encode()
        for _, pattern, prefix, _ in self._regexps:
            groups = pattern.search(data)
            if groups is not None:
                line = prefix + b"\x03".join(groups) + b"\x03\n" if groups else prefix + b"\n"
                if not self.enqueue(line):
                    break
                count += 1
        return count

    def send_direct_message(self, num_id: int, text: str) -> None:
        self.enqueue(encode_direct(num_id, text))

    def send_die_message(self, num_id: int = 0, text: str = "") -> None:
        self.enqueue(encode_die(num_id, text))

    def send_error(self, num_id: int, text: str) -> None:
        self.enqueue(encode_error(num_id, _printable(text)))

    def wave_bye(self, num_id: int = 0) -> None:
        """Send BYE and close the connection (the peer's side closes, then ours)."""
        self.close(encode_bye(num_id))

    def send_ping(self) -> int:
        """Send a PING; the PONG's round trip goes to the bus's ``on_pong`` and ``last_ping_rtt``."""
        ping_id = next(self._ping_ids)
        with self._ping_lock:
            self._pings[ping_id] = _Ping()
        self.enqueue(encode_ping(ping_id))
        return ping_id

    def ping(self, timeout: float = 5.0) -> float:
        """Send a PING and wait for its PONG: the round trip in seconds. Raises TimeoutError."""
        ping_id = self.send_ping()
        with self._ping_lock:
            pending = self._pings[ping_id]
        if not pending.done.wait(timeout) or pending.rtt is None:
            with self._ping_lock:
                self._pings.pop(ping_id, None)
            raise TimeoutError(f"Ivy peer {self.name} did not answer PING {ping_id} within {timeout:g} s")
        return pending.rtt

    def _on_overflow(self, dropped: int) -> None:
        self.overflowed = True
        log.warning(
            "Ivy bus %s: peer %s (%s:%s) does not read fast enough: its send queue of %d messages "
            "overflowed; %d queued messages are not delivered, disconnecting it",
            self.bus.name,
            self.name,
            self.host,
            self.port,
            self.max_queue,
            dropped,
        )
        self.bus._overflow(self)

    def close(self, last: bytes = b"", deadline: float | None = None) -> None:
        """Stop accepting lines; the writer sends what is queued plus ``last``, then closes."""
        self._writer.close(last, deadline)

    # --- the reader (the connection's thread) -----------------------------------------------------------
    def run(self, handshake: Callable[[IvyClient], None], max_line: int) -> None:
        """Serve the connection until it closes: ``handshake(self)`` queues our START_INIT ..."""
        self._writer.thread.start()
        try:
            handshake(self)
            self._read_loop(IvyDecoder(max_line))
        finally:
            self._writer.reader_done.set()
            self.close()
            self._writer.join(LINGER + 1.0)
            self._sock.close()
            with self._ping_lock:
                pings, self._pings = list(self._pings.values()), {}
            for pending in pings:
                pending.done.set()
            self.bus._client_gone(self)

    def _read_loop(self, decoder: IvyDecoder) -> None:
        recv = self._sock.recv
        receive = self.peer.receive
        deliver = self.bus._deliver
        while True:
            try:
                data = recv(_RECV_SIZE)
            except OSError:
                return
            if not data:
                return
            try:
                decoder.receive_data(data)
                while events := decoder.events():
                    for message in events:
                        receive(message)
                        if message.type == MSG:
                            deliver(self, message.id, msg_args(message.params))
                        elif not self._handle(message):
                            return
                    self.received_lines += len(events)
            except IvyError as exc:
                self._protocol_error(exc)
                return

    def _protocol_error(self, exc: IvyError) -> None:
        log.warning("Ivy bus %s: peer %s: %s; disconnecting it", self.bus.name, self.name, exc)
        self.close(encode_error(0, _printable(str(exc))) + encode_bye(), deadline=LINGER)

    def _handle(self, message: IvyMessage) -> bool:
        msg_type, num_id, params = message
        bus = self.bus
        if msg_type == BYE:
            return False
        if msg_type == ADD_REGEXP:
            self._peer_add_regexp(num_id, params)
        elif msg_type == DEL_REGEXP:
            removed = self.remove_regexp(num_id)
            if removed is not None:
                bus._regexp_changed(self, "removed", num_id, removed)
        elif msg_type == END_INIT:
            self.connected_at = time.time()
            bus._client_initialized(self)
        elif msg_type == PING:
            self.enqueue(encode_pong(num_id))
        elif msg_type == PONG:
            self._on_pong(num_id)
        elif msg_type == DIRECT_MSG:
            bus._direct_message(self, num_id, params)
        elif msg_type == DIE:
            bus._die(self, num_id, params)
        elif msg_type == ERROR:
            log.warning("Ivy bus %s: peer %s sent an error: %s", bus.name, self.name, params)
        else:  # START_INIT: recorded by the peer state
            self.port = message.id
        return True

    def _peer_add_regexp(self, sub_id: int, regexp: str) -> None:
        try:
            self.add_regexp(sub_id, regexp)
        except IvyRegexpError as exc:
            log.warning("Ivy bus %s: peer %s: %s", self.bus.name, self.name, exc)
            self.send_error(sub_id, f"Error can't compile regexp '{regexp}': {exc}")
            return
        self.bus._regexp_changed(self, "added", sub_id, regexp)

    def _on_pong(self, ping_id: int) -> None:
        with self._ping_lock:
            pending = self._pings.pop(ping_id, None)
        if pending is None:
            log.info("Ivy bus %s: peer %s sent an unsolicited PONG %d", self.bus.name, self.name, ping_id)
            return
        pending.rtt = self.last_ping_rtt = time.perf_counter() - pending.sent
        pending.done.set()
        self.bus._pong(self, pending.rtt)


def _printable(text: str) -> str:
    """``text`` without the characters Ivy cannot carry (for error texts)."""
    text = text.replace("\n", " ").replace("\x02", " ").replace("\x03", " ")
    return text.encode("utf-8", "replace").decode()
