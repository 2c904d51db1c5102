"""The 96-channel IF distributor design: ``#``-framed text commands ending in ``\\n`` (at most 12 bytes).

* ``#ATT CH VAL\\n`` sets the attenuation of channel CH (0..95) to VAL steps of 0.25 dB (0..126);
  ``#SWT CH 0|1\\n`` sets the (single, shared) switch. No reply.
* ``#ATT CH?\\n`` -> ``#<dB>\\n`` (31.75 at start, Python float text); ``#SWT CH?\\n`` -> ``#0\\n``/``#1\\n``.
* ``#*IDN?\\n`` -> ``SRT IF Distributor Simulator 1.0`` (no newline, as DISCOS); ``#*RST\\n`` resets.
* Anything else without a space -> ``#COMMAND UNKNOWN\\n``.

Malformed set/get requests raise ValueError with DISCOS's texts (the server logs them, no reply).
"""

from __future__ import annotations

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.utils import ByteString, to_text

HEADER, TAIL = "#", "\n"
MAX_MESSAGE = 12
CHANNELS = 96
ATT_STEP = 0.25
MAX_ATT = 31.75
VERSION = "SRT IF Distributor Simulator 1.0"
ALLOWED = ["ATT", "SWT"]


class System(ListeningSystem):
    """Per-channel attenuations and the switch, shared by every client."""

    header, tail, max_msg_length, version = HEADER, TAIL, MAX_MESSAGE, VERSION
    max_channels, max_att, att_step = CHANNELS, MAX_ATT, ATT_STEP
    max_att_multiplier = MAX_ATT / ATT_STEP

    def __init__(self) -> None:
        self.msg = ""
        self.reset()

    def reset(self) -> None:
        self.channels: list[float] = [self.max_att_multiplier] * CHANNELS
        self.switched = False

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        self.msg += ch
        if len(self.msg) == 1:
            if ch == HEADER:
                return True
            self.msg = ""
            return False
        if ch != TAIL:
            if len(self.msg) < MAX_MESSAGE:
                return True
            self.msg = ""
            raise MalformedInputError(f"Message too long: max length should be {MAX_MESSAGE}.")
        message, self.msg = self.msg[1:-1], ""
        return self.execute(message)

    def execute(self, message: str) -> bool | str:
        if " " in message and "?" not in message:
            self.setup(message)
            return True
        if " " in message:
            return self.get(message.rstrip("?"))
        if message == "*IDN?":
            return VERSION
        if message == "*RST":
            self.reset()
            return True
        return "#COMMAND UNKNOWN\n"

    @staticmethod
    def _integer(text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise MalformedInputError(f"The {what} must be an integer.") from None

    def _channel(self, text: str) -> int:
        channel = self._integer(text, "channel ID")
        if not 0 <= channel < CHANNELS:
            raise MalformedInputError(f"Channel {channel} does not exist.")
        return channel

    def setup(self, message: str) -> None:
        words = message.split()
        if len(words) != 3:
            raise MalformedInputError("The setup message must have three items: command, channel, and value.")
        command, channel_text, value_text = words
        if command not in ALLOWED:
            raise MalformedInputError(f"Command {command} not in {ALLOWED}")
        channel = self._channel(channel_text)
        value = self._integer(value_text, "command value")
        if command == "ATT":
            if not 0 <= value < self.max_att_multiplier:
                raise MalformedInputError(f"Value {value} not allowed")
            self.channels[channel] = value
        elif value in (0, 1):
            self.switched = value == 1
        else:
            raise MalformedInputError("SWT command accepts only values 00 or 01")

    def get(self, message: str) -> str:
        words = message.split()
        if len(words) != 2:
            raise MalformedInputError("The get message must have two items: command and channel.")
        command, channel_text = words
        channel = self._channel(channel_text)
        if command == "ATT":
            return f"#{self.channels[channel] * ATT_STEP}\n"
        if command == "SWT":
            return f"#{1 if self.switched else 0}\n"
        raise MalformedInputError(f"Command {command} not in {ALLOWED}")
