"""Admin: alerts, their packets (raw XML viewable) and the rejected packets, all read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from .models import Alert, AlertPacket, RejectedPacket


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _pre(raw: bytes | memoryview) -> str:
    return format_html('<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>', _text(raw))


def _text(raw: bytes | memoryview) -> str:
    return bytes(raw).decode("utf-8", "replace")


class AlertPacketInline(ReadOnly, admin.StackedInline):  # type: ignore[type-arg]
    model = AlertPacket
    extra = 0
    can_delete = False
    fields = ["ivorn", "kind", "role", "notice_type", "source", "ra", "dec", "error_radius"]
    fields += ["packet_date", "received_at", "parsed_at", "stored_at", "raw_packet"]
    readonly_fields = fields

    @admin.display(description="raw packet")
    def raw_packet(self, packet: AlertPacket) -> str:
        return _pre(packet.raw)


@admin.register(Alert)
class AlertAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "mission", "trigger_id", "notice_type", "role", "state", "ra", "dec", "error_radius"]
    list_display += ["updates", "scheduled", "received_at"]
    list_filter = ["state", "role", "mission", "scheduled", "notice_type"]
    search_fields = ["ivorn", "latest_ivorn", "trigger_id", "mission"]
    date_hierarchy = "received_at"
    inlines = [AlertPacketInline]
    readonly_fields = ["raw_packet"]

    @admin.display(description="raw packet (first)")
    def raw_packet(self, alert: Alert) -> str:
        return _pre(alert.raw)


@admin.register(RejectedPacket)
class RejectedPacketAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["id", "received_at", "source", "size", "reason"]
    list_filter = ["source"]
    search_fields = ["reason"]
    fields = ["received_at", "source", "size", "reason", "raw_packet"]
    readonly_fields = fields

    @admin.display(description="raw packet")
    def raw_packet(self, record: RejectedPacket) -> str:
        return _pre(record.raw)
