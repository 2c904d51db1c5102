"""Client side of the USD protocol: build request frames for an Active Surface line.

Each function returns one complete frame as a latin-1 ``str`` (one character per byte), ready for
``System.parse`` byte by byte or for ``.encode("latin-1")`` on a socket. ``usd_index=None`` builds a
broadcast frame (``START 00 N CMD ... CK``), an index 0..31 an addressed one (``START (L<<5)|INDEX CMD
... CK``); ``address_on_response`` picks the start byte ``FC`` (the reply carries the address) or
``FA``. Argument errors follow DISCOS's command library: ``TypeError`` for a wrong type, ``IndexError``
for an index outside 0..31, ``ValueError``/``OverflowError`` for a value that does not fit.
"""

from __future__ import annotations

from simulators.active_surface.frames import START_NO_ADDRESS, START_WITH_ADDRESS, with_checksum

MAX_INDEX = 31


def _frame(address_on_response: bool, usd_index: int | None, body: bytes) -> str:
    """``body`` = command code + parameters; adds start, length/address byte(s) and checksum."""
    start = START_WITH_ADDRESS if address_on_response else START_NO_ADDRESS
    if usd_index is None:
        head = bytes([start, 0x00, len(body)])
    else:
        if isinstance(usd_index, bool) or not isinstance(usd_index, int):
            raise TypeError("Argument usd_index must be an integer.")
        if not 0 <= usd_index <= MAX_INDEX:
            raise IndexError(f"Argument usd_index must be inside range [0:{MAX_INDEX + 1}]")
        head = bytes([start, (len(body) << 5) | usd_index])
    return with_checksum(head + body).decode("latin-1")


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Argument {name} must be an integer.")
    return value


def _signed(value: object, name: str, n_bytes: int) -> bytes:
    """Big-endian two's complement; ``OverflowError`` if it does not fit."""
    return _integer(value, name).to_bytes(n_bytes, "big", signed=True)


def _position(value: object) -> bytes:
    position = _integer(value, "position")
    if not -(2**31) <= position < 2**31:
        raise ValueError(f"Argument position must be inside range [{-(2**31)}:{2**31 - 1}].")
    return position.to_bytes(4, "big", signed=True)


def _byte(value: object, name: str) -> bytes:
    """One byte given as an integer 0..255 or a one-character string."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 255:
            raise ValueError(f"{value} out of range (0, 255).")
        return bytes([value])
    if isinstance(value, str) and len(value) == 1 and ord(value) < 256:
        return value.encode("latin-1")
    raise TypeError(f"Argument {name} must be an integer or a single character string.")


# --- commands without parameters -----------------------------------------------------------------
def soft_reset(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x01")


def soft_trigger(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x02")


def get_version(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x10")


def soft_stop(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x11")


def get_position(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x12")


def get_status(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x13")


def get_driver_type(usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x14")


# --- setters -------------------------------------------------------------------------------------
def set_min_frequency(frequency: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x20" + _signed(frequency, "frequency", 2))


def set_max_frequency(frequency: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x21" + _signed(frequency, "frequency", 2))


def set_slope_multiplier(multiplier: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x22" + _signed(multiplier, "multiplier", 1))


def set_reference_position(position: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x23" + _position(position))


def set_io_pins(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x25" + _byte(byte_value, "byte_value"))


def set_resolution(resolution: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x26" + _byte(resolution, "resolution"))


def reduce_current(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x27" + _byte(byte_value, "byte_value"))


def set_response_delay(delay: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x28" + _byte(_integer(delay, "delay"), "delay"))


def toggle_delayed_execution(
    byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True
) -> str:
    return _frame(address_on_response, usd_index, b"\x29" + _byte(byte_value, "byte_value"))


def set_stop_io(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x2a" + _byte(byte_value, "byte_value"))


def set_positioning_io(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x2b" + _byte(byte_value, "byte_value"))


def set_home_io(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x2c" + _byte(byte_value, "byte_value"))


def set_working_mode(byte_value: int | str, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x2d" + _byte(byte_value, "byte_value") + b"\x00")


# --- motion --------------------------------------------------------------------------------------
def set_absolute_position(position: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x30" + _position(position))


def set_relative_position(position: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x31" + _position(position))


def rotate(direction: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x32" + _signed(direction, "direction", 1))


def set_velocity(velocity: int, usd_index: int | None = None, address_on_response: bool = True) -> str:
    return _frame(address_on_response, usd_index, b"\x35" + _signed(velocity, "velocity", 3))
