"""SARDARA: the generic backend, whose configuration names start with an upper-case letter or a digit."""

from __future__ import annotations

import re

from simulators.backend.genericbackend import GenericBackendSystem


class System(GenericBackendSystem):
    valid_configuration = re.compile("^[A-Z0-9]")
