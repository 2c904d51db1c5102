"""REST API: every status code and permission case, against real agents on 127.0.0.1 (port 0)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.models import AgentStatus, MessageLog
from common.runtime import AgentRuntime

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client: APIClient, agent: str, body: Any) -> Any:
    return client.post(f"/api/agents/{agent}/messages/", body, format="json")


@pytest.mark.parametrize(
    "method,url",
    [
        pytest.param("get", "/api/agents/", id="list"),
        pytest.param("get", "/api/agents/echo/", id="detail"),
        pytest.param("get", "/api/messages/", id="log"),
        pytest.param("post", "/api/agents/echo/messages/", id="inject"),
    ],
)
def test_anonymous_requests_get_401(agents: AgentRuntime, method: str, url: str) -> None:
    response = getattr(APIClient(), method)(url, {"message": "PING"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_list_shows_every_configured_agent_with_its_live_status(agents: AgentRuntime, make_user: Any) -> None:
    response = client_for(make_user("reader")).get("/api/agents/")
    assert response.status_code == 200
    by_name = {agent["name"]: agent for agent in response.json()}
    assert set(by_name) == {"echo", "other", "ghost"}
    echo = by_name["echo"]
    assert (echo["state"], echo["source"], echo["host"]) == ("running", "local", "127.0.0.1")
    assert echo["port"] == agents.agent("echo").bound_address[1]
    assert "Echo" in echo["messages"]
    assert (by_name["ghost"]["state"], by_name["ghost"]["source"]) == ("unreachable", "none")


def test_detail_and_unknown_agent(agents: AgentRuntime, make_user: Any) -> None:
    client = client_for(make_user("reader"))
    detail = client.get("/api/agents/other/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "other"
    assert client.get("/api/agents/nobody/").status_code == 404


@pytest.mark.parametrize(
    "kind,allowed",
    [
        pytest.param({}, False, id="plain-user"),
        pytest.param({"perm": True}, True, id="granted-permission"),
        pytest.param({"group": True}, True, id="permission-by-group"),
        pytest.param({"staff": True}, True, id="staff"),
        pytest.param({"superuser": True}, True, id="superuser"),
    ],
)
def test_injecting_needs_the_permission(agents: AgentRuntime, make_user: Any, kind: dict, allowed: bool) -> None:
    response = post(client_for(make_user("u", **kind)), "echo", {"message": "PING"})
    if allowed:
        assert response.status_code == 200, response.json()
        assert response.json()["reply"] == "PONG"
    else:
        assert response.status_code == 403
        assert "inject_message" in response.json()["detail"]
        assert not MessageLog.objects.exists()


@pytest.mark.parametrize(
    "agent,body,status,outcome,error_type",
    [
        pytest.param("echo", {"message": "Echo", "params": {"a": [1, 2]}}, 200, "ok", "", id="200-reply"),
        pytest.param("nobody", {"message": "PING"}, 404, "unknown agent", "UnknownAgentError", id="404-unknown-agent"),
        pytest.param("echo", {"message": "Fail"}, 502, "handler error", "ValueError", id="502-handler-error"),
        pytest.param("echo", {"message": "Nope"}, 404, "unknown message", "UnknownMessage", id="404-unknown-message"),
        pytest.param("ghost", {"message": "PING"}, 503, "unreachable", "AgentUnreachableError", id="503-unreachable"),
        pytest.param(
            "echo", {"message": "Hold", "timeout": 0.2}, 504, "timeout", "AgentTimeoutError", id="504-timeout"
        ),
    ],
)
def test_inject_status_codes_and_log(
    agents: AgentRuntime, make_user: Any, agent: str, body: dict, status: int, outcome: str, error_type: str
) -> None:
    user = make_user("operator", staff=True)
    response = post(client_for(user), agent, body)
    data = response.json()
    assert response.status_code == status, data
    assert data["outcome"] == outcome
    entry = MessageLog.objects.get(pk=data["log_id"])
    assert (entry.user, entry.agent, entry.message, entry.status_code) == (user, agent, body["message"], status)
    assert entry.round_trip_ms is not None and entry.round_trip_ms > 0
    assert entry.sent_at is not None
    if status == 200:
        assert data["reply"] == entry.reply == {"a": [1, 2]}
    else:
        assert data["error"]["type"] == entry.error_type == error_type
        assert data["error"]["text"] == entry.error_text != ""
    if error_type == "ValueError":
        assert data["error"]["text"] == "boom"


@pytest.mark.parametrize(
    "body,field,reason",
    [
        pytest.param({}, "message", "required", id="no-message"),
        pytest.param({"message": ""}, "message", "blank", id="empty-message"),
        pytest.param({"message": "PING", "params": [1]}, "params", "JSON object", id="params-not-object"),
        pytest.param({"message": "PING", "timeout": -1}, "timeout", "greater than or equal", id="negative-timeout"),
        pytest.param({"message": "PING", "timeout": 1e6}, "timeout", "at most", id="huge-timeout"),
        pytest.param({"message": "PING", "timeout": "soon"}, "timeout", "number", id="timeout-not-number"),
    ],
)
def test_bad_body_is_400_naming_the_field(
    agents: AgentRuntime, make_user: Any, body: dict, field: str, reason: str
) -> None:
    response = post(client_for(make_user("operator", staff=True)), "echo", body)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert reason in " ".join(errors[field])
    assert not MessageLog.objects.exists()


def test_message_log_is_paginated_and_filtered(agents: AgentRuntime, make_user: Any) -> None:
    client = client_for(make_user("operator", staff=True))
    for i in range(3):
        assert post(client, "echo", {"message": "Echo", "params": {"i": i}}).status_code == 200
    assert post(client, "other", {"message": "PING"}).status_code == 200
    page = client.get("/api/messages/", {"agent": "echo", "page_size": 2}).json()
    assert page["count"] == 3
    assert [entry["params"]["i"] for entry in page["results"]] == [2, 1]
    assert page["results"][0]["user"] == "operator"
    second = client.get(page["next"]).json()
    assert [entry["params"]["i"] for entry in second["results"]] == [0]
    assert client.get("/api/messages/").json()["count"] == 4


def test_token_authentication_and_obtaining_a_token(agents: AgentRuntime, make_user: Any) -> None:
    make_user("scripter", staff=True)
    obtained = APIClient().post("/api/token/", {"username": "scripter", "password": "pw-12345"}, format="json")
    assert obtained.status_code == 200
    key = obtained.json()["token"]
    assert Token.objects.get(user__username="scripter").key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/agents/").status_code == 200
    assert post(client, "echo", {"message": "PING"}).json()["reply"] == "PONG"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/agents/").status_code == 401


def test_session_authentication_enforces_csrf(agents: AgentRuntime, make_user: Any) -> None:
    make_user("browser", staff=True)
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="browser", password="pw-12345")
    assert client.get("/api/agents/").status_code == 200
    refused = post(client, "echo", {"message": "PING"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    page = client.get("/")  # the dashboard sets the CSRF cookie
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/agents/echo/messages/", {"message": "PING"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "age,state,shown",
    [
        pytest.param(1, "running", "running", id="fresh-running"),
        pytest.param(60, "running", "unreachable", id="stale-running"),
        pytest.param(60, "stopped", "stopped", id="stale-stopped-is-the-last-word"),
        pytest.param(1, "crashed", "crashed", id="fresh-crashed"),
    ],
)
def test_heartbeats_of_other_processes(
    agent_config: Path, make_user: Any, age: int, state: str, shown: str, settings: Any
) -> None:
    settings.PYROS_HEARTBEAT_MAX_AGE = 5.0
    heartbeat_at = datetime.now(UTC) - timedelta(seconds=age)
    AgentStatus.objects.create(
        name="ghost", state=state, pid=4242, hostname="elsewhere", host="127.0.0.1", port=1, heartbeat_at=heartbeat_at
    )
    view = client_for(make_user("reader")).get("/api/agents/ghost/").json()
    assert (view["state"], view["source"], view["pid"]) == (shown, "heartbeat", 4242)
    if shown == "unreachable":
        assert "no heartbeat for" in view["detail"]


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    for operation in ("agents_list", "agents_retrieve", "agents_messages_create", "messages_list", "token_create"):
        assert f"operationId: {operation}" in schema


def test_schema_and_offline_swagger_ui_are_served(make_user: Any) -> None:
    client = client_for(make_user("reader"))
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_an_agent_whose_port_is_taken_shows_port_in_use(agents: AgentRuntime, make_user: Any) -> None:
    from .conftest import EchoAgent

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        agents.register("busy", lambda: EchoAgent("busy", port))
        (agent,) = agents.start(["busy"])
        agent.ready.wait(5)
        view = client_for(make_user("reader")).get("/api/agents/busy/").json()
    assert (view["state"], view["source"], view["port"]) == ("port in use", "local", port)
    assert "already in use" in view["last_error"]
    assert view["detail"].startswith("retry in ")  # re-checked with backoff until the port is free
