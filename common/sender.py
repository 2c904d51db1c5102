"""``Sender.send_to(agent_name, message, params)`` -> the agent's reply.

One persistent connection per agent address, shared by the threads of this process (a lock
serialises the round trips on it); a broken connection is reopened once. Errors are distinct:
:class:`UnknownAgentError`, :class:`AgentUnreachableError` (with host:port),
:class:`AgentTimeoutError`, :class:`RemoteHandlerError` / :class:`UnknownMessageError`.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import threading
import time
from typing import Any

from . import directory, traffic
from .conf import setting
from .config import load_config
from .exceptions import (
    AgentProtocolError,
    AgentTimeoutError,
    AgentUnreachableError,
    InvalidMessageError,
    PeerError,
    RemoteError,
    RemoteHandlerError,
    UnknownMessageError,
)
from .protocol import (
    ERROR,
    NOTIFY,
    REQUEST,
    Message,
    MessageDecoder,
    OutgoingFrameTooLargeError,
    ProtocolError,
    frame_message,
)

_ids = itertools.count(1)
_default_sender = f"sender@{socket.gethostname()}:{os.getpid()}"


STALE_AFTER = 1.0  # seconds unused after which a pooled connection is checked before it is written to


class _Channel:
    """One persistent connection to one agent."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.decoder = MessageDecoder(setting("PYROS_MAX_FRAME_SIZE"))  # the limit agents reply within
        self._kernel_timeout = -1.0
        self.last_used = 0.0

    def _closed_by_agent(self) -> bool:
        """Whether the agent closed this pooled connection (idle timeout): a notification written to
        it would be lost without an error. One non-blocking peek, done only after a pause."""
        assert self.sock is not None
        try:
            return self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _set_timeout(self, sock: socket.socket, timeout: float) -> None:
        """Blocking socket with kernel send/receive timeouts: no poll() or fcntl() per call."""
        if timeout != self._kernel_timeout:
            seconds = int(timeout)
            timeval = struct.pack("ll", seconds, max(int((timeout - seconds) * 1e6), 1 if not seconds else 0))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
            self._kernel_timeout = timeout

    def _connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError:
            raise AgentUnreachableError(self.name, self.host, self.port, f"no answer within {timeout:g} s") from None
        except OSError as exc:
            raise AgentUnreachableError(self.name, self.host, self.port, exc.strerror or str(exc)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._kernel_timeout = -1.0
        self.decoder = MessageDecoder(setting("PYROS_MAX_FRAME_SIZE"))  # the limit agents reply within
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def call(self, message: Message, frame: bytes, timeout: float) -> Message | None:
        """Send ``frame``; wait for the reply to ``message`` unless it is a notification."""
        with self.lock:
            now = time.monotonic()
            if self.sock is not None and now - self.last_used > STALE_AFTER and self._closed_by_agent():
                self.close()
            self.last_used = now
            for attempt in (1, 2):
                fresh = self.sock is None
                if fresh:
                    self.sock = self._connect(timeout)
                self._set_timeout(self.sock, timeout)
                try:
                    self.sock.sendall(frame)
                    if message.kind == NOTIFY:
                        return None
                    return self._read_reply(message, timeout)
                except _Broken as exc:
                    self.close()
                    if attempt == 2 or fresh:
                        raise AgentUnreachableError(self.name, self.host, self.port, str(exc)) from None
                except OSError as exc:
                    self.close()
                    if attempt == 2 or fresh:
                        reason = exc.strerror or str(exc)
                        raise AgentUnreachableError(self.name, self.host, self.port, reason) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_reply(self, message: Message, timeout: float) -> Message:
        assert self.sock is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.decoder.next_message()
            except ProtocolError as exc:
                self.close()
                raise AgentProtocolError(f"agent {self.name!r} sent an invalid reply: {exc}") from None
            if reply is not None:
                if reply.id == message.id:
                    return reply
                if reply.id == 0 and reply.kind == ERROR:  # the agent refused our frame
                    self.close()
                    return reply
                continue  # a stale reply to an earlier, timed-out request
            if self.decoder.pending:  # part of a reply came: wait only for what is left of the timeout
                self._wait_at_most(deadline, message, timeout)
            try:
                data = self.sock.recv(262144)
            except BlockingIOError:  # SO_RCVTIMEO expired
                self._wait_at_most(deadline, message, timeout)
                continue
            if not data:
                raise _Broken("connection closed by the agent")
            self.decoder.receive_data(data)

    def _wait_at_most(self, deadline: float, message: Message, timeout: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self.close()
            raise AgentTimeoutError(self.name, message.type, timeout)
        assert self.sock is not None
        self._set_timeout(self.sock, remaining)


class _Broken(Exception):
    pass


class Sender:
    """Send messages to agents by name (static methods; connections pooled per process)."""

    _channels: dict[tuple[str, str, int], _Channel] = {}
    _lock = threading.Lock()
    # name -> (directory version, time resolved, channel): re-resolved when an in-process agent
    # moves, and at least once a second so that edits of the config file are seen.
    _by_name: dict[str, tuple[int, float, _Channel]] = {}

    @staticmethod
    def send_to(
        agent_name: str,
        message: str,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        *,
        sender: str | None = None,
    ) -> Any:
        """Send ``message`` to ``agent_name`` and return the agent's reply (its handler's return value)."""
        timeout = _default_timeout() if timeout is None else timeout
        reply = Sender._exchange(agent_name, message, params, sender, REQUEST, timeout)
        assert reply is not None
        return reply.params.get("result")

    @staticmethod
    def notify(
        agent_name: str, message: str, params: dict[str, Any] | None = None, *, sender: str | None = None
    ) -> None:
        """Send ``message`` without waiting for (or getting) a reply."""
        Sender._exchange(agent_name, message, params, sender, NOTIFY, _default_timeout())

    @staticmethod
    def _exchange(
        agent_name: str, message: str, params: dict[str, Any] | None, sender: str | None, kind: str, timeout: float
    ) -> Message | None:
        """Send (and for a request, wait for the reply); from an agent's thread, signed with its name and
        noted in its traffic."""
        agent = traffic.bound()
        msg = _build(message, params, sender or (agent[0] if agent else None), kind)
        try:
            reply = Sender._channel(agent_name).call(msg, _frame(msg), timeout)
            if reply is not None and reply.kind == ERROR:
                raise _remote_error(agent_name, reply)
        except Exception as exc:
            if agent is not None:
                agent[1].note(traffic.OUT, agent_name, message, f"{type(exc).__name__}: {exc}")
            raise
        if agent is not None:
            agent[1].note(traffic.OUT, agent_name, message, "ok" if kind == REQUEST else "sent")
        return reply

    @staticmethod
    def resolve(agent_name: str) -> tuple[str, int]:
        """Where ``agent_name`` listens: this process's running agent, else the configuration."""
        local = directory.lookup(agent_name)
        if local is not None:
            return local
        address = load_config()[agent_name]
        return address.host, address.port

    @staticmethod
    def close_all() -> None:
        with Sender._lock:
            channels = list(Sender._channels.values())
            Sender._channels.clear()
            Sender._by_name.clear()
        for channel in channels:
            with channel.lock:
                channel.close()

    @staticmethod
    def _channel(agent_name: str) -> _Channel:
        cached = Sender._by_name.get(agent_name)
        now = time.monotonic()
        if cached is not None and cached[0] == directory.version() and now - cached[1] < 1.0:
            return cached[2]
        version = directory.version()
        channel = Sender._open_channel(agent_name)
        Sender._by_name[agent_name] = (version, now, channel)
        return channel

    @staticmethod
    def _open_channel(agent_name: str) -> _Channel:
        host, port = Sender.resolve(agent_name)
        key = (agent_name, host, port)
        with Sender._lock:
            channel = Sender._channels.get(key)
            if channel is None:
                channel = Sender._channels[key] = _Channel(agent_name, host, port)
            return channel


def _build(message: str, params: dict[str, Any] | None, sender: str | None, kind: str) -> Message:
    if not isinstance(message, str) or not message:
        raise InvalidMessageError("the message must be a non-empty string")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidMessageError(f"params must be a dict (a JSON object), got {type(params).__name__}")
    return Message(message, params, next(_ids), sender or _default_sender, kind)


def _frame(message: Message) -> bytes:
    try:
        return frame_message(message, setting("PYROS_MAX_FRAME_SIZE"))
    except OutgoingFrameTooLargeError as exc:
        raise InvalidMessageError(f"message {message.type!r} is too large: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidMessageError(f"params of {message.type!r} cannot be sent as JSON: {exc}") from None


def _remote_error(agent_name: str, reply: Message) -> PeerError:
    params = dict(reply.params)
    error = str(params.pop("error", "Error"))
    text = str(params.pop("message", ""))
    if error == "HandlerError":
        return RemoteHandlerError(agent_name, params.get("exception", error), text, params)
    if error == "UnknownMessage":
        return UnknownMessageError(agent_name, error, text, params)
    if reply.id == 0:
        return AgentProtocolError(f"agent {agent_name!r} refused the message: {error}: {text}")
    return RemoteError(agent_name, error, text, params)


def _default_timeout() -> float:
    return float(setting("PYROS_SEND_TIMEOUT"))
