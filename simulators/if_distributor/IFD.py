"""The SRT LP-band IF distributor: 21 boards behind one-letter text commands.

A message is a command letter, space-separated numbers (a number with ``.`` is a float) and ``\\n`` or
``\\r``; at most 15 characters (``S 0 100 2300 1\\n``). The first number is the board (0..20):

* ``? B`` -> ``ack\\n`` then the board's 12 status fields joined with ``, `` and ``\\n``:
  address, address, board type, reference frequency, LO frequency, four attenuations (half dB),
  status register, LO-off flag, LO-on flag;
* ``B B BW`` sets the filter (0 narrow .. 3 none) of a type 0/1 board (status register bits 4-3);
* ``S B 10 FREQ EN`` sets the LO of a type 2 board (reference must be 10; EN 0/1);
* ``A B CH DB`` sets the attenuation of channel CH (0..3) of a type 5 board, 0..31.5 dB;
* ``I B CONV`` sets the input conversion (0/1) of a type 1 board (status register bits 2-1).

``ack\\n`` when done; ``nak\\n`` for an unknown command letter in a well-formed message, a board of the
wrong type or an attenuation out of range. Malformed messages (too short, too long, wrong argument
count or format) raise ValueError and a board or channel out of range raises IndexError, as in
DISCOS: the server logs them and answers nothing.
"""

from __future__ import annotations

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError, OutOfRangeError
from simulators.utils import ByteString, to_text

TERMINATORS = ("\n", "\r")
MAX_MESSAGE = 15
REF_FREQ = 10
LO_FREQ = 2300
MAX_ATTENUATION = 31.5
ACK, NAK = "ack\n", "nak\n"
BOARD_TYPES = [2, 0, 1, 3, 4] + [5] * 16
"""Board type of each slot (0..20)."""
ADDRESS, TYPE, REF, LO, ATT, REGISTER, LO_OFF, LO_ON = 0, 2, 3, 4, 5, 9, 10, 11


def initial_status(address: int, board_type: int) -> list[int]:
    """The 12 status fields of a board at power-on."""
    status = [address, address, board_type, REF_FREQ, 0, 255, 255, 255, 255, 0, 1, 0]
    if board_type in (0, 1):
        status[REF] = status[LO] = 65535
        status[LO_OFF] = status[LO_ON] = -1
    if board_type == 1:
        status[REGISTER] = 0b00000010
    if board_type >= 2:
        status[LO], status[LO_OFF] = LO_FREQ, 1
    if board_type == 5:
        status[ATT : ATT + 4] = [63] * 4
    return status


def with_bits(register: int, value: int, low_bit: int, width: int) -> int:
    """``register`` with ``width`` bits from ``low_bit`` replaced by ``value``."""
    mask = ((1 << width) - 1) << low_bit
    return (register & ~mask & 0xFF) | ((value << low_bit) & mask)


def _number(word: str) -> int | float:
    return float(word) if "." in word else int(word)


class System(ListeningSystem):
    """The boards' status, shared by every client."""

    commands = {"?": "get_status", "B": "set_bandwidth", "S": "set_lo", "A": "set_att", "I": "set_input"}

    def __init__(self) -> None:
        self.boards = {slot: initial_status(slot, kind) for slot, kind in enumerate(BOARD_TYPES)}
        self.msg = ""

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        self.msg += ch
        if len(self.msg) == 1:
            if ch in self.commands:
                return True
            self.msg = ""
            return False
        if ch not in TERMINATORS:
            if len(self.msg) < MAX_MESSAGE:
                return True
            self.msg = ""
            raise MalformedInputError(f"Message too long: max length should be {MAX_MESSAGE}")
        message, self.msg = self.msg[:-1], ""
        return self.execute(message)

    def execute(self, message: str) -> str:
        if len(message) < 3:
            raise MalformedInputError("Message too short.")
        words = [w.strip() for w in message.split(" ")]
        if len(words) < 2:
            raise MalformedInputError("Too few arguments.")
        name = self.commands.get(words[0])
        if name is None:
            return NAK
        try:
            params = [_number(w) for w in words[1:]]
        except ValueError:
            raise MalformedInputError("Wrong argument format. Use only integers or floating point numbers.") from None
        if params[0] not in range(len(self.boards)):
            raise OutOfRangeError(f"Please, specify a board slot in range [0:{len(self.boards)}].")
        handler = getattr(self, name)
        return handler(self.boards[int(params[0])], params[1:])  # type: ignore[no-any-return]

    @staticmethod
    def _count(command: str, params: list[int | float], count: int) -> None:
        if len(params) != count:
            raise MalformedInputError(f"Wrong number of arguments for command `{command}`.")

    def get_status(self, board: list[int], params: list[int | float]) -> str:
        self._count("?", params, 0)
        return ACK + ", ".join(str(field) for field in board) + "\n"

    def set_bandwidth(self, board: list[int], params: list[int | float]) -> str:
        self._count("B", params, 1)
        if params[0] not in range(4):
            raise MalformedInputError("Wrong bandwidth for command `B`. Please, use [0:3].")
        if board[TYPE] not in (0, 1):
            return NAK
        board[REGISTER] = with_bits(board[REGISTER], int(params[0]), 3, 2)
        return ACK

    def set_lo(self, board: list[int], params: list[int | float]) -> str:
        self._count("S", params, 3)
        reference, frequency, enable = params
        if reference != REF_FREQ:
            raise MalformedInputError(f"Wrong reference frequency. Please, use {REF_FREQ}.")
        if enable not in (0, 1):
            raise MalformedInputError("Wrong enable parameter for command `S`. Please, use 0 or 1.")
        if board[TYPE] != 2:
            return NAK
        board[REF], board[LO] = reference, frequency  # type: ignore[assignment]  # a float shows as sent
        board[REGISTER] = with_bits(board[REGISTER], int(enable), 3, 1)
        board[LO_OFF], board[LO_ON] = int(enable) ^ 1, int(enable)
        return ACK

    def set_att(self, board: list[int], params: list[int | float]) -> str:
        self._count("A", params, 2)
        channel, attenuation = params
        if channel not in range(4):
            raise OutOfRangeError("Wrong channel number for command `A`. Please, use [0:3].")
        if not 0 <= attenuation <= MAX_ATTENUATION or board[TYPE] != 5:
            return NAK
        board[ATT + int(channel)] = int(attenuation * 2)
        return ACK

    def set_input(self, board: list[int], params: list[int | float]) -> str:
        self._count("I", params, 1)
        if params[0] not in (0, 1):
            raise MalformedInputError("Wrong parameter for command `I`. Please, use 0 or 1.")
        if board[TYPE] != 1:
            return NAK
        board[REGISTER] = with_bits(board[REGISTER], int(params[0]) + 1, 1, 2)
        return ACK
