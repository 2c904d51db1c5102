"""Custom commands ``$name:p1,p2%%%%%``: detection in a byte stream and parsing of the body (sans-IO).

Custom commands are not part of a System's protocol: they reach any public method of the System (e.g.
``$system_stop%%%%%``) to drive the simulation. Detection only starts at the start of a message, so a
``$`` byte inside binary traffic (a USD frame) never starts one.
"""

from __future__ import annotations

from simulators.exceptions import CustomCommandError

HEADER = "$"
TAIL = "%%%%%"
MAX_LENGTH = 512
"""Longest custom command collected (header and tail included); longer ones are abandoned."""


class CustomCommandDetector:
    """Collects one connection's custom command, byte by byte, alongside the System's parser."""

    def __init__(self, header: str = HEADER, tail: str = TAIL, max_length: int = MAX_LENGTH) -> None:
        self.header = header
        self.tail = tail
        self.max_length = max_length
        self._collected: str | None = None

    @property
    def collecting(self) -> bool:
        return self._collected is not None

    def feed(self, ch: str, at_message_start: bool) -> str | None:
        """Take one byte; return the command body when its tail has just arrived, else ``None``.

        ``at_message_start`` says whether the System's parser was idle before this byte or rejected it:
        only then does a header byte (re)start a collection. Raises :class:`CustomCommandError` when the
        collection outgrows ``max_length`` (it is dropped).
        """
        if ch == self.header and at_message_start:
            self._collected = ch
            return None
        if self._collected is None:
            return None
        self._collected += ch
        if self._collected.endswith(self.tail) and len(self._collected) > len(self.tail):
            body = self._collected[len(self.header) : -len(self.tail)]
            self._collected = None
            return body
        if len(self._collected) > self.max_length:
            self._collected = None
            raise CustomCommandError(f"custom command longer than {self.max_length} bytes dropped")
        return None

    def reset(self) -> None:
        self._collected = None


def is_whole_custom_command(text: str, header: str = HEADER, tail: str = TAIL) -> bool:
    """A chunk received by a sending server is a custom command only if it is one as a whole."""
    return len(text) >= len(header) + len(tail) and text.startswith(header) and text.endswith(tail)


def split_custom_command(body: str) -> tuple[str, list[str]]:
    """``name:p1,p2`` -> ``("name", ["p1", "p2"])``; parameters stay strings.

    Raises :class:`CustomCommandError` for a body with several ``:`` (quirk Q13, which crashes the
    DISCOS handler) and for a name that is not a public identifier (nothing from the wire reaches a
    private attribute).
    """
    if body.count(":") > 1:
        raise CustomCommandError(f"custom command {body!r} has {body.count(':')} ':' (at most one expected)")
    name, _, params_text = body.partition(":")
    if not name.isidentifier() or name.startswith("_"):
        raise CustomCommandError(f"custom command name {name!r} is not a public method name")
    return name, params_text.split(",") if params_text else []
