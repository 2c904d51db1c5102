"""JSON views of alerts for the REST API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Alert, AlertPacket

TIMING_FIELDS = ["packet_date", "received_at", "parsed_at", "stored_at", "sent_at", "slew_commanded_at", "slew_done_at"]
SUMMARY_FIELDS = ["id", "ivorn", "latest_ivorn", "mission", "trigger_id", "notice_type", "role", "state"]
SUMMARY_FIELDS += ["ra", "dec", "error_radius", "frame", "event_time", "updates", "scheduled", "received_at"]


class AlertSerializer(serializers.ModelSerializer[Alert]):
    class Meta:
        model = Alert
        fields = SUMMARY_FIELDS


class AlertPacketSerializer(serializers.ModelSerializer[AlertPacket]):
    raw = serializers.SerializerMethodField(help_text="The packet as it came (UTF-8, undecodable bytes replaced).")

    class Meta:
        model = AlertPacket
        fields = ["id", "ivorn", "kind", "role", "notice_type", "source", "ra", "dec", "error_radius"]
        fields += ["packet_date", "received_at", "parsed_at", "stored_at", "raw"]

    def get_raw(self, packet: AlertPacket) -> str:
        return bytes(packet.raw).decode("utf-8", "replace")


class AlertDetailSerializer(serializers.ModelSerializer[Alert]):
    packets = AlertPacketSerializer(many=True, read_only=True)
    timings = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [*SUMMARY_FIELDS, "stream", "author_ivorn", "author", "importance", "params", "groups"]
        fields += ["inferences", "citations", "filter_result", "observatories", "send_error", "retracted_at"]
        fields += ["timings", "packets"]

    def get_timings(self, alert: Alert) -> dict[str, Any]:
        """The timing audit: each step's time, and milliseconds since the packet was received."""
        received = alert.received_at
        steps: dict[str, Any] = {}
        for name in TIMING_FIELDS:
            value = getattr(alert, name)
            since = None if value is None or received is None else (value - received).total_seconds() * 1000
            steps[name] = {"at": value.isoformat() if value else None, "ms_after_received": since}
        return steps


class IngestResultSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField()
    alert_id = serializers.IntegerField(allow_null=True)
    ivorn = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    event = serializers.CharField(allow_null=True)
    rejected_id = serializers.IntegerField(allow_null=True)
    line = serializers.CharField()
