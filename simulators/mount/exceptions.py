"""The errors of the mount simulator.

Peer errors (what the client sent cannot be accepted) derive from the framework's
:class:`~simulators.exceptions.MalformedInputError`, a ``ValueError``: the server logs them and sends
nothing, as the DISCOS ``parse`` contract says. Caller errors (a System built with impossible settings)
are ``ValueError``\\ s of :class:`~simulators.exceptions.SimulatorCallerError`.
"""

from __future__ import annotations

from simulators.exceptions import MalformedInputError, SimulatorCallerError


class MountConfigError(SimulatorCallerError, ValueError):
    """The mount was built with impossible settings (negative rate, latitude out of range...)."""


class LX200SyntaxError(MalformedInputError):
    """A command that is too long, unknown, or whose argument cannot be read. The parser is idle again."""
