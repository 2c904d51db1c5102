"""REST serializers of observation requests (the schedule is a plain dict of ``store.schedule_view``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import ObservationRequest


class ObservationRequestSerializer(serializers.ModelSerializer[ObservationRequest]):
    class Meta:
        model = ObservationRequest
        fields = [
            "id",
            "name",
            "ra",
            "dec",
            "duration",
            "priority",
            "earliest",
            "latest",
            "min_altitude",
            "max_airmass",
            "min_moon_separation",
            "alert_id",
            "alert_ivorn",
            "error_radius",
            "state",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state", "owner", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        earliest = attrs.get("earliest", getattr(self.instance, "earliest", None))
        latest = attrs.get("latest", getattr(self.instance, "latest", None))
        duration = attrs.get("duration", getattr(self.instance, "duration", None))
        if earliest and latest and duration and (latest - earliest).total_seconds() < duration:
            raise serializers.ValidationError({"latest": "the window earliest..latest is shorter than the duration"})
        return attrs


class ScheduleSlotSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    request = serializers.IntegerField()
    name = serializers.CharField()
    priority = serializers.IntegerField()
    ra = serializers.FloatField()
    dec = serializers.FloatField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    state = serializers.CharField()


class ScheduleSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    night = serializers.DateField()
    version = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    night_start = serializers.DateTimeField(allow_null=True)
    night_end = serializers.DateTimeField(allow_null=True)
    planned_from = serializers.DateTimeField(allow_null=True)
    site = serializers.DictField()
    reason = serializers.CharField(allow_blank=True)
    compute_ms = serializers.FloatField(allow_null=True)
    requests_considered = serializers.IntegerField()
    slots = ScheduleSlotSerializer(many=True)
