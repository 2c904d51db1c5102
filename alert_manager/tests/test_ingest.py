from __future__ import annotations

from typing import Any

import pytest

from alert_manager.handover import notify_scheduler, process
from alert_manager.ingest import ingest
from alert_manager.models import Alert, AlertPacket, RejectedPacket

from .conftest import RecordingScheduler
from .samples import fresh, new_trigger, raw

pytestmark = pytest.mark.django_db

# Observatoire de Haute-Provence; the sample position (RA 150, Dec +20.6) rises there in the night.
OHP = {"name": "OHP", "latitude": 43.93, "longitude": 5.71, "min_altitude": 30}


def test_a_new_alert_is_stored_with_its_raw_packet_and_timings() -> None:
    result = ingest(raw("swift_bat_pos.xml"), source="file")
    assert (result.outcome, result.event) == ("accepted", "new")
    alert = Alert.objects.get(pk=result.alert_id)
    assert (alert.mission, alert.trigger_id, alert.notice_type) == ("SWIFT", "1234567", "BAT_GRB_Pos")
    assert alert.role == "observation"
    assert (alert.ra, alert.dec, alert.error_radius, alert.frame) == (150.1234, 20.5678, 0.05, "UTC-FK5-GEO")
    assert alert.raw == raw("swift_bat_pos.xml")
    assert alert.params["TrigID"]["value"] == "1234567"
    assert alert.groups["Solution_Status"]["Point_Source"]["value"] == "true"
    assert alert.packet_date is not None and alert.event_time is not None
    assert alert.received_at <= alert.parsed_at <= alert.stored_at  # type: ignore[operator]
    assert alert.sent_at is None and not alert.scheduled
    (packet,) = alert.packets.all()
    assert (packet.kind, packet.source, bytes(packet.raw)) == ("new", "file", raw("swift_bat_pos.xml"))
    assert result.line() == f"accepted: alert {alert.pk}"


def test_duplicate_ivorn_is_acknowledged_and_ignored() -> None:
    first = ingest(raw("swift_bat_pos.xml"))
    again = ingest(raw("swift_bat_pos.xml"))
    assert (again.outcome, again.alert_id, again.event) == ("duplicate", first.alert_id, None)
    assert Alert.objects.count() == 1 and AlertPacket.objects.count() == 1
    assert again.line() == f"duplicate of alert {first.alert_id}"


def test_better_position_of_the_same_trigger_replaces_the_old_one() -> None:
    first = ingest(raw("swift_bat_pos.xml"))
    update = ingest(raw("swift_xrt_pos_update.xml"))
    assert (update.outcome, update.alert_id) == ("update", first.alert_id)
    assert update.event == "new"  # the scheduler never had it: it is new to the scheduler
    alert = Alert.objects.get(pk=first.alert_id)
    assert (alert.ra, alert.dec, alert.error_radius) == (150.1301, 20.5702, 0.0015)
    assert (alert.updates, alert.notice_type, alert.ivorn) == (1, "XRT_Position", first.ivorn)
    assert alert.latest_ivorn == update.ivorn
    assert [p.kind for p in alert.packets.all()] == ["new", "update"]
    assert [p.error_radius for p in alert.packets.all()] == [0.05, 0.0015]


def test_worse_error_box_is_history_only() -> None:
    trigger = new_trigger()
    first = ingest(fresh(trigger=trigger, error=0.01))
    worse = ingest(fresh(trigger=trigger, error=0.2))
    assert (worse.outcome, worse.event, worse.alert_id) == ("worse", None, first.alert_id)
    alert = Alert.objects.get(pk=first.alert_id)
    assert alert.error_radius == 0.01 and alert.updates == 1
    assert [p.kind for p in alert.packets.all()] == ["new", "worse"]
    assert "worse error box" in worse.line()


def test_retraction_by_citation(scheduler: RecordingScheduler) -> None:
    first = process(raw("swift_bat_pos.xml"))
    retraction = process(raw("retraction.xml"))
    assert (retraction.outcome, retraction.alert_id, retraction.event) == ("retraction", first.alert_id, "retraction")
    alert = Alert.objects.get(pk=first.alert_id)
    assert alert.state == Alert.State.RETRACTED and alert.retracted_at is not None
    events = [m["event"] for m in scheduler.wait_for(2)]
    assert events == ["new", "retraction"]


def test_swift_def_not_a_grb_retracts(scheduler: RecordingScheduler) -> None:
    first = process(raw("swift_bat_pos.xml"))
    flagged = process(raw("swift_not_a_grb.xml"))
    assert (flagged.outcome, flagged.alert_id, flagged.event) == ("retraction", first.alert_id, "retraction")
    assert Alert.objects.get(pk=first.alert_id).state == "retracted"
    assert [m["event"] for m in scheduler.wait_for(2)] == ["new", "retraction"]


def test_retraction_before_the_alert_it_retracts() -> None:
    early = ingest(raw("retraction.xml"))
    assert early.outcome == "retraction" and early.event is None
    late = ingest(raw("swift_bat_pos.xml"))
    assert (late.outcome, late.alert_id, late.event) == ("update", early.alert_id, None)
    assert Alert.objects.get(pk=early.alert_id).state == "retracted"


def test_retraction_of_an_unsent_alert_tells_the_scheduler_nothing() -> None:
    ingest(raw("swift_bat_pos.xml"))
    assert ingest(raw("retraction.xml")).event is None


def test_test_role_is_stored_not_scheduled(settings: Any) -> None:
    result = ingest(raw("test_role.xml"))
    assert (result.outcome, result.event) == ("test", None)
    assert Alert.objects.get(pk=result.alert_id).role == "test"
    settings.PYROS_ALERT_SCHEDULE_TEST = True
    scheduled = ingest(fresh("test_role.xml", trigger=new_trigger()))
    assert (scheduled.outcome, scheduled.event) == ("accepted", "new")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("no_position.xml", "no position", id="no-position"),
        pytest.param("malformed.xml", "malformed XML", id="malformed"),
        pytest.param("billion_laughs.xml", "DOCTYPE/DTD not allowed", id="billion-laughs"),
        pytest.param("external_entity.xml", "DOCTYPE/DTD not allowed", id="external-entity"),
    ],
)
def test_rejected_packets_are_recorded_with_their_bytes(name: str, reason: str) -> None:
    result = ingest(raw(name), source="test")
    assert result.outcome == "rejected" and result.reason.startswith(reason)
    record = RejectedPacket.objects.get(pk=result.rejected_id)
    assert bytes(record.raw) == raw(name) and record.size == len(raw(name)) and record.source == "test"
    assert result.line() == f"rejected: {result.reason}"
    assert not Alert.objects.exists()


def test_oversized_packet_is_rejected(settings: Any) -> None:
    settings.PYROS_ALERT_MAX_PACKET_SIZE = 1000
    result = ingest(raw("swift_bat_pos.xml"))
    assert result.outcome == "rejected" and "over the limit of 1000 bytes" in result.reason


def test_filters_field_of_view_then_a_better_position(settings: Any, scheduler: RecordingScheduler) -> None:
    settings.PYROS_ALERT_OBSERVATORIES = [{**OHP, "fov_radius": 0.01}]
    bat = process(raw("swift_bat_pos.xml"))
    assert bat.event is None and "over the field of view" in bat.reason
    xrt = process(raw("swift_xrt_pos_update.xml"))
    assert (xrt.outcome, xrt.event) == ("update", "new")
    (sent,) = scheduler.wait_for(1)
    assert sent == {
        "alert_id": bat.alert_id,
        "ivorn": "ivo://nasa.gsfc.gcn/SWIFT#XRT_Position_1234567-003",
        "event": "new",
        "ra": 150.1301,
        "dec": 20.5702,
        "error_radius": 0.0015,
        "role": "observation",
        "mission": "SWIFT",
        "trigger": "1234567",
    }
    alert = Alert.objects.get(pk=bat.alert_id)
    assert alert.scheduled and alert.sent_at is not None and alert.observatories == ["OHP"]


@pytest.mark.parametrize(
    ("observatory", "passes"),
    [
        pytest.param(OHP, True, id="visible"),
        pytest.param({**OHP, "notice_types": ["XRT_Position"]}, False, id="notice-type"),
        pytest.param({**OHP, "notice_types": ["BAT_GRB_Pos"]}, True, id="notice-type-followed"),
        pytest.param({**OHP, "latitude": -70.0}, False, id="never-up-from-antarctica"),
        pytest.param({**OHP, "min_altitude": 89.0}, False, id="never-that-high"),
    ],
)
def test_filters(settings: Any, observatory: dict[str, Any], passes: bool) -> None:
    settings.PYROS_ALERT_OBSERVATORIES = [observatory]
    result = ingest(raw("swift_bat_pos.xml"))
    assert (result.event == "new") is passes, result.reason
    assert Alert.objects.get(pk=result.alert_id).observatories == (["OHP"] if passes else [])


def test_any_observatory_suffices(settings: Any) -> None:
    settings.PYROS_ALERT_OBSERVATORIES = [{**OHP, "name": "south", "latitude": -70.0}, OHP]
    result = ingest(raw("swift_bat_pos.xml"))
    assert result.event == "new"
    alert = Alert.objects.get(pk=result.alert_id)
    assert alert.observatories == ["OHP"] and "south: not above" in alert.filter_result


def test_update_after_scheduling_is_an_update(scheduler: RecordingScheduler) -> None:
    process(raw("swift_bat_pos.xml"))
    update = process(raw("swift_xrt_pos_update.xml"))
    assert update.event == "update"
    assert [m["event"] for m in scheduler.wait_for(2)] == ["new", "update"]


def test_scheduler_unreachable_is_recorded_not_raised(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    from common.testing import free_port

    config = tmp_path / "agents.ini"
    config.write_text(f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n")
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(config))
    settings.PYROS_AGENT_CONFIG = str(config)
    result = ingest(raw("swift_bat_pos.xml"))
    assert notify_scheduler(result, timeout=1.0) is False
    alert = Alert.objects.get(pk=result.alert_id)
    assert "NEW_ALERT (new) not delivered" in alert.send_error and not alert.scheduled
