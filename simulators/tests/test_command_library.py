"""The USD command builder (client side): the spec's request vectors, argument errors, and frames that
the line accepts byte by byte."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulators.active_surface import System
from simulators.active_surface import command_library as cl
from simulators.tests.helpers import last, usd, wire


def hexes(frame: str) -> str:
    return frame.encode("latin-1").hex(" ").upper()


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda: cl.get_status(1), "FC 21 13 CF", id="status-fc"),
        pytest.param(lambda: cl.get_status(1, address_on_response=False), "FA 21 13 D1", id="status-fa"),
        pytest.param(lambda: cl.get_version(2), "FC 22 10 D1", id="version"),
        pytest.param(lambda: cl.get_driver_type(17), "FC 31 14 BE", id="driver-type"),
        pytest.param(lambda: cl.get_position(5, False), "FA 25 12 CE", id="position"),
        pytest.param(lambda: cl.set_io_pins(0x7F, 3, False), "FA 43 25 7F 1E", id="io-pins"),
        pytest.param(lambda: cl.toggle_delayed_execution("\x00", 6, False), "FA 46 29 00 96", id="delayed-char"),
        pytest.param(lambda: cl.set_absolute_position(1000, 6, False), "FA A6 30 00 00 03 E8 44", id="absolute"),
        pytest.param(lambda: cl.set_velocity(5, 1), "FC 81 35 00 00 05 48", id="velocity"),
        pytest.param(lambda: cl.set_min_frequency(19, 1), "FC 61 20 00 13 6F", id="min-frequency"),
        pytest.param(lambda: cl.soft_stop(address_on_response=False), "FA 00 01 11 F3", id="broadcast-stop"),
        pytest.param(lambda: cl.set_response_delay(255, 1), "FC 41 28 FF 9B", id="delay-255"),
        pytest.param(lambda: cl.set_working_mode(1, 1), "FC 61 2D 01 00 74", id="mode"),
        pytest.param(lambda: cl.rotate(-1), "FC 00 02 32 FF D0", id="rotate-broadcast"),
    ],
)
def test_frames_match_the_spec_bytes(build: Callable[[], str], expected: str) -> None:
    assert hexes(build()) == expected


@pytest.mark.parametrize(
    ("build", "error"),
    [
        pytest.param(lambda: cl.soft_reset(usd_index=32), IndexError, id="index-32"),
        pytest.param(lambda: cl.soft_reset(usd_index="1"), TypeError, id="index-type"),
        pytest.param(lambda: cl.set_min_frequency("20"), TypeError, id="frequency-type"),
        pytest.param(lambda: cl.set_min_frequency(40000), OverflowError, id="frequency-range"),
        pytest.param(lambda: cl.set_reference_position(2**31), ValueError, id="position-range"),
        pytest.param(lambda: cl.set_io_pins("ab"), TypeError, id="byte-two-chars"),
        pytest.param(lambda: cl.set_resolution(256), ValueError, id="byte-range"),
        pytest.param(lambda: cl.set_response_delay("\x05"), TypeError, id="delay-type"),
        pytest.param(lambda: cl.set_velocity(2**23), OverflowError, id="velocity-range"),
    ],
)
def test_bad_arguments_raise_discos_errors(build: Callable[[], str], error: type[Exception]) -> None:
    with pytest.raises(error):
        build()


def test_built_frames_are_accepted_byte_by_byte(line: System) -> None:
    assert wire(last(line, usd(hexes(cl.set_response_delay(0, 3))))) == "06"
    assert wire(last(line, usd(hexes(cl.set_reference_position(-100, 3))))) == "06"
    assert wire(last(line, usd(hexes(cl.set_absolute_position(300, 3))))) == "06"
    line.motion_step(0.0, 0.0)
    line.motion_step(1.0, 1.0)
    assert line.drivers[3].current_position == 200
    assert wire(last(line, usd(hexes(cl.get_position(3))))) == "06 FC 83 00 00 00 C8 " + "%02X" % (
        ~(0x06 + 0xFC + 0x83 + 0xC8) & 0xFF
    )
    assert last(line, usd(hexes(cl.set_velocity(0)))) is True  # broadcast: no reply
    assert line.drivers[3].velocity is None
