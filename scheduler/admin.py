from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import ObservationRequest, Schedule, Slot


@admin.register(ObservationRequest)
class ObservationRequestAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "priority",
        "state",
        "ra",
        "dec",
        "duration",
        "min_altitude",
        "earliest",
        "latest",
        "alert_id",
    )
    list_filter = ("state", "priority")
    search_fields = ("name", "alert_ivorn")
    readonly_fields = ("created_at", "updated_at")
    actions = ["cancel_requests"]

    @admin.action(description="Cancel the selected requests")
    def cancel_requests(self, request: HttpRequest, queryset: QuerySet[ObservationRequest]) -> None:
        done = queryset.exclude(state__in=["done", "cancelled"]).update(state=ObservationRequest.State.CANCELLED)
        self.message_user(request, f"{done} request(s) cancelled.")


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    fields = ("order", "request", "start", "end", "state")
    readonly_fields = ("order", "request", "start", "end")
    can_delete = False


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("night", "version", "computed_at", "night_start", "night_end", "reason", "compute_ms")
    list_filter = ("night",)
    readonly_fields = [f.name for f in Schedule._meta.fields]
    inlines = [SlotInline]
