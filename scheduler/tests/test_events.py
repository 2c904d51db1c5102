"""Websocket ``schedule`` events: a saved schedule and a request change reach /ws/agents/ clients."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from common.consumers import AgentsConsumer
from scheduler import events, store
from scheduler.models import ObservationRequest
from scheduler.planner import plan

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def _connected(user: Any) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(AgentsConsumer.as_asgi(), "/ws/agents/")
    comm.scope["user"] = user
    ok, code = await comm.connect(timeout=5)
    assert ok, code
    assert (await comm.receive_json_from(timeout=5))["type"] == "snapshot"
    return comm


async def _next_schedule_event(comm: WebsocketCommunicator) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            message = await comm.receive_json_from(timeout=5)
            if message["type"] == "schedule":
                return message


def _save_a_plan() -> int:
    ObservationRequest.objects.create(name="crab", ra=83.633, dec=22.014, duration=600, priority=1)
    day = date(2026, 12, 15)
    schedule = store.save_plan(plan(store.waiting_requests(), store.site(), store.config(), day=day), day)
    events.publish("schedule", store.schedule_view(schedule) or {})
    return schedule.pk


async def test_a_new_schedule_is_pushed(django_user_model: Any) -> None:
    user = await database_sync_to_async(django_user_model.objects.create_user)("viewer", password="pw-12345")
    comm = await _connected(user)
    try:
        pk = await database_sync_to_async(_save_a_plan)()
        event = await _next_schedule_event(comm)
        assert event["event"] == "schedule" and event["id"] == pk and event["version"] == 1
        assert [s["name"] for s in event["slots"]] == ["crab"]
    finally:
        await comm.disconnect()


async def test_a_request_created_over_rest_is_pushed(django_user_model: Any) -> None:
    staff = await database_sync_to_async(django_user_model.objects.create_user)("boss", password="pw", is_staff=True)
    comm = await _connected(staff)

    def create() -> int:
        client = APIClient()
        client.force_authenticate(staff)
        body = {"name": "m42", "ra": 83.82, "dec": -5.39, "duration": 300, "priority": 4}
        response = client.post("/api/requests/", body, format="json")
        assert response.status_code == 201, response.content
        return int(response.json()["id"])

    try:
        pk = await database_sync_to_async(create)()
        event = await _next_schedule_event(comm)
        assert (event["event"], event["change"], event["request"]["id"]) == ("request", "created", pk)
    finally:
        await comm.disconnect()
