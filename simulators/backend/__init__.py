"""The backends simulator (DISCOS ``backend``): the DISCOS backend protocol 1.2 over TCP, three system
types - ``genericbackend``, ``sardara`` (TCP 12801) and ``mistral`` (TCP 12802). See
:mod:`.genericbackend`, :mod:`.sardara` and :mod:`.mistral`; the message grammar is :mod:`.grammar`.
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any, ClassVar

from simulators.common import MultiTypeSystem
from simulators.utils import get_multitype_systems

systems = get_multitype_systems(__file__)
servers = [
    (("127.0.0.1", 12801), (), ThreadingTCPServer, {"system_type": "sardara"}),
    (("127.0.0.1", 12802), (), ThreadingTCPServer, {"system_type": "mistral"}),
]


class System(MultiTypeSystem):
    systems: ClassVar[dict[str, Any]] = systems
    system_type: ClassVar[str | None] = "sardara"
