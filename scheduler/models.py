"""Observation requests and the computed schedules (one per night and version, with ordered slots).

``ObservationRequest.alert_id``/``alert_ivorn`` name the alert a target-of-opportunity request came
from: a plain integer and text, not a foreign key (the alert models live in ``alert_manager``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ObservationRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SCHEDULED = "scheduled", "scheduled"
        OBSERVING = "observing", "observing"
        DONE = "done", "done"
        CANCELLED = "cancelled", "cancelled"
        FAILED = "failed", "failed"

    WAITING = (State.PENDING, State.SCHEDULED)  # to be planned

    name = models.CharField(max_length=200)
    ra = models.FloatField(
        "RA (deg)", validators=[MinValueValidator(0.0), MaxValueValidator(359.999999999)], help_text="ICRS, degrees."
    )
    dec = models.FloatField(
        "Dec (deg)", validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)], help_text="ICRS, degrees."
    )
    duration = models.FloatField(
        "duration (s)", validators=[MinValueValidator(1.0), MaxValueValidator(86400.0)], help_text="Seconds."
    )
    priority = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)], help_text="1 is the most important (as astroplan)."
    )
    earliest = models.DateTimeField(null=True, blank=True, help_text="Not before (UTC).")
    latest = models.DateTimeField(null=True, blank=True, help_text="Finished by (UTC).")
    min_altitude = models.FloatField(
        "minimum altitude (deg)", default=30.0, validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)]
    )
    max_airmass = models.FloatField(null=True, blank=True, validators=[MinValueValidator(1.0)])
    min_moon_separation = models.FloatField(
        "minimum Moon separation (deg)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(180.0)],
    )
    alert_id = models.IntegerField(null=True, blank=True, db_index=True, help_text="The alert (alert_manager) id.")
    alert_ivorn = models.CharField(max_length=500, blank=True, db_index=True)
    error_radius = models.FloatField("error radius (deg)", null=True, blank=True, help_text="Of the alert position.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="observation_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        permissions = [("manage_requests", "Can create, change and cancel any observation request")]

    def __str__(self) -> str:
        return f"{self.name} (p{self.priority}, {self.state})"

    @property
    def is_too(self) -> bool:
        return self.alert_id is not None or bool(self.alert_ivorn)


class Schedule(models.Model):
    """One computed plan of a night; the current one is the latest version of the newest night."""

    night = models.DateField(help_text="The night begins on the evening of this local date.")
    version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    night_start = models.DateTimeField(null=True, blank=True)
    night_end = models.DateTimeField(null=True, blank=True)
    planned_from = models.DateTimeField(null=True, blank=True, help_text="Re-plan from this time on.")
    site = models.JSONField(default=dict)
    reason = models.CharField(max_length=200, blank=True)
    compute_ms = models.FloatField(null=True, blank=True)
    requests_considered = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-night", "-version"]
        constraints = [models.UniqueConstraint(fields=["night", "version"], name="schedule_night_version")]

    def __str__(self) -> str:
        return f"night {self.night} v{self.version}"


class Slot(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", "planned"
        OBSERVING = "observing", "observing"
        DONE = "done", "done"
        ABORTED = "aborted", "aborted"
        SKIPPED = "skipped", "skipped"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="slots")
    request = models.ForeignKey(ObservationRequest, on_delete=models.CASCADE, related_name="slots")
    order = models.PositiveIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED)

    class Meta:
        ordering = ["schedule", "order"]

    def __str__(self) -> str:
        return f"{self.request.name} {self.start:%H:%M}-{self.end:%H:%M}"
