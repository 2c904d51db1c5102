"""The DISCOS ``simulators.server`` module: ``Simulator``, ``Server`` and the request handlers.

A simulator is a package ``simulators/<name>/`` with ``servers = [(l_address, s_address, server_type,
kwargs), ...]`` and ``class System``. ``Simulator(name_or_module, **kwargs).start()`` binds every
address (a port in use aborts the start with the list of busy addresses), builds one System per server
and serves them all from this process; ``stop()`` stops them. A ``Simulator`` that did not start the
servers itself stops them the DISCOS way: ``$system_stop%%%%%`` to each address.
"""

from __future__ import annotations

import importlib
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from socketserver import ThreadingTCPServer, ThreadingUDPServer
from types import ModuleType
from typing import Any

from simulators.common import SERVER_SHUTDOWN
from simulators.discos_log import configure as configure_discos_log
from simulators.exceptions import AddressInUseError, ServerConfigError
from simulators.handlers import BaseHandler, ListenHandler, SendHandler
from simulators.hosting import SERVER_TYPES, Address, Server
from simulators.hub import Hub

__all__ = [
    "BaseHandler",
    "ListenHandler",
    "SendHandler",
    "Server",
    "ServerEntry",
    "Simulator",
    "ThreadingTCPServer",
    "ThreadingUDPServer",
    "send_stop",
]

logger = logging.getLogger("pyros.simulators")

STOP_COMMAND = b"$system_stop%%%%%"

configure_discos_log()  # $ACSDATA/sim-server.log, as DISCOS's server module does when imported


@dataclass(frozen=True)
class ServerEntry:
    """One line of a simulator module's ``servers`` list, with its final addresses and kwargs."""

    simulator: str
    index: int
    l_address: Address | None
    s_address: Address | None
    server_type: Any
    kwargs: dict[str, Any] = field(default_factory=dict)
    single: bool = False

    @property
    def name(self) -> str:
        return self.simulator if self.single else f"{self.simulator}[{self.index}]"

    @property
    def protocol(self) -> str:
        return SERVER_TYPES[self.server_type]

    def describe(self) -> str:
        """``tcp listening 127.0.0.1:11000`` (both roles when the server has both)."""
        roles = (("listening", self.l_address), ("sending", self.s_address))
        parts = [f"{role} {address[0]}:{address[1]}" for role, address in roles if address]
        return f"{self.protocol} {', '.join(parts)}"


def load_module(system_module: ModuleType | str) -> ModuleType:
    """A simulator module, or its name under the ``simulators`` package."""
    if isinstance(system_module, ModuleType):
        return system_module
    return importlib.import_module(f"simulators.{system_module}")


def _move(address: Any, host: str | None, port_offset: int) -> Address | None:
    if not address:
        return None
    port = int(address[1])
    new_port = port + port_offset if port else 0
    if not 0 <= new_port <= 65535:
        raise ServerConfigError(f"port {port} + offset {port_offset} = {new_port} is not a valid port")
    return (host or str(address[0]), new_port)


def extra_addresses(module: ModuleType) -> dict[str, Address]:
    """A simulator module's ``extra_addresses`` (System keyword -> (host, port)), empty if it has none."""
    return {str(k): (str(a[0]), int(a[1])) for k, a in dict(getattr(module, "extra_addresses", {}) or {}).items()}


def server_entries(
    module: ModuleType, host: str | None = None, port_offset: int = 0, extra_kwargs: dict[str, Any] | None = None
) -> list[ServerEntry]:
    """The module's ``servers`` with ``host`` and ``port_offset`` applied and ``extra_kwargs`` merged."""
    simulator = module.__name__.rsplit(".", 1)[-1]
    declared = list(module.servers)
    # Other addresses a simulator serves (the minor servos' HTTP interface): ``extra_addresses`` maps a
    # keyword of its System to an address; they move with the ports unless the kwargs give them.
    moved = {key: _move(address, host, port_offset) for key, address in extra_addresses(module).items()}
    entries = []
    for index, (l_address, s_address, server_type, kwargs) in enumerate(declared):
        if server_type not in SERVER_TYPES:
            raise ServerConfigError(f"{simulator}: server {index} has server type {server_type!r}")
        merged = {**moved, **dict(kwargs or {}), **(extra_kwargs or {})}
        entries.append(
            ServerEntry(
                simulator,
                index,
                _move(l_address, host, port_offset),
                _move(s_address, host, port_offset),
                server_type,
                merged,
                single=len(declared) == 1,
            )
        )
    return entries


def bind_servers(module: ModuleType, entries: list[ServerEntry], hub: Hub | None = None) -> list[Server]:
    """Bind every entry's addresses (nothing started yet); if any is in use, close all and say which."""
    servers: list[Server] = []
    busy: list[str] = []
    reason = ""
    for entry in entries:
        try:
            server = Server(
                module, entry.server_type, entry.kwargs, entry.l_address, entry.s_address, name=entry.name, hub=hub
            )
            servers.append(server)
        except AddressInUseError as exc:
            busy.extend(exc.addresses)
            reason = exc.reason
        except BaseException:
            for server in servers:
                server.close()
            raise
    if busy:
        for server in servers:
            server.close()
        raise AddressInUseError(busy, reason)
    return servers


def send_stop(address: Address, protocol: str = "tcp", timeout: float = 2.0) -> bool:
    """Stop a server of any process the DISCOS way; True if it answered ``$server_shutdown%%%%%``."""
    expected = SERVER_SHUTDOWN.encode("latin-1")
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    received = b""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(STOP_COMMAND)
            while expected not in received and time.monotonic() < deadline:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received = (received + chunk)[-4096:]  # a sending server interleaves its statuses
        except OSError as exc:
            logger.info("stop %s:%s/%s: %s", address[0], address[1], protocol, exc)
            return False
    return expected in received


class Simulator:
    """All the servers of one simulator module.

    :param system_module: the module (or its name under ``simulators``) with ``servers`` and ``System``
    :param host: serve on this host instead of the declared ones (default: as declared, 127.0.0.1)
    :param port_offset: add this to every declared port (tests and parallel users never collide)
    :param kwargs: extra System constructor arguments for every server (e.g. ``system_type``)

    As in DISCOS, ``start()`` and ``stop()`` print ``Simulator '<name>' up and running.``, ``... stopped.``
    or ``... already running.`` on stdout, where the name is the system type when one is given.
    """

    def __init__(
        self,
        system_module: ModuleType | str,
        *,
        host: str | None = None,
        port_offset: int = 0,
        hub: Hub | None = None,
        **kwargs: Any,
    ) -> None:
        self.system_module = load_module(system_module)
        module_name = self.system_module.__name__.rsplit(".", 1)[-1]
        self.system_type: str | None = kwargs.get("system_type")
        self.simulator_name = self.system_type or module_name
        self.kwargs = kwargs
        self.hub = hub
        self.entries = server_entries(self.system_module, host, port_offset, kwargs)
        self.servers: list[Server] = []
        self.start_error: AddressInUseError | None = None

    def start(
        self, context: str = "fork", daemon: bool = False, has_started: threading.Event | None = None
    ) -> list[Server]:
        """Bind every address, build each System and serve them from this process's threads.

        ``daemon=True`` returns the servers once they all accept; ``daemon=False`` (DISCOS's default)
        blocks until every server has stopped (``$system_stop%%%%%`` to each address, or Ctrl-C).
        ``has_started`` is set once they all accept. A busy address prints "already running", keeps
        the error in ``start_error`` and returns no server. ``context`` is accepted for DISCOS
        compatibility (DISCOS forks one process per server; here they share the process).
        """
        del context
        if self.servers:
            print(f"Simulator '{self.simulator_name}' already running.", flush=True)
            return self.servers
        try:
            self.servers = bind_servers(self.system_module, self.entries, self.hub)
        except AddressInUseError as exc:
            self.start_error = exc
            logger.warning("simulator %s: %s", self.simulator_name, exc)
            print(f"Simulator '{self.simulator_name}' already running.", flush=True)
            return []
        try:
            for server in self.servers:
                server.start()
        except BaseException:
            self.stop()
            raise
        print(f"Simulator '{self.simulator_name}' up and running.", flush=True)
        if has_started is not None:
            has_started.set()
        if daemon:
            return self.servers
        return self._serve_until_stopped()

    def _serve_until_stopped(self) -> list[Server]:
        servers = self.servers
        try:
            for server in servers:
                while not server.join(0.5):
                    pass
        except KeyboardInterrupt:
            print("", flush=True)
            self.stop()
            return servers
        if self.servers is servers:  # not already stopped (and reported) by stop()
            self.servers = []
            print(f"Simulator '{self.simulator_name}' stopped.", flush=True)
        return servers

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop every server; True if all stopped cleanly within ``timeout``.

        A ``Simulator`` that did not start the servers itself stops them the DISCOS way (see
        :meth:`stop_remote`).
        """
        if not self.servers:
            ok = self.stop_remote(timeout)
            print(f"Sent stop to '{self.simulator_name}' simulator.", flush=True)
            return ok
        deadline = time.monotonic() + timeout
        for server in self.servers:
            server.request_stop()
        ok = all([server.join(max(0.0, deadline - time.monotonic())) for server in self.servers])
        self.servers = []
        print(f"Simulator '{self.simulator_name}' stopped.", flush=True)
        return ok

    def stop_remote(self, timeout: float = 5.0) -> bool:
        """Send ``$system_stop%%%%%`` to every address of every server (in parallel); True if all agreed."""
        targets = [(a, e.protocol) for e in self.entries for a in (e.l_address, e.s_address) if a is not None]
        if not targets:
            return True
        with ThreadPoolExecutor(max_workers=min(32, len(targets))) as pool:
            return all(pool.map(lambda target: send_stop(target[0], target[1], timeout), targets))
