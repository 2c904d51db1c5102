"""Request handlers: what a server does with one TCP connection or one UDP datagram.

``ListenHandler`` feeds every received byte to the System's parser and sends the replies;
``SendHandler`` pushes the System's latest status to its client every ``sampling_time``. Both spot
custom commands (``$name:p1,p2%%%%%``) and run them on the System. Re-exported by ``simulators.server``
under the DISCOS names.
"""

from __future__ import annotations

import logging
import queue
import socketserver
import time
from typing import Any

from simulators.common import SERVER_SHUTDOWN, ByteParser
from simulators.custom import HEADER, TAIL, CustomCommandDetector, is_whole_custom_command, split_custom_command
from simulators.exceptions import CustomCommandError
from simulators.utils import to_text, to_wire

logger = logging.getLogger("pyros.simulators")

CHUNK_SIZE = 1024
"""Bytes read from a TCP connection at a time."""
MAX_LOGGED_BYTES = 64
"""The bytes of the message in progress kept for error logs (the most recent ones)."""
UDP_STATUS_WAIT = 5.0
"""Longest a UDP sending handler waits for a status before giving up on the datagram (seconds)."""


class BaseHandler(socketserver.BaseRequestHandler):
    """Common part of both handlers: the System, sending, and custom commands."""

    custom_header, custom_tail = (HEADER, TAIL)
    server: Any  # the socketserver part of our Server (a simulators.hosting.Endpoint)

    def setup(self) -> None:
        self.system: Any = self.server.owner.system
        self.data: bytes = b""
        if isinstance(self.request, tuple):  # UDP: (datagram, server socket)
            self.data, self.socket = self.request
            self.connection_oriented = False
        else:
            self.socket = self.request
            self.connection_oriented = True
        host, port = self.client_address[:2]
        self.label = f"{self.server.owner.name} client {host}:{port}"

    @property
    def stopping(self) -> bool:
        return self.server.owner.stopping

    def send(self, payload: str | bytes) -> bool:
        """Send ``payload`` (a ``str`` is encoded latin-1) to the client; False if the client is gone."""
        data = to_wire(payload)
        try:
            if self.connection_oriented:
                self.socket.sendall(data)
            else:
                self.socket.sendto(data, self.client_address)
        except OSError as exc:
            logger.info("%s: send failed, dropping the client: %s", self.label, exc)
            return False
        return True

    def _execute_custom_command(self, msg_body: str) -> None:
        """Run ``name:p1,p2`` on the System; send back a ``str`` result; stop on ``$server_shutdown%%%%%``."""
        try:
            name, params = split_custom_command(msg_body)
        except CustomCommandError as exc:
            logger.error("%s: %s; bytes %s", self.label, exc, to_wire(msg_body).hex(" "))
            return
        method = getattr(self.system, name, None)
        if not callable(method):
            logger.warning("%s: custom command %r not supported", self.label, name)
            return
        try:
            response = method(*params)
        except Exception as exc:
            logger.warning("%s: custom command %r failed: %r", self.label, msg_body, exc)
            return
        if isinstance(response, str):
            self.send(response)
            if response == SERVER_SHUTDOWN:
                self.server.owner.request_stop(release_system=False)


class ListenHandler(BaseHandler):
    """Feeds the client's bytes one at a time to the System's parser and sends back its replies."""

    def setup(self) -> None:
        super().setup()
        self.parser: ByteParser = self._new_parser()
        self.detector = CustomCommandDetector(self.custom_header, self.custom_tail)
        self.pending = bytearray()  # bytes of the message in progress, for error logs
        self.idle = True  # the parser is between messages
        if self.connection_oriented:
            greeting = self.system.system_greet() if hasattr(self.system, "system_greet") else None
            if greeting:
                self.send(greeting)

    def _new_parser(self) -> ByteParser:
        new_parser = getattr(self.system, "new_parser", None)
        return new_parser() if callable(new_parser) else self.system  # type: ignore[no-any-return]

    def handle(self) -> None:
        if not self.connection_oriented:
            self.feed(self.data + b"\n")
            return
        while not self.stopping:
            try:
                chunk = self.socket.recv(CHUNK_SIZE)
            except OSError:
                break
            if not chunk or not self.feed(chunk):
                break

    def feed(self, data: bytes) -> bool:
        """Process received bytes in order; False once the client cannot be sent to any more."""
        for value in data:
            ch = chr(value)
            was_idle = self.idle
            result = self._parse(value, ch)
            if isinstance(result, str | bytes) and result:
                if not self.send(result):
                    return False
            self._detect_custom(ch, at_message_start=was_idle or result is False)
        return True

    def _parse(self, value: int, ch: str) -> Any:
        """``parser.parse(ch)``; errors and unexpected results are logged with the bytes involved."""
        self.pending.append(value)
        if len(self.pending) > MAX_LOGGED_BYTES:
            del self.pending[:-MAX_LOGGED_BYTES]
        try:
            result = self.parser.parse(ch)
        except (ValueError, KeyError) as exc:
            self._log_rejected("rejected", exc)
            return None
        except Exception as exc:
            self._log_rejected("unexpected exception", exc, level=logging.ERROR)
            return None
        if result is True:
            self.idle = False
            return result
        if result is not False and not (isinstance(result, str | bytes) and result):
            self._log_rejected("unexpected response", repr(result))
        self.idle = True
        self.pending.clear()
        return result

    def _log_rejected(self, what: str, detail: object, level: int = logging.WARNING) -> None:
        logger.log(level, "%s: %s: %s; bytes %s", self.label, what, detail, bytes(self.pending).hex(" "))
        self.idle = True
        self.pending.clear()

    def _detect_custom(self, ch: str, at_message_start: bool) -> None:
        try:
            body = self.detector.feed(ch, at_message_start)
        except CustomCommandError as exc:
            logger.warning("%s: %s", self.label, exc)
            return
        if body is not None:
            self._execute_custom_command(body)


class SendHandler(BaseHandler):
    """Pushes the System's latest status to the client every ``sampling_time`` (queue of one).

    TCP: the endpoint's :class:`~simulators.broadcaster.Broadcaster` sends the statuses; this handler
    thread only reads the connection (custom commands, end of connection). UDP: one status datagram
    back to each datagram's sender.
    """

    def handle(self) -> None:
        if self.connection_oriented:
            self._serve_connection()
            return
        status_queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self.system.subscribe(status_queue)
        try:
            self._serve_datagram(status_queue, float(getattr(self.system, "sampling_time", 0.01)))
        finally:
            self.system.unsubscribe(status_queue)

    def send(self, payload: str | bytes) -> bool:
        broadcaster = self.server.broadcaster
        if self.connection_oriented and broadcaster is not None:
            return broadcaster.send(self.socket, to_wire(payload))
        return super().send(payload)

    def _check_custom(self, chunk: bytes) -> None:
        text = to_text(chunk)
        if is_whole_custom_command(text, self.custom_header, self.custom_tail):
            self._execute_custom_command(text[len(self.custom_header) : -len(self.custom_tail)])

    def _serve_connection(self) -> None:
        broadcaster = self.server.broadcaster
        if broadcaster is None:  # pragma: no cover - every TCP sending endpoint has one
            return
        status_queue = broadcaster.new_queue()
        broadcaster.add(self.socket, status_queue, self.label)
        self.system.subscribe(status_queue)
        try:
            while not self.stopping:
                chunk = self.socket.recv(CHUNK_SIZE)
                if not chunk:
                    break
                self._check_custom(chunk)
        except OSError:
            pass
        finally:
            self.system.unsubscribe(status_queue)
            broadcaster.remove(self.socket)

    def _serve_datagram(self, status_queue: queue.Queue[Any], sampling_time: float) -> None:
        """One status datagram back to this datagram's sender (never reads the shared socket: Q14 fixed)."""
        self._check_custom(self.data)
        deadline = time.monotonic() + max(UDP_STATUS_WAIT, 10 * sampling_time)
        while not self.stopping and time.monotonic() < deadline:
            try:
                status = status_queue.get(timeout=sampling_time)
            except queue.Empty:
                continue
            self.send(status)
            return
