from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from alert_manager.models import Alert, RejectedPacket

from .samples import fresh, raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(*perms: str) -> APIClient:
    user = User.objects.create_user(f"user{User.objects.count()}", password="pw")
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def post(client: APIClient, data: bytes, content_type: str = "application/xml") -> Any:
    return client.post("/api/alerts/", data=data, content_type=content_type)


def test_post_needs_add_alert_permission() -> None:
    response = post(client_for(), raw("swift_bat_pos.xml"))
    assert response.status_code == 403
    assert not Alert.objects.exists()


def test_anonymous_gets_401() -> None:
    assert APIClient().get("/api/alerts/").status_code == 401
    assert post(APIClient(), raw("swift_bat_pos.xml")).status_code == 401


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml"])
def test_post_accepts_then_duplicate(content_type: str) -> None:
    client = client_for("add_alert")
    response = post(client, raw("swift_bat_pos.xml"), content_type)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "accepted" and body["ivorn"] == "ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234567-001"
    again = post(client, raw("swift_bat_pos.xml"), content_type)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert again.json()["alert_id"] == body["alert_id"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("billion_laughs.xml", "DOCTYPE/DTD not allowed", id="billion-laughs"),
        pytest.param("external_entity.xml", "DOCTYPE/DTD not allowed", id="external-entity"),
        pytest.param("no_position.xml", "no position", id="no-position"),
        pytest.param("malformed.xml", "malformed XML", id="malformed"),
    ],
)
def test_post_rejected_is_400_with_reason(name: str, reason: str) -> None:
    response = post(client_for("add_alert"), raw(name))
    assert response.status_code == 400
    assert response.json()["reason"].startswith(reason)
    assert RejectedPacket.objects.get(pk=response.json()["rejected_id"]).source.startswith("api:")


def test_post_json_is_refused() -> None:
    response = client_for("add_alert").post("/api/alerts/", {"xml": "x"}, format="json")
    assert response.status_code == 415


def test_post_oversized_is_rejected(settings: Any) -> None:
    settings.PYROS_ALERT_MAX_PACKET_SIZE = 2000
    response = post(client_for("add_alert"), raw("swift_bat_pos.xml"))
    assert response.status_code == 400 and "over the limit of 2000 bytes" in response.json()["reason"]


def test_list_filters_and_detail() -> None:
    writer = client_for("add_alert")
    post(writer, raw("swift_bat_pos.xml"))
    post(writer, raw("swift_xrt_pos_update.xml"))
    post(writer, raw("test_role.xml"))
    post(writer, fresh(trigger="99"))
    post(writer, raw("retraction.xml"))
    reader = client_for()
    everything = reader.get("/api/alerts/").json()
    assert everything["count"] == 3
    tests = reader.get("/api/alerts/", {"role": "test"}).json()["results"]
    assert [a["trigger_id"] for a in tests] == ["7654321"]
    retracted = reader.get("/api/alerts/", {"state": "retracted"}).json()["results"]
    assert [a["trigger_id"] for a in retracted] == ["1234567"]
    assert reader.get("/api/alerts/", {"mission": "swift"}).json()["count"] == 3
    assert reader.get("/api/alerts/", {"mission": "FERMI"}).json()["count"] == 0
    assert reader.get("/api/alerts/", {"since": "2999-01-01T00:00:00Z"}).json()["count"] == 0
    assert reader.get("/api/alerts/", {"since": "yesterday"}).status_code == 400
    detail = reader.get(f"/api/alerts/{retracted[0]['id']}/").json()
    assert [p["kind"] for p in detail["packets"]] == ["new", "update", "retraction"]
    assert detail["packets"][0]["raw"] == raw("swift_bat_pos.xml").decode()
    assert detail["error_radius"] == 0.0015
    assert detail["timings"]["stored_at"]["ms_after_received"] >= 0
    assert detail["groups"]["Solution_Status"]["Def_NOT_a_GRB"]["value"] == "false"
    assert reader.get("/api/alerts/999999/").status_code == 404
