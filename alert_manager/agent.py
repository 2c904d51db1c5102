"""The alert manager agent: alert packets in (VTP and Kafka endpoints, the "New alert" message), stored,
filtered and handed to the scheduler; link watch ("alert link down").

Its source endpoints (``alert_manager.endpoints``: ``vtp_broker``, ``kafka_bootstrap`` in the
``[alert_manager]`` section) acknowledge first and hand each packet over with
``call_soon(self.receive_packets, [...])``: parsing, storing and telling the scheduler run in this
agent's thread, in arrival order.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from common.agent import Agent
from common.conf import setting
from common.protocol import Message

from . import events
from .events import summary
from .handover import process, process_many
from .models import Alert

log = logging.getLogger("pyros.alerts")

# A packet as a source endpoint hands it over: raw bytes, source, received at (epoch), done callback.
Packet = tuple[bytes, str, float, Callable[[], None] | None]


class AlertManagerAgent(Agent):
    MSG_NEW_ALERT = "New alert"  # {"xml": "<voe:VOEvent ...>"} -> what happened to it
    MSG_LIST_ALERTS = "List alerts"  # {"limit": 20, "role": ..., "state": ...} -> newest first

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Agent.ALERT_MANAGER, **kwargs)
        self.outcomes: Counter[str] = Counter()
        self.links_down: dict[str, bool] = {}
        self.actions_by_message = {
            self.MSG_NEW_ALERT: self.new_alert,
            self.MSG_LIST_ALERTS: self.list_alerts,
        }

    def work(self) -> None:
        self.call_every(setting("PYROS_ALERT_LINK_CHECK_INTERVAL"), self.check_links)

    # --- packets ---------------------------------------------------------------------------------------
    def receive_packets(self, packets: list[Packet]) -> None:
        """What a source endpoint read at once (runs in this thread, through ``call_soon``), processed in
        arrival order: ``(payload, source, received_at, done)`` each. ``done`` (or None) is called once the
        packet is stored (a Kafka offset is committed then); if storing fails it is not, and the packet
        comes again."""
        items = [(payload, source, datetime.fromtimestamp(at, UTC)) for payload, source, at, _ in packets]
        try:
            results = process_many(items)
        except Exception as exc:  # the database is down ...: none is acknowledged to Kafka, all come again
            self.outcomes["failed"] += len(items)
            self.stats.errors += 1
            self.stats.last_error = f"{len(items)} alert packet(s) not stored: {type(exc).__name__}: {exc}"
            log.exception("%d alert packet(s) not stored", len(items))
            return
        for result, (_, _, _, done) in zip(results, packets, strict=True):
            self.outcomes[result.outcome] += 1
            if done is not None:
                done()

    def new_alert(self, message: Message) -> dict[str, Any]:
        xml = message.params.get("xml")
        if not isinstance(xml, str) or not xml.strip():
            raise ValueError('params: {"xml": "<the VOEvent packet>"} is required')
        result = process(xml.encode("utf-8"), source=f"message:{message.sender or '?'}")
        self.outcomes[result.outcome] += 1
        return result.to_json()

    def list_alerts(self, message: Message) -> list[dict[str, Any]]:
        limit = message.params.get("limit", 20)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= 1000:
            raise ValueError("limit: an integer in 1..1000")
        queryset = Alert.objects.order_by("-received_at", "-id")
        for name in ("role", "state", "mission"):
            if message.params.get(name):
                queryset = queryset.filter(**{name: message.params[name]})
        return [summary(alert) for alert in queryset[:limit]]

    # --- links -----------------------------------------------------------------------------------------
    def check_links(self) -> None:
        """Log, and tell the websockets, when a source goes quiet for too long or comes back."""
        for endpoint in list(self.endpoints):
            link = getattr(endpoint, "link", None)
            if link is None:
                continue
            timeout = float(getattr(endpoint, "link_timeout", setting("PYROS_ALERT_LINK_TIMEOUT")))
            down = link.is_down(timeout)
            if down == self.links_down.get(endpoint.name, False):
                continue
            self.links_down[endpoint.name] = down
            view = endpoint.describe()
            if down:
                text = f"alert link down: {endpoint.name} silent for {view['silence']:.0f} s"
                text += f" ({view['last_error']})" if view.get("last_error") else ""
                log.warning("%s", text)
            else:
                text = f"alert link up: {endpoint.name}"
                log.info("%s", text)
            events.publish_link(endpoint.name, down, text, view)

    def status(self) -> dict[str, Any]:
        view = super().status()
        view["alerts"] = {
            "outcomes": dict(self.outcomes),
            "links_down": sorted(n for n, d in self.links_down.items() if d),
        }
        return view
