"""The total power backend's data stream: one thread that sends a packet to the data client once per
second until paused or stopped (the transport part of the simulator; packets are built by the System).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

logger = logging.getLogger("pyros.simulators")

PACKET_INTERVAL = 1.0
"""Seconds between packets (each packet carries one second of samples)."""


class DataStream:
    """Sends ``build_packet()`` over ``sock`` every ``PACKET_INTERVAL`` seconds, the first one a second
    after :meth:`start`. After :meth:`pause` or :meth:`stop` the packet in preparation is still sent,
    then the thread ends (``stop`` also closes the socket, as does a send error). ``on_end`` runs in
    the thread when it ends."""

    def __init__(
        self,
        sock: socket.socket,
        build_packet: Callable[[], bytes],
        on_end: Callable[[DataStream, bool], None],
        interval: float = PACKET_INTERVAL,
    ) -> None:
        self.sock = sock
        self.build_packet = build_packet
        self.on_end = on_end
        self.interval = interval
        self._pause = threading.Event()
        self._stop = threading.Event()
        self._abort = threading.Event()
        self.thread = threading.Thread(target=self._run, name="totalpower data", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def pause(self) -> None:
        self._pause.set()

    def stop(self) -> None:
        self._stop.set()

    def abort(self, timeout: float = 5.0) -> None:
        """End at once without sending (the server is stopping) and wait for the thread."""
        self._abort.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def _run(self) -> None:
        next_packet = time.monotonic() + self.interval
        closed = False
        while not self._abort.wait(max(0.0, next_packet - time.monotonic())):
            try:
                self.sock.sendall(self.build_packet())
            except OSError as exc:
                logger.info("totalpower: data client gone: %s", exc)
                self._stop.set()
            if self._stop.is_set():
                self.sock.close()
                closed = True
                break
            if self._pause.is_set():
                break
            next_packet += self.interval
        self.on_end(self, closed)
