"""A threaded TCP server with a prompt, clean shutdown (model: socketserver and LiveServerThread).

One accept thread (``selectors`` on the listening socket and a :class:`Waker`) and one thread per
connection running ``handler(sock, peer)``. ``bind()`` (or ``start()``) binds: port 0 picks a free
port, see ``address``; ``start()`` returns when accepting; ``stop()`` = ``shutdown()`` +
``close_connections()`` + ``server_close()`` + ``join()``: no thread outlives it.

By default the server closes a connection when its handler returns. With ``hand_off=True`` the
handler passes the connection on (e.g. to a long-lived reader thread) and it stays open; the
handler calls ``detach()`` once the connection is no longer the server's to cut at ``stop()``.

Out of descriptors or memory, accepting pauses with back-off (:class:`AcceptBackoff`: one warning
per episode) and resumes by itself. At most ``max_connections`` connection threads run at once
(default ``PYROS_MAX_CONNECTIONS``): a connection over the cap is closed at once (one warning per
episode), so a flood of connections cannot grow the process by a thread each.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable

from ..conf import setting
from .backoff import AcceptBackoff
from .wake import Waker

log = logging.getLogger("pyros.transport")

ConnectionHandler = Callable[[socket.socket, tuple[str, int]], None]


class ThreadedTCPServer:
    def __init__(
        self,
        host: str,
        port: int,
        handler: ConnectionHandler | None = None,
        name: str = "tcp",
        backlog: int = 128,
        *,
        hand_off: bool = False,
        max_connections: int | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.handler = handler
        self.name = name
        self.backlog = backlog
        self.hand_off = hand_off
        self.ready = threading.Event()
        self._sock: socket.socket | None = None
        self._waker = Waker()
        self._accept_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # connection thread -> its socket (None once detach() handed it over)
        self._workers: dict[threading.Thread, socket.socket | None] = {}
        self._stopping = False
        self.max_connections: int = max_connections or setting("PYROS_MAX_CONNECTIONS")
        self.backoff = AcceptBackoff(name)
        self.refused = 0
        self._at_cap = False

    @property
    def socket(self) -> socket.socket:
        """The listening socket; only valid after ``bind()``."""
        if self._sock is None:
            raise RuntimeError(f"{self.name}: not bound")
        return self._sock

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); only valid after ``bind()``."""
        host, port = self.socket.getsockname()[:2]
        return host, port

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def pending(self) -> int:
        """Connection threads still running their handler."""
        with self._lock:
            return len(self._workers)

    def bind(self) -> None:
        """Bind and listen (idempotent). Raises ``OSError`` (e.g. EADDRINUSE)."""
        if self._sock is not None:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(self.backlog)
        except BaseException:
            sock.close()
            self._waker.close()
            raise
        sock.setblocking(False)
        self._sock = sock

    def start(self, handler: ConnectionHandler | None = None) -> None:
        """Bind if needed and start accepting (idempotent; a stopped server stays stopped)."""
        if handler is not None:
            self.handler = handler
        if self.handler is None:
            raise ValueError(f"{self.name}: no connection handler")
        if self._accept_thread is not None or self._stopping:
            return
        self.bind()
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept", daemon=True)
        self._accept_thread.start()
        self.ready.set()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self.socket, selectors.EVENT_READ)
            sel.register(self._waker.reader, selectors.EVENT_READ)
            watching = True
            while not self._stopping:
                paused = self.backoff.paused_until
                wait = None if paused is None else max(paused - time.monotonic(), 0.0)
                for key, _ in sel.select(wait):
                    if key.fileobj is self._waker.reader:
                        return
                    if not self._accept_one():  # out of descriptors: stop watching for a while
                        sel.unregister(self.socket)
                        watching = False
                if not watching and self.backoff.due(time.monotonic()):
                    sel.register(self.socket, selectors.EVENT_READ)
                    watching = True

    def _accept_one(self) -> bool:
        """Accept one connection; False when accepting must pause (resource exhaustion)."""
        try:
            conn, peer = self.socket.accept()
        except (BlockingIOError, InterruptedError):
            return True
        except OSError as exc:
            return not self.backoff.failed(exc)
        self.backoff.succeeded()
        with self._lock:
            busy = len(self._workers)
        if busy >= self.max_connections:
            self.refused += 1
            if not self._at_cap:
                self._at_cap = True
                log.warning("%s: %d connections: refusing new ones until some close", self.name, busy)
            conn.close()
            return True
        self._at_cap = False
        conn.setblocking(True)
        thread = threading.Thread(target=self._serve, args=(conn, peer), name=f"{self.name}-conn", daemon=True)
        with self._lock:
            if self._stopping:
                conn.close()
                return True
            self._workers[thread] = conn
        thread.start()
        return True

    def _serve(self, conn: socket.socket, peer: tuple[str, int]) -> None:
        assert self.handler is not None  # start() refuses to run without one
        failed = False
        try:
            self.handler(conn, peer)
        except Exception:
            failed = True
            log.exception("%s: connection handler for %s failed", self.name, _label(peer))
        finally:
            with self._lock:
                self._workers.pop(threading.current_thread(), None)
            if failed or not self.hand_off:
                conn.close()

    def detach(self) -> None:
        """From a handler (hand_off servers): the connection is handed over; ``stop()`` still joins
        the handler's thread but no longer shuts that connection down."""
        with self._lock:
            if threading.current_thread() in self._workers:
                self._workers[threading.current_thread()] = None

    def shutdown(self) -> None:
        """Stop accepting new connections."""
        self._stopping = True
        self._waker.wake()
        if self._accept_thread is not None and self._accept_thread is not threading.current_thread():
            self._accept_thread.join()

    def close_connections(self) -> None:
        """Wake every connection thread (their recv returns b'')."""
        with self._lock:
            conns = [conn for conn in self._workers.values() if conn is not None]
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._waker.close()

    def join(self, timeout: float = 5.0) -> None:
        with self._lock:
            threads = list(self._workers)
        me = threading.current_thread()
        for thread in threads:
            if thread is not me:
                thread.join(timeout)
                if thread.is_alive():
                    log.warning("%s: connection thread %s did not end within %g s", self.name, thread.name, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self.shutdown()
        self.close_connections()
        self.server_close()
        self.join(timeout)


def _label(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
