"""The local oscillators simulator (DISCOS ``lo``), two system types on seven TCP ports:

* ``generic_LO`` (SCPI-like synthesizer: ``POWER``, ``FREQ``, ``OUTP:STAT``, ``SYST:ERR?``) on 12700
  (C band), 12701 (C low), 12702 (K band), 12704/12705/12706 (KQW W high, W low, Q);
* ``w_LO`` (the W-band LO: ``set ...=value`` / ``get ...`` text commands) on 12703.

``--type`` starts every server as the chosen type.
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any, ClassVar

from simulators.common import MultiTypeSystem
from simulators.utils import get_multitype_systems

systems = get_multitype_systems(__file__)
TYPES = ["generic_LO", "generic_LO", "generic_LO", "w_LO", "generic_LO", "generic_LO", "generic_LO"]
servers = [
    (("127.0.0.1", 12700 + index), (), ThreadingTCPServer, {"system_type": system_type})
    for index, system_type in enumerate(TYPES)
]


class System(MultiTypeSystem):
    systems: ClassVar[dict[str, Any]] = systems
    system_type: ClassVar[str | None] = "generic_LO"
