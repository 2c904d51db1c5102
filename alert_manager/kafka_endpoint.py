"""A Kafka source endpoint (NASA GCN, or any Kafka broker) through ``gcn-kafka``.

Its thread polls the consumer and hands what it got at once to the agent with
``call_soon(handler, [(payload, source, received_at, done), ...])``; the agent calls ``done()`` once the alert
is stored, and only then is the offset committed (from this thread: a consumer belongs to one thread).
Stop the agent in the middle of a stream and restart it: the messages not yet stored come again,
those stored twice are duplicates by IVORN, nothing is lost. Messages of the heartbeat topic
(``gcn.heartbeat``) only prove the link alive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

from .link import Backoff, LinkState

log = logging.getLogger("pyros.alerts")

HEARTBEAT_TOPIC = "gcn.heartbeat"
CallSoon = Callable[..., Any]
PacketHandler = Callable[..., None]  # handler([(payload, source, received_at, done), ...])


def consumer_config(
    bootstrap: str, group_id: str, *, client_id: str | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """librdkafka settings: manual commits, earliest offsets, quick group joins; plaintext unless a GCN
    client id asks for gcn-kafka's SASL/OIDC defaults."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
        "topic.metadata.refresh.interval.ms": 5000,
        "fetch.wait.max.ms": 10,  # how long the broker holds an empty fetch: the latency of a new alert
        "reconnect.backoff.ms": 500,
        "reconnect.backoff.max.ms": 60000,
    }
    if not client_id:
        config["security.protocol"] = "plaintext"
    config.update(extra or {})
    return config


class KafkaSource:
    kind = "kafka"

    def __init__(
        self,
        call_soon: CallSoon,
        handler: PacketHandler,
        *,
        bootstrap: str,
        topics: list[str],
        group_id: str = "pyros-alert-manager",
        client_id: str | None = None,
        client_secret: str | None = None,
        heartbeat_topic: str | None = HEARTBEAT_TOPIC,
        config: dict[str, Any] | None = None,
        link_timeout: float = 300.0,
        backoff: tuple[float, float] = (0.5, 60.0),
        name: str = "kafka",
    ) -> None:
        self.name = name
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.heartbeat_topic = heartbeat_topic
        self.client_id, self._client_secret = client_id, client_secret
        self.config = consumer_config(bootstrap, group_id, client_id=client_id, extra=config)
        self.link = LinkState()
        self.link_timeout = link_timeout
        self._backoff = Backoff(*backoff)
        self._call_soon = call_soon
        self._handler = handler
        self._stored: SimpleQueue[tuple[str, int, int]] = SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.committed = 0
        self.pending = 0

    # --- Endpoint protocol ------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"alert-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: thread did not stop within %s s", self.name, timeout)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "bootstrap": self.bootstrap,
            "topics": self.topics,
            "group_id": self.config["group.id"],
            "heartbeat_topic": self.heartbeat_topic,
            "committed": self.committed,
            "pending": self.pending,
            **self.link.describe(self.link_timeout),
        }

    # --- the thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                consumer = self._consumer()
            except Exception as exc:  # bad settings, unresolvable host ...
                self.link.down(f"cannot create the Kafka consumer: {type(exc).__name__}: {exc}")
                self._stopping.wait(self._backoff.next())
                continue
            try:
                self._consume(consumer)
            except Exception as exc:
                self.link.down(f"{type(exc).__name__}: {exc}")
                log.warning("%s: consumer failed (%s); starting again", self.name, exc)
                self._stopping.wait(self._backoff.next())
            finally:
                self._commit_stored(consumer, wait=True)
                consumer.close()
        self.link.down()

    def _consumer(self) -> Any:
        from gcn_kafka import Consumer

        consumer = Consumer(config=dict(self.config), client_id=self.client_id, client_secret=self._client_secret)
        topics = self.topics + ([self.heartbeat_topic] if self.heartbeat_topic else [])
        consumer.subscribe(topics, on_assign=self._assigned)
        return consumer

    def _assigned(self, consumer: Any, partitions: list[Any]) -> None:
        """The group gave us our partitions (called within poll): the link is up."""
        self.link.up()
        self._backoff.reset()

    def _consume(self, consumer: Any) -> None:
        while not self._stopping.is_set():
            first = consumer.poll(0.1)  # (consume() would wait for its whole count or the timeout)
            messages = [] if first is None else [first, *consumer.consume(num_messages=499, timeout=0)]
            batch = []
            for message in messages:
                error = message.error()
                if error is not None:
                    self._on_error(error)
                elif message.topic() == self.heartbeat_topic:
                    self.link.heartbeat()
                else:
                    batch.append(self._packet(message))
            if messages and not self.link.connected:  # the brokers came back
                self.link.up()
            if batch:
                self.link.packet(len(batch))
                self.pending += len(batch)
                self._call_soon(self._handler, batch)  # first: committing waits for the broker
            self._commit_stored(consumer)

    def _packet(self, message: Any) -> tuple[bytes, str, float, Callable[[], None]]:
        topic, partition, offset = message.topic(), message.partition(), message.offset()

        def done() -> None:  # called by the agent once stored (any thread): commit from ours
            self._stored.put((topic, partition, offset + 1))

        return message.value() or b"", f"kafka:{topic}", time.time(), done

    def _on_error(self, error: Any) -> None:
        from confluent_kafka import KafkaError

        if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            log.info("%s: %s", self.name, error.str())  # a topic that does not exist (yet): not fatal
            return
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.link.down(error.str())
            return
        if error.fatal():
            raise RuntimeError(error.str())
        self.link.last_error = error.str()

    def _commit_stored(self, consumer: Any, *, wait: bool = False) -> None:
        """Commit the offsets of every message the agent has stored (the highest per partition); without
        waiting for the broker's answer, except at the end (a commit lost in a crash means duplicates,
        which are recognised by IVORN, never a lost alert)."""
        highest: dict[tuple[str, int], int] = {}
        count = 0
        while True:
            try:
                topic, partition, offset = self._stored.get_nowait()
            except Empty:
                break
            count += 1
            key = (topic, partition)
            highest[key] = max(offset, highest.get(key, 0))
        if not highest:
            return
        from confluent_kafka import KafkaException, TopicPartition

        try:
            offsets = [TopicPartition(t, p, o) for (t, p), o in highest.items()]
            consumer.commit(offsets=offsets, asynchronous=not wait)
        except KafkaException as exc:
            log.warning("%s: commit failed: %s (those messages will come again)", self.name, exc)
            return
        self.committed += count
        self.pending -= count
