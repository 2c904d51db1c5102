"""The errors of the simulator framework.

Two families, as everywhere in pyros: :class:`SimulatorCallerError` (whoever starts or configures a
simulator asked for something wrong: unknown simulator or type, bad server type, an address already in
use) and :class:`SimulatorPeerError` (what came off the wire is wrong: malformed frame, bad checksum,
unknown command). The peer errors are also ``ValueError`` (and the unknown-driver error also
``KeyError``) because the DISCOS ``parse()`` contract says so: the server catches them, logs them and
keeps the connection.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base of every simulator framework error."""


# --- errors of the caller -----------------------------------------------------------------------
class SimulatorCallerError(SimulatorError):
    """The caller asked for something that cannot be done as asked."""


class ServerConfigError(SimulatorCallerError, ValueError):
    """A server declared with a wrong server type or without any address."""


class UnknownSystemTypeError(SimulatorCallerError, ValueError):
    """A multi-type system asked for a variant it does not have."""

    def __init__(self, system_type: object) -> None:
        super().__init__(f"System type {system_type} not found.")
        self.system_type = system_type


class UnknownSimulatorError(SimulatorCallerError):
    """No simulator package of that name."""

    def __init__(self, name: str, known: list[str]) -> None:
        known_text = ", ".join(known) if known else "none"
        super().__init__(f"unknown simulator {name!r} (known simulators: {known_text})")
        self.name = name
        self.known = known


class BindError(SimulatorCallerError, OSError):
    """A server address cannot be bound (not an address of this machine, no permission...).

    Also an ``OSError``, which is what DISCOS code catches when a simulator is already running.
    """


class AddressInUseError(BindError):
    """A server address is already bound (the simulator is probably already running)."""

    def __init__(self, addresses: list[str], reason: str) -> None:
        super().__init__(
            f"address already in use: {', '.join(addresses)} ({reason}); is the simulator already running?"
        )
        self.addresses = addresses
        self.reason = reason


class NotRunningError(SimulatorCallerError):
    """``--stop``/``--status`` found no running simulator of that name."""


# --- errors of the peer -------------------------------------------------------------------------
class SimulatorPeerError(SimulatorError):
    """The client sent something the simulator cannot accept."""


class MalformedInputError(SimulatorPeerError, ValueError):
    """A byte or frame the System rejects (length, checksum, unknown command). The parser is idle again."""


class UnknownDriverError(MalformedInputError, KeyError):
    """An addressed frame to a driver index that does not exist on the line (quirk Q9: a ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would print the repr of its argument
        return str(self.args[0]) if self.args else ""


class CustomCommandError(SimulatorPeerError, ValueError):
    """A custom command ``$name:p1,p2%%%%%`` that cannot be executed as sent (e.g. several ``:``)."""


class OutOfRangeError(MalformedInputError, IndexError):
    """A board, channel or slot number outside the simulated hardware (DISCOS raises ``IndexError``)."""


class BackendError(SimulatorPeerError):
    """A backend request refused in the protocol: the reply is ``!name,fail,<this text>``."""


class GrammarException(MalformedInputError):
    """A backend message that breaks the grammar: the reply is ``!undefined,invalid,syntax error: ...``."""


class GaiaError(SimulatorPeerError):
    """A GAIA request answered with an error code (``#ERROR(code)[NAME]...``)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
