"""The alert manager agent end to end: a real broker (Comet or tansu) -> the agent's endpoint -> stored
-> NEW_ALERT received by a (recording) scheduler agent; link state in the agent's status.

The test database is SQLite in memory with a shared cache, where a read from the test's thread while
the agent's thread writes fails with "table is locked" at once: the tests wait on the agent's own
counters (``outcomes``, counted once a packet is fully processed) and read the database after."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from alert_manager.agent import AlertManagerAgent
from alert_manager.models import Alert, AlertPacket
from alert_manager.publish import publish_vtp
from common.config import AgentAddress
from common.sender import Sender
from common.testing import wait_until as _wait_until

from .brokers import Comet
from .conftest import RecordingScheduler
from .samples import fresh, new_trigger, raw

pytestmark = pytest.mark.django_db(transaction=True)

wait_until = functools.partial(_wait_until, timeout=20.0)

TOPIC = "gcn.classic.voevent.SWIFT_BAT_GRB_POS_ACK"


@pytest.fixture
def start_agent() -> Iterator[Callable[..., AlertManagerAgent]]:
    started: list[AlertManagerAgent] = []

    def start(**options: str) -> AlertManagerAgent:
        agent = AlertManagerAgent(address=AgentAddress("alert_manager", "127.0.0.1", 0, options, "test"))
        started.append(agent)
        agent.start()
        if not agent.wait_ready(10):
            raise AssertionError(f"alert_manager not ready: {agent.state} {agent.stats.last_error}")
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def comet(tmp_path: Path) -> Iterator[Comet]:
    broker = Comet(tmp_path / "comet", iamalive_interval=0.5).start()
    yield broker
    broker.stop()


def processed(agent: AlertManagerAgent) -> int:
    return sum(agent.status()["alerts"]["outcomes"].values())


def vtp_link(agent: AlertManagerAgent) -> dict[str, Any]:
    (view,) = [e for e in agent.status()["endpoints"] if e.get("kind") == "vtp"]
    return view


def test_comet_to_scheduler(comet: Comet, start_agent: Any, scheduler: RecordingScheduler, tmp_path: Path) -> None:
    agent = start_agent(vtp_broker=f"127.0.0.1:{comet.broadcast_port}")
    wait_until(lambda: vtp_link(agent)["authenticated"], "subscribed to Comet")
    path = tmp_path / "bat.xml"
    path.write_bytes(raw("swift_bat_pos.xml"))
    assert comet.sendvo(path).returncode == 0
    (sent,) = scheduler.wait_for(1)
    wait_until(lambda: processed(agent) == 1, "the packet processed")
    alert = Alert.objects.get()
    assert sent == {
        "alert_id": alert.pk,
        "ivorn": "ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234567-001",
        "event": "new",
        "ra": 150.1234,
        "dec": 20.5678,
        "error_radius": 0.05,
        "role": "observation",
        "mission": "SWIFT",
        "trigger": "1234567",
    }
    assert alert.packets.get().source == f"vtp:127.0.0.1:{comet.broadcast_port}"
    assert alert.received_at <= alert.parsed_at <= alert.stored_at <= alert.sent_at  # type: ignore[operator]
    for name in ("swift_xrt_pos_update.xml", "test_role.xml", "retraction.xml"):
        publish_vtp("127.0.0.1", comet.receive_port, raw(name))
    events = [m["event"] for m in scheduler.wait_for(3)]
    assert events == ["new", "update", "retraction"]  # the test packet is stored, not scheduled
    wait_until(lambda: processed(agent) == 4, "all processed")
    assert Alert.objects.count() == 2 and AlertPacket.objects.count() == 4
    assert Alert.objects.get(role="test").scheduled is False
    view = vtp_link(agent)
    assert view["connected"] and view["packets"] == 4 and view["acks"] == 4 and view["heartbeats"] >= 1
    outcomes = {"accepted": 1, "update": 1, "test": 1, "retraction": 1}
    wait_until(lambda: agent.status()["alerts"]["outcomes"] == outcomes, f"outcomes {outcomes}")


def test_link_down_then_up(comet: Comet, start_agent: Any, settings: Any) -> None:
    settings.PYROS_ALERT_LINK_CHECK_INTERVAL = 0.05
    comet.stop()
    comet.iamalive_interval = 60.0  # nothing but packets shows life on this link
    comet.start()
    agent = start_agent(vtp_broker=f"127.0.0.1:{comet.broadcast_port}", link_timeout="1.0")
    wait_until(lambda: agent.status()["alerts"]["links_down"], "alert link down after 1 s of silence")
    assert vtp_link(agent)["link_down"] and vtp_link(agent)["connected"]
    publish_vtp("127.0.0.1", comet.receive_port, fresh(trigger=new_trigger()))
    wait_until(lambda: not agent.status()["alerts"]["links_down"], "link up again after a packet")


def test_comet_restart_is_survived(comet: Comet, start_agent: Any) -> None:
    agent = start_agent(vtp_broker=f"127.0.0.1:{comet.broadcast_port}")
    wait_until(lambda: vtp_link(agent)["authenticated"], "subscribed")
    comet.stop()
    wait_until(lambda: not vtp_link(agent)["connected"], "link lost")
    comet.start()
    wait_until(lambda: vtp_link(agent)["connects"] == 2 and vtp_link(agent)["connected"], "reconnected")
    wait_until(lambda: vtp_link(agent)["authenticated"], "authenticated again")
    publish_vtp("127.0.0.1", comet.receive_port, fresh(trigger=new_trigger()))
    wait_until(lambda: processed(agent) == 1, "the packet after the restart processed")
    assert Alert.objects.count() == 1


def test_new_alert_message(start_agent: Any) -> None:
    agent = start_agent()
    host, port = agent.bound_address  # type: ignore[misc]
    reply = Sender.send_to("alert_manager", "New alert", {"xml": raw("test_role.xml").decode()})
    assert reply["outcome"] == "test" and reply["alert_id"] == Alert.objects.get().pk
    listed = Sender.send_to("alert_manager", "List alerts", {"limit": 5, "role": "test"})
    assert [a["trigger_id"] for a in listed] == ["7654321"]
    rejected = Sender.send_to("alert_manager", "New alert", {"xml": raw("billion_laughs.xml").decode()})
    assert rejected["outcome"] == "rejected" and "DTD" in rejected["reason"]
    assert (host, port) != ("", 0)
