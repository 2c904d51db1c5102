"""Confirm and repeat over real sockets: a raw ZMQ ROUTER plays a lossy Station between two nodes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator

import pytest
import zmq

from common.networking import OutboxFullError

TIMEOUT = 5.0
INTERVAL = 0.3


class LossyStation:
    """A raw ROUTER with identity S forwarding [sender, S, to, body] as [to, body], except the frames
    ``drop(frames, body)`` returns True for. It records every frame list it receives."""

    def __init__(self, drop: Callable[[list[bytes], dict], bool]) -> None:
        self.drop = drop
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.IDENTITY, b"S")
        self.port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.received: list[list[bytes]] = []
        self.dropped: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lossy-station")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.sock.poll(20):
                continue
            frames = self.sock.recv_multipart()
            if frames[-1] == b"":
                self.sock.send_multipart(frames)  # echo pings
                continue
            self.received.append(frames)
            body = json.loads(frames[-1])
            if self.drop(frames, body):
                self.dropped.append(body)
                continue
            self.sock.send_multipart([frames[2], frames[3]])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(TIMEOUT)
        self.sock.close(0)
        self.ctx.term()


@pytest.fixture
def lossy() -> Iterator[Callable[..., LossyStation]]:
    made: list[LossyStation] = []

    def make(drop: Callable[[list[bytes], dict], bool]) -> LossyStation:
        made.append(LossyStation(drop))
        return made[-1]

    yield make
    for station in made:
        station.close()


def _first_of(key: str) -> Callable[[list[bytes], dict], bool]:
    """Drop the first copy of each message with ``key`` (CONFIRMs: the first confirm of each id)."""
    seen: set[str] = set()

    def drop(frames: list[bytes], body: dict) -> bool:
        ident = body["value"] if key == "CONFIRM" else body["id"]
        if body["key"] != key or ident in seen:
            return False
        seen.add(ident)
        return True

    return drop


def test_lost_message_is_resent_to_its_recipient_once_and_confirmed(lossy, make_node, inbox) -> None:
    station = lossy(_first_of("DATA"))
    got = inbox()
    a = make_node("a", "S", station.port)
    b = make_node("b", "S", station.port, {"DATA": got})
    a.repeat_interval = INTERVAL
    msg_id = a.send("b", "DATA", {"n": 1}, repeat=True)
    assert got.wait_for(1) == [{"n": 1}]
    assert a.outbox.wait_empty(TIMEOUT), "the resent message was not confirmed"
    copies = [f for f in station.received if json.loads(f[-1])["id"] == msg_id]
    # 2 copies (a third only if a loaded machine delays the confirm past the next resend)
    assert len(copies) >= 2
    assert [f[:3] for f in copies] == [[b"a", b"S", b"b"]] * len(copies)  # the resend keeps the recipient
    assert [json.loads(f[-1])["ttl"] for f in copies][:2] == [2, 1]  # ttl decremented on resend
    assert a.stats.resent == len(copies) - 1 and a.stats.confirmed == 1
    assert b.stats.duplicates == len(copies) - 2
    assert got.items == [{"n": 1}]


def test_lost_confirm_resend_is_confirmed_but_handled_once(lossy, make_node, inbox) -> None:
    station = lossy(_first_of("CONFIRM"))
    got = inbox()
    a = make_node("a", "S", station.port)
    b = make_node("b", "S", station.port, {"DATA": got})
    a.repeat_interval = INTERVAL
    msg_id = a.send("b", "DATA", 7, repeat=True)
    assert a.outbox.wait_empty(TIMEOUT), "the second CONFIRM did not arrive"
    assert [d["value"] for d in station.dropped] == [msg_id]
    assert b.stats.duplicates >= 1 and b.stats.received == b.stats.duplicates + 1
    assert got.items == [7]  # the handler ran once


def test_ttl_expiry_is_logged_and_counted(lossy, make_node, caplog) -> None:
    station = lossy(lambda frames, body: body["key"] == "LOST")
    a = make_node("a", "S", station.port)
    make_node("b", "S", station.port)
    a.repeat_interval = INTERVAL
    caplog.set_level(logging.WARNING, logger="pyros.netnode")
    msg_id = a.send("b", "LOST", None, repeat=True)
    assert a.outbox.wait_empty(TIMEOUT), "the unconfirmed message never expired"
    assert a.stats.failed == 1 and list(a.stats.failed_ids) == [msg_id]
    assert len(station.dropped) == 3  # sent once, resent ttl=2 times
    assert any("PUBLISH FAILED" in r.getMessage() and msg_id in r.getMessage() for r in caplog.records)


def test_outbox_is_bounded(lossy, make_node) -> None:
    station = lossy(lambda frames, body: True)
    a = make_node("a", "S", station.port)
    a.outbox.size = 3
    a.outbox.timeout = 0.2
    for i in range(3):
        a.send("b", "K", i, repeat=True)
    with pytest.raises(OutboxFullError):
        a.send("b", "K", 3, repeat=True)
    assert len(a.outbox) == 3


def test_norepeat_messages_are_not_confirmed(lossy, make_node, inbox) -> None:
    station = lossy(lambda frames, body: False)
    got = inbox()
    a = make_node("a", "S", station.port)
    make_node("b", "S", station.port, {"K": got})
    a.send("b", "K", 1)
    a.send("b", "K", 2, repeat=True)
    assert got.wait_for(2)
    assert a.outbox.wait_empty(TIMEOUT)
    confirms = [json.loads(f[-1]) for f in station.received if json.loads(f[-1])["key"] == "CONFIRM"]
    assert [c["value"] for c in confirms] == ["a_1"]
    assert confirms[0]["flags"] == {"NOREPEAT": True}


def test_seen_ids_memory_is_bounded() -> None:
    from common.networking.support import SeenIds

    seen = SeenIds(3)
    assert [seen.check_and_add(i) for i in ("a", "b", "a", "c", "d")] == [False, False, True, False, False]
    assert seen.check_and_add("a") is False  # the oldest id was forgotten
    assert len(seen._ids) == 3


def test_outbox_due_decrements_ttl_then_fails() -> None:
    from common.networking.codec import make_message
    from common.networking.support import Outbox, Pending

    outbox = Outbox(10, 0.1)
    outbox.add(Pending(make_message("a", 0, "b", "K", repeat=True), "dealer", [b"S", b"b"], 0.0))
    seen = []
    for now in (0.5, 1.0, 2.0, 3.0):
        resend, failed = outbox.due(now, 1.0)
        seen.append((len(resend), len(failed), [p.message.ttl for p in resend], [p.head for p in resend]))
    assert seen == [(0, 0, [], []), (1, 0, [1], [[b"S", b"b"]]), (1, 0, [0], [[b"S", b"b"]]), (0, 1, [], [])]
    assert len(outbox) == 0 and outbox.wait_empty(0.0)
