"""Publishing a packet to a broker, as an author: over VTP (a one-shot submission answered by ack or
nak) or to a Kafka topic. Used by ``manage.py sendtestalert`` and the benchmarks."""

from __future__ import annotations

import socket
from typing import Any

from .exceptions import PublishError, VTPProtocolError
from .vtp import NEED_DATA, AuthorConnection


def publish_vtp(host: str, port: int, payload: bytes, *, timeout: float = 10.0) -> str:
    """Submit one VOEvent to a broker's author port; return the acknowledged IVORN or raise PublishError."""
    author = AuthorConnection()
    try:
        data = author.send_event(payload)
    except VTPProtocolError as exc:
        raise PublishError(str(exc)) from None
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(data)
            while (reply := author.next_reply()) is NEED_DATA:
                chunk = sock.recv(65536)
                if not chunk:
                    raise PublishError(f"{host}:{port} closed the connection without ack or nak")
                author.receive_data(chunk)
    except (OSError, VTPProtocolError) as exc:
        raise PublishError(f"{host}:{port}: {type(exc).__name__}: {exc}") from None
    if reply.role == "nak":
        raise PublishError(f"{host}:{port} refused {author.sent_ivorn}: {reply.result or 'nak'}")
    return author.sent_ivorn or ""


def publish_kafka(
    bootstrap: str, topic: str, payload: bytes, *, config: dict[str, Any] | None = None, timeout: float = 10.0
) -> None:
    """Produce one message and wait until the broker has it."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, **(config or {})})
    errors: list[str] = []
    producer.produce(topic, value=payload, on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
    if producer.flush(timeout) or errors:
        raise PublishError(f"{bootstrap} {topic}: not delivered: {errors[0] if errors else 'timeout'}")
