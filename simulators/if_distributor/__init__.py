"""The IF distributor simulator (DISCOS ``if_distributor``), two system types:

* ``IFD`` (TCP 12000): the SRT LP-band distributor, 21 boards answering one-letter commands
  (:mod:`.IFD`);
* ``IFD_14_channels`` (TCP 12001): the 96-channel attenuator/switch design, ``#``-framed commands
  (:mod:`.IFD_14_channels`).

``--type`` starts every server as the chosen type.
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any, ClassVar

from simulators.common import MultiTypeSystem
from simulators.utils import get_multitype_systems

systems = get_multitype_systems(__file__)
servers = [
    (("127.0.0.1", 12000), (), ThreadingTCPServer, {"system_type": "IFD"}),
    (("127.0.0.1", 12001), (), ThreadingTCPServer, {"system_type": "IFD_14_channels"}),
]


class System(MultiTypeSystem):
    systems: ClassVar[dict[str, Any]] = systems
    system_type: ClassVar[str | None] = "IFD"
