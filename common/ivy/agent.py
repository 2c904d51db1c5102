"""Agents on an Ivy bus: the ``ivy_bus`` endpoint and the :class:`IvyAgentMixin` of ``Agent``.

An agent's section of ``pyros_agent_config.ini`` names the bus (and optionally its name on it)::

    [scheduler]
    port = 5002
    ivy_bus = 127.255.255.255:2010
    ivy_name = Scheduler          ; default: the agent's name
    ivy_ready = Scheduler ready   ; optional ready message

The agent then binds regexps to methods (``self.bind_ivy(r"^hello (.*)", self.on_hello)``, the
method is called as ``method(peer, *groups)`` in the agent's own thread) and sends text with
``self.send_ivy(text)`` (the number of matches). While the endpoint runs, the built-in action
``IVY_SEND {"text": ...}`` sends a text on the bus (REST/CLI injection through ``Sender``).
The hooks ``on_ivy_connect``, ``on_ivy_disconnect``, ``on_ivy_direct_message`` and ``on_ivy_die``
(return False to refuse to die) also run in the agent's thread: the bus threads hand every Ivy event
to it with ``agent.call_soon``. An agent opts in to ``bind_ivy``/``send_ivy`` and the hooks with the
mixin (``class MyAgent(IvyAgentMixin, Agent)``); without it, an ``ivy_bus`` key still puts the agent
on the bus with ``IVY_SEND``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..conf import setting
from ..config import AgentAddress
from ..endpoints import register_endpoint
from ..exceptions import ConfigError, InvalidMessageError
from ..protocol import Message
from .bus import IvyBus
from .client import DEFAULT_MAX_QUEUE, IvyClient
from .codec import check_text, parse_bus
from .exceptions import IvyError, IvyNotConfiguredError

if TYPE_CHECKING:
    from ..agent import Agent

log = logging.getLogger("pyros.ivy")

IVY_SEND = "IVY_SEND"

IvyMethod = Callable[..., Any]  # method(peer: IvyClient, *groups: str)


class IvyAgentMixin:
    """``bind_ivy`` / ``unbind_ivy`` / ``send_ivy`` and the Ivy hooks, for an agent that opts in:
    ``class MyAgent(IvyAgentMixin, Agent)`` (its state is created lazily: no ``__init__`` to call)."""

    name: str

    def _ivy_bindings(self) -> dict[int, tuple[str, IvyMethod]]:
        bindings: dict[int, tuple[str, IvyMethod]] = self.__dict__.setdefault("_ivy_binding_table", {})
        return bindings

    @property
    def ivy_endpoint(self) -> IvyEndpoint | None:
        endpoint: IvyEndpoint | None = self.__dict__.get("_ivy_endpoint")
        return endpoint

    @property
    def ivy_bus(self) -> IvyBus | None:
        endpoint = self.ivy_endpoint
        return endpoint.bus if endpoint is not None else None

    def bind_ivy(self, regexp: str, method: IvyMethod) -> int:
        """Call ``method(peer, *groups)`` in the agent's thread for each bus message matching
        ``regexp`` (may be called before ``start()``). Returns a binding id for ``unbind_ivy``."""
        check_text(regexp, "regexp")
        ids: itertools.count[int] = self.__dict__.setdefault("_ivy_binding_ids", itertools.count())
        binding = next(ids)
        self._ivy_bindings()[binding] = (regexp, method)
        endpoint = self.ivy_endpoint
        if endpoint is not None:
            endpoint.bind(binding, regexp)
        return binding

    def unbind_ivy(self, binding: int) -> None:
        self._ivy_bindings().pop(binding)
        endpoint = self.ivy_endpoint
        if endpoint is not None:
            endpoint.unbind(binding)

    def send_ivy(self, text: str) -> int:
        """Send ``text`` on the agent's bus; returns the number of matching subscriptions."""
        bus = self.ivy_bus
        if bus is None:
            raise IvyNotConfiguredError(f"agent {self.name!r} is not on an Ivy bus (set ivy_bus in its section)")
        return bus.send_msg(text)

    # Hooks, called in the agent's thread (override them).
    def on_ivy_die(self, peer: IvyClient, text: str) -> bool:
        """A peer asks this agent to die: return False to refuse (default: the agent stops)."""
        return True

    def on_ivy_connect(self, peer: IvyClient) -> None:
        """A peer joined the bus (its handshake is complete)."""

    def on_ivy_disconnect(self, peer: IvyClient) -> None:
        """A peer left the bus."""

    def on_ivy_direct_message(self, peer: IvyClient, num_id: int, text: str) -> None:
        """A peer sent this agent a direct message."""


class IvyEndpoint:
    """The agent's Ivy bus peer; Ivy events run in the agent's thread (``agent.call_soon``)."""

    name = "ivy"

    def __init__(self, agent: Agent, bus: str, ivy_name: str, ready_message: str | None = None, **options: Any):
        self.agent = agent
        self.bus = IvyBus(
            ivy_name,
            ready_message,
            bus=bus,
            on_die=self._on_die,
            on_connect=lambda peer: self._post(self._hook, "on_ivy_connect", peer),
            on_disconnect=lambda peer: self._post(self._hook, "on_ivy_disconnect", peer),
            on_direct_message=lambda peer, num_id, text: self._post(
                self._hook, "on_ivy_direct_message", peer, num_id, text
            ),
            **options,
        )
        self._sub_ids: dict[int, int] = {}

    def start(self) -> None:
        self.bus.start()
        self.agent.__dict__["_ivy_endpoint"] = self
        for binding, (regexp, _) in list(self._bindings().items()):
            self.bind(binding, regexp)
        self.agent.add_action(IVY_SEND, self._ivy_send)

    def stop(self, timeout: float = 5.0) -> None:
        self.agent.remove_action(IVY_SEND)
        self.agent.__dict__.pop("_ivy_endpoint", None)
        self.bus.stop(timeout)

    def describe(self) -> dict[str, Any]:
        return {**self.bus.describe(), "name": self.name, "ivy_name": self.bus.name}

    def bind(self, binding: int, regexp: str) -> None:
        self._sub_ids[binding] = self.bus.bind(regexp, lambda peer, *groups: self._submit(binding, peer, groups))

    def unbind(self, binding: int) -> None:
        sub_id = self._sub_ids.pop(binding, None)
        if sub_id is not None:
            self.bus.unbind(sub_id)

    # --- bus threads -> the agent's thread ----------------------------------------------------------
    def _submit(self, binding: int, peer: IvyClient, groups: tuple[str, ...]) -> None:
        self._post(self._call_binding, binding, peer, groups)

    def _post(self, call: Callable[..., Any], *args: Any) -> None:
        self.agent.call_soon(call, *args)

    def _bindings(self) -> dict[int, tuple[str, IvyMethod]]:
        table = getattr(self.agent, "_ivy_bindings", None)
        return table() if table is not None else {}

    def _hook(self, name: str, *args: Any) -> Any:
        """Call the agent's Ivy hook ``name`` if it has one (agents without the mixin have none)."""
        hook = getattr(self.agent, name, None)
        return hook(*args) if hook is not None else None

    def _call_binding(self, binding: int, peer: IvyClient, groups: tuple[str, ...]) -> None:
        entry = self._bindings().get(binding)
        if entry is not None:  # unbound meanwhile: nothing to call
            entry[1](peer, *groups)

    def _on_die(self, peer: IvyClient, num_id: int, text: str) -> bool:
        self._post(self._die_in_agent, peer, text)
        return False  # the agent decides; stopping it stops this endpoint (BYE to every peer)

    def _die_in_agent(self, peer: IvyClient, text: str) -> None:
        if self._hook("on_ivy_die", peer, text) is not False:
            log.info("agent %s: Ivy peer %s asked it to die: stopping", self.agent.name, peer.name)
            self.agent.stop()
        else:
            log.info("agent %s: refused to die on the request of Ivy peer %s", self.agent.name, peer.name)

    # --- built-in action ---------------------------------------------------------------------------
    def _ivy_send(self, message: Message) -> dict[str, Any]:
        text = message.params.get("text")
        if not isinstance(text, str):
            raise InvalidMessageError(f'{IVY_SEND} needs params {{"text": <str>}}, got {message.params!r}')
        try:
            return {"matches": self.bus.send_msg(text)}
        except IvyError as exc:
            raise InvalidMessageError(str(exc)) from None


def ivy_endpoint_factory(agent: Agent, address: AgentAddress) -> IvyEndpoint | None:
    """The endpoint for a section with ``ivy_bus`` (None without it)."""
    options = address.options
    bus = (options.get("ivy_bus") or "").strip()
    if not bus:
        return None
    where = f"{address.source or 'the agent configuration'}: [{address.name}]"
    try:
        parse_bus(bus)
        name = check_text((options.get("ivy_name") or "").strip() or agent.name, "agent name")
        ready = check_text(options["ivy_ready"], "ready message") if options.get("ivy_ready") else None
    except IvyError as exc:
        raise ConfigError(f"{where} ivy_*: {exc}") from None
    return IvyEndpoint(agent, bus, name, ready, max_queue=_max_queue(where, options))


def _max_queue(where: str, options: Any) -> int:
    value = options.get("ivy_max_queue")
    if not value:
        return int(setting("PYROS_IVY_MAX_QUEUE") or DEFAULT_MAX_QUEUE)
    try:
        queue = int(value)
    except ValueError:
        queue = 0
    if queue <= 0:
        raise ConfigError(f"{where} ivy_max_queue = {value!r}: a positive number of messages")
    return queue


register_endpoint("ivy_bus", ivy_endpoint_factory, options=("ivy_name", "ivy_ready", "ivy_max_queue"))
