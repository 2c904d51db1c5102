"""Active Surface line: the spec's example vectors byte by byte, frame processing order, replies,
broadcast, response delay, quirks Q5, Q9, Q12, Q15 and random input (spec §3-§4)."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators import active_surface
from simulators.active_surface import System
from simulators.active_surface.commands import COMMANDS
from simulators.server import ThreadingTCPServer
from simulators.tests.helpers import E, ManualClock, broadcast, feed, frame, last, usd, wire

VECTORS = [
    pytest.param(["FC 21 13 CF"], ["06 FC 61 00 20 11 6B"], id="1-status-fc"),
    pytest.param(["FA 21 13 D1"], ["06 FA 00 20 11 CE"], id="2-status-fa"),
    pytest.param(["FC 22 10 D1"], ["06 FC 22 13 C8"], id="3-version-fc"),
    pytest.param(["FA 22 10 D3"], ["06 FA 13 EC"], id="4-version-fa"),
    pytest.param(["FC 31 14 BE"], ["06 FC 31 21 AB"], id="5-driver-type-17"),
    pytest.param(["FA 25 12 CE"], ["06 FA 00 00 00 00 FF"], id="6-position"),
    pytest.param(["FA 43 25 7F 1E", "FC 23 13 CD"], ["06", "06 FC 63 00 77 11 12"], id="7-io-pins"),
    pytest.param(
        ["FA 46 29 00 96", "FA A6 30 00 00 03 E8 44", "FA 26 13 CC"], ["06", "06", "06 FA 00 20 71 6E"], id="8-delayed"
    ),
    pytest.param(["FC 81 35 00 00 05 48"], ["15"], id="9-velocity-5"),
    pytest.param(["FC 61 20 00 13 6F"], ["15"], id="10-min-freq-19"),
    pytest.param(["FC 41 10 00 B2"], ["15"], id="11-version-with-param"),
    pytest.param(["FA 00 01 11 F3"], [True], id="12-broadcast-stop"),
    pytest.param(["FC 41 28 FF 9B", "FC 21 10 D2"], [True, True], id="13-delay-255"),
    pytest.param(["FC 21 13 CE"], [E], id="14-bad-checksum"),
    pytest.param(["FA 21 24 C0"], [E], id="14-unknown-0x24"),
    pytest.param(["FC 32 13 BE"], [E], id="15-index-18"),
]


@pytest.mark.parametrize(("requests", "replies"), VECTORS)
def test_example_vectors_byte_by_byte(line: System, requests: list[str], replies: list[object]) -> None:
    for request, reply in zip(requests, replies, strict=True):
        assert wire(last(line, usd(request))) == reply


@pytest.mark.parametrize(
    ("data", "error_at"),
    [pytest.param("FA 05", 1, id="zero-length"), pytest.param("FA 00 08", 2, id="broadcast-count-8")],
)
def test_length_errors_happen_on_the_offending_byte(line: System, data: str, error_at: int) -> None:
    outcomes = feed(line, usd(data))
    assert outcomes == [True] * error_at + [E]


def test_q9_an_index_not_on_the_line_raises_key_error_and_leaves_the_parser_idle(line: System) -> None:
    feed(line, usd("FC 32 13"))
    with pytest.raises(KeyError) as caught:
        line.parse("\xbe")
    assert isinstance(caught.value, ValueError)  # the server treats it like any rejected frame
    assert wire(last(line, usd("FC 21 13 CF"))) == "06 FC 61 00 20 11 6B"
    for index in (0, 18, 31):
        assert feed(line, frame(index, 0x11))[-1] == E


def test_checksum_is_checked_before_the_command_and_the_command_before_the_index(line: System) -> None:
    bad_checksum = bytearray(frame(20, 0x24))
    bad_checksum[-1] ^= 0xFF
    with pytest.raises(ValueError, match="Checksum error"):
        feed_raising(line, bytes(bad_checksum))
    with pytest.raises(ValueError, match="Unknown command: 0x24"):
        feed_raising(line, frame(20, 0x24))
    with pytest.raises(KeyError):
        feed_raising(line, frame(20, 0x11))


def feed_raising(line: System, data: bytes) -> object:
    result: object = None
    for value in data:
        result = line.parse(chr(value))
    return result


@pytest.mark.parametrize("code", range(256))
def test_unknown_command_codes_raise_value_error_even_in_broadcast(line: System, code: int) -> None:
    line.drivers[1].delay_multiplier = 0
    addressed = feed(line, frame(1, code))[-1]
    broadcasted = feed(line, broadcast(code))[-1]
    if code in COMMANDS:
        assert addressed != E and broadcasted is True
    else:
        assert addressed == E and broadcasted == E


def test_the_command_table_is_the_specified_one() -> None:
    known = {0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x28, 0x29}
    known |= {0x2A, 0x2B, 0x2C, 0x2D, 0x30, 0x31, 0x32, 0x35}
    assert set(COMMANDS) == known


@pytest.mark.parametrize("command", sorted(COMMANDS.values(), key=lambda c: c.code), ids=lambda c: f"{c.code:02x}")
def test_a_wrong_parameter_count_is_nak_addressed_and_nothing_in_broadcast(line: System, command: object) -> None:
    code, n_params = command.code, command.n_params  # type: ignore[attr-defined]
    before = line.drivers[2].status_bytes(), line.drivers[2].position_bytes()
    wrong = bytes(n_params + 1) if n_params < 6 else bytes(n_params - 1)
    assert wire(last(line, frame(2, code, wrong))) == "15"
    assert last(line, broadcast(code, wrong)) is True
    assert (line.drivers[2].status_bytes(), line.drivers[2].position_bytes()) == before


def test_broadcast_applies_to_every_driver_and_never_replies(line: System) -> None:
    assert last(line, broadcast(0x25, b"\x7f")) is True
    assert {d.status_bytes() for d in line.drivers.values()} == {bytes([0x00, 0x77, 0x11])}
    assert last(line, broadcast(0x13)) is True  # a broadcast query does nothing


def test_broadcast_skips_drivers_that_reject(line: System) -> None:
    line.drivers[3].max_frequency = 100
    assert last(line, broadcast(0x20, (200).to_bytes(2, "big"))) is True
    assert line.drivers[3].min_frequency == 20
    assert {d.min_frequency for i, d in line.drivers.items() if i != 3} == {200}


def test_q5_broadcast_slope_delayer_reaches_only_the_first_driver(line: System) -> None:
    last(line, broadcast(0x22, b"\x04"))
    assert line.drivers[1].slope_delayer == 5
    assert {line.drivers[i].slope_delayer for i in range(2, 18)} == {1}


def test_position_reply_is_signed_big_endian(line: System) -> None:
    line.drivers[4].position = -2
    assert wire(last(line, frame(4, 0x12, start=0xFC))) == "06 FC 84 FF FF FF FE 7E"


class RecordingEvent(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(timeout)


def test_the_reply_waits_the_response_delay(line: System) -> None:
    line._stopped = recorder = RecordingEvent()
    request = frame(1, 0x13)
    feed(line, request[:-1])
    started = time.monotonic()
    line.parse(chr(request[-1]))
    assert time.monotonic() - started >= 5 * 0.000512  # quirk Q10: 512 us per unit
    assert len(recorder.waits) == 1 and 0 < recorder.waits[0] <= 5 * 0.000512  # type: ignore[operator]
    last(line, frame(1, 0x28, b"\x00"))
    recorder.waits.clear()
    assert wire(last(line, request)) == wire(with_ck("06 FA 00 20 11"))
    assert recorder.waits == []  # multiplier 0: no wait at all


def test_soft_reset_answers_even_after_delay_255_and_takes_the_reset_delay() -> None:
    slow = System(min_usd_index=1, max_usd_index=17, driver_reset_delay=0.01, clock=ManualClock())
    try:
        assert last(slow, frame(1, 0x28, b"\xff")) is True
        assert wire(last(slow, frame(1, 0x01))) == "06"
        started = time.monotonic()
        assert last(slow, broadcast(0x01)) is True
        assert time.monotonic() - started >= 17 * 0.01  # sequential, one driver after the other
    finally:
        slow.system_stop()


def test_moves_through_frames_and_the_motion_loop(line: System) -> None:
    assert wire(last(line, frame(7, 0x30, (1000).to_bytes(4, "big")))) == "06"
    assert wire(last(line, frame(7, 0x13))) == wire(with_ck("06 FA 00 20 11"))  # not running until a pass
    line.motion_step(1.0, 0.01)
    assert wire(last(line, frame(7, 0x12))) == wire(with_ck("06 FA 00 00 03 E8"))
    assert wire(last(line, frame(7, 0x32, b"\x01"))) == "06"
    line.motion_step(1.01, 0.01)
    assert last(line, frame(7, 0x13)).encode("latin-1")[4] == 0x91  # running, full current, 1/2 step
    assert wire(last(line, frame(7, 0x30, bytes(4)))) == "15"  # running: immediate moves refused


def with_ck(text: str) -> str:
    data = usd(text)
    return (data + bytes([~sum(data) & 0xFF])).decode("latin-1")


def test_delayed_trigger_and_the_q2_fix_through_frames(line: System) -> None:
    last(line, frame(9, 0x29, b"\x00"))
    last(line, frame(9, 0x30, (50).to_bytes(4, "big")))
    last(line, frame(9, 0x29, b"\x00"))  # empties the queue, ready stays set (Q2)
    assert wire(last(line, frame(9, 0x02))) == "15"  # the reference hangs here
    assert wire(last(line, frame(9, 0x02))) == "06"


def test_q15_fixed_each_connection_parses_its_own_frames_on_shared_drivers(line: System) -> None:
    first, second = line.new_parser(), line.new_parser()
    one, two = frame(1, 0x25, b"\x7f"), frame(2, 0x13)
    results: list[object] = []
    for a, b in zip(one, two + b"\x00", strict=False):  # interleaved byte by byte
        results.append(first.parse(chr(a)))
        results.append(second.parse(chr(b)))
    assert wire(results[-2]) == "06"
    assert wire(results[-3]) == wire(with_ck("06 FA 00 20 11"))
    assert wire(last(second, frame(1, 0x13))) == wire(with_ck("06 FA 00 77 11"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"min_usd_index": -1}, "Choose a minimum USD index between 0 and 31!", id="min-low"),
        pytest.param({"min_usd_index": 32}, "Choose a minimum USD index between 0 and 31!", id="min-high"),
        pytest.param({"max_usd_index": 32}, "Choose a maximum USD index between 0 and 31!", id="max-high"),
        pytest.param({"min_usd_index": 5, "max_usd_index": 4}, "max_usd_index cannot be lower", id="max-lt-min"),
    ],
)
def test_constructor_bounds(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        System(clock=ManualClock(), **kwargs)


def test_default_line_has_drivers_0_to_31_and_the_module_declares_96_lines() -> None:
    system = System(clock=ManualClock())
    assert sorted(system.drivers) == list(range(32))
    system.system_stop()
    assert len(active_surface.servers) == 96
    assert active_surface.servers[0] == (
        ("127.0.0.1", 11000),
        (),
        ThreadingTCPServer,
        {"min_usd_index": 1, "max_usd_index": 17},
    )
    assert active_surface.servers[95][0] == ("127.0.0.1", 11095)


class WatchedLine(System):
    """A line that says when its first driver has moved."""

    def __init__(self) -> None:
        super().__init__(min_usd_index=1, max_usd_index=1)
        self.moved = threading.Event()

    def motion_step(self, now: float, elapsed: float) -> None:
        super().motion_step(now, elapsed)
        if self.drivers[1].position:
            self.moved.set()


def test_the_line_moves_by_itself_on_the_process_motion_clock() -> None:
    system = WatchedLine()
    try:
        system.drivers[1].delay_multiplier = 0
        last(system, frame(1, 0x35, (10000).to_bytes(3, "big")))
        assert system.moved.wait(5.0), "the motion loop did not move the driver within 5 s"
    finally:
        system.system_stop()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_value_error_and_keep_at_most_a_frame(line: System, data: bytes) -> None:
    for driver in line.drivers.values():
        driver.delay_multiplier = 0
    for value in data:
        try:
            result = line.parse(chr(value))
        except ValueError:
            result = None
        assert result is None or result is True or result is False or isinstance(result, str)
        assert len(line._parser.frames.buffer) <= 11
