"""pymasep sockets and threads: the per-connection :class:`SocketHandler` and the accept loop.

Fixed against the reference implementation: reads loop until a frame is whole (the sans-IO
``FrameDecoder`` buffers any chunking); every frame is one ``sendall`` under a lock, with
TCP_NODELAY; a peer that closes without BYE ends its handler (no spinning on empty reads); a peer
stalled in the middle of a frame, or not reading what we write, is dropped after ``io_timeout``;
handlers and listeners are stopped by ``stop()``/``close()`` (never ``__del__``); every thread is a
daemon and is joined on stop.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from ..protocol import FrameTooLargeError, ProtocolError
from ..transport.exceptions import PeerClosedError, PeerStalledError
from ..transport.tcp import ThreadedTCPServer
from .codec import BYE, Frame, frame_decoder

log = logging.getLogger("pyros.pymasep")


DEFAULT_IO_TIMEOUT = 10.0
RECV_SIZE = 262144


class SocketHandler(threading.Thread):
    """One connection: ``send_frame`` from any thread, and a reader thread (``start()``) calling
    ``on_receive(frame)`` for every frame until BYE, the peer closing, or ``stop()``.

    Same constructor as ``pymasep.communication.SocketHandler``: subclass it and override
    ``on_receive``; extra constructor arguments come from the server's/client's
    ``socket_handler_args``. ``send_frame_async`` sends at once (thread-safe, one write per
    frame): sending a bye frame ends the handler, as in pymasep.
    """

    def __init__(self, conn: socket.socket, addr: Any, logger: logging.Logger | logging.LoggerAdapter[Any]) -> None:
        super().__init__(name=f"pymasep-handler-{_label(addr)}", daemon=True)
        self.lock = threading.Lock()  # serialises writes (one frame at a time)
        self.logger = logger
        self.socket = conn
        self.addr = addr
        self.peer_id: str | None = None
        self._io_timeout = DEFAULT_IO_TIMEOUT
        self._timeout: float | None = None
        self.closed = threading.Event()
        self._decoder = frame_decoder()
        self._stopping = False
        self._on_close: Callable[[SocketHandler], None] | None = None
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a socketpair in a test, a closed socket)
            pass
        conn.settimeout(None)  # blocking; timeouts are the kernel's (no poll() per call)
        self._kernel_timeout(self._io_timeout)

    @property
    def io_timeout(self) -> float:
        """A peer stalled mid-frame, or not reading what we write, for this long is dropped."""
        return self._io_timeout

    @io_timeout.setter
    def io_timeout(self, value: float) -> None:
        self._io_timeout = value
        self._kernel_timeout(value)

    def _kernel_timeout(self, timeout: float) -> None:
        """SO_RCVTIMEO/SO_SNDTIMEO on the blocking socket: an expired wait raises BlockingIOError."""
        if timeout == self._timeout:
            return
        seconds = int(timeout)
        micros = max(int((timeout - seconds) * 1e6), 0 if seconds else 1)
        timeval = struct.pack("ll", seconds, micros)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        except OSError:  # closed
            return
        self._timeout = timeout

    # --- sending ----------------------------------------------------------------------------------
    def send_frame(self, frame: Frame) -> None:
        """Write one whole frame (header + payload in one ``sendall``); raises OSError if the peer is
        gone, :class:`PymasepFrameTooLargeError` (nothing written) above 65,535 bytes."""
        data = frame.to_bytes()
        with self.lock:
            try:
                self.socket.sendall(data)
            except BlockingIOError:  # SO_SNDTIMEO: part of a frame may be out, the stream is lost
                self._break()
                raise TimeoutError(
                    f"{self.peer_id or _label(self.addr)} read nothing for {self._io_timeout:g} s: connection dropped"
                ) from None
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("sent to %s: %r", self.peer_id or _label(self.addr), frame.message[:200])

    def send_frame_async(self, frame: Frame) -> None:
        """pymasep's name for sending from any thread; a bye frame also ends this handler."""
        self.send_frame(frame)
        if frame.message == BYE:
            self.stop(join=False)

    # --- receiving --------------------------------------------------------------------------------
    def receive_frame(self, timeout: float | None = None) -> Frame:
        """The next whole frame (looping over partial reads). Raises :class:`PeerClosedError` when the
        peer closes first, ``TimeoutError`` when nothing whole arrives within ``timeout``
        (default ``io_timeout``), ``FrameTooLargeError`` for an oversized header."""
        payload = self._decoder.next_frame()
        wait = self._io_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        try:
            while payload is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no whole frame from {_label(self.addr)} within {wait:g} s")
                self._kernel_timeout(left)
                try:
                    self._fill()
                except BlockingIOError:  # SO_RCVTIMEO expired
                    continue
                payload = self._decoder.next_frame()
        finally:
            self._kernel_timeout(self._io_timeout)
        return Frame(payload)

    def _fill(self) -> None:
        data = self.socket.recv(RECV_SIZE)
        if not data:
            raise PeerClosedError(f"{_label(self.addr)} closed the connection")
        self._decoder.receive_data(data)

    def on_receive(self, frame: Frame) -> None:
        """Called on the reader thread for every frame but BYE. Override it."""

    # --- the reader thread --------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._read_loop()
        except Exception:
            self.logger.exception("pymasep handler for %s failed", self.peer_id or _label(self.addr))
        finally:
            self._finish()

    def _read_loop(self) -> None:
        who = self.peer_id or _label(self.addr)
        self._kernel_timeout(self._io_timeout)
        while not self._stopping:
            try:
                frames = self._read_frames()
            except PeerStalledError as exc:
                self.logger.warning("dropping %s: %s", who, exc)
                return
            except PeerClosedError:
                if not self._stopping:
                    self.logger.warning("%s closed the connection without BYE", who)
                return
            except (FrameTooLargeError, ProtocolError) as exc:
                self.logger.warning("closing connection to %s: %s", who, exc)
                return
            for frame in frames:
                if frame.message == BYE:
                    self.logger.debug("%s said BYE", who)
                    return
                self._deliver(frame)

    def _read_frames(self) -> list[Frame]:
        """The frames already buffered, else at least one more (raises PeerClosedError at the end)."""
        decoder = self._decoder
        while True:
            frames = [Frame(p) for p in iter(decoder.next_frame, None)]
            if frames:
                return frames
            try:
                self._fill()
            except (TimeoutError, BlockingIOError):  # SO_RCVTIMEO expired: fine when idle
                if decoder.pending:
                    raise PeerStalledError(f"stalled mid-frame for {self._io_timeout:g} s") from None
            except OSError as exc:  # reset, or stop() shut the socket down
                raise PeerClosedError(str(exc)) from None

    def _deliver(self, frame: Frame) -> None:
        try:
            self.on_receive(frame)
        except Exception:
            self.logger.exception("on_receive failed for a frame from %s", self.peer_id or _label(self.addr))

    def _finish(self) -> None:
        self.closed.set()
        callback, self._on_close = self._on_close, None
        if callback is not None:
            try:
                callback(self)
            except Exception:
                self.logger.exception("pymasep: connection close callback failed")
        self.socket.close()

    # --- stopping -----------------------------------------------------------------------------------
    def say_bye(self, timeout: float = 1.0) -> None:
        """Best effort: send a bye frame unless another write holds the socket for ``timeout``."""
        if self.lock.acquire(timeout=timeout):
            try:
                self.socket.sendall(Frame.bye_frame().to_bytes())
            except OSError:
                pass
            finally:
                self.lock.release()

    def refuse(self, linger: float = 1.0) -> None:
        """End a connection that is not wanted: BYE, then close once the peer has closed (at most
        ``linger`` seconds), so the BYE is read rather than lost to a reset."""
        self.say_bye()
        try:
            self.socket.shutdown(socket.SHUT_WR)
            self.socket.settimeout(linger)
            while self.socket.recv(RECV_SIZE):
                pass
        except OSError:
            pass
        self.stop()

    def _break(self) -> None:
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stop(self, timeout: float = 5.0, join: bool = True) -> None:
        """End the reader thread (its recv returns) and wait for it; idempotent."""
        self._stopping = True
        self._break()
        if not self.is_alive() and self.ident is None:  # never started: nothing reads
            self._finish()
            return
        if join and self is not threading.current_thread():
            self.join(timeout)
            if self.is_alive():
                self.logger.warning("pymasep handler %s did not end within %g s", self.name, timeout)

    close = stop


class Listener(ThreadedTCPServer):
    """A listening TCP socket bound at construction (port 0: see ``address``) and an accept thread
    started by ``start(on_accept)``; ``on_accept(conn, addr)`` runs in a fresh thread per
    connection, so a slow handshake never holds up the accept loop. ``stop()`` joins them all."""

    def __init__(self, host: str, port: int, backlog: int = 128, name: str = "pymasep") -> None:
        super().__init__(host, port, None, name=name, backlog=backlog, hand_off=True)
        self.bind()  # pymasep's Server knows its port as soon as it exists


def _label(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        return f"{addr[0]}:{addr[1]}"
    return str(addr)
