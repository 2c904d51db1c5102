"""The Alerts panel of the console: ``/alerts/`` (list and link state) and ``/alerts/<id>/`` (detail)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from common.exceptions import PyrosError
from common.sender import Sender

from .models import Alert, RejectedPacket
from .serializers import TIMING_FIELDS


def link_states() -> tuple[list[dict[str, Any]], str]:
    """The alert sources of the running alert_manager agent (wherever it runs), or why they are unknown."""
    try:
        status = Sender.send_to("alert_manager", "STATUS", timeout=1.0)
    except PyrosError as exc:
        return [], f"alert_manager agent not reachable: {exc}"
    links = [e for e in status.get("endpoints", []) if e.get("kind") in ("vtp", "kafka")]
    for link in links:
        for key in ("connected_since", "last_packet_at", "last_heartbeat_at"):
            stamp = link.get(key)
            link[key] = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else None
    return links, "" if links else "no alert source configured (vtp_broker, kafka_bootstrap)"


@login_required(login_url="login")
def alert_list(request: HttpRequest) -> HttpResponse:
    links, link_note = link_states()
    context = {
        "alerts": Alert.objects.order_by("-received_at", "-id")[:100],
        "rejected": RejectedPacket.objects.order_by("-received_at", "-id")[:20],
        "links": links,
        "link_note": link_note,
        "section": "alerts",
    }
    return render(request, "alert_manager/alerts.html", context)


@login_required(login_url="login")
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    packets = [(p, bytes(p.raw).decode("utf-8", "replace")) for p in alert.packets.order_by("id")]
    timings = [(name.replace("_", " "), getattr(alert, name)) for name in TIMING_FIELDS]
    context = {"alert": alert, "packets": packets, "timings": timings, "section": "alerts"}
    return render(request, "alert_manager/alert_detail.html", context)
