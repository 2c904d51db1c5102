"""``Server``: one System served on a listening and/or a sending address (re-exported by ``server``).

``Server(system, server_type, kwargs, l_address=None, s_address=None)`` has the DISCOS signature (TCP
with ``ThreadingTCPServer``, UDP with ``ThreadingUDPServer``). Unlike DISCOS, which forks one process
per server, every server of a process shares one selector thread (:mod:`simulators.hub`) and runs one
worker thread per connection (TCP) or datagram (UDP). The System is built when the server starts, in
the process that serves it, once per server.
"""

from __future__ import annotations

import errno
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingTCPServer, ThreadingUDPServer
from types import ModuleType
from typing import Any

from simulators.broadcaster import Broadcaster
from simulators.exceptions import AddressInUseError, BindError, ServerConfigError
from simulators.handlers import BaseHandler, ListenHandler, SendHandler
from simulators.hub import Hub, default_hub

logger = logging.getLogger("pyros.simulators")

Address = tuple[str, int]
SERVER_TYPES = {ThreadingTCPServer: "tcp", ThreadingUDPServer: "udp"}


class Endpoint:
    """The socketserver part of one address of a :class:`Server`: bind, accept, spawn a worker."""

    owner: Server
    role: str
    broadcaster: Broadcaster | None = None
    closed: bool = False
    socket: socket.socket
    RequestHandlerClass: Callable[..., Any]

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._spawn_worker(self, request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("%s: handler for %s failed", self.owner.name, client_address)

    _bound: Address | None = None

    def bound_address(self) -> Address:
        """The address bound (the real port when 0 was asked), still known after the socket closed."""
        if self._bound is None:
            host, port = self.socket.getsockname()[:2]
            self._bound = (host, port)
        return self._bound

    def on_readable(self) -> None:
        self._handle_request_noblock()  # type: ignore[attr-defined]


class TCPEndpoint(Endpoint, socketserver.TCPServer):
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, owner: Server, role: str, address: Address, handler: type[BaseHandler]) -> None:
        self.owner, self.role = owner, role
        socketserver.TCPServer.__init__(self, address, handler)
        self.socket.setblocking(False)
        self.bound_address()

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        # Replies and statuses are whole messages: send each at once rather than wait for an ACK (Nagle).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class UDPEndpoint(Endpoint, socketserver.UDPServer):
    allow_reuse_address = False  # on Linux it would let a second simulator bind the same UDP port
    max_packet_size = 8192

    def __init__(self, owner: Server, role: str, address: Address, handler: type[BaseHandler]) -> None:
        self.owner, self.role = owner, role
        socketserver.UDPServer.__init__(self, address, handler)
        self.socket.setblocking(False)
        self.bound_address()


class Server:
    """One System served on a listening address, a sending address, or both (sharing the System).

    :param system: a simulator module (its ``System`` is built), a System class, or a System instance
    :param server_type: ``ThreadingTCPServer`` or ``ThreadingUDPServer`` (any other value: ValueError)
    :param kwargs: keyword arguments for the System constructor
    :param l_address: ``(host, port)`` whose clients' bytes go to ``System.parse`` (port 0: any free port)
    :param s_address: ``(host, port)`` whose clients receive the System's status every ``sampling_time``
    """

    max_workers = 64
    """Connections (TCP) or datagrams being handled (UDP) at once; more are dropped and logged."""

    def __init__(
        self,
        system: Any,
        server_type: Any,
        kwargs: Any = None,
        l_address: Address | None = None,
        s_address: Address | None = None,
        *,
        name: str | None = None,
        hub: Hub | None = None,
    ) -> None:
        if server_type not in SERVER_TYPES:
            raise ServerConfigError("Provide either the `ThreadingTCPServer` class or the `ThreadingUDPServer` class!")
        if not l_address and not s_address:
            raise ServerConfigError("You must specify at least one server.")
        self.server_type = server_type
        self.protocol = SERVER_TYPES[server_type]
        self.system_kwargs: dict[str, Any] = dict(kwargs or {})
        self._system_source = system
        self._owns_system = isinstance(system, ModuleType | type)
        self.system: Any = None if self._owns_system else system
        self.name = name or ""
        self._hub = hub or default_hub()
        self._lock = threading.Lock()
        self._workers: set[threading.Thread] = set()
        self._connections: set[socket.socket] = set()
        self._stop_callbacks: list[Callable[[Server], None]] = []
        self._started = False
        self._stopping = False
        self._stopper: threading.Thread | None = None
        self.ready = threading.Event()
        self.stopped = threading.Event()
        self.endpoints: list[Endpoint] = []
        self._bind(l_address, s_address)
        if not self.name:
            host, port = self.server_address
            self.name = f"{self.protocol} server {host}:{port}"
        for endpoint in self.endpoints:
            if endpoint.role == "sending" and self.protocol == "tcp":
                endpoint.broadcaster = Broadcaster(self.name)

    def _bind(self, l_address: Address | None, s_address: Address | None) -> None:
        """Bind and listen on each address; a failure closes what was bound and says which address."""
        endpoint_class = TCPEndpoint if self.protocol == "tcp" else UDPEndpoint
        for role, address, handler in (("listening", l_address, ListenHandler), ("sending", s_address, SendHandler)):
            if not address:
                continue
            try:
                self.endpoints.append(endpoint_class(self, role, (str(address[0]), int(address[1])), handler))
            except OSError as exc:
                self._close_endpoints()
                text = f"{address[0]}:{address[1]}/{self.protocol}"
                if exc.errno == errno.EADDRINUSE:
                    raise AddressInUseError([text], str(exc)) from exc
                raise BindError(f"cannot bind {text}: {exc}") from exc

    # --- addresses ----------------------------------------------------------------------------
    def _address_of(self, role: str) -> Address | None:
        for endpoint in self.endpoints:
            if endpoint.role == role:
                return endpoint.bound_address()
        return None

    @property
    def l_address(self) -> Address | None:
        """The bound listening address (the real port when 0 was asked), or None."""
        return self._address_of("listening")

    @property
    def s_address(self) -> Address | None:
        """The bound sending address, or None."""
        return self._address_of("sending")

    @property
    def server_address(self) -> Address:
        return self.endpoints[0].bound_address()

    @property
    def stopping(self) -> bool:
        return self._stopping

    # --- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Build the System (in this process) and start accepting; returns at once."""
        with self._lock:
            if self._started or self._stopping:
                return
            self._started = True
        try:
            if self.system is None:
                source = self._system_source
                factory = source.System if isinstance(source, ModuleType) else source
                self.system = factory(**self.system_kwargs)
            for endpoint in self.endpoints:
                if endpoint.broadcaster is not None:
                    endpoint.broadcaster.start()
                self._hub.add(endpoint.socket, endpoint.on_readable)
        except BaseException:
            self.stop()
            raise
        self.ready.set()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Start and block until the server is stopped (DISCOS compatibility)."""
        self.start()
        try:
            while not self.stopped.wait(poll_interval):
                pass
        except KeyboardInterrupt:
            self.stop()

    def add_stop_callback(self, callback: Callable[[Server], None]) -> None:
        """``callback(server)`` runs once the server has stopped (whatever stopped it)."""
        self._stop_callbacks.append(callback)

    def request_stop(self, release_system: bool = True) -> None:
        """Stop from a worker thread (e.g. after ``$server_shutdown%%%%%``) without waiting for it."""
        with self._lock:
            if self._stopping or self._stopper is not None:
                return
            self._stopper = threading.Thread(
                target=self.stop, kwargs={"release_system": release_system}, name=f"{self.name} stop", daemon=True
            )
        self._stopper.start()

    def request_endpoint_stop(self, endpoint: Endpoint) -> None:
        """A custom command answered ``$server_shutdown%%%%%`` on ``endpoint``: stop accepting there.

        As in DISCOS, where each address is its own socket server, the other address of a server that
        both listens and sends keeps serving; the server stops once none of its addresses is left.
        Called from a worker thread; does not wait for the server to stop.
        """
        with self._lock:
            if self._stopping or endpoint.closed:
                return
            endpoint.closed = True
            last = all(e.closed for e in self.endpoints)
        if last:
            self.request_stop(release_system=False)
            return
        self._hub.remove(endpoint.socket)
        endpoint.socket.close()

    def stop(self, timeout: float = 5.0, release_system: bool = True) -> bool:
        """Stop accepting, close the sockets, end every connection and wait for the workers.

        The System's ``system_stop()`` is called (to release its resources) if the server built it and
        it was not already called through a custom command. Returns False if a worker outlived
        ``timeout``. Safe to call from any thread, more than once.
        """
        with self._lock:
            first = not self._stopping
            self._stopping = True
        if not first:
            return self.join(timeout)
        deadline = time.monotonic() + timeout
        for endpoint in self.endpoints:
            self._hub.remove(endpoint.socket, timeout)
        self._close_endpoints()
        self._hub.join_if_idle(max(0.0, deadline - time.monotonic()))
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if release_system and self._owns_system and self.system is not None:
            self._release_system()
        ok = self._join_workers(deadline)
        for endpoint in self.endpoints:
            if endpoint.broadcaster is not None:
                ok = endpoint.broadcaster.stop(max(0.0, deadline - time.monotonic())) and ok
        self.stopped.set()
        for callback in self._stop_callbacks:
            callback(self)
        return ok

    shutdown = stop

    def close(self) -> None:
        """Release the sockets of a server that will not be started here (e.g. after forking workers)."""
        with self._lock:
            if self._started:
                raise RuntimeError(f"{self.name}: close() is for servers never started; use stop()")
            self._stopping = True
        self._close_endpoints()

    def server_close(self) -> None:
        self.stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the server has stopped (and its stop thread, if any, has ended)."""
        if not self.stopped.wait(timeout):
            return False
        stopper = self._stopper
        if stopper is not None and stopper is not threading.current_thread():
            stopper.join(timeout)
            return not stopper.is_alive()
        return True

    def _release_system(self) -> None:
        try:
            self.system.system_stop()
        except Exception:
            logger.exception("%s: system_stop() failed", self.name)

    def _close_endpoints(self) -> None:
        for endpoint in self.endpoints:
            endpoint.socket.close()

    def _join_workers(self, deadline: float) -> bool:
        current = threading.current_thread()
        with self._lock:
            workers = [w for w in self._workers if w is not current]
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        alive = [w.name for w in workers if w.is_alive()]
        if alive:
            logger.error("%s: workers still running after stop: %s", self.name, ", ".join(alive))
        return not alive

    def _spawn_worker(self, endpoint: Endpoint, request: Any, client_address: Any) -> None:
        connection = request if isinstance(request, socket.socket) else None
        with self._lock:
            refuse = self._stopping or len(self._workers) >= self.max_workers
            if not refuse:
                worker = threading.Thread(
                    target=self._work,
                    args=(endpoint, request, client_address),
                    name=f"{self.name} {endpoint.role} {client_address[0]}:{client_address[1]}",
                    daemon=True,
                )
                self._workers.add(worker)
                if connection is not None:
                    self._connections.add(connection)
        if refuse:
            if not self._stopping:
                logger.warning("%s: %d clients already, dropping %s", self.name, self.max_workers, client_address)
            endpoint.shutdown_request(request)  # type: ignore[attr-defined]
            return
        worker.start()

    def _work(self, endpoint: Endpoint, request: Any, client_address: Any) -> None:
        try:
            endpoint.finish_request(request, client_address)  # type: ignore[attr-defined]
        except Exception:
            endpoint.handle_error(request, client_address)
        finally:
            endpoint.shutdown_request(request)  # type: ignore[attr-defined]
            with self._lock:
                self._workers.discard(threading.current_thread())
                self._connections.discard(request)
