"""The alert manager agent (VOEvent ingest comes with the alert issue)."""

from __future__ import annotations

from typing import Any

from common.agent import Agent
from common.protocol import Message


class AlertManagerAgent(Agent):
    MSG_NEW_ALERT = "New alert"
    MSG_LIST_ALERTS = "List alerts"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Agent.ALERT_MANAGER, **kwargs)
        self.alerts: list[dict[str, Any]] = []
        self.actions_by_message = {
            self.MSG_NEW_ALERT: self.new_alert,
            self.MSG_LIST_ALERTS: self.list_alerts,
        }

    def new_alert(self, message: Message) -> dict[str, Any]:
        self.alerts.append(dict(message.params))
        return {"alerts": len(self.alerts)}

    def list_alerts(self, message: Message) -> list[dict[str, Any]]:
        return list(self.alerts)
