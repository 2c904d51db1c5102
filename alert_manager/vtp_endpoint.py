"""A VTP subscriber endpoint: connects to a VOEvent broker (Comet ...), stays connected, hands packets on.

Its thread reads the socket and feeds :class:`~alert_manager.vtp.SubscriberConnection`; it sends the
answers (authenticate, iamalive, ack) *before* handing the VOEvents of that read to the agent with
``call_soon(handler, [(payload, source, received_at, None), ...])``: the socket loop never waits on the database or
the scheduler. A lost connection is reopened after 0.5, 1, 2 ... s (``PYROS_ALERT_RECONNECT_MIN/MAX``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .exceptions import AlertPeerError
from .link import Backoff, LinkState
from .vtp import NEED_DATA, SubscriberConnection, Transport, Unreadable, VOEventFrame

log = logging.getLogger("pyros.alerts")

CallSoon = Callable[..., Any]
PacketHandler = Callable[..., None]  # handler([(payload, source, received_at, None), ...])


class VTPSubscriber:
    kind = "vtp"

    def __init__(
        self,
        call_soon: CallSoon,
        handler: PacketHandler,
        host: str,
        port: int,
        *,
        local_ivo: str,
        filters: list[str] | None = None,
        backoff: tuple[float, float] = (0.5, 60.0),
        link_timeout: float = 300.0,
        connect_timeout: float = 5.0,
        name: str = "vtp",
    ) -> None:
        self.name = name
        self.host, self.port = host, port
        self.local_ivo = local_ivo
        self.filters = list(filters or [])
        self.link = LinkState()
        self.link_timeout = link_timeout
        self.connect_timeout = connect_timeout
        self._call_soon = call_soon
        self._handler = handler
        self._backoff = Backoff(*backoff)
        self._stopping = threading.Event()
        self._sock: socket.socket | None = None
        self._sock_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: SubscriberConnection | None = None
        self.broker_ivo: str | None = None
        self.unreadable = 0

    @property
    def source(self) -> str:
        return f"vtp:{self.host}:{self.port}"

    # --- Endpoint protocol ----------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"alert-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        with self._sock_lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread's recv; the thread closes the socket
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: thread did not stop within %s s", self.name, timeout)

    def describe(self) -> dict[str, Any]:
        conn = self._conn
        return {
            "name": self.name,
            "kind": self.kind,
            "broker": f"{self.host}:{self.port}",
            "broker_ivo": self.broker_ivo,
            "local_ivo": self.local_ivo,
            "authenticated": bool(conn and conn.authenticated),
            "acks": 0 if conn is None else conn.acks,
            "unreadable": self.unreadable,
            **self.link.describe(self.link_timeout),
            "last_iamalive_at": self.link.last_heartbeat_at,
        }

    # --- the thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
            except OSError as exc:
                self.link.down(f"cannot connect to {self.host}:{self.port}: {exc.strerror or exc}")
                self._stopping.wait(self._backoff.next())
                continue
            with self._sock_lock:
                if self._stopping.is_set():
                    sock.close()
                    break
                self._sock = sock
            self._serve(sock)
            if not self._stopping.is_set():
                self._stopping.wait(self._backoff.next())

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(None)
        self._conn = conn = SubscriberConnection(self.local_ivo, filters=self.filters)
        self.link.up()
        log.info("%s: connected to %s:%s", self.name, self.host, self.port)
        error = "closed by the broker"
        try:
            while True:
                data = sock.recv(262144)
                if not data:
                    break
                conn.receive_data(data)
                self._drain(conn, sock)
        except (OSError, AlertPeerError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._close_socket()
            self.link.down("" if self._stopping.is_set() else error)
            if not self._stopping.is_set():
                log.warning("%s: link to %s:%s lost (%s); reconnecting", self.name, self.host, self.port, error)

    def _drain(self, conn: SubscriberConnection, sock: socket.socket) -> None:
        """Every complete message of this read: answers sent first, then the packets handed over."""
        packets: list[bytes] = []
        while (message := conn.next_message()) is not NEED_DATA:
            if isinstance(message, VOEventFrame | Unreadable):
                packets.append(message.payload)
                self.unreadable += isinstance(message, Unreadable)
            elif isinstance(message, Transport) and message.role in ("iamalive", "authenticate"):
                self.broker_ivo = conn.broker_ivo
                self.link.heartbeat()
                if message.role == "authenticate":
                    self._backoff.reset()
        answers = conn.data_to_send()
        if answers:
            sock.sendall(answers)
        if packets:
            received = time.time()
            self.link.packet(len(packets))
            self._backoff.reset()
            self._call_soon(self._handler, [(payload, self.source, received, None) for payload in packets])

    def _close_socket(self) -> None:
        with self._sock_lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
