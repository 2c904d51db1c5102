"""DBESM: board commands, observing modes and per-output commands byte by byte, and a TCP session."""

from __future__ import annotations

import pytest

from simulators import dbesm
from simulators.tests.serving import exchange, served, text_feed


def ask(system: dbesm.System, request: str) -> object:
    outcomes = text_feed(system, request + "\r\n")
    assert outcomes[:-1] == [True] * (len(request) + 1), outcomes
    return outcomes[-1]


@pytest.mark.parametrize(
    ("requests", "reply"),
    [
        pytest.param(["?????"], "NAK unknown command\r\n", id="not-a-device"),
        pytest.param(["DBE"], "NAK unknown command\r\n", id="device-only"),
        pytest.param(["FBCB GETCFG"], "NAK unknown command\r\n", id="fbcb"),
        pytest.param(["DBE SETALLMODE  MFS_7"], "NAK unknown command\r\n", id="two-spaces"),
        pytest.param(["DBE SETALLMODE PIPPO"], "ERR DBE CFG file not existing\r\n", id="no-mode"),
        pytest.param(["DBE MODE BOARD 9 MFS_7"], "ERR DBE BOARD 9 not existing\r\n", id="no-board"),
        pytest.param(["DBE MODE BOARD x MFS_7"], "NAK unknown command\r\n", id="board-not-int"),
        pytest.param(["DBE SETSTATUS BOARD 3 VALUE 1", "DBE MODE BOARD 3 DF_8s"], "ERR DBE BOARD 3 unreachable\r\n"),
        pytest.param(["DBE STOREALLMODE MFS_7"], "ERR DBE writing cfg file\r\n", id="store-existing"),
        pytest.param(["DBE STOREALLMODE Mine", "DBE SETALLMODE Mine", "DBE DELETEFILE Mine"], "ACK\r\n", id="store"),
        pytest.param(["DBE SETATT 17 BOARD 1 VALUE 1"], "ERR DBE ATT 17 not existing\r\n", id="att-index"),
        pytest.param(["DBE SETATT 1 BOARD 1 VALUE 1.25"], "ERR DBE value out of range\r\n", id="att-step"),
        pytest.param(["DBE SETAMP 11 BOARD 1 VALUE 1"], "ERR DBE AMP 11 not existing\r\n", id="amp-index"),
        pytest.param(["DBE SETBPF 1c BOARD 1 VALUE 1"], "ERR DBE BPF 1c not existing\r\n", id="bpf-name"),
        pytest.param(["DBE SETBPF a1 BOARD 1 VALUE 1"], "NAK unknown command\r\n", id="bpf-syntax"),
        pytest.param(["DBE GETFIRM BOARD 2"], "ACK\nBOARD 1 Prog=DBESM, Rev=rev 0.116_NEW_win\r\n", id="firm"),
        pytest.param(["DBE ReadDIAG BOARD 3"], "ACK\nBOARD 3\n\n5V 1.0 3V3 0.1\nT0 15.5\r\n", id="diag"),
        pytest.param(["DBE GETDBEATT nowhere"], "ERR DBE Output not existing\r\n", id="no-output"),
    ],
)
def test_requests_byte_by_byte(requests: list[str], reply: str) -> None:
    system = dbesm.System()
    outcomes = [ask(system, r) for r in requests]
    assert outcomes[-1] == reply


def test_modes_and_components() -> None:
    system = dbesm.System()
    assert ask(system, "DBE SETSTATUS BOARD 2 VALUE 1") == "ACK\r\n"
    assert ask(system, "DBE SETALLMODE DF_8s") == (
        "BOARD 1 ACK\nBOARD 2 ERR DBE BOARD unreachable\nBOARD 3 ACK\nBOARD 4 ACK\r\n"
    )
    assert ask(system, "DBE GETCFG") == (
        "ACK\nBOARD 1 DF_8s\n\nBOARD 2 ERR DBE BOARD unreachable\n\nBOARD 3 DF_8s\n\nBOARD 4 DF_8s\r\n"
    )
    assert ask(system, "DBE STOREALLMODE New") == "ERR DBE BOARD 2 unreachable\r\n"
    assert ask(system, "DBE SETSTATUS BOARD 2 VALUE 2") == "ACK\r\n"
    assert ask(system, "DBE ReadALLDIAG") == (
        "BOARD 1 ACK\n5V 1.11 3V3 0.11\nT0 5.1\n\nBOARD 2 ACK\n5V 0.0 3V3 0.01\ntemp sensor not present\n\n"
        "BOARD 3 ACK\n5V 1.0 3V3 0.1\nT0 15.5\n\nBOARD 4 ACK\n5V 0.01 3V3 1.0\nT0 5.05\r\n"
    )
    assert ask(system, "DBE SETATT 16 BOARD 4 VALUE 10.5") == "ACK\r\n"
    assert ask(system, "DBE GETDBEATT prova2") == (
        f"ACK prova2 BOARD 2 ATT 8 VALUE {system.boards[1]['ATT'][8]}\nACK prova2 BOARD 4 ATT 16 VALUE 10.5\r\n"
    )
    system.boards[3]["ATT"][7] = 4.0
    assert ask(system, "DBE SETDBEATT SARDA_14 -3") == "DBE SARDA_14 BOARD 4 ACK\r\n"
    assert system.boards[3]["ATT"][7] == 1.0
    assert ask(system, "DBE SETDBEATT SARDA_14 -3") == "ERR DBE SARDA_14 BOARD 4 value out of range\r\n"
    assert (
        ask(system, "DBE SETDBEAMP prova 1")
        == "DBE prova BOARD 1 ACK\nDBE prova BOARD 2 ACK\nDBE prova BOARD 3 ACK\r\n"
    )
    assert ask(system, "DBE GETDBEAMP SARDA_01") == "ACK SARDA_01 BOARD 1 AMP 1 VALUE 1\r\n"
    assert ask(system, "DBE SETBPF 1b BOARD 1 VALUE 0") == "ACK\r\n"
    assert ask(system, "DBE GETCOMP BOARD 1") == (
        "ACK\nBOARD 1\n\nAMP=[ 1 1 1 1 0 0 0 0 0 1.0 ]\nEQ=[ 1 1 1 1 0 0 0 0 0 1 ]\nBPF=[ 1 0 1 1 0 0 0 0 0 0 1 ]\r\n"
    )
    status = str(ask(system, "DBE GETSTATUS BOARD 1"))
    assert status.startswith("ACK\nBOARD 1\n\nREG=[ ") and "\n\nATT=[ " in status and status.endswith(" ]\r\n")


def test_over_tcp() -> None:
    with served(dbesm) as server:
        reply = exchange(server.l_address, b"DBE MODE BOARD 1 MFS_7\r\nDBE GETFIRM BOARD 1\r\n", b"win\r\n")
        assert reply == b"ACK\r\nACK\nBOARD 0 Prog=DBESM, Rev=rev 0.116_NEW_win\r\n"
