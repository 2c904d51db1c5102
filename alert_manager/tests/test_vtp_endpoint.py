"""The VTP subscriber endpoint against a real Comet broker (twistd comet on loopback ports).

The agent side is stood in for by ``call_soon`` putting each hand-over in a queue: these tests are
about the link (authenticate, iamalive, acks, reconnection), not about what the agent does.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alert_manager.publish import publish_vtp
from alert_manager.vtp import decode
from alert_manager.vtp_endpoint import VTPSubscriber
from common.testing import wait_until

from .brokers import Comet
from .samples import PACKETS, fresh

LOCAL_IVO = "ivo://pyros.test/subscriber"


@pytest.fixture
def comet(tmp_path: Path) -> Iterator[Comet]:
    broker = Comet(tmp_path / "comet", iamalive_interval=0.3).start()
    yield broker
    broker.stop()


class Handovers:
    """call_soon(handler, packets) of a stand-in agent: records each packet the endpoint hands over."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()

    def __call__(self, handler: Callable[..., None], packets: list[tuple[Any, ...]]) -> None:
        for packet in packets:
            self.queue.put(packet)

    def next(self, timeout: float = 10.0) -> tuple[Any, ...]:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing handed over within {timeout} s") from None


@pytest.fixture
def subscribe(comet: Comet) -> Iterator[Callable[..., tuple[VTPSubscriber, Handovers]]]:
    started: list[VTPSubscriber] = []

    def start(**kwargs: Any) -> tuple[VTPSubscriber, Handovers]:
        handovers = Handovers()
        options: dict[str, Any] = {"local_ivo": LOCAL_IVO, "backoff": (0.1, 0.5), **kwargs}
        endpoint = VTPSubscriber(handovers, _never, "127.0.0.1", comet.broadcast_port, **options)
        started.append(endpoint)
        endpoint.start()
        wait_until(lambda: endpoint.describe()["authenticated"], "authenticate answered")
        return endpoint, handovers

    yield start
    for endpoint in started:
        endpoint.stop()


def _never(*args: Any) -> None:
    raise AssertionError("the stand-in call_soon never runs the handler")


def test_comet_sendvo_packet_reaches_the_endpoint_and_is_acked(comet: Comet, subscribe: Any, tmp_path: Path) -> None:
    endpoint, handovers = subscribe()
    packet = tmp_path / "packet.xml"
    packet.write_bytes(fresh())
    result = comet.sendvo(packet)
    assert result.returncode == 0, result.stderr
    payload, source, received_at, done = handovers.next()
    assert done is None  # nothing to confirm to a VTP broker: it has its ack
    assert payload == packet.read_bytes()
    assert source == f"vtp:127.0.0.1:{comet.broadcast_port}"
    assert abs(received_at - time.time()) < 10
    ivorn = decode(payload).ivorn  # type: ignore[union-attr]
    wait_until(lambda: "Ack received" in comet.log, "Comet logs the subscriber's ack")
    view = endpoint.describe()
    assert (view["packets"], view["acks"], view["connected"], view["link_down"]) == (1, 1, True, False)
    assert view["broker_ivo"] == comet.local_ivo and ivorn is not None


def test_iamalive_is_answered(subscribe: Any, comet: Comet) -> None:
    endpoint, _ = subscribe()
    wait_until(lambda: endpoint.describe()["heartbeats"] >= 5, "five iamalive")
    view = endpoint.describe()
    assert view["connects"] == 1 and view["connected"]  # not dropped for missing an iamalive
    assert "IAmAlive received" in comet.log
    assert view["last_iamalive_at"] is not None


def test_acks_do_not_wait_for_the_agent(subscribe: Any, comet: Comet) -> None:
    """Nobody processes what is handed over (a busy agent): acks still flow, the broker keeps us."""
    endpoint, handovers = subscribe()
    for _ in range(15):  # Comet drops a subscriber with 10 unacknowledged events at an iamalive tick
        publish_vtp("127.0.0.1", comet.receive_port, fresh())
    wait_until(lambda: endpoint.describe()["acks"] >= 15, "15 acks")
    heartbeats = endpoint.describe()["heartbeats"]
    wait_until(lambda: endpoint.describe()["heartbeats"] >= heartbeats + 3, "three more iamalive ticks")
    assert endpoint.describe()["connects"] == 1
    assert "not acknowledging" not in comet.log
    assert handovers.queue.qsize() == 15


def test_broker_restart_is_survived(subscribe: Any, comet: Comet) -> None:
    endpoint, handovers = subscribe()
    comet.stop()
    wait_until(lambda: not endpoint.describe()["connected"], "link seen down")
    assert endpoint.describe()["link_down"]
    comet.start()  # same ports
    wait_until(lambda: endpoint.describe()["connects"] == 2 and endpoint.describe()["authenticated"], "reconnected")
    publish_vtp("127.0.0.1", comet.receive_port, fresh())
    payload, *_ = handovers.next()
    assert b"BAT_GRB_Pos" in payload


def test_broker_side_filter_is_installed(subscribe: Any, comet: Comet) -> None:
    endpoint, handovers = subscribe(filters=["//Param[@name='TrigID' and @value='777']"])
    publish_vtp("127.0.0.1", comet.receive_port, fresh(trigger="111"))
    publish_vtp("127.0.0.1", comet.receive_port, fresh(trigger="777"))
    payload, *_ = handovers.next()
    assert b'value="777"' in payload
    assert "Installing filter" in comet.log
    assert endpoint.describe()["packets"] == 1


def test_unreachable_broker_is_reported_and_retried(tmp_path: Path) -> None:
    from common.testing import free_port

    endpoint = VTPSubscriber(Handovers(), _never, "127.0.0.1", free_port(), local_ivo=LOCAL_IVO, backoff=(0.05, 0.1))
    endpoint.start()
    try:
        wait_until(lambda: "cannot connect" in endpoint.describe()["last_error"], "connection error reported")
        view = endpoint.describe()
        assert not view["connected"] and view["link_down"]
    finally:
        endpoint.stop()


def test_samples_are_valid_for_comet(comet: Comet) -> None:
    """Comet validates against the VOEvent schema: every well-formed sample passes it."""
    for name in ("swift_bat_pos.xml", "swift_xrt_pos_update.xml", "test_role.xml", "retraction.xml"):
        assert publish_vtp("127.0.0.1", comet.receive_port, (PACKETS / name).read_bytes())
