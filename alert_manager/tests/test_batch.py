from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alert_manager.batch import ingest_many
from alert_manager.handover import process_many
from alert_manager.models import Alert, AlertPacket, RejectedPacket

from .conftest import RecordingScheduler
from .samples import fresh, new_trigger, raw

pytestmark = pytest.mark.django_db


def items(*packets: bytes) -> list[tuple[bytes, str, datetime]]:
    return [(p, "test", datetime.now(UTC)) for p in packets]


def test_new_triggers_together_same_results_as_one_by_one() -> None:
    packets = [fresh(trigger=new_trigger()) for _ in range(20)]
    results = ingest_many(items(*packets))
    assert [r.outcome for r in results] == ["accepted"] * 20
    assert [r.event for r in results] == ["new"] * 20
    assert Alert.objects.count() == 20 and AlertPacket.objects.count() == 20
    for result, packet in zip(results, packets, strict=True):
        alert = Alert.objects.get(pk=result.alert_id)
        assert alert.raw == packet and alert.stored_at is not None and alert.parsed_at is not None
        assert alert.packets.get().ivorn == result.ivorn


def test_a_mixed_burst_keeps_the_order_semantics() -> None:
    trigger = new_trigger()
    burst = [
        fresh(trigger=new_trigger()),  # new
        raw("swift_bat_pos.xml"),  # new trigger 1234567
        raw("swift_bat_pos.xml"),  # duplicate of the one before, same batch
        raw("swift_xrt_pos_update.xml"),  # update of 1234567, same batch
        raw("malformed.xml"),  # rejected
        fresh(trigger=trigger, error=0.1),  # new
        fresh(trigger=trigger, error=0.5),  # worse, same batch
        raw("test_role.xml"),  # test
    ]
    outcomes = [r.outcome for r in ingest_many(items(*burst))]
    assert outcomes == ["accepted", "accepted", "duplicate", "update", "rejected", "accepted", "worse", "test"]
    assert Alert.objects.get(trigger_id="1234567").error_radius == 0.0015
    assert Alert.objects.get(trigger_id=trigger).error_radius == 0.1
    assert RejectedPacket.objects.count() == 1


def test_a_burst_with_a_retraction_goes_one_by_one() -> None:
    outcomes = [r.outcome for r in ingest_many(items(raw("swift_bat_pos.xml"), raw("retraction.xml")))]
    assert outcomes == ["accepted", "retraction"]
    assert Alert.objects.get().state == "retracted"


def test_known_trigger_in_a_later_burst_is_an_update() -> None:
    ingest_many(items(raw("swift_bat_pos.xml"), fresh(trigger=new_trigger())))
    outcomes = [r.outcome for r in ingest_many(items(raw("swift_xrt_pos_update.xml"), fresh(trigger=new_trigger())))]
    assert outcomes == ["update", "accepted"]


def test_process_many_sends_and_records(scheduler: RecordingScheduler) -> None:
    packets = [fresh(trigger=new_trigger()) for _ in range(5)]
    results = process_many(items(*packets))
    received = scheduler.wait_for(5)
    assert [m["ivorn"] for m in received] == [r.ivorn for r in results]
    assert all(m["event"] == "new" for m in received)
    assert Alert.objects.filter(scheduled=True, sent_at__isnull=False).count() == 5
