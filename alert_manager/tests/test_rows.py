"""alert_manager.rows: the hot statements store exactly what the ORM stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.forms.models import model_to_dict

from alert_manager import rows
from alert_manager.models import Alert, AlertPacket

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 12, 2, 3, 4, 5, 678901, tzinfo=UTC)


def _alert(ivorn: str, trigger: str) -> Alert:
    return Alert(
        ivorn=ivorn, latest_ivorn=ivorn, mission="SWIFT", trigger_id=trigger, role="observation", ra=150.5,
        dec=-20.25, error_radius=0.05, params={"TrigID": {"value": trigger}, "nested": [1, 2.5, None, "é"]},
        groups={"g": {"p": {"value": "true"}}}, citations=[{"ivorn": "ivo://x#1", "cite": "followup"}],
        observatories=["OHP"], packet_date=WHEN, received_at=WHEN, parsed_at=WHEN,
    )  # fmt: skip


def test_insert_stores_what_save_stores() -> None:
    ours, orm = _alert("ivo://a#1", "1"), _alert("ivo://a#2", "2")
    rows.insert(ours)
    orm.save(force_insert=True)
    assert ours.pk is not None and ours.pk != orm.pk and not ours._state.adding
    assert ours.updated_at is not None  # auto_now ran, as in save()
    mine, theirs = model_to_dict(Alert.objects.get(pk=ours.pk)), model_to_dict(Alert.objects.get(pk=orm.pk))
    differ = {"id", "ivorn", "latest_ivorn", "trigger_id", "params"}
    assert {k: v for k, v in mine.items() if k not in differ} == {k: v for k, v in theirs.items() if k not in differ}
    assert mine["params"] == ours.params

    packet = AlertPacket(alert=ours, ivorn="ivo://a#1", kind="new", role="observation", raw=b"<x>\x00\xff</x>",
                         received_at=WHEN, parsed_at=WHEN)  # fmt: skip
    rows.insert(packet)
    assert bytes(AlertPacket.objects.get(pk=packet.pk).raw) == b"<x>\x00\xff</x>"
    rows.set_stored_at(ours, WHEN)
    assert Alert.objects.get(pk=ours.pk).stored_at == WHEN


def test_lookup_finds_duplicates_and_the_first_alert_of_a_trigger() -> None:
    assert rows.seen_and_same_trigger("ivo://a#1", "SWIFT", "1") == (None, None)
    first, second = _alert("ivo://a#1", "1"), _alert("ivo://a#9", "1")
    rows.insert(first)
    rows.insert(second)
    rows.insert(AlertPacket(alert=second, ivorn="ivo://p#1", kind="new", role="observation", raw=b"", received_at=WHEN))
    assert rows.seen_and_same_trigger("ivo://p#1", "SWIFT", "1") == (second.pk, first.pk)
    assert rows.seen_and_same_trigger("ivo://p#2", "FERMI", "1") == (None, None)
    rows.insert(_alert("ivo://a#10", ""))
    assert rows.seen_and_same_trigger("ivo://p#2", "SWIFT", "") == (None, None)  # no trigger id: no update
