"""What the dashboard persists: each agent's last heartbeat, and the log of injected messages.

``AgentStatus`` has one row per agent name, written by the heartbeat thread of whichever process
runs the agent (``common.heartbeat``); ``MessageLog`` has one row per message injected through the
REST API, the websocket or the admin (``common.inject``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AgentStatus(models.Model):
    """The last status an agent's process reported (its heartbeat)."""

    name = models.CharField(max_length=100, unique=True)
    state = models.CharField(max_length=32)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="Process that runs the agent.")
    hostname = models.CharField(max_length=255, blank=True, help_text="Machine that runs the agent.")
    started_at = models.DateTimeField(null=True, blank=True)
    messages_handled = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    last_message = models.CharField(max_length=255, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    restarts = models.PositiveIntegerField(default=0)
    supervision = models.CharField(max_length=64, blank=True)
    messages = models.JSONField(default=list, blank=True, help_text="Messages the agent knows.")
    endpoints = models.JSONField(default=list, blank=True, help_text="Its endpoints, as they describe themselves.")
    traffic = models.JSONField(default=list, blank=True, help_text="Its recent messages in and out, newest first.")
    heartbeat_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "agent status"
        verbose_name_plural = "agent statuses"
        permissions = [("control_agent", "Can start, stop and restart agents")]

    def __str__(self) -> str:
        return f"{self.name}: {self.state}"


class MessageLog(models.Model):
    """One message injected into an agent by a user, with its outcome."""

    class Outcome(models.TextChoices):
        OK = "ok", "reply"
        BAD_REQUEST = "bad request", "bad request"
        UNKNOWN_AGENT = "unknown agent", "unknown agent"
        UNKNOWN_MESSAGE = "unknown message", "unknown message"
        FORBIDDEN = "forbidden", "forbidden"
        HANDLER_ERROR = "handler error", "handler error"
        UNREACHABLE = "unreachable", "agent unreachable"
        TIMEOUT = "timeout", "timeout"
        SERVER_ERROR = "server error", "server error"

    class Via(models.TextChoices):
        API = "api", "REST API"
        WEBSOCKET = "websocket", "websocket"
        ADMIN = "admin", "admin"

    agent = models.CharField(max_length=100, db_index=True)
    message = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="injected_messages"
    )
    via = models.CharField(max_length=16, choices=Via.choices, default=Via.API)
    sent_at = models.DateTimeField(db_index=True)
    reply = models.JSONField(null=True, blank=True)
    error_type = models.CharField(max_length=255, blank=True)
    error_text = models.TextField(blank=True)
    round_trip_ms = models.FloatField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=32, choices=Outcome.choices, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        permissions = [("inject_message", "Can inject messages into agents")]

    def __str__(self) -> str:
        return f"{self.message} -> {self.agent} ({self.outcome})"
