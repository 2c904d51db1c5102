"""One selector thread per process that waits on the listening sockets of every server it hosts.

DISCOS runs one process (and one ``serve_forever`` loop) per server; here a single thread watches all
the listening sockets of the process and, when one is readable, calls its server's callback (which
accepts the connection or reads the datagram and hands it to a worker thread). Registering and
unregistering are thread-safe; the thread starts with the first socket and ends with the last one.
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import threading
from collections.abc import Callable

from common.transport.wake import Waker

logger = logging.getLogger("pyros.simulators")

ReadyCallback = Callable[[], None]


class Hub:
    """Waits on many sockets in one thread and calls each socket's callback when it is readable."""

    def __init__(self, name: str = "simulators-hub") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._selector: selectors.BaseSelector | None = None
        self._waker: Waker | None = None
        self._thread: threading.Thread | None = None
        self._callbacks: dict[socket.socket, ReadyCallback] = {}
        self._to_add: dict[socket.socket, ReadyCallback] = {}
        self._to_remove: dict[socket.socket, threading.Event] = {}

    def add(self, sock: socket.socket, callback: ReadyCallback) -> None:
        """Watch ``sock``; ``callback()`` runs in the hub thread each time it is readable."""
        with self._lock:
            self._ensure_running()
            self._to_add[sock] = callback
        self._wake()

    def remove(self, sock: socket.socket, timeout: float = 5.0) -> bool:
        """Stop watching ``sock``; on return the hub no longer touches it (True) or ``timeout`` passed."""
        done = threading.Event()
        with self._lock:
            if self._thread is None:
                return True
            only_pending = self._to_add.pop(sock, None) is not None and sock not in self._callbacks
            if not only_pending:
                self._to_remove[sock] = done
            in_hub = threading.current_thread() is self._thread
        if only_pending:
            self._wake()  # so that an idle hub notices and ends
            return True
        if in_hub:
            self._apply_changes()
            return True
        self._wake()
        return done.wait(timeout)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def join_if_idle(self, timeout: float = 5.0) -> None:
        """If no socket is watched any more, wait until the hub thread has ended."""
        with self._changed:
            thread = self._thread
            if thread is None or thread is threading.current_thread():
                return
            self._changed.wait_for(lambda: self._thread is not thread or bool(self._callbacks or self._to_add), timeout)
            exited = self._thread is not thread
        if exited:
            thread.join(timeout)

    # --- the hub thread -------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._thread is not None:
            return
        self._selector = selectors.DefaultSelector()
        self._waker = Waker()
        self._selector.register(self._waker.reader, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _wake(self) -> None:
        with self._lock:
            waker = self._waker
        if waker is not None:
            waker.wake()  # a no-op when a wake-up is pending or the hub just closed

    def _run(self) -> None:
        selector = self._selector
        if selector is None:  # pragma: no cover - set before the thread starts
            return
        while True:
            self._apply_changes()
            with self._lock:
                if not self._callbacks and not self._to_add:
                    self._close()
                    return
            for key, _events in selector.select():
                if self._waker is not None and key.fileobj is self._waker.reader:
                    self._waker.drain()
                    continue
                with self._lock:
                    callback = self._callbacks.get(key.fileobj)  # type: ignore[call-overload]
                if callback is not None:
                    self._call(callback)

    def _apply_changes(self) -> None:
        selector = self._selector
        if selector is None:
            return
        with self._changed:
            adds, self._to_add = self._to_add, {}
            removes, self._to_remove = self._to_remove, {}
            for sock, callback in adds.items():
                try:
                    selector.register(sock, selectors.EVENT_READ)
                except (OSError, ValueError) as exc:  # closed before the hub got to it
                    logger.warning("simulator hub: cannot watch %r: %s", sock, exc)
                    continue
                self._callbacks[sock] = callback
            for sock in removes:
                if self._callbacks.pop(sock, None) is not None:
                    selector.unregister(sock)
            self._changed.notify_all()
        for done in removes.values():
            done.set()

    @staticmethod
    def _call(callback: ReadyCallback) -> None:
        try:
            callback()
        except Exception:  # a broken server must not stop the others
            logger.exception("simulator hub: a server's accept callback failed")

    def _close(self) -> None:
        """Called with the lock held, by the hub thread, once nothing is watched."""
        if self._selector is not None:
            self._selector.close()
        if self._waker is not None:
            self._waker.close()
        self._selector = None
        self._waker = None
        self._thread = None
        self._changed.notify_all()


_default_hub = Hub()


def default_hub() -> Hub:
    """The hub shared by every server of this process."""
    return _default_hub


def _reset_after_fork() -> None:
    """A forked child inherits the hub object but not its thread: start from a clean hub."""
    global _default_hub
    _default_hub = Hub()


os.register_at_fork(after_in_child=_reset_after_fork)
