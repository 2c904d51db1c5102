"""common.console_events: each new message log row reaches /ws/agents/ as a ``message`` event (what
makes the console's log live), with what the page draws; rows written elsewhere arrive too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from common.console_events import entry_view
from common.models import MessageLog
from common.runtime import AgentRuntime

from .conftest import session_cookie
from .test_consumers import connected, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_an_injected_message_arrives_as_a_log_row(live_agents: AgentRuntime, make_user: Any) -> None:
    cookie = await sync_to_async(lambda: session_cookie(make_user("operator", staff=True)))()
    comm, _snapshot = await connected(cookie)
    try:
        await comm.send_json_to({"type": "inject", "id": 1, "agent": "echo", "message": "Echo", "params": {"k": 2}})
        event, _at = await receive(comm, lambda m: m["type"] == "message", "message event")
        entry = event["entry"]
        assert (entry["agent"], entry["message"], entry["params"], entry["reply"]) == (
            "echo",
            "Echo",
            {"k": 2},
            {"k": 2},
        )
        assert (entry["user"], entry["via"], entry["outcome"], entry["outcome_label"]) == (
            "operator",
            "websocket",
            "ok",
            "reply",
        )
        row = await sync_to_async(MessageLog.objects.get)()
        assert entry["id"] == row.pk and entry["sent_at"].endswith("Z")
    finally:
        await comm.disconnect()


def test_entry_view_of_an_error_row(db: None) -> None:
    row = MessageLog.objects.create(
        agent="echo",
        message="Fail",
        sent_at=datetime(2026, 12, 2, 7, 34, 35, 120000, tzinfo=UTC),
        status_code=502,
        outcome="handler error",
        error_type="ValueError",
        error_text="boom",
    )
    view = entry_view(row)
    assert view["sent_at"] == "2026-12-02T07:34:35.120000Z"
    assert (view["user"], view["outcome_label"], view["error_text"]) == ("", "handler error", "boom")
