"""Alerts, every packet of each (the history of its positions), and the packets that were refused.

An :class:`Alert` is one transient (one mission + trigger id, e.g. Swift TrigID 1234567); each
accepted VOEvent about it is an :class:`AlertPacket` with its raw bytes. The alert's position is the
best one seen so far. A packet that cannot be accepted is a :class:`RejectedPacket` (raw bytes kept).
"""

from __future__ import annotations

from django.db import models


class Alert(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "active"
        RETRACTED = "retracted", "retracted"

    ivorn = models.CharField(max_length=255, unique=True, help_text="IVORN of the first packet of the alert.")
    latest_ivorn = models.CharField(max_length=255, help_text="IVORN of the latest packet.")
    mission = models.CharField(max_length=64, db_index=True)
    trigger_id = models.CharField(max_length=64, blank=True, db_index=True)
    notice_type = models.CharField(max_length=100, blank=True, db_index=True)
    stream = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=16, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE, db_index=True)
    author_ivorn = models.CharField(max_length=255, blank=True)
    author = models.CharField(max_length=255, blank=True)
    # The best position so far (smallest error circle), in degrees.
    ra = models.FloatField(null=True, blank=True)
    dec = models.FloatField(null=True, blank=True)
    error_radius = models.FloatField(null=True, blank=True, help_text="Radius of the error circle (degrees).")
    frame = models.CharField(max_length=64, blank=True)
    event_time = models.DateTimeField(null=True, blank=True)
    importance = models.FloatField(null=True, blank=True)
    # What/Why/Citations of the packet that set the position.
    params = models.JSONField(default=dict, blank=True)
    groups = models.JSONField(default=dict, blank=True)
    inferences = models.JSONField(default=list, blank=True)
    citations = models.JSONField(default=list, blank=True)
    updates = models.PositiveIntegerField(default=0, help_text="Packets after the first one.")
    # Follow-up: did it pass the filters, and was it handed to the scheduler?
    scheduled = models.BooleanField(default=False, help_text="Sent to the scheduler as NEW_ALERT.")
    filter_result = models.TextField(blank=True)
    observatories = models.JSONField(default=list, blank=True, help_text="Observatories whose filters it passes.")
    send_error = models.TextField(blank=True)
    # Timing audit (of the first packet; later packets have theirs in AlertPacket).
    packet_date = models.DateTimeField(null=True, blank=True, help_text="Who/Date of the packet.")
    received_at = models.DateTimeField(db_index=True)
    parsed_at = models.DateTimeField(null=True, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Handed to the scheduler.")
    retracted_at = models.DateTimeField(null=True, blank=True)
    slew_commanded_at = models.DateTimeField(null=True, blank=True)
    slew_done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["mission", "trigger_id"])]

    def __str__(self) -> str:
        trigger = f" {self.trigger_id}" if self.trigger_id else ""
        return f"{self.mission}{trigger} {self.notice_type} ({self.state})"

    @property
    def raw(self) -> bytes:
        """The raw bytes of the first packet of the alert."""
        first = self.packets.order_by("id").first()
        return b"" if first is None else bytes(first.raw)


class AlertPacket(models.Model):
    """One accepted packet of an alert: the history of its positions and updates."""

    class Kind(models.TextChoices):
        NEW = "new", "new alert"
        UPDATE = "update", "update (better position)"
        WORSE = "worse", "update (worse error box, kept as history)"
        INFO = "info", "update (no new position)"
        RETRACTION = "retraction", "retraction"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="packets")
    ivorn = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    role = models.CharField(max_length=16)
    notice_type = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="vtp:host:port, kafka:topic, api, file ...")
    raw = models.BinaryField()
    ra = models.FloatField(null=True, blank=True)
    dec = models.FloatField(null=True, blank=True)
    error_radius = models.FloatField(null=True, blank=True)
    packet_date = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    parsed_at = models.DateTimeField(null=True, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ivorn} ({self.kind})"


class RejectedPacket(models.Model):
    """A packet that was refused, with the reason and its raw bytes (for inspection)."""

    reason = models.TextField()
    source = models.CharField(max_length=255, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"rejected ({self.reason[:60]})"
