"""One packet in: parsed, deduplicated, stored, filtered; the scheduler told; the websocket told.

The semantics follow what follow-up systems need (RTS2's rts2-grbd is the model):

- a packet whose IVORN was seen is a duplicate: acknowledged, nothing stored;
- a later packet of the same trigger (mission + trigger id) updates the alert: a smaller error circle
  replaces the position (``update``), a larger one is kept as history only (``worse``);
- a retraction (``<EventIVORN cite="retraction">`` or Swift's ``Def_NOT_a_GRB=true``) marks the alert
  retracted and, if the scheduler had it, tells it so;
- ``role="test"`` is stored but not scheduled unless ``PYROS_ALERT_SCHEDULE_TEST``;
- what passes the filters of at least one observatory (``PYROS_ALERT_OBSERVATORIES``; none configured:
  everything passes) is sent to the scheduler as ``NEW_ALERT`` with ``event`` new, update or retraction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from common.conf import setting

from . import rows
from .filters import Verdict, evaluate_all, observatories_from
from .models import Alert, AlertPacket, RejectedPacket
from .voevent import VOEventPacket, parse

log = logging.getLogger("pyros.alerts")

KEEP_REJECTED_BYTES = 1024 * 1024


@dataclass(slots=True)
class IngestResult:
    outcome: str  # accepted | test | update | worse | info | retraction | duplicate | rejected
    alert_id: int | None = None
    ivorn: str | None = None
    reason: str = ""
    event: str | None = None  # what the scheduler is told: new | update | retraction (None: nothing)
    rejected_id: int | None = None
    alert: Alert | None = field(default=None, repr=False)  # as stored (saves a query to whoever needs it)

    def line(self) -> str:
        """One line for a person: what happened to the packet."""
        alert = f"alert {self.alert_id}"
        texts = {
            "accepted": f"accepted: {alert}",
            "test": f"test: {alert}",
            "update": f"update of {alert}",
            "worse": f"update of {alert} (worse error box, kept as history)",
            "info": f"update of {alert} (no position)",
            "retraction": f"retraction of {alert}",
            "duplicate": f"duplicate of {alert}",
            "rejected": f"rejected: {self.reason}",
        }
        text = texts.get(self.outcome, self.outcome)
        if self.reason and self.outcome != "rejected":
            text += f" ({self.reason})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "alert_id": self.alert_id,
            "ivorn": self.ivorn,
            "reason": self.reason,
            "event": self.event,
            "rejected_id": self.rejected_id,
            "line": self.line(),
        }


def ingest(data: bytes, *, source: str = "", received_at: datetime | None = None) -> IngestResult:
    """Parse and store one packet; the result says what to tell the scheduler (``event``)."""
    received = received_at or timezone.now()
    packet = parse_or_reject(data, source, received)
    if isinstance(packet, IngestResult):
        return packet
    return store(packet, data, source, received, timezone.now())


def parse_or_reject(data: bytes, source: str, received: datetime) -> VOEventPacket | IngestResult:
    """The parsed packet, or the result of a rejected one (recorded with its bytes)."""
    try:
        return parse(bytes(data), max_size=setting("PYROS_ALERT_MAX_PACKET_SIZE"))
    except Exception as exc:  # PacketRejected, or a bug of ours: record the packet either way
        reason = getattr(exc, "reason", None) or f"cannot parse: {type(exc).__name__}: {exc}"
        return _reject(data, reason, source, received)


def store(packet: VOEventPacket, data: bytes, source: str, received: datetime, parsed: datetime) -> IngestResult:
    """Store one parsed packet (in a transaction of its own)."""
    verdicts = verdicts_for(packet, parsed)
    try:
        with transaction.atomic():
            return _store(packet, bytes(data), source, received, parsed, verdicts)
    except IntegrityError:  # the same IVORN stored meanwhile by another process
        return _duplicate(packet.ivorn)


def _reject(data: bytes, reason: str, source: str, received: datetime) -> IngestResult:
    record = RejectedPacket.objects.create(
        reason=reason, source=source, raw=bytes(data[:KEEP_REJECTED_BYTES]), size=len(data), received_at=received
    )
    log.info("alert packet from %s rejected: %s", source or "?", reason)
    return IngestResult("rejected", reason=reason, rejected_id=record.pk)


def _duplicate(ivorn: str) -> IngestResult:
    alert_id = AlertPacket.objects.filter(ivorn=ivorn).values_list("alert_id", flat=True).first()
    return IngestResult("duplicate", alert_id, ivorn)


def verdicts_for(packet: VOEventPacket, when: datetime) -> list[Verdict] | None:
    """The filters' verdicts on the packet's position (None: no filter configured, everything passes)."""
    entries = setting("PYROS_ALERT_OBSERVATORIES")
    if not entries or packet.position is None or packet.is_retraction:
        return None
    position = packet.position
    return evaluate_all(
        observatories_from(entries),
        ra=position.ra,
        dec=position.dec,
        error_radius=position.error_radius,
        notice_type=packet.notice_type,
        when=when,
    )


def _store(
    packet: VOEventPacket, raw: bytes, source: str, received: datetime, parsed: datetime, verdicts: list[Verdict] | None
) -> IngestResult:
    seen, same_trigger = rows.seen_and_same_trigger(packet.ivorn, packet.mission, packet.trigger_id)
    if seen is not None:
        return IngestResult("duplicate", seen, packet.ivorn)
    history = {"raw": raw, "source": source, "received_at": received, "parsed_at": parsed}
    if packet.is_retraction:
        return _retract(packet, history)
    if same_trigger is not None:
        return _update(Alert.objects.get(pk=same_trigger), packet, history, verdicts)
    return _create(packet, history, verdicts)


def _add_packet(alert: Alert, packet: VOEventPacket, kind: str, history: dict[str, Any]) -> AlertPacket:
    record = packet_record(alert, packet, kind, history)
    rows.insert(record)
    return record


def packet_record(alert: Alert, packet: VOEventPacket, kind: str, history: dict[str, Any]) -> AlertPacket:
    position = packet.position
    return AlertPacket(
        alert=alert,
        ivorn=packet.ivorn,
        kind=kind,
        role=packet.role,
        notice_type=packet.notice_type,
        ra=None if position is None else position.ra,
        dec=None if position is None else position.dec,
        error_radius=None if position is None else position.error_radius,
        packet_date=packet.packet_date,
        stored_at=timezone.now(),
        **history,
    )


def _content(packet: VOEventPacket) -> dict[str, Any]:
    """The fields of an alert that a packet with a (better) position sets."""
    position = packet.position
    fields: dict[str, Any] = {
        "latest_ivorn": packet.ivorn,
        "notice_type": packet.notice_type,
        "params": packet.params,
        "groups": packet.groups,
        "inferences": packet.inferences,
        "citations": [{"ivorn": c.ivorn, "cite": c.cite} for c in packet.citations],
        "importance": packet.importance,
    }
    if position is not None:
        fields.update(ra=position.ra, dec=position.dec, error_radius=position.error_radius, frame=position.frame)
    if packet.event_time is not None:
        fields["event_time"] = packet.event_time
    return fields


def _create(packet: VOEventPacket, history: dict[str, Any], verdicts: list[Verdict] | None) -> IngestResult:
    alert, passed, reason = new_alert(packet, history, verdicts)
    rows.insert(alert)
    _add_packet(alert, packet, AlertPacket.Kind.NEW, history)
    rows.set_stored_at(alert, timezone.now())  # both rows written; the transaction commits right after
    return created(alert, packet, passed, reason)


def created(alert: Alert, packet: VOEventPacket, passed: bool, reason: str) -> IngestResult:
    """The result for a new alert: accepted (sent to the scheduler if it passed the filters) or test."""
    if packet.role == "test" and not setting("PYROS_ALERT_SCHEDULE_TEST"):
        return IngestResult("test", alert.pk, packet.ivorn, "not scheduled: role=test", alert=alert)
    event = "new" if passed else None
    return IngestResult("accepted", alert.pk, packet.ivorn, "" if passed else reason, event, alert=alert)


def new_alert(
    packet: VOEventPacket, history: dict[str, Any], verdicts: list[Verdict] | None
) -> tuple[Alert, bool, str]:
    """An unsaved alert for the first packet of a trigger, with the filters' decision."""
    alert = Alert(
        ivorn=packet.ivorn,
        mission=packet.mission,
        trigger_id=packet.trigger_id or "",
        stream=packet.stream,
        role=packet.role,
        author_ivorn=packet.author_ivorn or "",
        author=packet.author or "",
        packet_date=packet.packet_date,
        received_at=history["received_at"],
        parsed_at=history["parsed_at"],
        **_content(packet),
    )
    passed, reason = _decide(alert, verdicts)
    return alert, passed, reason


def _decide(alert: Alert, verdicts: list[Verdict] | None) -> tuple[bool, str]:
    """Apply the filters' verdicts to the alert (fields filter_result and observatories)."""
    if verdicts is None:
        alert.filter_result, alert.observatories = "no observatory filters configured", []
        return True, alert.filter_result
    alert.observatories = [v.observatory for v in verdicts if v.passed]
    alert.filter_result = "; ".join(f"{v.observatory}: {v.reason}" for v in verdicts)
    return bool(alert.observatories), alert.filter_result


def _update(
    alert: Alert, packet: VOEventPacket, history: dict[str, Any], verdicts: list[Verdict] | None
) -> IngestResult:
    alert.updates += 1
    position = packet.position
    better = position is not None and (alert.error_radius is None or position.error_radius < alert.error_radius)
    if position is None:
        kind, outcome = AlertPacket.Kind.INFO, "info"
    elif not better:
        kind, outcome = AlertPacket.Kind.WORSE, "worse"
    else:
        kind, outcome = AlertPacket.Kind.UPDATE, "update"
        for name, value in _content(packet).items():
            setattr(alert, name, value)
    event, reason = None, ""
    if alert.state == Alert.State.RETRACTED:
        reason = "alert is retracted"
    elif better and (alert.role != "test" or setting("PYROS_ALERT_SCHEDULE_TEST")):
        passed, reason = _decide(alert, verdicts)
        event = "update" if alert.scheduled else ("new" if passed else None)
        reason = "" if passed else reason
    alert.latest_ivorn = packet.ivorn
    alert.save()
    _add_packet(alert, packet, kind, history)
    return IngestResult(outcome, alert.pk, packet.ivorn, reason, event, alert=alert)


def _retract(packet: VOEventPacket, history: dict[str, Any]) -> IngestResult:
    cited = packet.retracted_ivorns
    query = Q(packets__ivorn__in=cited) | Q(ivorn__in=cited) if cited else Q(pk__in=[])
    if packet.trigger_id:
        query |= Q(mission=packet.mission, trigger_id=packet.trigger_id)
    alert = Alert.objects.filter(query).order_by("id").first()
    if alert is None:  # the retraction came first: keep it, so that the alert is born retracted
        alert = Alert(
            ivorn=packet.ivorn,
            mission=packet.mission,
            trigger_id=packet.trigger_id or "",
            stream=packet.stream,
            role=packet.role,
            notice_type=packet.notice_type,
            packet_date=packet.packet_date,
            received_at=history["received_at"],
            parsed_at=history["parsed_at"],
            filter_result="retracted before any position",
        )
    else:
        alert.updates += 1
    was_active = alert.state == Alert.State.ACTIVE
    alert.state, alert.latest_ivorn = Alert.State.RETRACTED, packet.ivorn
    alert.retracted_at = alert.retracted_at or timezone.now()
    alert.save()
    _add_packet(alert, packet, AlertPacket.Kind.RETRACTION, history)
    event = "retraction" if alert.scheduled and was_active else None
    reason = "" if was_active else "already retracted"
    return IngestResult("retraction", alert.pk, packet.ivorn, reason, event, alert=alert)
