"""Mount simulator: the LX200 command set, byte by byte through a connection parser (fixed clock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.mount import System
from simulators.mount.astro import gmst_deg, wrap180
from simulators.mount.exceptions import LX200SyntaxError
from simulators.mount.sexagesimal import format_ra, parse_dec, parse_ra
from simulators.tests.helpers import E, feed

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mount(clock: Clock) -> Iterator[System]:
    # Sidereal time 0 h at T0 at this longitude, so that targets are easy to place above the horizon.
    system = System(latitude=-30.0, longitude=wrap180(-gmst_deg(T0)), slew_rate=10.0, acceleration=10.0, clock=clock)
    yield system
    system.system_stop()


def send(system: System, data: bytes) -> list[object]:
    """The non-True outcomes of feeding ``data`` to a fresh connection parser (replies, False, E)."""
    return [o for o in feed(system.new_parser(), data) if o is not True]


def test_ack_answers_polar_alignment(mount: System) -> None:
    assert send(mount, b"\x06") == ["P"]


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        pytest.param(b":GR#", "00:00:00#", id="ra-at-park"),
        pytest.param(b":GD#", "-30*00'00#", id="dec-at-park"),
        pytest.param(b":GA#", "+90*00'00#", id="altitude-zenith"),
        pytest.param(b":GS#", "00:00:00#", id="sidereal-time"),
        pytest.param(b":GL#", "08:00:00#", id="local-time-utc"),
        pytest.param(b":Ga#", "08:00:00#", id="local-time-12h"),
        pytest.param(b":GC#", "01/15/27#", id="date"),
        pytest.param(b":GG#", "+00#", id="utc-offset"),
        pytest.param(b":Gc#", "24#", id="time-format"),
        pytest.param(b":GM#", "pyros#", id="site-name"),
        pytest.param(b":GT#", "60.1#", id="tracking-rate"),
        pytest.param(b":Gt#", "-30*00#", id="latitude"),
        pytest.param(b":GVP#", "pyros LX200 simulator#", id="product"),
        pytest.param(b":D#", "#", id="not-slewing"),
        pytest.param(b"#:GR#", "00:00:00#", id="leading-hash"),
    ],
)
def test_getters(mount: System, command: bytes, reply: str) -> None:
    assert send(mount, command) == [reply]


def test_longitude_is_counted_westwards(clock: Clock) -> None:
    system = System(longitude=-70.5, clock=clock)
    try:
        assert send(system, b":Gg#") == ["070*30#"]
    finally:
        system.system_stop()


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        pytest.param(b":Sr12:30:00#", "1", id="ra"),
        pytest.param(b":Sr 12:30:00#", "1", id="ra-space"),
        pytest.param(b":Sr12:30.5#", "1", id="ra-low-precision"),
        pytest.param(b":Sr25:00:00#", "0", id="ra-invalid"),
        pytest.param(b":Sd-10*00:00#", "1", id="dec"),
        pytest.param(b":Sd+45\xdf30'15#", "1", id="dec-degree-sign"),
        pytest.param(b":Sd -10 00 00#", "1", id="dec-spaces"),
        pytest.param(b":Sd+95*00:00#", "0", id="dec-invalid"),
        pytest.param(b":Sdgarbage#", "0", id="dec-garbage"),
    ],
)
def test_target_setters(mount: System, command: bytes, reply: str) -> None:
    assert send(mount, command) == [reply]


def test_target_reads_back(mount: System) -> None:
    assert send(mount, b":Sr12:30:00#:Sd-10*00:00#:Gr#:Gd#") == ["1", "1", "12:30:00#", "-10*00'00#"]


def test_goto_then_distance_bars_until_done(mount: System, clock: Clock) -> None:
    assert send(mount, b":Sr01:00:00#:Sd-20*00:00#:MS#") == ["1", "1", "0"]
    clock.now += 1.0
    assert send(mount, b":D#") == ["\x7f#"]
    clock.now += 60.0
    assert send(mount, b":D#:GR#:GD#") == ["#", "01:00:00#", "-20*00'00#"]


def test_goto_below_the_horizon_is_refused_with_a_message(mount: System) -> None:
    assert send(mount, b":Sr12:00:00#:Sd+40*00:00#:MS#") == ["1", "1", "1Object Below Horizon#"]


def test_goto_while_parking_is_busy(mount: System, clock: Clock) -> None:
    send(mount, b":Sr02:00:00#:Sd-10*00:00#:MS#")
    clock.now += 60.0
    assert send(mount, b":hP#") == []
    clock.now += 0.5
    assert send(mount, b":MS#") == ["2Mount Busy Parking#"]


def test_abort_stops_the_slew(mount: System, clock: Clock) -> None:
    send(mount, b":Sr04:00:00#:Sd+00*00:00#:MS#")
    clock.now += 2.0
    assert send(mount, b":Q#") == []
    clock.now += 2.0
    replies = send(mount, b":D#:GR#")
    assert replies[0] == "#"
    assert replies[1] != "04:00:00#"


def test_park_returns_to_the_park_position(mount: System, clock: Clock) -> None:
    send(mount, b":Sr02:00:00#:Sd-10*00:00#:MS#")
    clock.now += 60.0
    send(mount, b":hP#")
    clock.now += 60.0
    assert send(mount, b":D#:GD#:GA#") == ["#", "-30*00'00#", "+90*00'00#"]
    assert mount.mount.pointing(clock.now).state.value == "parked"


def test_sync_moves_the_reported_position(mount: System) -> None:
    assert send(mount, b":Sr23:00:00#:Sd-45*00:00#:CM#:GR#:GD#") == [
        "1",
        "1",
        " Coordinates     matched.        #",
        "23:00:00#",
        "-45*00'00#",
    ]


def test_precision_toggle(mount: System) -> None:
    assert send(mount, b":U#:GR#:GD#:U#:GR#") == ["00:00.0#", "-30*00#", "00:00:00#"]


def test_site_setters(mount: System) -> None:
    assert send(mount, b":St+45*30#:Sg010*00#:Gt#:Gg#") == ["1", "1", "+45*30#", "010*00#"]
    assert mount.mount.site.longitude_deg == pytest.approx(-10.0)


def test_selectors_are_accepted_without_reply(mount: System) -> None:
    assert send(mount, b":RS#:RG#:TQ#:Qn#") == []


def test_unknown_command_raises_and_the_next_one_works(mount: System) -> None:
    parser = mount.new_parser()
    assert feed(parser, b":XY#")[-1] is E
    assert [o for o in feed(parser, b":GD#") if o is not True] == ["-30*00'00#"]


def test_unknown_command_is_a_value_error() -> None:
    assert issubclass(LX200SyntaxError, ValueError)


def test_each_connection_has_its_own_framing(mount: System) -> None:
    first, second = mount.new_parser(), mount.new_parser()
    feed(first, b":Sr01:")
    assert [o for o in feed(second, b":GR#") if o is not True] == ["00:00:00#"]
    assert feed(first, b"00:00#")[-1] == "1"


def test_round_trip_of_reported_coordinates(mount: System, clock: Clock) -> None:
    send(mount, b":Sr05:43:21#:Sd-12*34:56#:MS#")
    clock.now += 120
    ra_text, dec_text = send(mount, b":GR#:GD#")
    assert parse_ra(str(ra_text)[:-1]) == pytest.approx(parse_ra("05:43:21"))
    assert parse_dec(str(dec_text)[:-1]) == pytest.approx(parse_dec("-12*34:56"))
    assert format_ra(mount.mount.pointing(clock.now).ra_deg) == "05:43:21"


def test_commands_are_logged_and_listeners_called(mount: System, clock: Clock) -> None:
    heard: list[tuple[float, str]] = []
    mount.lx200.listeners.append(lambda at, text: heard.append((at, text)))
    send(mount, b":Sr01:00:00#:XY#:MS#")
    assert heard == [(T0, ":Sr01:00:00#"), (T0, ":XY#"), (T0, ":MS#")]
    assert list(mount.lx200.history)[-3:] == heard


def test_german_mount_type_and_unknown_type(clock: Clock) -> None:
    german = System(mount_type="german", clock=clock)
    try:
        assert german.mount.german
    finally:
        german.system_stop()
    with pytest.raises(ValueError, match="expected 'fork' or 'german'"):
        System(mount_type="alt-az", clock=clock)
