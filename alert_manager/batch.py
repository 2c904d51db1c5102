"""Many packets at once (what a broker sends in a burst): the same results as ``ingest`` one by one, in
order, with the first packets of new triggers inserted together (one transaction, two INSERTs).

A packet goes the one-by-one way when it could depend on another: a retraction anywhere in the batch,
an IVORN or a trigger seen before or twice in the batch.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .ingest import IngestResult, created, new_alert, packet_record, parse_or_reject, store, verdicts_for
from .models import Alert, AlertPacket
from .voevent import VOEventPacket

Item = tuple[bytes, str, datetime]  # raw packet, source, received at
Parsed = tuple[int, VOEventPacket, datetime]  # index in the batch, packet, parsed at


def ingest_many(items: list[Item]) -> list[IngestResult]:
    results: list[IngestResult | None] = [None] * len(items)
    parsed: list[Parsed] = []
    for index, (data, source, received) in enumerate(items):
        packet = parse_or_reject(data, source, received)
        if isinstance(packet, IngestResult):
            results[index] = packet
        else:
            parsed.append((index, packet, timezone.now()))
    together, alone = _split(parsed)
    if together:
        try:
            with transaction.atomic():
                for index, result in _insert_new(together, items):
                    results[index] = result
        except IntegrityError:  # another process stored one of them meanwhile: one by one, then
            alone = sorted(alone + together)
    for index, packet, when in alone:
        data, source, received = items[index]
        results[index] = store(packet, data, source, received, when)
    return [r for r in results if r is not None]


def _split(parsed: list[Parsed]) -> tuple[list[Parsed], list[Parsed]]:
    """The packets that open a new alert independently of the others, and the rest (in order)."""
    if len(parsed) < 2 or any(packet.is_retraction for _, packet, _ in parsed):
        return [], parsed
    if not connection.features.can_return_rows_from_bulk_insert:  # (bulk_create would not set the ids)
        return [], parsed
    ivorns = Counter(packet.ivorn for _, packet, _ in parsed)
    triggers = Counter((p.mission, p.trigger_id) for _, p, _ in parsed if p.trigger_id)
    seen = set(AlertPacket.objects.filter(ivorn__in=list(ivorns)).values_list("ivorn", flat=True))
    ids = {trigger for _, trigger in triggers}
    known = set(Alert.objects.filter(trigger_id__in=ids).values_list("mission", "trigger_id")) if ids else set()
    together, alone = [], []
    for entry in parsed:
        packet = entry[1]
        trigger = (packet.mission, packet.trigger_id)
        independent = ivorns[packet.ivorn] == 1 and packet.ivorn not in seen
        if packet.trigger_id:
            independent = independent and triggers[trigger] == 1 and trigger not in known
        (together if independent else alone).append(entry)
    return together, alone


def _insert_new(together: list[Parsed], items: list[Item]) -> list[tuple[int, IngestResult]]:
    built: list[tuple[int, VOEventPacket, Alert, bool, str, dict[str, Any]]] = []
    for index, packet, when in together:
        data, source, received = items[index]
        history = {"raw": bytes(data), "source": source, "received_at": received, "parsed_at": when}
        alert, passed, reason = new_alert(packet, history, verdicts_for(packet, when))
        built.append((index, packet, alert, passed, reason, history))
    Alert.objects.bulk_create([alert for _, _, alert, _, _, _ in built])
    records = [packet_record(alert, packet, AlertPacket.Kind.NEW, history) for _, packet, alert, _, _, history in built]
    AlertPacket.objects.bulk_create(records)
    stored = timezone.now()  # every row written; the transaction commits right after
    Alert.objects.filter(pk__in=[alert.pk for _, _, alert, _, _, _ in built]).update(stored_at=stored)
    for _, _, alert, _, _, _ in built:
        alert.stored_at = stored
    return [(index, created(alert, packet, passed, reason)) for index, packet, alert, passed, reason, _ in built]
