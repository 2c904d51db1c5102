"""Endpoints: what connects an agent to the world besides its native TCP port, and their registry.

An endpoint is any object with a ``name``, ``start()``, ``stop(timeout)`` and ``describe()`` (a JSON-able
dict for the agent's status). An agent gets endpoints two ways:

* from a configuration key of its section in ``pyros_agent_config.ini``: a dialect or an app calls
  :func:`register_endpoint` (``register_endpoint("ivy_bus", factory, options=("ivy_name",))``) from
  its ``AppConfig.ready()`` or at import; when the agent starts, each factory whose key is in the
  section is called once as ``factory(agent, address)`` and returns the endpoint (or None);
* directly: ``self.add_endpoint(endpoint)`` in the agent's ``__init__`` or ``work()``.

The agent starts its endpoints in its own thread after binding its native port, and stops them (in
reverse order) when it stops. An endpoint hands work to the agent's thread with ``agent.call_soon``.
This module knows no dialect and imports no agent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Endpoint(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def describe(self) -> dict[str, Any]: ...


# factory(agent, address) -> Endpoint | None (the agent and its AgentAddress; not typed here so that
# this module imports neither).
EndpointFactory = Callable[[Any, Any], Endpoint | None]


@dataclass(frozen=True)
class Registration:
    key: str
    factory: EndpointFactory
    options: tuple[str, ...] = ()


_lock = threading.Lock()
_registry: dict[str, Registration] = {}


def register_endpoint(key: str, factory: EndpointFactory, *, options: Iterable[str] = ()) -> None:
    """Make ``key`` in an agent's section open the endpoint ``factory(agent, address)`` returns.

    ``options`` names the other keys that endpoint reads (they are then known keys, not typos).
    Registering the same key again replaces the factory (module reloads in tests).
    """
    if not key or not isinstance(key, str):
        raise ValueError("an endpoint registration needs a non-empty configuration key")
    with _lock:
        _registry[key] = Registration(key, factory, tuple(options))


def unregister_endpoint(key: str) -> None:
    with _lock:
        _registry.pop(key, None)


def factories_for(options: Mapping[str, str]) -> list[EndpointFactory]:
    """The factories triggered by a section's keys, each once, in registration order."""
    with _lock:
        registrations = list(_registry.values())
    found: list[EndpointFactory] = []
    for registration in registrations:
        if registration.key in options and registration.factory not in found:
            found.append(registration.factory)
    return found


def known_keys() -> set[str]:
    """Every configuration key an endpoint reads (for the configuration check)."""
    with _lock:
        return {key for r in _registry.values() for key in (r.key, *r.options)}
