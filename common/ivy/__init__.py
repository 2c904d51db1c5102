"""The public Ivy API: a bus peer (:class:`IvyBus`), the remote agents it sees (:class:`IvyClient`),
the agent integration and the errors.

    from common.ivy import IvyBus

    bus = IvyBus("MyAgent", "MyAgent ready", bus="127.255.255.255:2010")
    bus.bind(r"^hello (.*)", lambda peer, who: print(peer.name, "says hello to", who))
    bus.start()
    bus.send_msg("hello world")
    bus.stop()
"""

from __future__ import annotations

from .agent import IVY_SEND, IvyAgentMixin, IvyEndpoint, ivy_endpoint_factory
from .bus import IvyBus
from .client import IvyClient
from .codec import DEFAULT_BUS, IvyMessage, parse_bus
from .exceptions import (
    IvyBusAddressError,
    IvyError,
    IvyIllegalStateError,
    IvyInvalidTextError,
    IvyLineTooLongError,
    IvyMalformedAnnounceError,
    IvyMalformedLineError,
    IvyNotConfiguredError,
    IvyRegexpError,
)

__all__ = [
    "DEFAULT_BUS",
    "IVY_SEND",
    "IvyAgentMixin",
    "IvyBus",
    "IvyBusAddressError",
    "IvyClient",
    "IvyEndpoint",
    "IvyError",
    "IvyIllegalStateError",
    "IvyInvalidTextError",
    "IvyLineTooLongError",
    "IvyMalformedAnnounceError",
    "IvyMalformedLineError",
    "IvyMessage",
    "IvyNotConfiguredError",
    "IvyRegexpError",
    "ivy_endpoint_factory",
    "parse_bus",
]
