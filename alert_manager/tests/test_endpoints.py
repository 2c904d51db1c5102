"""The [alert_manager] keys that open alert sources: factories, their errors, the configuration check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alert_manager.endpoints import kafka_endpoint, vtp_endpoint
from alert_manager.exceptions import AlertConfigError
from alert_manager.kafka_endpoint import KafkaSource
from alert_manager.link import Backoff, LinkState, host_port
from alert_manager.vtp_endpoint import VTPSubscriber
from common.checks import agent_config_messages
from common.config import AgentAddress


class Agent:
    """What a factory uses of an agent: call_soon and receive_packets."""

    def call_soon(self, callback: Any, *args: Any) -> None:
        raise AssertionError("not called by a factory")

    def receive_packets(self, packets: Any) -> None:
        raise AssertionError("not called by a factory")


def address(**options: str) -> AgentAddress:
    return AgentAddress("alert_manager", "127.0.0.1", 0, options, "test")


def test_vtp_factory() -> None:
    endpoint = vtp_endpoint(Agent(), address(vtp_broker="127.0.0.1:8099", vtp_filter="//Param", link_timeout="12"))
    assert isinstance(endpoint, VTPSubscriber)
    assert (endpoint.host, endpoint.port, endpoint.filters, endpoint.link_timeout) == (
        "127.0.0.1",
        8099,
        ["//Param"],
        12,
    )
    assert endpoint.name == "vtp 127.0.0.1:8099" and endpoint.local_ivo == "ivo://pyros.local/alert_manager"
    assert vtp_endpoint(Agent(), address(vtp_broker="localhost")).port == 8099


def test_kafka_factory() -> None:
    options = {"kafka_bootstrap": "127.0.0.1:9092", "kafka_topics": "a, b,\nc", "kafka_heartbeat_topic": ""}
    endpoint = kafka_endpoint(Agent(), address(**options))
    assert isinstance(endpoint, KafkaSource)
    assert endpoint.topics == ["a", "b", "c"] and endpoint.heartbeat_topic is None
    assert endpoint.config["security.protocol"] == "plaintext" and endpoint.config["enable.auto.commit"] is False
    gcn = kafka_endpoint(Agent(), address(kafka_bootstrap="x:9092", kafka_topics="t", kafka_client_id="id"))
    assert "security.protocol" not in gcn.config  # gcn-kafka's SASL/OIDC defaults apply
    assert gcn.heartbeat_topic == "gcn.heartbeat"


@pytest.mark.parametrize(
    ("factory", "options", "error"),
    [
        pytest.param(vtp_endpoint, {"vtp_broker": "127.0.0.1:http"}, "expected host:port", id="vtp-port"),
        pytest.param(vtp_endpoint, {"vtp_broker": ":8099"}, "expected host:port", id="vtp-host"),
        pytest.param(vtp_endpoint, {"vtp_broker": "h:1", "link_timeout": "soon"}, "link_timeout", id="timeout"),
        pytest.param(kafka_endpoint, {"kafka_bootstrap": "h:1"}, "needs kafka_topics", id="kafka-topics"),
    ],
)
def test_factory_errors(factory: Any, options: dict[str, str], error: str) -> None:
    with pytest.raises(AlertConfigError, match=error):
        factory(Agent(), address(**options))


def test_config_keys_are_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "agents.ini"
    config.write_text(
        "[alert_manager]\nhost = 127.0.0.1\nport = 5001\nvtp_broker = 127.0.0.1:8099\nvtp_publish = 127.0.0.1:8098\n"
        "kafka_bootstrap = 127.0.0.1:9092\nkafka_topics = t\nkafka_client_id = i\nkafka_client_secret = s\n"
        "kafka_group_id = g\nkafka_heartbeat_topic = h\nlink_timeout = 60\nvtp_filter = //x\nvtp_loca_ivo = typo\n"
        "\n[scheduler]\nhost = 127.0.0.1\nport = 5002\n"
    )
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(config))
    warnings = [m.msg for m in agent_config_messages(["alert_manager", "scheduler"])]
    assert len(warnings) == 1 and "vtp_loca_ivo: no endpoint reads this key" in warnings[0]


def test_backoff_and_link_state() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next() == 0.5
    with pytest.raises(AlertConfigError):
        Backoff(0, 1)
    link = LinkState(started_at=100.0)
    assert link.is_down(10, now=105.0)  # not connected
    link.up()
    link.connected_since = 100.0
    assert not link.is_down(10, now=105.0) and link.is_down(10, now=111.0)
    link.last_heartbeat_at = 110.0
    assert link.silence(now=111.0) == 1.0
    assert host_port("[::1]:8099", "x") == ("::1", 8099)
