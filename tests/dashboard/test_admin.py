"""The admin: read-only agent status and message log with filters and search, the "Agents" dashboard
linked from the index with its send form, and the dashboard page at /."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from common.models import AgentStatus, MessageLog
from common.runtime import AgentRuntime

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/common/agentstatus/dashboard/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_index_links_to_the_agents_dashboard(make_user: Any) -> None:
    page = signed_in(make_user("root", staff=True, superuser=True)).get("/admin/")
    assert page.status_code == 200
    assert f'href="{DASHBOARD}"' in page.content.decode()


def test_admin_dashboard_lists_agents_and_sends_a_message(agents: AgentRuntime, make_user: Any) -> None:
    client = signed_in(make_user("root", staff=True, superuser=True))
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("echo", "other", "ghost"):
        assert f'data-agent="{name}"' in html
    sent = client.post(DASHBOARD, {"agent": "echo", "message": "Echo", "params": '{"k": "v"}', "timeout": "2"})
    assert sent.status_code == 200
    assert "&quot;reply&quot;: {\n    &quot;k&quot;: &quot;v&quot;" in sent.content.decode()
    entry = MessageLog.objects.get()
    assert (entry.via, entry.user.username, entry.reply) == ("admin", "root", {"k": "v"})
    failed = client.post(DASHBOARD, {"agent": "echo", "message": "Fail", "params": "{}"})
    assert "502 handler error: ValueError: boom" in failed.content.decode()


def test_admin_send_form_rejects_params_that_are_not_an_object(agents: AgentRuntime, make_user: Any) -> None:
    client = signed_in(make_user("root", staff=True, superuser=True))
    page = client.post(DASHBOARD, {"agent": "echo", "message": "PING", "params": "[1]"})
    assert "params must be a JSON object" in page.content.decode()
    assert not MessageLog.objects.exists()


def test_send_message_action_opens_the_form_for_the_agent(make_user: Any) -> None:
    client = signed_in(make_user("root", staff=True, superuser=True))
    row = AgentStatus.objects.create(name="scheduler", state="running", heartbeat_at=datetime.now(UTC))
    response = client.post("/admin/common/agentstatus/", {"action": "send_message", "_selected_action": [row.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}?agent=scheduler"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/admin/common/agentstatus/?q=sched&state__exact=running", id="status-search-filter"),
        pytest.param("/admin/common/messagelog/?q=PING&outcome__exact=ok&via__exact=api", id="log-search-filter"),
    ],
)
def test_changelists_search_and_filter(make_user: Any, url: str) -> None:
    user = make_user("root", staff=True, superuser=True)
    AgentStatus.objects.create(name="scheduler", state="running", heartbeat_at=datetime.now(UTC))
    AgentStatus.objects.create(name="alert_manager", state="stopped", heartbeat_at=datetime.now(UTC))
    MessageLog.objects.create(
        agent="scheduler", message="PING", user=user, sent_at=datetime.now(UTC), status_code=200, outcome="ok"
    )
    MessageLog.objects.create(
        agent="scheduler", message="Other", sent_at=datetime.now(UTC), status_code=504, outcome="timeout"
    )
    page = signed_in(user).get(url)
    assert page.status_code == 200
    assert "1 result" in page.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/admin/common/agentstatus/add/", id="status-add"),
        pytest.param("/admin/common/messagelog/add/", id="log-add"),
    ],
)
def test_admins_are_read_only(make_user: Any, url: str) -> None:
    assert signed_in(make_user("root", staff=True, superuser=True)).get(url).status_code == 403


def test_dashboard_page_needs_a_signed_in_user(make_user: Any) -> None:
    anonymous = Client().get("/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/login/?next=/"
    reader = signed_in(make_user("reader")).get("/")
    assert reader.status_code == 200
    html = reader.content.decode()
    assert "common/dashboard.js" in html and 'data-can-inject="false"' in html
    operator = signed_in(make_user("operator", perm=True)).get("/")
    assert 'data-can-inject="true"' in operator.content.decode()


def test_any_active_user_signs_in_on_the_dashboard_login_page(make_user: Any) -> None:
    make_user("reader")  # not staff: the admin's login page would refuse this user
    client = Client()
    assert client.get("/login/?next=/").status_code == 200
    wrong = client.post("/login/", {"username": "reader", "password": "nope", "next": "/"})
    assert 'id="login-error"' in wrong.content.decode()
    signed = client.post("/login/", {"username": "reader", "password": "pw-12345", "next": "/"})
    assert (signed.status_code, signed["Location"]) == (302, "/")
    assert client.get("/").status_code == 200
    out = client.post("/logout/")
    assert (out.status_code, out["Location"]) == (302, "/login/")
    assert client.get("/").status_code == 302


def test_admin_is_titled_pyros_and_links_to_the_console(make_user: Any) -> None:
    html = signed_in(make_user("root", staff=True, superuser=True)).get("/admin/").content.decode()
    assert "<title>pyros administration | pyros</title>" in html
    assert "Django administration" not in html
    assert 'href="/"' in html and 'href="/messages/"' in html  # "View site" and the console box


def test_admin_shows_seconds_and_offers_no_delete_on_runtime_rows(make_user: Any) -> None:
    client = signed_in(make_user("root", staff=True, superuser=True))
    sent = datetime(2026, 12, 2, 7, 34, 35, tzinfo=UTC)
    row = MessageLog.objects.create(agent="scheduler", message="PING", sent_at=sent, status_code=200, outcome="ok")
    status = AgentStatus.objects.create(name="scheduler", state="running", heartbeat_at=sent)
    listing = client.get("/admin/common/messagelog/").content.decode()
    assert "2026-12-02 07:34:35" in listing
    assert "delete_selected" not in listing
    for url in (f"/admin/common/messagelog/{row.pk}/delete/", f"/admin/common/agentstatus/{status.pk}/delete/"):
        assert client.get(url).status_code == 403
    detail = client.get(f"/admin/common/messagelog/{row.pk}/change/").content.decode()
    assert "2026-12-02 07:34:35" in detail and "deletelink" not in detail
