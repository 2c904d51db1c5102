from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alert_manager.models import Alert, RejectedPacket

from .samples import PACKETS

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("ingestalert", *args, "--no-send", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_one_line_per_file() -> None:
    names = ["swift_bat_pos.xml", "swift_bat_pos.xml", "swift_xrt_pos_update.xml", "test_role.xml", "retraction.xml"]
    out, error = run(*[str(PACKETS / n) for n in names])
    assert error is None
    alert = Alert.objects.get(trigger_id="1234567")
    test = Alert.objects.get(trigger_id="7654321")
    assert out.splitlines() == [
        f"{PACKETS / 'swift_bat_pos.xml'}: accepted: alert {alert.pk}",
        f"{PACKETS / 'swift_bat_pos.xml'}: duplicate of alert {alert.pk}",
        f"{PACKETS / 'swift_xrt_pos_update.xml'}: update of alert {alert.pk}",
        f"{PACKETS / 'test_role.xml'}: test: alert {test.pk} (not scheduled: role=test)",
        f"{PACKETS / 'retraction.xml'}: retraction of alert {alert.pk}",
    ]


def test_rejected_files_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    out, error = run(str(PACKETS / "swift_bat_pos.xml"), str(PACKETS / "billion_laughs.xml"), str(missing))
    assert error is not None and "2 of 3 file(s) rejected" in str(error) and error.returncode == 1
    lines = out.splitlines()
    assert lines[0] == f"{PACKETS / 'swift_bat_pos.xml'}: accepted: alert {Alert.objects.get().pk}"
    assert lines[1] == f"{PACKETS / 'billion_laughs.xml'}: rejected: " + RejectedPacket.objects.get().reason
    assert lines[2].startswith(f"{missing}: rejected: cannot read the file")


# --- sendtestalert --------------------------------------------------------------------------------------


def sendtestalert(*args: str) -> str:
    out = io.StringIO()
    call_command("sendtestalert", *args, stdout=out)
    return out.getvalue()


def test_sendtestalert_through_comet(tmp_path: Path) -> None:
    from alert_manager.voevent import parse
    from alert_manager.vtp_endpoint import VTPSubscriber

    from .brokers import Comet
    from .test_vtp_endpoint import Handovers, _never

    comet = Comet(tmp_path / "comet").start()
    handovers = Handovers()
    endpoint = VTPSubscriber(handovers, _never, "127.0.0.1", comet.broadcast_port, local_ivo="ivo://pyros.test/s")
    try:
        endpoint.start()
        deadline = time.monotonic() + 10
        while not endpoint.describe()["authenticated"] and time.monotonic() < deadline:
            time.sleep(0.02)
        out = sendtestalert("--vtp", f"127.0.0.1:{comet.receive_port}", "--ra", "12.5", "--dec", "-30")
        payload, *_ = handovers.next()
    finally:
        endpoint.stop()
        comet.stop()
    packet = parse(payload)
    assert out.strip() == f"acknowledged by 127.0.0.1:{comet.receive_port}: {packet.ivorn}"
    assert packet.role == "test" and packet.position is not None
    assert (packet.position.ra, packet.position.dec) == (12.5, -30.0)


def test_sendtestalert_through_kafka_from_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from confluent_kafka import Consumer

    from .brokers import Tansu

    tansu = Tansu().start()
    try:
        config = tmp_path / "agents.ini"
        config.write_text(
            f"[alert_manager]\nhost = 127.0.0.1\nport = 5001\nkafka_bootstrap = {tansu.bootstrap}\n"
            "kafka_topics = gcn.classic.voevent.TEST_A, gcn.classic.voevent.TEST_B\n"
        )
        monkeypatch.setenv("PYROS_AGENT_CONFIG", str(config))
        out = sendtestalert()
        assert out.strip() == f"delivered to {tansu.bootstrap} topic gcn.classic.voevent.TEST_A"
        consumer = Consumer(
            {"bootstrap.servers": tansu.bootstrap, "group.id": "check", "auto.offset.reset": "earliest"}
        )
        consumer.subscribe(["gcn.classic.voevent.TEST_A"])
        message = None
        deadline = time.monotonic() + 30
        while message is None and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error():
                message = None
        consumer.close()
        assert message is not None and b'role="test"' in message.value()
    finally:
        tansu.stop()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(["--vtp", "127.0.0.1:1", "--kafka", "x"], "not both", id="both"),
        pytest.param(["--kafka", "127.0.0.1:1"], "--kafka needs --topic", id="no-topic"),
        pytest.param(["--vtp", "nowhere"], "expected host:port", id="bad-address"),
        pytest.param(["--dec", "91"], "--dec must be in -90..90", id="bad-dec"),
    ],
)
def test_sendtestalert_errors(args: list[str], error: str) -> None:
    with pytest.raises(CommandError, match=error):
        sendtestalert(*args)


def test_sendtestalert_unreachable(tmp_path: Path) -> None:
    from common.testing import free_port

    with pytest.raises(CommandError, match=r"Connection refused|ConnectionRefused"):
        sendtestalert("--vtp", f"127.0.0.1:{free_port()}")


def test_sendtestalert_without_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "agents.ini"
    config.write_text("[alert_manager]\nhost = 127.0.0.1\nport = 5001\n")
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(config))
    with pytest.raises(CommandError, match="no broker"):
        sendtestalert()
