"""Constants of the SRT receiver boards' binary protocol (the names DISCOS's ``DEFINITIONS`` module has).

Every value is a one-character latin-1 ``str`` (one byte), as ``parse()`` receives and returns them.
A request is ``SOH slave master command id`` followed, for a command that takes parameters, by a
length byte and that many parameter bytes; an *extended* command (``A``..``O``) also ends with an XOR
checksum of everything before it and ``ETX``, an *abbreviated* one (``a``..``o``) has neither. The
answer starts ``STX master slave command id`` and the answer code; extended answers end with the XOR
checksum and ``EOT``.
"""

from __future__ import annotations

CMD_SOH, CMD_STX, CMD_ETX, CMD_EOT = "\x01", "\x02", "\x03", "\x04"

# answer codes
CMD_ACK = "\x00"
CMD_ERR_CMD = "\x01"
CMD_ERR_CHKS = "\x02"
CMD_ERR_FORM = "\x03"
CMD_ERR_DATA = "\x04"
CMD_ERR_TOUT = "\x05"
CMD_ERR_ADDR = "\x06"
CMD_ERR_TIME = "\x07"
CMD_ERR_FRAME_SIZE = "\x08"
CMD_ERR_DATA_TYPE = "\x09"
CMD_ERR_PORT_TYPE = "\x0a"
CMD_ERR_PORT_NUMBER = "\x0b"
CMD_ERR_DATA_SIZE = "\x0c"

# the fifteen commands, in protocol order; extended = 0x41 + n, abbreviated = 0x61 + n
_COMMANDS = (
    "INQUIRY", "RESET", "VERSION", "SAVE", "RESTORE", "GET_ADDR", "SET_ADDR", "GET_TIME", "SET_TIME",
    "GET_FRAME", "SET_FRAME", "GET_PORT", "SET_PORT", "GET_DATA", "SET_DATA",
)  # fmt: skip
_WITH_PARAMS = {"SET_ADDR", "SET_TIME", "SET_FRAME", "GET_PORT", "SET_PORT", "GET_DATA", "SET_DATA"}

CMD_EXT_INQUIRY = "A"
CMD_EXT_RESET = "B"
CMD_EXT_VERSION = "C"
CMD_EXT_SAVE = "D"
CMD_EXT_RESTORE = "E"
CMD_EXT_GET_ADDR = "F"
CMD_EXT_SET_ADDR = "G"
CMD_EXT_GET_TIME = "H"
CMD_EXT_SET_TIME = "I"
CMD_EXT_GET_FRAME = "J"
CMD_EXT_SET_FRAME = "K"
CMD_EXT_GET_PORT = "L"
CMD_EXT_SET_PORT = "M"
CMD_EXT_GET_DATA = "N"
CMD_EXT_SET_DATA = "O"
CMD_ABBR_INQUIRY = "a"
CMD_ABBR_RESET = "b"
CMD_ABBR_VERSION = "c"
CMD_ABBR_SAVE = "d"
CMD_ABBR_RESTORE = "e"
CMD_ABBR_GET_ADDR = "f"
CMD_ABBR_SET_ADDR = "g"
CMD_ABBR_GET_TIME = "h"
CMD_ABBR_SET_TIME = "i"
CMD_ABBR_GET_FRAME = "j"
CMD_ABBR_SET_FRAME = "k"
CMD_ABBR_GET_PORT = "l"
CMD_ABBR_SET_PORT = "m"
CMD_ABBR_GET_DATA = "n"
CMD_ABBR_SET_DATA = "o"

COMMAND_NAMES: dict[str, str] = {}
for _n, _name in enumerate(_COMMANDS):
    COMMAND_NAMES[chr(0x41 + _n)] = _name
    COMMAND_NAMES[chr(0x61 + _n)] = _name
    globals()[f"CMD_{_name}"] = [chr(0x41 + _n), chr(0x61 + _n)]  # CMD_INQUIRY = ["A", "a"] ...

CMD_EXT_NO_PARAMS = [chr(0x41 + n) for n, name in enumerate(_COMMANDS) if name not in _WITH_PARAMS]
CMD_EXT_WITH_PARAMS = [chr(0x41 + n) for n, name in enumerate(_COMMANDS) if name in _WITH_PARAMS]
CMD_ABBR_NO_PARAMS = [chr(0x61 + n) for n, name in enumerate(_COMMANDS) if name not in _WITH_PARAMS]
CMD_ABBR_WITH_PARAMS = [chr(0x61 + n) for n, name in enumerate(_COMMANDS) if name in _WITH_PARAMS]
CMD_EXT = CMD_EXT_NO_PARAMS + CMD_EXT_WITH_PARAMS
CMD_ABBR = CMD_ABBR_NO_PARAMS + CMD_ABBR_WITH_PARAMS
ACCEPTED_COMMANDS = CMD_EXT + CMD_ABBR

SLAVE_ADDR_BROADCAST_NO_ANSWER = "\x00"
SLAVE_ADDR_BROADCAST_WITH_ANSWER = "\x7f"
SLAVE_ADDR_BROADCAST = [SLAVE_ADDR_BROADCAST_NO_ANSWER, SLAVE_ADDR_BROADCAST_WITH_ANSWER]
SLAVE_ADDR_ACCEPTED = [chr(a) for a in range(0x01, 0x7F)]
SLAVE_ADDRESSES = SLAVE_ADDR_ACCEPTED + SLAVE_ADDR_BROADCAST
MASTER_ADDRESSES = [chr(a) for a in range(0x01, 0x7F)]
PROGRESSIVE_IDS = [chr(a) for a in range(0x00, 0x80)]
FRAME_SIZE_ACCEPTED = [chr(a) for a in range(0x01, 0x7F)]

# positions inside a request
SLAVE_IDX, MASTER_IDX, CMD_IDX, ID_IDX, PAR_LEN_IDX, PAR_LIST_IDX, CHECKSUM_IDX = 1, 2, 3, 4, 5, 6, -2
AD24_LEN = 8
VERSION = "\x00" * 8  # the boards' firmware version: none, as DISCOS

# data types: 0x00..0x1A, their 7-bit twins 0x20..0x39, and TIME 0x40
_TYPES = (
    "STRING", "CHAR", "STRUCT", "B01", "B08", "B16", "B32", "B64", "U08", "S08", "H08", "O08", "U16", "S16",
    "H16", "O16", "U32", "S32", "H32", "O32", "U64", "S64", "H64", "O64", "F32", "F64", "PTR",
)  # fmt: skip
DATA_TYPES: list[str] = []
for _n, _name in enumerate(_TYPES):
    globals()[f"DATA_TYPE_{_name}"] = chr(_n)
    DATA_TYPES.append(chr(_n))
for _n, _name in enumerate(_TYPES[:-1]):
    globals()[f"DATA_TYPE_7{_name}"] = chr(0x20 + _n)
    DATA_TYPES.append(chr(0x20 + _n))
DATA_TYPE_TIME = "\x40"
DATA_TYPES.append(DATA_TYPE_TIME)
DATA_TYPE_B01 = "\x03"
DATA_TYPE_U08 = "\x08"
DATA_TYPE_F32 = "\x18"

PORT_TYPE_ALL = "\x00"
PORT_TYPE_SCI = "\x01"
PORT_TYPE_SPI = "\x02"
PORT_TYPE_IIC = "\x03"
PORT_TYPE_DIO = "\x04"
PORT_TYPE_AD = "\x05"
PORT_TYPE_DA = "\x06"
PORT_TYPE_CAN = "\x07"
PORT_TYPE_AD24 = "\x08"
PORT_TYPE_USER = "\x40"
PORT_TYPE_TEMP = "\x7a"
PORT_TYPE_PLD = "\x7b"
PORT_TYPE_EEP = "\x7c"
PORT_TYPE_RAM = "\x7d"
PORT_TYPE_ROM = "\x7e"
PORT_TYPE_CLK = "\x7f"
PORT_TYPES = [chr(t) for t in (*range(0x00, 0x09), 0x40, *range(0x7A, 0x80))]

# port numbers: single ports 0..95 (0x00..0x5F), then groups of 8, 16, 32 and all 96 (0x60..0x75)
PORT_NUMBERS: list[str] = []
for _n in range(96):
    globals()[f"PORT_NUMBER_{_n:02d}"] = chr(_n)
    PORT_NUMBERS.append(chr(_n))
_code = 0x60
for _width in (8, 16, 32, 96):
    for _first in range(0, 96, _width):
        globals()[f"PORT_NUMBER_{_first:02d}_{_first + _width - 1:02d}"] = chr(_code)
        PORT_NUMBERS.append(chr(_code))
        _code += 1
PORT_NUMBER_00 = "\x00"
PORT_NUMBER_00_07 = "\x60"
