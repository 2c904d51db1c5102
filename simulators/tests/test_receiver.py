"""The receiver boards: framing byte by byte, each board's ports, broadcasts, and over TCP."""

from __future__ import annotations

import pytest

from simulators import receiver
from simulators.receiver import DEFINITIONS as DEF
from simulators.receiver import LNA, Dewar, Slave, Switch, System, xor_checksum
from simulators.tests.serving import exchange, last_outcome, served, text_feed

SOH, STX, ETX, EOT = DEF.CMD_SOH, DEF.CMD_STX, DEF.CMD_ETX, DEF.CMD_EOT
DIO, B01, U08, F32, AD24 = (
    DEF.PORT_TYPE_DIO,
    DEF.DATA_TYPE_B01,
    DEF.DATA_TYPE_U08,
    DEF.DATA_TYPE_F32,
    DEF.PORT_TYPE_AD24,
)


def ext(slave: str, command: str, params: str | None = None, cmd_id: str = "\x05") -> str:
    """An extended request from master 0x01 (length + params when given), checksum and ETX."""
    body = SOH + slave + "\x01" + command + cmd_id + ("" if params is None else chr(len(params)) + params)
    return body + xor_checksum(body) + ETX


def abbr(slave: str, command: str, params: str | None = None, cmd_id: str = "\x05") -> str:
    return SOH + slave + "\x01" + command + cmd_id + ("" if params is None else chr(len(params)) + params)


def ext_answer(slave: str, command: str, rest: str, cmd_id: str = "\x05") -> str:
    body = STX + "\x01" + slave + command + cmd_id + rest
    return body + xor_checksum(body) + EOT


def test_first_byte_must_be_soh() -> None:
    system = System()
    assert system.parse(STX) is False
    assert system.parse(b"\x01") is True  # bytes are accepted as well


@pytest.mark.parametrize(
    ("request_", "answer"),
    [
        pytest.param(abbr("\x01", "f"), STX + "\x01\x01f\x05\x00\x01\x01", id="abbreviated-get-address"),
        pytest.param(ext("\x01", "F"), ext_answer("\x01", "F", "\x00\x01\x01"), id="extended-get-address"),
        pytest.param(ext("\x01", "C"), ext_answer("\x01", "C", "\x00\x08" + "\x00" * 8), id="version"),
        pytest.param(abbr("\x01", "k", "\x20"), STX + "\x01\x01k\x05\x00", id="set-frame"),
        pytest.param(abbr("\x01", "k", "\x7f"), STX + "\x01\x01k\x05\x08", id="frame-too-large"),
        pytest.param(abbr("\x01", "Q"), STX + "\x01\x01Q\x05\x01", id="unknown-command"),
        pytest.param(abbr("\x01", "i", "\x14\x1a\x02\x1e\x00\x00\x00\x00"), STX + "\x01\x01i\x05\x04", id="bad-date"),
        pytest.param(abbr("\x01", "i", "\x14"), STX + "\x01\x01i\x05\x03", id="short-date"),
        pytest.param(abbr("\x01", "l", "\x03\x04"), STX + "\x01\x01l\x05\x03", id="port-format"),
        pytest.param(abbr("\x01", "l", "\x50\x04\x00"), STX + "\x01\x01l\x05\x09", id="port-data-type"),
        pytest.param(abbr("\x01", "l", "\x03\x50\x00"), STX + "\x01\x01l\x05\x0a", id="port-type"),
        pytest.param(abbr("\x01", "l", "\x03\x04\x76"), STX + "\x01\x01l\x05\x0b", id="port-number"),
    ],
)
def test_one_request_byte_by_byte(request_: str, answer: str) -> None:
    assert last_outcome(System(), request_) == answer


def test_wrong_checksum_is_answered_with_its_code() -> None:
    request_ = ext("\x01", "A")
    request_ = request_[:-2] + chr(ord(request_[-2]) ^ 0xFF) + ETX
    assert last_outcome(System(), request_) == ext_answer("\x01", "A", DEF.CMD_ERR_CHKS)


def test_abbreviated_request_with_no_parameters_waits_for_two_more_bytes() -> None:
    # DISCOS's framing: a zero-length parameter list ends two bytes after the length byte
    system = System()
    assert text_feed(system, abbr("\x01", "k", "")) == [True] * 6
    assert text_feed(system, "xy") == [True, STX + "\x01\x01k\x05\x03"]


def test_broadcasts() -> None:
    system = System(max_index=3)
    assert last_outcome(system, abbr("\x7f", "f")) == "".join(
        STX + "\x01" + a + "f\x05\x00\x01" + a for a in ("\x01", "\x02", "\x03")
    )
    assert last_outcome(system, abbr("\x00", "k", "\x10")) is True  # no answer, but done
    assert {s.frame_size for s in system.slaves.values()} == {"\x10"}
    assert last_outcome(system, abbr("\x09", "f")) is True  # absent board: silence


def test_set_address_moves_the_board_and_inquiry_reports_the_last_command() -> None:
    system = System(max_index=2)
    assert last_outcome(system, abbr("\x01", "g", "\x02"))[-1] == DEF.CMD_ERR_DATA  # taken
    assert last_outcome(system, abbr("\x01", "g", "\x10", cmd_id="\x07"))[-1] == DEF.CMD_ACK
    assert sorted(system.slaves) == ["\x02", "\x10"]
    answer = last_outcome(system, abbr("\x10", "a"))
    assert answer[5:9] == "\x00\x0b" + "g\x07"  # ACK, 11 bytes: last command, its id, ...
    assert answer[9] == DEF.CMD_ACK and answer[10] == chr(20)  # ... its answer and its time (century 20)


def test_set_time_shifts_get_time() -> None:
    system = System()
    assert last_outcome(system, abbr("\x01", "i", "\x13\x62\x0c\x1f\x17\x3b\x3a\x00"))[-1] == DEF.CMD_ACK
    answer = last_outcome(system, abbr("\x01", "h"))
    assert answer[7:12] == "\x13\x62\x0c\x1f\x17"  # 1998-12-31 23:...


def test_generic_board_stores_ports_and_data() -> None:
    system = System()
    assert last_outcome(system, abbr("\x01", "m", "\x08\x01\x02\x2a"))[-1] == DEF.CMD_ACK
    assert last_outcome(system, abbr("\x01", "l", "\x08\x01\x02")) == STX + "\x01\x01l\x05\x00\x04\x08\x01\x02\x2a"
    assert last_outcome(system, abbr("\x01", "o", "\x00\x01\x02abc"))[-1] == DEF.CMD_ACK
    assert last_outcome(system, abbr("\x01", "n", "\x00\x01\x02"))[-4:] == "\x02abc"


def get_bit(system: System, bit: int) -> int:
    return ord(last_outcome(system, ext("\x01", "N", B01 + DIO + chr(bit)))[-3])


def set_bit(system: System, bit: int, value: str) -> str:
    return last_outcome(system, ext("\x01", "O", B01 + DIO + chr(bit) + value))[5]


def test_dewar_bits() -> None:
    system = System(slave_type=Dewar)
    assert [get_bit(system, b) for b in (0, 4, 8, 16, 17, 26, 29, 30)] == [0, 1, 1, 1, 0, 1, 0, 0]
    assert set_bit(system, 0, "\x01") == DEF.CMD_ACK
    assert [get_bit(system, b) for b in (0, 16, 17, 18)] == [1, 0, 1, 1]
    assert set_bit(system, 13, "\x00") == DEF.CMD_ACK
    assert [get_bit(system, 29), get_bit(system, 30)] == [1, 0]
    assert set_bit(system, 14, "\x00") == DEF.CMD_ACK
    assert [get_bit(system, 29), get_bit(system, 30)] == [0, 1]
    assert set_bit(system, 4, "\x02") == DEF.CMD_ERR_DATA
    assert set_bit(system, 4, "\x00\x00") == DEF.CMD_ERR_DATA
    assert get_bit(system, 4) == 1
    assert last_outcome(system, ext("\x01", "N", F32 + AD24 + "\x60"))[6:9] == "\x23" + F32 + AD24


def test_switch_positions_follow_out1_and_out2() -> None:
    system = System(slave_type=Switch)
    assert [get_bit(system, b) for b in (16, 17, 18, 19)] == [0, 0, 0, 0]  # floating
    set_bit(system, 0, "\x01")
    set_bit(system, 1, "\x01")  # LO2 observing positions: A, D in position 1; B, C in position 2
    set_bit(system, 2, "\x01")  # read "in position 1"
    assert [get_bit(system, b) for b in (16, 17, 18, 19)] == [1, 0, 0, 1]
    set_bit(system, 2, "\x00")  # read "in position 2"
    assert [get_bit(system, b) for b in (16, 17, 18, 19)] == [0, 1, 1, 0]
    set_bit(system, 1, "\x00")
    assert isinstance(system.slaves["\x01"], Switch) and system.slaves["\x01"].swa == 2


def test_lna_readings_and_multiplexer() -> None:
    system = System(slave_type=LNA, feeds=4)
    board = system.slaves["\x01"]
    assert isinstance(board, LNA)
    board.feeds[2].IDR[1] = 1.5
    assert last_outcome(system, ext("\x01", "O", U08 + DIO + DEF.PORT_NUMBER_00_07 + "\x41"))[5] == DEF.CMD_ACK
    assert (board.AD, board.EN) == (4, 1)  # stage 1, drain current; feeds 0, 2, 4, 6
    data = last_outcome(system, ext("\x01", "N", F32 + AD24 + DEF.PORT_NUMBER_00_07))[10:-2]
    assert len(data) == 32 and data[8:16] == "\x00" * 4 + "\x3f\xc0\x00\x00" and data[16:] == "\x00" * 16
    assert set_bit(system, 8, "\x01") == DEF.CMD_ACK and board.L_ON == 1


def test_servers_match_discos_buses() -> None:
    assert [s[0][1] for s in receiver.servers] == list(range(12900, 12914))
    kinds = {Dewar, LNA, Slave, Switch}
    assert {s[3]["slave_type"] for s in receiver.servers} == kinds


def test_over_tcp_two_requests_in_one_write() -> None:
    with served(receiver, index=1) as server:  # C band LNA
        request_ = (ext("\x01", "F") + abbr("\x01", "f")).encode("latin-1")
        expected = (ext_answer("\x01", "F", "\x00\x01\x01") + STX + "\x01\x01f\x05\x00\x01\x01").encode("latin-1")
        assert exchange(server.l_address, request_, expected[-6:]) == expected
