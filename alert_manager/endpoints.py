"""The alert sources an ``[alert_manager]`` config section can open, as agent endpoints.

- ``vtp_broker = 127.0.0.1:8099``: a VTP subscriber (optional ``vtp_local_ivo``, ``vtp_filter`` = an
  XPath the broker applies).
- ``kafka_bootstrap = 127.0.0.1:9092`` with ``kafka_topics = gcn.classic.voevent.SWIFT_BAT_GRB_POS_ACK,
  ...`` (optional ``kafka_client_id``/``kafka_client_secret`` for NASA GCN, ``kafka_group_id``,
  ``kafka_heartbeat_topic``, default ``gcn.heartbeat``, empty for none).
- ``link_timeout = 300``: seconds without a packet or heartbeat before "alert link down".
"""

from __future__ import annotations

from typing import Any

from common.conf import setting

from .exceptions import AlertConfigError
from .kafka_endpoint import HEARTBEAT_TOPIC, KafkaSource
from .link import host_port
from .vtp_endpoint import VTPSubscriber


def _common(agent: Any, options: dict[str, str]) -> dict[str, Any]:
    timeout = options.get("link_timeout") or setting("PYROS_ALERT_LINK_TIMEOUT")
    try:
        link_timeout = float(timeout)
    except ValueError:
        raise AlertConfigError(f"link_timeout = {timeout!r}: a number of seconds") from None
    backoff = (float(setting("PYROS_ALERT_RECONNECT_MIN")), float(setting("PYROS_ALERT_RECONNECT_MAX")))
    return {"link_timeout": link_timeout, "backoff": backoff}


def vtp_endpoint(agent: Any, address: Any) -> VTPSubscriber:
    options = address.options
    host, port = host_port(options["vtp_broker"], "vtp_broker", default_port=8099)
    xpath = options.get("vtp_filter", "").strip()
    return VTPSubscriber(
        agent.call_soon,
        agent.receive_packets,
        host,
        port,
        local_ivo=options.get("vtp_local_ivo") or setting("PYROS_ALERT_LOCAL_IVO"),
        filters=[xpath] if xpath else [],
        name=f"vtp {host}:{port}",
        **_common(agent, options),
    )


def kafka_endpoint(agent: Any, address: Any) -> KafkaSource:
    options = address.options
    topics = [t.strip() for t in options.get("kafka_topics", "").replace("\n", ",").split(",") if t.strip()]
    if not topics:
        raise AlertConfigError("kafka_bootstrap needs kafka_topics = topic[, topic ...]")
    heartbeat = options.get("kafka_heartbeat_topic", HEARTBEAT_TOPIC).strip() or None
    return KafkaSource(
        agent.call_soon,
        agent.receive_packets,
        bootstrap=options["kafka_bootstrap"].strip(),
        topics=topics,
        group_id=options.get("kafka_group_id") or "pyros-alert-manager",
        client_id=options.get("kafka_client_id") or None,
        client_secret=options.get("kafka_client_secret") or None,
        heartbeat_topic=heartbeat,
        name=f"kafka {options['kafka_bootstrap'].strip()}",
        **_common(agent, options),
    )


def register() -> None:
    """Make the config keys known to the agent runtime (called from AlertManagerConfig.ready())."""
    from common.endpoints import register_endpoint

    register_endpoint(
        "vtp_broker", vtp_endpoint, options=("vtp_local_ivo", "vtp_filter", "vtp_publish", "link_timeout")
    )
    kafka_options = ("kafka_topics", "kafka_client_id", "kafka_client_secret", "kafka_group_id")
    kafka_options += ("kafka_heartbeat_topic", "kafka_test_topic", "link_timeout")
    register_endpoint("kafka_bootstrap", kafka_endpoint, options=kafka_options)
