"""Ivy UDP discovery: announce ourselves once, then report every other agent that announces.

The socket is bound with SO_REUSEADDR/SO_REUSEPORT/SO_BROADCAST to the bus port, on the broadcast
address itself (so that it receives the bus's broadcasts and nothing else; ``bind_host`` overrides),
and sends one datagram ``"3 <tcp_port> <agent_id> <name>\\n"`` to each bus address. Our own datagram
is recognised by its agent id (names may contain spaces) and ignored.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from collections.abc import Callable

from ..transport.wake import Waker
from .codec import PROTOCOL_VERSION, Announce, decode_announce, encode_announce, is_multicast
from .exceptions import IvyBusAddressError, IvyMalformedAnnounceError

log = logging.getLogger("pyros.ivy")

PeerCallback = Callable[[str, Announce], None]


class IvyDiscovery:
    def __init__(
        self,
        addresses: list[str],
        port: int,
        on_peer: PeerCallback,
        name: str = "ivy",
        bind_host: str | None = None,
    ) -> None:
        for address in addresses:
            if is_multicast(address):
                raise IvyBusAddressError(f"Ivy bus address {address}: multicast buses are not supported")
        self.addresses = addresses
        self.port = port
        self.on_peer = on_peer
        self.name = name
        self.bind_host = bind_host if bind_host is not None else (addresses[0] if len(addresses) == 1 else "")
        self.agent_id = ""
        self._sock: socket.socket | None = None
        self._waker = Waker()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self, tcp_port: int, agent_id: str, agent_name: str) -> None:
        """Bind, announce once, start listening. Raises OSError (bind/send)."""
        self.agent_id = agent_id
        datagram = encode_announce(tcp_port, agent_id, agent_name)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.bind((self.bind_host, self.port))
            for address in self.addresses:
                sock.sendto(datagram, (address, self.port))
        except BaseException:
            sock.close()
            self._waker.close()
            raise
        self._sock = sock
        self._thread = threading.Thread(target=self._listen, name=f"ivy-{self.name}-udp", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        sock = self._sock
        if sock is None:
            return
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            sel.register(self._waker.reader, selectors.EVENT_READ)
            while not self._stopping:
                for key, _ in sel.select():
                    if key.fileobj is self._waker.reader:
                        return
                    self._receive_one(sock)

    def _receive_one(self, sock: socket.socket) -> None:
        try:
            data, (host, _) = sock.recvfrom(2048)
        except OSError:
            return
        try:
            announce = decode_announce(data)
        except IvyMalformedAnnounceError as exc:
            log.warning("Ivy bus %s: ignoring a datagram from %s: %s", self.name, host, exc)
            return
        if announce.version != PROTOCOL_VERSION:
            log.warning(
                "Ivy bus %s: ignoring %s at %s: protocol version %d, expected %d",
                self.name,
                announce.name,
                host,
                announce.version,
                PROTOCOL_VERSION,
            )
            return
        if announce.agent_id == self.agent_id:
            return
        try:
            self.on_peer(host, announce)
        except Exception:
            log.exception("Ivy bus %s: handling the announce of %s failed", self.name, announce.name)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._waker.wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._waker.close()
