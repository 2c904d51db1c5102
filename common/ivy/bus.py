"""An Ivy bus peer: :class:`IvyBus` (ivy-python's ``IvyServer``, without its global state).

``start()`` listens on a TCP port (127.0.0.1, port 0 by default), announces itself once by UDP on
the bus, and connects to every agent that announces later; each remote agent is one
:class:`~common.transport.ivy_client.IvyClient`. Several buses may live in one process. Callbacks
run on the thread of the connection they concern (see ``common.ivy_agent`` for agents, whose
handlers run in the agent's thread).
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..transport.tcp import ThreadedTCPServer
from .client import DEFAULT_MAX_QUEUE, IvyClient
from .codec import (
    DEFAULT_BUS,
    DEFAULT_MAX_LINE,
    Announce,
    check_text,
    encode_add_regexp,
    encode_del_regexp,
    encode_handshake,
    parse_bus,
)
from .discovery import IvyDiscovery

log = logging.getLogger("pyros.ivy")

MsgCallback = Callable[..., Any]  # (client, *groups)
ClientCallback = Callable[[IvyClient], Any]
RegexpCallback = Callable[[IvyClient, str, int, str], Any]  # (client, "added"|"removed", id, regexp)
DirectCallback = Callable[[IvyClient, int, str], Any]  # (client, num_id, text)
DieCallback = Callable[[IvyClient, int, str], bool]  # False: refuse to die
PongCallback = Callable[[IvyClient, float], Any]


class IvyBus:
    """One agent on one Ivy bus."""

    def __init__(
        self,
        name: str,
        ready_message: str | None = None,
        *,
        bus: str = DEFAULT_BUS,
        host: str = "127.0.0.1",
        port: int = 0,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_line: int = DEFAULT_MAX_LINE,
        on_connect: ClientCallback | None = None,
        on_disconnect: ClientCallback | None = None,
        on_regexp_change: RegexpCallback | None = None,
        on_direct_message: DirectCallback | None = None,
        on_die: DieCallback | None = None,
        on_pong: PongCallback | None = None,
    ) -> None:
        self.name = check_text(name, "agent name")
        self.ready_message = check_text(ready_message, "ready message") if ready_message else None
        self.bus = bus
        self.addresses, self.udp_port = parse_bus(bus)
        self.max_queue = max_queue
        self.max_line = max_line
        self.on_connect = on_connect
        self.on_disconnect = on_disconnect
        self.on_regexp_change = on_regexp_change
        self.on_direct_message = on_direct_message
        self.on_die = on_die
        self.on_pong = on_pong
        self.agent_id = ""
        self.overflow_disconnects = 0
        self.ready = threading.Event()
        self._server = ThreadedTCPServer(host, port, self._serve_accepted, name=f"ivy-{name}")
        self._discovery = IvyDiscovery(self.addresses, self.udp_port, self._on_announce, name=name)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._clients: tuple[IvyClient, ...] = ()
        self._subscriptions: dict[int, tuple[str, MsgCallback]] = {}
        self._sub_ids = itertools.count()
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # --- lifecycle ----------------------------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        """Where the TCP port listens (after ``start()``)."""
        return self._server.address

    def start(self) -> None:
        """Listen, announce on the bus, serve. Raises OSError (e.g. the UDP port cannot be bound)."""
        try:
            self._server.start()
        except BaseException:
            self._discovery.stop()
            raise
        port = self._server.port
        self.agent_id = f"{random.getrandbits(31)}:{int(time.time() * 1000)}:{port}"
        try:
            self._discovery.start(port, self.agent_id, self.name)
        except BaseException:
            self._server.stop()
            raise
        log.info("Ivy bus %s: agent %r listening on %s:%d", self.bus, self.name, *self.address)
        self.ready.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Say BYE to every peer, close every socket, join every thread."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            clients = self._clients
        self._discovery.stop(timeout)
        if not self.ready.is_set():  # never started (or failed to): only the wake-up sockets
            self._server.server_close()
            return
        self._server.shutdown()
        for client in clients:
            client.wave_bye()
        me = threading.current_thread()
        for thread in list(self._threads):
            if thread is not me:
                thread.join(timeout)
        self._server.join(timeout)
        self._server.close_connections()
        self._server.server_close()
        self._server.join(timeout)
        self.ready.clear()

    # --- our subscriptions -------------------------------------------------------------------------------
    def bind(self, regexp: str, callback: MsgCallback) -> int:
        """Subscribe: ``callback(client, *groups)`` for each message matching ``regexp``. Returns the id."""
        check_text(regexp, "regexp")
        re.compile(regexp)  # a clear error now rather than an ERROR from every peer
        with self._lock:
            sub_id = next(self._sub_ids)
            self._subscriptions[sub_id] = (regexp, callback)
            line = encode_add_regexp(sub_id, regexp)
            for client in self._clients:
                client.enqueue(line)
        return sub_id

    def unbind(self, sub_id: int) -> str:
        """Remove subscription ``sub_id`` (KeyError if unknown); returns its regexp."""
        with self._lock:
            regexp, _ = self._subscriptions.pop(sub_id)
            line = encode_del_regexp(sub_id)
            for client in self._clients:
                client.enqueue(line)
        return regexp

    @property
    def subscriptions(self) -> dict[int, str]:
        with self._lock:
            return {sub_id: regexp for sub_id, (regexp, _) in self._subscriptions.items()}

    # --- sending --------------------------------------------------------------------------------------
    def send_msg(self, text: str) -> int:
        """Send ``text`` to every peer subscription it matches; returns the number of matches."""
        check_text(text, "message")
        count = 0
        for client in self._clients:
            if client.peer.initialized:
                count += client._send_checked(text)
        return count

    def send_direct_message(self, name: str, num_id: int, text: str) -> int:
        """Send a direct message to every peer named ``name``; returns how many."""
        check_text(text, "direct message")
        peers = self.get_clients(name)
        for client in peers:
            client.send_direct_message(num_id, text)
        return len(peers)

    def send_die_message(self, name: str, text: str = "") -> int:
        check_text(text, "die message")
        peers = self.get_clients(name)
        for client in peers:
            client.send_die_message(0, text)
        return len(peers)

    # --- the peers ----------------------------------------------------------------------------------------
    @property
    def clients(self) -> list[IvyClient]:
        """The peers whose handshake is complete."""
        return [c for c in self._clients if c.peer.initialized]

    def get_clients(self, name: str) -> list[IvyClient]:
        return [c for c in self.clients if c.name == name]

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` is true; it is re-checked on every peer event (connection,
        disconnection, regexp change). Returns its last value."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_for_client(self, name: str, timeout: float = 5.0, regexps: int = 0) -> IvyClient:
        """The peer ``name`` once connected with at least ``regexps`` subscriptions; TimeoutError."""
        found: list[IvyClient] = []

        def present() -> bool:
            found[:] = [c for c in self.get_clients(name) if len(c.regexps) >= regexps]
            return bool(found)

        if not self.wait_for(present, timeout):
            raise TimeoutError(
                f"Ivy bus {self.bus}: no peer {name!r} with {regexps} regexp(s) within {timeout:g} s "
                f"(peers: {', '.join(c.name for c in self.clients) or 'none'})"
            )
        return found[0]

    def describe(self) -> dict[str, Any]:
        return {
            "bus": self.bus,
            "name": self.name,
            "agent_id": self.agent_id,
            "address": list(self.address) if self.ready.is_set() else None,
            "subscriptions": self.subscriptions,
            "peers": [c.describe() for c in self._clients],
            "overflow_disconnects": self.overflow_disconnects,
        }

    # --- connections ----------------------------------------------------------------------------------
    def _on_announce(self, host: str, announce: Announce) -> None:
        with self._lock:
            if self._stopping or any(c.agent_id == announce.agent_id for c in self._clients):
                return
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(
                target=self._connect, args=(host, announce), name=f"ivy-{self.name}-conn", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _connect(self, host: str, announce: Announce) -> None:
        try:
            sock = socket.create_connection((host, announce.port), timeout=5.0)
        except OSError as exc:
            where = f"{host}:{announce.port}"
            log.warning("Ivy bus %s: cannot connect to %s at %s: %s", self.bus, announce.name, where, exc)
            return
        sock.settimeout(None)
        self._serve(IvyClient(self, sock, host, announce.port, announce.agent_id, announce.name, self.max_queue))

    def _serve_accepted(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        self._serve(IvyClient(self, sock, peer[0], peer[1], max_queue=self.max_queue))

    def _serve(self, client: IvyClient) -> None:
        try:
            client._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        client.run(self._register, self.max_line)

    def _register(self, client: IvyClient) -> None:
        """Queue our handshake (under the lock, so that it precedes any later ADD/DEL_REGEXP)."""
        with self._lock:
            if self._stopping:
                client.close()
                return
            self._clients = (*self._clients, client)
            subscriptions = [(sub_id, regexp) for sub_id, (regexp, _) in self._subscriptions.items()]
            client.enqueue(encode_handshake(self.address[1], self.name, subscriptions))

    # --- events from the clients (on their threads) ------------------------------------------------------
    def _notify_change(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _client_initialized(self, client: IvyClient) -> None:
        log.info("Ivy bus %s: %s connected from %s:%s", self.bus, client.name, client.host, client.port)
        self._notify_change()
        self._call(self.on_connect, client)
        if self.ready_message:
            client._send_checked(self.ready_message)

    def _client_gone(self, client: IvyClient) -> None:
        with self._lock:
            self._clients = tuple(c for c in self._clients if c is not client)
        self._notify_change()
        if client.connected_at is not None:
            log.info("Ivy bus %s: %s disconnected", self.bus, client.name)
            self._call(self.on_disconnect, client)

    def _deliver(self, client: IvyClient, sub_id: int, args: tuple[str, ...]) -> None:
        subscription = self._subscriptions.get(sub_id)
        if subscription is None:  # unbound meanwhile
            return
        try:
            subscription[1](client, *args)
        except Exception:
            log.exception("Ivy bus %s: callback for %r failed", self.bus, subscription[0])

    def _regexp_changed(self, client: IvyClient, event: str, sub_id: int, regexp: str) -> None:
        self._notify_change()
        self._call(self.on_regexp_change, client, event, sub_id, regexp)

    def _direct_message(self, client: IvyClient, num_id: int, text: str) -> None:
        self._call(self.on_direct_message, client, num_id, text)

    def _die(self, client: IvyClient, num_id: int, text: str) -> None:
        accepted = True if self.on_die is None else self._call(self.on_die, client, num_id, text)
        log.info("Ivy bus %s: %s asks us to die (%s)", self.bus, client.name, "accepted" if accepted else "refused")
        if accepted is not False:
            self.stop()

    def _pong(self, client: IvyClient, delta: float) -> None:
        self._call(self.on_pong, client, delta)

    def _overflow(self, client: IvyClient) -> None:
        with self._lock:
            self.overflow_disconnects += 1

    def _call(self, callback: Callable[..., Any] | None, *args: Any) -> Any:
        if callback is None:
            return None
        try:
            return callback(*args)
        except Exception:
            log.exception("Ivy bus %s: callback %r failed", self.bus, callback)
            return None
