"""A threaded TCP server with a prompt, clean shutdown (model: socketserver and LiveServerThread).

One accept thread (``selectors`` on the listening socket and a wake-up pipe) and one thread per
connection running ``handler(sock, peer)``. ``start()`` binds (port 0 picks a free port, see
``address``) and returns when accepting; ``stop()`` = ``shutdown()`` + ``close_connections()`` +
``server_close()`` + ``join()``: no thread outlives it.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from collections.abc import Callable

from .wake import Waker

log = logging.getLogger("pyros.transport")

ConnectionHandler = Callable[[socket.socket, tuple[str, int]], None]


class ThreadedTCPServer:
    def __init__(self, host: str, port: int, handler: ConnectionHandler, name: str = "tcp", backlog: int = 128) -> None:
        self.host = host
        self.requested_port = port
        self.handler = handler
        self.name = name
        self.backlog = backlog
        self.ready = threading.Event()
        self._sock: socket.socket | None = None
        self._waker = Waker()
        self._accept_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._stopping = False

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); only valid after ``start()``."""
        if self._sock is None:
            raise RuntimeError(f"{self.name}: not started")
        host, port = self._sock.getsockname()[:2]
        return host, port

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> None:
        """Bind, listen and start accepting. Raises ``OSError`` (e.g. EADDRINUSE) from bind."""
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
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"{self.name}-accept", daemon=True)
        self._accept_thread.start()
        self.ready.set()

    def _accept_loop(self) -> None:
        assert self._sock is not None  # set by start() before this thread exists
        with selectors.DefaultSelector() as sel:
            sel.register(self._sock, selectors.EVENT_READ)
            sel.register(self._waker.reader, selectors.EVENT_READ)
            while not self._stopping:
                for key, _ in sel.select():
                    if key.fileobj is self._waker.reader:
                        return
                    self._accept_one()

    def _accept_one(self) -> None:
        assert self._sock is not None
        try:
            conn, peer = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # e.g. EMFILE: log and keep serving
            log.warning("%s: accept failed: %s", self.name, exc)
            return
        conn.setblocking(True)
        thread = threading.Thread(target=self._serve, args=(conn, peer), name=f"{self.name}-conn", daemon=True)
        with self._lock:
            if self._stopping:
                conn.close()
                return
            self._connections[conn] = thread
        thread.start()

    def _serve(self, conn: socket.socket, peer: tuple[str, int]) -> None:
        try:
            self.handler(conn, peer)
        except Exception:
            log.exception("%s: connection handler for %s:%s failed", self.name, *peer[:2])
        finally:
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()

    def shutdown(self) -> None:
        """Stop accepting new connections."""
        self._stopping = True
        self._waker.wake()
        if self._accept_thread is not None and self._accept_thread is not threading.current_thread():
            self._accept_thread.join()

    def close_connections(self) -> None:
        """Wake every connection thread (their recv returns b'')."""
        with self._lock:
            conns = list(self._connections)
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
            threads = list(self._connections.values())
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
