"""pymasep server discovery over UDP: a client sends ``b'pymasep server?'`` to a configurable
address and port; each server listening there answers ``"<its ip>:<its port>"``.

The address may be a broadcast address (default: loopback broadcast 127.255.255.255, so nothing
leaves the host), a unicast address, or a multicast group (pymasep's own 224.3.29.71:10000 is a
deployment's explicit choice: the responder then joins the group, requests go out with TTL 1).
The server answers with its own address (pymasep 0.2 answered with the requester's).
"""

from __future__ import annotations

import ipaddress
import logging
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable

from ..transport.wake import Waker
from .codec import DISCOVERY_REQUEST, decode_announcement, encode_announcement
from .exceptions import PymasepDecodeError

log = logging.getLogger("pyros.pymasep")


def _is_multicast(address: str) -> bool:
    return ipaddress.ip_address(address).is_multicast


def _is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


class AnnouncementResponder:
    """Answers discovery requests arriving at ``address:port`` (port 0: see ``port``) with the
    address of the TCP server at ``server_host:server_port``, in a daemon thread."""

    def __init__(self, address: str, port: int, server_host: str, server_port: int, name: str = "pymasep") -> None:
        self.address = address
        self.server_host = server_host
        self.server_port = server_port
        self.name = name
        self.ready = threading.Event()
        self.answered = 0
        self.sock = _bound_udp_socket(address, port)
        self._waker = Waker()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=f"{self.name}-announce", daemon=True)
            self._thread.start()
            self.ready.set()

    def _loop(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_READ)
            sel.register(self._waker.reader, selectors.EVENT_READ)
            while True:
                for key, _ in sel.select():
                    if key.fileobj is self._waker.reader:
                        return
                    self._answer_one()

    def _answer_one(self) -> None:
        try:
            data, requester = self.sock.recvfrom(1024)
        except OSError as exc:
            log.debug("%s: discovery recvfrom failed: %s", self.name, exc)
            return
        if data != DISCOVERY_REQUEST:
            log.debug("%s: ignored %d bytes from %s: not a discovery request", self.name, len(data), requester)
            return
        try:
            answer = encode_announcement(own_address(self.server_host, requester[0]), self.server_port)
            self.answered += 1  # before sending: whoever got the answer sees the count
            self.sock.sendto(answer, requester)
        except OSError as exc:
            log.warning("%s: cannot answer discovery request from %s: %s", self.name, requester, exc)

    def stop(self, timeout: float = 5.0) -> None:
        self._waker.wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.sock.close()
        self._waker.close()


def _bound_udp_socket(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if _is_multicast(address):
            sock.bind(("", port))
            mreq = struct.pack("4s4s", socket.inet_aton(address), socket.inet_aton("0.0.0.0"))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        else:
            sock.bind((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def own_address(server_host: str, requester: str) -> str:
    """The address a requester can reach the server at: the server's bound host, or for a wildcard
    bind the local address the kernel routes to the requester from (no packet is sent)."""
    if server_host not in ("", "0.0.0.0"):
        try:
            return str(ipaddress.ip_address(server_host))
        except ValueError:  # a host name: answer its address, as pymasep clients expect an ip
            return socket.gethostbyname(server_host)
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((requester, 9))
        host: str = probe.getsockname()[0]
        return host
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def search_server(
    address: str,
    port: int,
    timeout: float = 1.0,
    on_ignored: Callable[[bytes, tuple[str, int]], None] | None = None,
) -> tuple[str, int]:
    """Send one discovery request to ``address:port`` and return the first valid answer
    ``(host, port)``; ``TimeoutError`` when none comes within ``timeout`` seconds."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if _is_multicast(address):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, struct.pack("b", 1))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.bind(("127.0.0.1" if _is_loopback(address) else "", 0))
        sock.sendto(DISCOVERY_REQUEST, (address, port))
        return _first_answer(sock, time.monotonic() + timeout, on_ignored)
    finally:
        sock.close()


def _first_answer(
    sock: socket.socket, deadline: float, on_ignored: Callable[[bytes, tuple[str, int]], None] | None
) -> tuple[str, int]:
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data, sender = sock.recvfrom(1024)
        except TimeoutError:
            break
        try:
            return decode_announcement(data)
        except PymasepDecodeError:
            if on_ignored is not None:
                on_ignored(data, sender)
    raise TimeoutError("no pymasep server answered")
