"""An agent on a pymasep endpoint: ``pymasep_port = N`` in the agent's config section.

A pymasep client connects to the agent's host at that port, says hello (the agent answers hello
with its name) and sends Messages. Each Message is handled in the agent's thread (``agent.call_soon``)
as a native request ``Message(type=msg_type, params=params or {}, sender=src_sub_app_id)``,
dispatched through ``actions_by_message`` like any other message.

The reply is a pymasep Message with the **same msg_type**, ``src_sub_app_id`` = the agent's name,
and the params of the native reply:

- success: ``{"result": <the handler's return value>}``;
- error: ``{"error": <kind>, "message": <text>, ...details}`` (kind ``UnknownMessage`` with
  ``known``, ``HandlerError`` with ``exception``, ``BadReply`` when the return value cannot be
  carried by pymasep XML or exceeds 65,535 bytes).

A payload that is not a valid Message gets a reply of msg_type ``"error"`` with
``{"error": "MalformedMessage", "message": ...}``; the connection stays open (framing is intact).
Replies to one connection come back in the order of its requests.
"""

from __future__ import annotations

import itertools
import logging
import socket
from typing import TYPE_CHECKING, Any

from ..conf import setting
from ..endpoints import register_endpoint
from ..protocol import Message as NativeMessage
from .codec import decode_message, encode_message
from .exceptions import PymasepDecodeError
from .frame import Frame
from .server import Server
from .transport import SocketHandler

if TYPE_CHECKING:
    from ..agent import Agent
    from ..config import AgentAddress


class AgentSocketHandler(SocketHandler):
    """Feeds the agent's inbox with the Messages of one pymasep client and writes the replies."""

    def __init__(
        self,
        conn: socket.socket,
        addr: Any,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        agent: Agent,
    ) -> None:
        super().__init__(conn, addr, logger)
        self.agent = agent
        self._ids = itertools.count(1)

    def on_receive(self, frame: Frame) -> None:
        try:
            msg_type, params, src = decode_message(frame.message)
        except PymasepDecodeError as exc:
            self.logger.warning("agent %s: bad pymasep Message from %s: %s", self.agent.name, self.peer_id, exc)
            self._send("error", {"error": "MalformedMessage", "message": str(exc)})
            return
        message = NativeMessage(msg_type, params or {}, next(self._ids), src)
        self.agent.call_soon(self._handle, message, msg_type)

    def _handle(self, message: NativeMessage, msg_type: str) -> None:
        """In the agent's thread: dispatch, then write the reply (BadReply when it cannot be encoded)."""
        response = self.agent.handle(message)
        if response is not None:
            self.agent.send_reply(lambda reply: self._send(msg_type, reply.params), message, response)

    def _send(self, msg_type: str, params: dict[str, Any]) -> None:
        """Write one reply (on the agent's thread). Encoding errors are ValueErrors: the agent then
        replies BadReply; OSError means the client has gone."""
        self.send_frame(Frame(encode_message(msg_type, params, self.agent.name)))


class PymasepEndpoint:
    """A pymasep :class:`Server` named after the agent, dispatching into it."""

    def __init__(self, agent: Agent, host: str, port: int, max_connection: int) -> None:
        self.agent = agent
        self.name = f"{agent.name}-pymasep"
        self.host = host
        self.requested_port = port
        self.max_connection = max_connection
        self.server: Server | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self.server is None:
            raise RuntimeError(f"{self.name}: not started")
        return self.server.listener.address

    def start(self) -> None:
        """Bind and accept (OSError, e.g. EADDRINUSE, from bind)."""
        server = Server(
            self.agent.name,
            self.max_connection,
            AgentSocketHandler,
            (self.agent,),
            self.host,
            self.requested_port,
            log_level=logging.getLogger("pyros").getEffectiveLevel(),
        )
        server.wait_connection()
        self.server = server

    def stop(self, timeout: float = 5.0) -> None:
        if self.server is not None:
            self.server.stop(timeout)
            self.server = None

    def describe(self) -> dict[str, Any]:
        server = self.server
        return {
            "name": self.name,
            "dialect": "pymasep",
            "host": self.host,
            "port": server.port if server is not None else self.requested_port,
            "listening": server is not None,
            "max_connection": self.max_connection,
            "clients": server.connection_ids() if server is not None else [],
        }


def pymasep_endpoint(agent: Agent, address: AgentAddress) -> PymasepEndpoint | None:
    """The endpoint factory (common.endpoints): None unless the section sets ``pymasep_port``."""
    port = address.option_port("pymasep_port")
    if port is None:
        return None
    limit = address.options.get("pymasep_max_connection")
    max_connection = _positive_int(limit, address) if limit else setting("PYMASEP_MAX_CONNECTION")
    return PymasepEndpoint(agent, address.host, port, max_connection)


def _positive_int(value: str, address: AgentAddress) -> int:
    from ..exceptions import ConfigError

    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"{address.source}: [{address.name}] pymasep_max_connection = {value!r}: a positive integer")
    return number


register_endpoint("pymasep_port", pymasep_endpoint, options=("pymasep_max_connection",))
