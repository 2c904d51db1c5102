"""A sans-IO line collector shared by the text-protocol simulators.

``LineBuffer.feed(ch)`` takes one received character (or, as DISCOS's own tests do, a longer string)
and returns the complete line once its terminator arrives, else ``None``. A line longer than
``max_length`` is dropped with :class:`~simulators.exceptions.MalformedInputError` (untrusted input
never grows a buffer without bound).
"""

from __future__ import annotations

from simulators.exceptions import MalformedInputError
from simulators.utils import ByteString, to_text

MAX_LINE = 4096


class LineBuffer:
    """Collects characters until ``terminator``; the line is returned without it."""

    def __init__(self, terminator: str = "\n", max_length: int = MAX_LINE) -> None:
        self.terminator = terminator
        self.max_length = max_length
        self.text = ""

    def feed(self, data: ByteString) -> str | None:
        text = to_text(data)
        if text == self.terminator:
            line, self.text = self.text, ""
            return line
        self.text += text
        if len(self.text) > self.max_length:
            self.text = ""
            raise MalformedInputError(f"line longer than {self.max_length} characters dropped")
        return None

    def reset(self) -> None:
        self.text = ""
