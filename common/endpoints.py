"""Extra endpoints an agent opens besides its native TCP port, from its config section.

Each dialect integration provides a factory ``(agent, address) -> Endpoint | None`` that returns
None when the agent's section does not configure it (no ``ivy_bus``, no ``pymasep_port`` ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agent import EndpointFactory


def endpoint_factories() -> list[EndpointFactory]:
    factories: list[EndpointFactory] = []
    # Ivy bus (ivy_bus, ivy_name):
    from .ivy_agent import ivy_endpoint_factory

    factories.append(ivy_endpoint_factory)

    # pymasep (pymasep_port):
    from .communication.endpoint import pymasep_endpoint

    factories.append(pymasep_endpoint)

    # Net_Node (netnode_port, netnode_upstream):

    return factories
