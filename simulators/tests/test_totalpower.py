"""Total power backend: commands byte by byte, the boards, the packet layout, the data stream over a
real socket, and a TCP session."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from simulators import totalpower
from simulators.tests.helpers import recv_exactly
from simulators.tests.serving import exchange, served, text_feed
from simulators.totalpower import Board, System
from simulators.totalpower.stream import DataStream


def ask(system: System, request: str) -> object:
    outcomes = text_feed(system, request)
    assert outcomes[:-1] == [True] * (len(request) - 1), outcomes
    return outcomes[-1]


@pytest.mark.parametrize(
    ("request_text", "reply"),
    [
        pytest.param("I B 3 4\n", "ack\n", id="I"),
        pytest.param("I X 3 4\n", "nak\n", id="I-source"),
        pytest.param("I B 3\n", "nak\n", id="I-count"),
        pytest.param("A 2 G 15 2\n", "ack\n", id="A"),
        pytest.param("A 15 G 1 1\n", "nak 15\n", id="A-channel"),
        pytest.param("N 1\r", "ack\n", id="N"),
        pytest.param("M 2\n", "nak\n", id="M-value"),
        pytest.param("S 0\n", "nak\n", id="S-zero"),
        pytest.param("T 0.5 0\n", "nak\n", id="T-type"),
        pytest.param("resume\n", "nak\n", id="resume-without-X"),
        pytest.param("X 40 0 0 192.0.2.1 5001\n", "nak\n", id="X-not-loopback"),
        pytest.param("V\n", "fpga 29.12.2009 simulator, firmware rev.48", id="V"),
        pytest.param("%\n", False, id="unknown"),
    ],
)
def test_commands_byte_by_byte(request_text: str, reply: object) -> None:
    assert ask(System(channels=14), request_text) == reply


def test_status_lists_every_board() -> None:
    system = System(channels=4)
    assert ask(system, "A 1 Z 3 4\n") == "ack\n"
    fields = str(ask(system, "?\n")).split()
    assert len(fields) == 7 + 3 * 4
    assert fields[3:7] == ["9047", "1000", "0", "0"]
    assert fields[7:10] == ["50_OHM", "3", "300"] and fields[10:13] == ["PRIM", "7", "2000"]
    assert ask(system, "Z 0\n") == "ack\n"
    assert str(ask(system, "?\n")).split()[7] == "PRIM"
    assert len(str(ask(system, "R\n")).split()) == 3 + 4


def test_clock_commands() -> None:
    system = System()
    answer = str(ask(system, "T 100 5\n"))
    assert answer.endswith("\r\n")
    assert [int(f) for f in answer.split(",")][:2] == [100, 5]


def test_board_settings() -> None:
    board = Board()
    board.I, board.A, board.F = "DUMMY", 99, 9
    assert (board.I, board.A, board.F, board.B) == ("PRIM", 7, 1, 2000)
    board.I = "G"
    board.I = "Z"
    board.I = None
    assert board.I == "GREG"


def test_packet_layout() -> None:
    system = System(channels=14)
    system.sample_period = 500
    system.sample_counter = 65535
    packet = system.build_packet()
    assert len(packet) == 2 * 64
    first, second = packet[:64], packet[64:]
    assert struct.unpack("<H", first[4:6]) == (65535,) and struct.unpack("<H", second[4:6]) == (0,)
    assert first[6:8] == bytes([0x47, 0x90])
    readings = struct.unpack("<14I", first[8:])
    assert all(200 * 500 <= r <= 2000 * 500 for r in readings)
    assert system.build_packet()[6:8] == bytes([0x4F, 0xA0])  # the toggle bit flips per packet


def test_stream_sends_until_paused_then_stopped_closes() -> None:
    left, right = socket.socketpair()
    ended = []
    done = threading.Event()

    def on_end(stream: DataStream, closed: bool) -> None:
        ended.append(closed)
        done.set()

    stream = DataStream(left, lambda: b"P" * 8, on_end, interval=0.01)
    stream.start()
    assert recv_exactly(right, 16) == b"P" * 16
    stream.stop()
    assert done.wait(5.0)
    stream.thread.join(5.0)
    assert ended == [True] and left.fileno() == -1
    right.close()


def test_x_resume_stop_over_real_sockets() -> None:
    system = System(channels=14)
    with socket.create_server(("127.0.0.1", 0)) as data_server:
        port = data_server.getsockname()[1]
        try:
            assert ask(system, f"X 501 1 0 127.0.0.1 {port}\n") == "ack\n"
            client, _ = data_server.accept()
            with client:
                assert ask(system, "resume\n") == "ack\n"
                assert ask(system, "stop\n") == "ack\n"
                assert len(recv_exactly(client, 64, timeout=5.0)) == 64
        finally:
            system.system_stop()
    assert system.data_timer is None or not system.data_timer.is_alive()


def test_over_tcp() -> None:
    with served(totalpower, 1) as server:  # the 4-channel Medicina backend
        reply = exchange(server.l_address, b"I P 5 2\n?\n", b"\r\n")
        assert reply.startswith(b"ack\n")
        assert reply.split()[8:] == [b"PRIM", b"5", b"1250"] * 4
