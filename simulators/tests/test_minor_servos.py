"""The minor servos: framing byte by byte, commands and their errors, motion in time, program track,
the setup table, over TCP and the HTTP interface."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from common.testing import free_port
from simulators import minor_servos
from simulators.catalog import describe, select
from simulators.exceptions import MalformedInputError
from simulators.minor_servos import System
from simulators.minor_servos.helpers import VBrainRequestHandler
from simulators.minor_servos.servos import PROGRAMTRACK, hermite
from simulators.minor_servos.setups import builtin_table, read_table
from simulators.server import Server
from simulators.tests.helpers import recv_until
from simulators.tests.serving import last_outcome, served, text_feed

GOOD = r"^OUTPUT:GOOD,\d+\.\d{6}"


@pytest.fixture
def system() -> Iterator[System]:
    plc = System(rest_api=False, timer_value=0.05)
    yield plc
    plc.system_stop()


def ask(system: System, command: str) -> str:
    answer = last_outcome(system, command + "\r\n")
    assert isinstance(answer, str) and answer.endswith("\r\n"), answer
    return answer[:-2]


def test_status_byte_by_byte(system: System) -> None:
    outcomes = text_feed(system, "STATUS\r\n")
    assert outcomes[:-1] == [True] * 7
    assert re.match(
        GOOD + r",CURRENT_CONFIG=0\|SIMULATION_ENABLED=1\|PLC_TIME=\d+\.\d{6}\|PLC_VERSION=1\|CONTROL=1\|"
        r"POWER=1\|EMERGENCY=2\|GREGORIAN_CAP=1\|LAST_EXECUTED_COMMAND=0\r\n$",
        outcomes[-1],
    )


def test_servo_status_fields(system: System) -> None:
    fields = ask(system, "STATUS=SRP").split(",", 2)[2].split("|")
    names = [f.split("=")[0] for f in fields]
    assert names[:4] == ["SRP_ENABLED", "SRP_STATUS", "SRP_BLOCK", "SRP_OPERATIVE_MODE"]
    assert names[-6:] == [f"SRP_OFFSET_{a}" for a in ("TX", "TY", "TZ", "RX", "RY", "RZ")]
    assert len(names) == 4 + 6 + 6 + 6 + 6
    assert ask(system, "STATUS=DR_PFP").endswith("DR_PFP_ROTATION=0.000000|DR_PFP_OFFSET=0.000000")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        pytest.param("HELLO", "OUTPUT:BAD_COMMAND_NAME", id="unknown-command"),
        pytest.param("STATUS=PFP,SRP", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="status-two-servos"),
        pytest.param("STATUS=XYZ", "OUTPUT:BAD", id="status-unknown-servo"),
        pytest.param("SETUP", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="setup-no-configuration"),
        pytest.param("SETUP=KBand", "OUTPUT:BAD", id="setup-unknown"),
        pytest.param("STOW=PFP", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="stow-no-position"),
        pytest.param("STOW=PFP,one", "OUTPUT:BAD_ARGUMENTS_TYPE", id="stow-position-type"),
        pytest.param("STOW=GREGORIAN_CAP,5", "OUTPUT:BAD", id="cap-position"),
        pytest.param("STOP", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="stop-no-servo"),
        pytest.param("PRESET=PFP,1,2", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="preset-dof"),
        pytest.param("PRESET=PFP,1,2,x", "OUTPUT:BAD_ARGUMENTS_TYPE", id="preset-type"),
        pytest.param("PRESET=M3R,166", "OUTPUT:BAD", id="preset-out-of-range"),
        pytest.param("OFFSET=GFR", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="offset-no-value"),
        pytest.param("PROGRAMTRACK", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="track-no-args"),
        pytest.param("PROGRAMTRACK=M3R,0,0,*,1", "OUTPUT:BAD", id="track-not-capable"),
        pytest.param("PROGRAMTRACK=DR_PFP,0,0,*,1", "OUTPUT:BAD", id="track-append-no-trajectory"),
        pytest.param("PROGRAMTRACK=DR_PFP,0,0,1.0,1", "OUTPUT:BAD", id="track-past-start"),
        pytest.param("PROGRAMTRACK=DR_PFP,0,0,soon,1", "OUTPUT:BAD_ARGUMENTS_TYPE", id="track-start-type"),
        pytest.param("PROGRAMTRACK=DR_PFP,0,0,1.0", "OUTPUT:BAD_ARGUMENTS_NUMBER", id="track-dof"),
    ],
)
def test_errors(system: System, command: str, answer: str) -> None:
    assert ask(system, command) == answer


def test_preset_moves_at_the_axis_rate_then_switches_mode(system: System) -> None:
    m3r = system.servos["M3R"]
    assert re.match(GOOD + "$", ask(system, "PRESET=M3R,3.14"))
    start = m3r.last_status_read
    m3r.advance(start + 0.5)
    assert m3r._coords == [pytest.approx(1.57)] and m3r._mode == 0
    m3r.advance(start + 1.5)
    assert m3r._coords == [3.14] and m3r._mode == 40
    assert ask(system, "OFFSET=M3R,1").startswith("OUTPUT:GOOD")
    assert ask(system, "PRESET=M3R,164.5") == "OUTPUT:BAD"  # 164.5 + offset 1 is out of range


def test_stow_and_stop(system: System) -> None:
    ask(system, "STOW=GFR,1")
    gfr = system.servos["GFR"]
    assert gfr.operative_mode == 0
    gfr.advance(time.time() + 0.1)  # after the 0.05 s timer
    assert gfr._mode == 20
    ask(system, "STOW=PFP,1")
    ask(system, "STOP=PFP")  # the stop cancels the pending stow
    system.servos["PFP"].advance(time.time() + 1.0)
    assert system.servos["PFP"]._mode == 30


def test_gregorian_cap_opens_after_the_timer(system: System) -> None:
    ask(system, "STOW=GREGORIAN_CAP,2")
    assert system.gregorian_cap == 0
    deadline = time.monotonic() + 5.0
    while system.gregorian_cap != 2:
        assert time.monotonic() < deadline, "the cap did not open"
        time.sleep(0.01)
    ask(system, "STOW=GREGORIAN_CAP,3")  # from open to open: at once
    assert system.gregorian_cap == 3


def test_setup_moves_every_servo(system: System) -> None:
    assert ask(system, "SETUP=BWG1").startswith("OUTPUT:GOOD")
    srp, m3r = system.servos["SRP"], system.servos["M3R"]
    assert srp.cmd_coords[2] == pytest.approx(0.358165166130078) and m3r.cmd_coords == [10.0]
    later = time.time() + 120
    for servo in system.servos.values():
        servo.advance(later)
        assert servo._mode == 10, servo.name
    assert m3r._coords == [10.0]
    assert "CURRENT_CONFIG=21|" in ask(system, "STATUS")


def test_program_track_follows_the_points(system: System) -> None:
    start = time.time() + 2.0
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    ask(system, f"PROGRAMTRACK=DR_GFR1,7,0,{start:.6f},0.0")
    for point_id, value in enumerate(values[1:], start=1):
        assert ask(system, f"PROGRAMTRACK=DR_GFR1,7,{point_id},*,{value}").startswith("OUTPUT:GOOD")
    assert ask(system, "PROGRAMTRACK=DR_GFR1,7,9,*,1.0") == "OUTPUT:BAD"  # out of sequence
    derotator = system.servos["DR_GFR1"]
    assert derotator._mode == PROGRAMTRACK and derotator.pt_table
    derotator.get_status(start + 0.3)  # far from the lead-in start: the axis reaches the curve
    assert derotator._coords[0] == pytest.approx(1.5, abs=0.01)
    derotator.get_status(start + 2.0)
    assert derotator.pt_table == [] and derotator.trajectory_id is None


def test_hermite_passes_through_its_points() -> None:
    times, values = [0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 4.0, 9.0]
    assert [hermite(times, values, t) for t in times] == values
    assert 1.0 < hermite(times, values, 1.5) < 4.0
    assert hermite(times, values, -1.0) == 0.0 and hermite(times, values, 5.0) == 9.0


def test_long_message_is_rejected(system: System) -> None:
    with pytest.raises(MalformedInputError):
        for ch in "S" * 5000:
            system.parse(ch)
    assert ask(system, "STOP=SRP").startswith("OUTPUT:GOOD")  # idle again


def test_setup_table_reads_a_discos_csv(tmp_path, monkeypatch) -> None:
    table = tmp_path / "CDB" / "alma" / "DataBlock" / "MinorServo" / "Tabella Setup.csv"
    table.parent.mkdir(parents=True)
    table.write_text("CONFIGURATION;PFP_TX;PFP_TZ;PFP_RTHETA;M3R_RZ;GREGORIAN_CAP;\nPrimario;1;2;*;7;3;\n")
    assert read_table(table)["Primario"]["PFP"] == [1.0, 2.0, None]
    monkeypatch.setenv("ACS_CDB", str(tmp_path))
    plc = System(rest_api=False)
    try:
        assert plc.configurations["Primario"]["M3R"] == [7.0]
        assert plc.configurations["Primario"]["GREGORIAN_CAP"] == [3]
    finally:
        plc.system_stop()
    assert builtin_table()["Gregoriano2"]["DR_GFR1"] == [12.5]


def test_over_tcp_and_http() -> None:
    with served(minor_servos, http_address=("127.0.0.1", 0)) as server:
        with socket.create_connection(server.l_address, timeout=5.0) as client:
            client.sendall(b"STOP=PFP\r\nSTATUS=PFP\r\n")
            answer = recv_until(client, lambda data: data.count(b"\r\n") == 2)
        first, second = answer.split(b"\r\n")[:2]
        assert first.startswith(b"OUTPUT:GOOD,") and b"PFP_OPERATIVE_MODE=30|" in second
        rest = server.system.rest
        assert rest is not None
        base = f"http://{rest.address[0]}:{rest.address[1]}"
        with urllib.request.urlopen(base + VBrainRequestHandler.urls[0], timeout=5) as response:
            assert response.status == 200 and json.loads(response.read()) == VBrainRequestHandler.answer
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/wrong", timeout=5)
        assert missing.value.code == 404


def _offset_with_both_ports_free() -> int:
    """An offset that puts the TCP port (12800) and the HTTP port (12799) on free loopback ports."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port - 1))
            except OSError:
                continue
        return port - 12800
    raise AssertionError("no two adjacent free loopback ports found")


def test_http_port_moves_with_the_port_offset() -> None:
    offset = _offset_with_both_ports_free()
    (selection,) = select(["minor_servos"], "127.0.0.1", offset)
    assert describe(selection)[1:] == [
        f"  tcp  listening 127.0.0.1:{12800 + offset}",
        f"  http  listening 127.0.0.1:{12799 + offset}",
    ]
    (entry,) = selection.entries
    server = Server(minor_servos, entry.server_type, entry.kwargs, entry.l_address, entry.s_address)
    server.start()
    try:
        url = f"http://127.0.0.1:{12799 + offset}{VBrainRequestHandler.urls[0]}"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200, "the HTTP interface is not on the moved port"
    finally:
        assert server.stop(), "the server did not stop cleanly"
