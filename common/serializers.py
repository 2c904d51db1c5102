"""Serializers of the REST API: agent status (a plain dict of ``common.status``), message injection
(request, reply, error) and the message log."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .conf import setting
from .models import MessageLog


class AgentStatusSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField()
    state = serializers.CharField(
        help_text="starting, running, stopped, crashed, port in use, unreachable (or not started)."
    )
    detail = serializers.CharField(allow_blank=True, help_text="Why the state is what it is, when it says more.")
    source = serializers.ChoiceField(
        choices=["local", "heartbeat", "none"],
        help_text="local: an agent of the serving process; heartbeat: persisted by another process; none: never seen.",
    )
    host = serializers.CharField(allow_blank=True)
    port = serializers.IntegerField(allow_null=True)
    pid = serializers.IntegerField(allow_null=True, help_text="Process that runs the agent.")
    hostname = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField(allow_null=True)
    messages_handled = serializers.IntegerField()
    errors = serializers.IntegerField()
    last_message = serializers.CharField(allow_blank=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    restarts = serializers.IntegerField()
    supervision = serializers.CharField(allow_blank=True)
    messages = serializers.ListField(child=serializers.CharField(), help_text="Messages the agent knows.")
    heartbeat_at = serializers.DateTimeField(allow_null=True)


def _max_timeout() -> float:
    return float(setting("PYROS_INJECT_MAX_TIMEOUT"))


class InjectRequestSerializer(serializers.Serializer[dict[str, Any]]):
    message = serializers.CharField(max_length=255, help_text="The message type, e.g. PING.")
    params = serializers.JSONField(required=False, default=dict, help_text="A JSON object (default {}).")
    timeout = serializers.FloatField(
        required=False,
        min_value=0.001,
        help_text="Seconds to wait for the reply (default PYROS_SEND_TIMEOUT, at most PYROS_INJECT_MAX_TIMEOUT).",
    )

    def validate_params(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError(f"must be a JSON object, not {type(value).__name__}")
        return value

    def validate_timeout(self, value: float) -> float:
        limit = _max_timeout()
        if value > limit:
            raise serializers.ValidationError(f"at most {limit:g} seconds")
        return value


class InjectErrorDetailSerializer(serializers.Serializer[dict[str, Any]]):
    type = serializers.CharField(help_text="Error type: the handler's exception name, AgentUnreachableError ...")
    text = serializers.CharField()


class _InjectResultSerializer(serializers.Serializer[dict[str, Any]]):
    agent = serializers.CharField()
    message = serializers.CharField()
    status_code = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=MessageLog.Outcome.choices)
    round_trip_ms = serializers.FloatField()
    log_id = serializers.IntegerField(allow_null=True, help_text="Id of the message log entry.")
    sent_at = serializers.DateTimeField()


class InjectReplySerializer(_InjectResultSerializer):
    reply = serializers.JSONField(help_text="The agent's reply (its handler's return value).")


class InjectErrorSerializer(_InjectResultSerializer):
    error = InjectErrorDetailSerializer()


class MessageLogSerializer(serializers.ModelSerializer[MessageLog]):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = MessageLog
        fields = [
            "id",
            "agent",
            "message",
            "params",
            "user",
            "via",
            "sent_at",
            "reply",
            "error_type",
            "error_text",
            "round_trip_ms",
            "status_code",
            "outcome",
        ]
        read_only_fields = fields
