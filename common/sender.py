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
import threading
import time
from typing import Any

from . import directory
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
from .protocol import ERROR, NOTIFY, REQUEST, Message, MessageDecoder, ProtocolError, frame_message
from .protocol.framing import DEFAULT_MAX_FRAME_SIZE

_ids = itertools.count(1)
_default_sender = f"sender@{socket.gethostname()}:{os.getpid()}"


class _Channel:
    """One persistent connection to one agent."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.decoder = MessageDecoder(DEFAULT_MAX_FRAME_SIZE)

    def _connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError:
            raise AgentUnreachableError(self.name, self.host, self.port, f"no answer within {timeout:g} s") from None
        except OSError as exc:
            raise AgentUnreachableError(self.name, self.host, self.port, exc.strerror or str(exc)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.decoder = MessageDecoder(DEFAULT_MAX_FRAME_SIZE)
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def call(self, message: Message, frame: bytes, timeout: float) -> Message | None:
        """Send ``frame``; wait for the reply to ``message`` unless it is a notification."""
        with self.lock:
            for attempt in (1, 2):
                fresh = self.sock is None
                if fresh:
                    self.sock = self._connect(timeout)
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
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise AgentTimeoutError(self.name, message.type, timeout)
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(262144)
            except TimeoutError:
                self.close()
                raise AgentTimeoutError(self.name, message.type, timeout) from None
            if not data:
                raise _Broken("connection closed by the agent")
            self.decoder.receive_data(data)


class _Broken(Exception):
    pass


class Sender:
    """Send messages to agents by name (static methods; connections pooled per process)."""

    _channels: dict[tuple[str, str, int], _Channel] = {}
    _lock = threading.Lock()

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
        msg = _build(message, params, sender, REQUEST)
        reply = Sender._channel(agent_name).call(msg, _frame(msg), timeout)
        assert reply is not None
        if reply.kind == ERROR:
            raise _remote_error(agent_name, reply)
        return reply.params.get("result")

    @staticmethod
    def notify(
        agent_name: str, message: str, params: dict[str, Any] | None = None, *, sender: str | None = None
    ) -> None:
        """Send ``message`` without waiting for (or getting) a reply."""
        msg = _build(message, params, sender, NOTIFY)
        Sender._channel(agent_name).call(msg, _frame(msg), _default_timeout())

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
        for channel in channels:
            with channel.lock:
                channel.close()

    @staticmethod
    def _channel(agent_name: str) -> _Channel:
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
        return frame_message(message, _setting("PYROS_MAX_FRAME_SIZE", DEFAULT_MAX_FRAME_SIZE))
    except ProtocolError as exc:
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
    return float(_setting("PYROS_SEND_TIMEOUT", 5.0))


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default) if settings.configured else default
