"""The scheduler's admin: lists, a schedule with its slots, the cancel action."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from scheduler import store
from scheduler.models import ObservationRequest, Schedule
from scheduler.planner import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(django_user_model: Any) -> Client:
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-12345")
    client = Client()
    client.login(username="root", password="pw-12345")
    return client


def test_admin_pages_and_cancel_action(admin_client_: Client) -> None:
    crab = ObservationRequest.objects.create(name="crab", ra=83.633, dec=22.014, duration=600, priority=1)
    done = ObservationRequest.objects.create(name="old", ra=10, dec=-30, duration=600, state="done")
    day = date(2026, 12, 15)
    schedule = store.save_plan(plan(store.waiting_requests(), store.site(), store.config(), day=day), day)
    assert admin_client_.get("/admin/scheduler/observationrequest/").status_code == 200
    assert admin_client_.get(f"/admin/scheduler/observationrequest/{crab.pk}/change/").status_code == 200
    page = admin_client_.get(f"/admin/scheduler/schedule/{schedule.pk}/change/")
    assert page.status_code == 200 and b"crab" in page.content
    assert admin_client_.get("/admin/scheduler/schedule/").status_code == 200
    response = admin_client_.post(
        "/admin/scheduler/observationrequest/",
        {"action": "cancel_requests", "_selected_action": [crab.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    crab.refresh_from_db()
    done.refresh_from_db()
    assert (crab.state, done.state) == ("cancelled", "done")
    assert Schedule.objects.count() == 1
