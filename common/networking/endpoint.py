"""Attach a Net_Node to a pyros agent, from the agent's section of ``pyros_agent_config.ini``::

    [scheduler]
    host = 127.0.0.1
    port = 5002
    netnode_upstream = T@127.0.0.1:5560   ; the Station's identity @ its ROUTER address
    netnode_port = 0                       ; optional: a ROUTER for direct peers (0 = any free port)
    netnode_id = scheduler                 ; optional: the node's identity (default: the agent name)

``netnode_upstream`` may also be ``host:port`` with ``netnode_upstream_id = T`` (default ``T``, the
autopilot Terminal's Station). Received Net_Node messages are handled in the agent's thread as
native notifications: ``Message(type=<key>, params={"value", "sender", "id", "to", "timestamp",
"flags"}, sender=<sender>)``, dispatched by ``actions_by_message[key]`` (no reply is
sent back). The agent gains the built-in action ``NETNODE_SEND`` with params ``{"to", "key",
"value", "repeat", "flags", "force_to"}`` (only ``key`` is required; ``to`` defaults to the
upstream), which returns ``{"id": <message id>}``; REST/CLI injection reaches it through
``Sender.send_to(agent, "NETNODE_SEND", {...})``.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

import zmq

from ..config import AgentAddress, parse_port
from ..endpoints import register_endpoint
from ..exceptions import ConfigError, InvalidMessageError
from ..protocol import NOTIFY, Message
from .codec import NetMessage
from .node import Net_Node

if TYPE_CHECKING:
    from ..agent import Agent

SEND_ACTION = "NETNODE_SEND"
DEFAULT_UPSTREAM_ID = "T"


class NetNodeEndpoint:
    """An agent's Net_Node: messages in go to the agent's inbox; NETNODE_SEND sends messages out."""

    name = "netnode"

    def __init__(
        self,
        agent: Agent,
        node_id: str,
        upstream: tuple[str, str, int] | None,
        router_port: int | None,
    ) -> None:
        self.agent = agent
        self.node_id = node_id
        self.upstream = upstream
        self.router_port = router_port
        self.node: Net_Node | None = None

    def start(self) -> None:
        upstream_id, host, port = self.upstream or (None, "127.0.0.1", None)
        try:
            self.node = Net_Node(
                self.node_id,
                upstream_id,
                port,
                {},
                instance=False,
                upstream_ip=host,
                router_port=self.router_port,
                on_message=self._on_message,
            )
        except zmq.ZMQError as exc:  # the agent reports OSErrors (port in use ...) with its config
            raise OSError(exc.errno or errno.EIO, f"Net_Node {self.node_id}: {exc.strerror}") from None
        self.agent.add_action(SEND_ACTION, self.send_action)

    def stop(self, timeout: float = 5.0) -> None:
        self.agent.remove_action(SEND_ACTION)
        if self.node is not None:
            self.node.release(timeout)

    def describe(self) -> dict[str, Any]:
        node = self.node
        info: dict[str, Any] = {"name": self.name, "id": self.node_id}
        if self.upstream is not None:
            info["upstream"] = "{}@{}:{}".format(*self.upstream)
        if node is not None:
            info.update(
                router_port=node.router_port,
                connected=node.connected.is_set(),
                outbox=len(node.outbox),
                stats=node.stats.as_dict(),
            )
        return info

    def _on_message(self, msg: NetMessage) -> None:
        """I/O thread: hand a Net_Node message to the agent's thread."""
        params = {
            "value": msg.value,
            "sender": msg.sender,
            "id": msg.id,
            "to": msg.to,
            "timestamp": msg.timestamp,
            "flags": msg.flags,
        }
        if msg.extra:
            params["extra"] = msg.extra
        self.agent.call_soon(self.agent.handle, Message(msg.key, params, 0, msg.sender, NOTIFY))

    def send_action(self, message: Message) -> dict[str, Any]:
        """The NETNODE_SEND built-in action (runs in the agent's thread)."""
        node = self.node
        if node is None:
            raise InvalidMessageError("the Net_Node endpoint is not running")
        p = message.params
        key = p.get("key")
        if not isinstance(key, str) or not key:
            raise InvalidMessageError(f"{SEND_ACTION} needs params.key, a non-empty string")
        to = p.get("to")
        if to is not None and not (isinstance(to, str) and to) and not _is_path(to):
            raise InvalidMessageError(f"{SEND_ACTION}: params.to must be an identity or a list of them")
        flags = p.get("flags")
        if flags is not None and not isinstance(flags, dict):
            raise InvalidMessageError(f"{SEND_ACTION}: params.flags must be an object")
        msg_id = node.send(
            to, key, p.get("value"), repeat=bool(p.get("repeat", False)), flags=flags,
            force_to=bool(p.get("force_to", False)),
        )  # fmt: skip
        return {"id": msg_id}


def _is_path(to: Any) -> bool:
    return isinstance(to, list) and bool(to) and all(isinstance(hop, str) and hop for hop in to)


def netnode_endpoint(agent: Agent, address: AgentAddress) -> NetNodeEndpoint | None:
    """Endpoint factory: a Net_Node when the section has ``netnode_upstream`` or ``netnode_port``."""
    options = address.options
    upstream_text = (options.get("netnode_upstream") or "").strip()
    router_port = address.option_port("netnode_port")
    if not upstream_text and router_port is None:
        return None
    upstream = _parse_upstream(upstream_text, address) if upstream_text else None
    node_id = (options.get("netnode_id") or address.name).strip()
    return NetNodeEndpoint(agent, node_id, upstream, router_port)


def _parse_upstream(text: str, address: AgentAddress) -> tuple[str, str, int]:
    where = f"{address.source or 'config'}: [{address.name}] netnode_upstream = {text!r}"
    ident, sep, rest = text.rpartition("@")
    if not sep:
        ident = (address.options.get("netnode_upstream_id") or DEFAULT_UPSTREAM_ID).strip()
    host, colon, port_text = rest.rpartition(":")
    if not colon or not host or not ident:
        raise ConfigError(f"{where}: expected ID@host:port (or host:port with netnode_upstream_id)")
    port = parse_port(port_text, address.source or "config", address.name, "netnode_upstream")
    if port == 0:
        raise ConfigError(f"{where}: the upstream Station's port cannot be 0")
    return ident, host, port


register_endpoint("netnode_upstream", netnode_endpoint, options=("netnode_port", "netnode_id", "netnode_upstream_id"))
register_endpoint("netnode_port", netnode_endpoint, options=("netnode_upstream", "netnode_id", "netnode_upstream_id"))
