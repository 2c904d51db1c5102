from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alert_manager.ingest import ingest

from .samples import raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_fast(settings: Any) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_alert_is_read_only_with_raw_packet(admin_client_fast: Client) -> None:
    alert_id = ingest(raw("swift_bat_pos.xml")).alert_id
    ingest(raw("swift_xrt_pos_update.xml"))
    listing = admin_client_fast.get("/admin/alert_manager/alert/")
    assert listing.status_code == 200 and b"1234567" in listing.content
    page = admin_client_fast.get(f"/admin/alert_manager/alert/{alert_id}/change/")
    assert page.status_code == 200
    assert b"&lt;Error2Radius&gt;0.0500&lt;/Error2Radius&gt;" in page.content  # raw XML, escaped
    assert b"XRT_Position_1234567-003" in page.content
    assert b'name="_save"' not in page.content  # no save button: read-only
    assert admin_client_fast.get("/admin/alert_manager/alert/add/").status_code == 403


def test_rejected_packet_shows_reason_and_bytes(admin_client_fast: Client) -> None:
    result = ingest(raw("external_entity.xml"))
    page = admin_client_fast.get(f"/admin/alert_manager/rejectedpacket/{result.rejected_id}/change/")
    assert page.status_code == 200
    assert b"DOCTYPE/DTD not allowed" in page.content
    assert b"file:///etc/passwd" in page.content  # the bytes as they came, never resolved
    assert b"root:x:0:0" not in page.content
