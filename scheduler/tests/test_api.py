"""REST: /api/requests/ (list/create/update/cancel, permissions) and /api/schedule/."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from scheduler import store
from scheduler.models import ObservationRequest
from scheduler.planner import plan

BODY = {"name": "crab", "ra": 83.633, "dec": 22.014, "duration": 600, "priority": 2, "min_altitude": 25}


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def observer(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("observer", password="pw-12345")
    user.user_permissions.add(Permission.objects.get(codename="add_observationrequest"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def reader(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("reader", password="pw-12345")


@pytest.fixture
def staff(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("staff", password="pw-12345", is_staff=True)


@pytest.mark.django_db
def test_create_list_and_read(observer: Any, reader: Any) -> None:
    created = client_for(observer).post("/api/requests/", BODY, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "pending" and body["owner"] == observer.pk and body["priority"] == 2
    listed = client_for(reader).get("/api/requests/").json()
    assert [r["name"] for r in listed["results"]] == ["crab"]
    assert client_for(reader).get(f"/api/requests/{body['id']}/").json()["ra"] == 83.633
    assert client_for(reader).get("/api/requests/?state=done").json()["results"] == []
    assert client_for(reader).get("/api/requests/?state=bogus").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"ra": 360.0}, "ra", id="ra"),
        pytest.param({"dec": 91}, "dec", id="dec"),
        pytest.param({"priority": 0}, "priority", id="priority"),
        pytest.param({"duration": 0}, "duration", id="duration"),
        pytest.param({"earliest": "2026-12-16T01:00:00Z", "latest": "2026-12-16T01:05:00Z"}, "latest", id="window"),
        pytest.param({"name": ""}, "name", id="name"),
    ],
)
def test_invalid_bodies_are_400(observer: Any, change: dict[str, Any], field: str) -> None:
    response = client_for(observer).post("/api/requests/", {**BODY, **change}, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.django_db
def test_permissions(observer: Any, reader: Any, staff: Any) -> None:
    assert client_for(None).get("/api/requests/").status_code in (401, 403)
    assert client_for(reader).post("/api/requests/", BODY, format="json").status_code == 403
    pk = client_for(observer).post("/api/requests/", BODY, format="json").json()["id"]
    assert client_for(reader).patch(f"/api/requests/{pk}/", {"priority": 1}, format="json").status_code == 403
    assert client_for(reader).post(f"/api/requests/{pk}/cancel/").status_code == 403
    assert client_for(staff).patch(f"/api/requests/{pk}/", {"priority": 1}, format="json").status_code == 200


@pytest.mark.django_db
def test_update_and_cancel(observer: Any) -> None:
    client = client_for(observer)
    pk = client.post("/api/requests/", BODY, format="json").json()["id"]
    ObservationRequest.objects.filter(pk=pk).update(state="scheduled")
    changed = client.patch(f"/api/requests/{pk}/", {"priority": 1}, format="json").json()
    assert changed["priority"] == 1 and changed["state"] == "pending"  # to be planned again
    cancelled = client.delete(f"/api/requests/{pk}/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert ObservationRequest.objects.filter(pk=pk).exists()  # kept, not deleted
    assert client.patch(f"/api/requests/{pk}/", {"priority": 3}, format="json").status_code == 400
    ObservationRequest.objects.filter(pk=pk).update(state="done")
    assert client.post(f"/api/requests/{pk}/cancel/").status_code == 400


@pytest.mark.django_db
def test_schedule_current_with_slots(reader: Any) -> None:
    assert client_for(reader).get("/api/schedule/").status_code == 404
    crab = ObservationRequest.objects.create(name="crab", ra=83.633, dec=22.014, duration=600, priority=1)
    ObservationRequest.objects.create(name="never", ra=10.0, dec=80.0, duration=600, priority=1)
    day = date(2026, 12, 15)
    store.save_plan(plan(store.waiting_requests(), store.site(), store.config(), day=day), day, reason="test")
    store.save_plan(plan(store.waiting_requests(), store.site(), store.config(), day=day), day, reason="again")
    body = client_for(reader).get("/api/schedule/").json()
    assert body["night"] == "2026-12-15" and body["version"] == 2 and body["reason"] == "again"
    assert [(s["request"], s["name"], s["state"]) for s in body["slots"]] == [(crab.pk, "crab", "planned")]
    assert body["slots"][0]["start"] >= body["night_start"] and body["slots"][0]["end"] <= body["night_end"]
    assert body["site"]["name"] == "La Silla"
