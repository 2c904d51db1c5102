"""Lifecycle over REST: start, stop and restart an agent of this process (permission
``common.control_agent``); SHUTDOWN needs the same permission and keeps the agent stopped until
someone starts it; unknown messages are the caller's 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from common.runtime import AgentRuntime
from common.sender import Sender
from common.states import AgentState

from .test_api import client_for, post

pytestmark = pytest.mark.django_db


def controller(make_user: Any, name: str = "controller") -> Any:
    user = make_user(name)
    user.user_permissions.add(Permission.objects.get(codename="control_agent", content_type__app_label="common"))
    return user


def test_stop_start_restart_an_agent_of_this_process(agents: AgentRuntime, make_user: Any) -> None:
    client = client_for(controller(make_user))
    response = client.post("/api/agents/echo/stop/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "stopped" and agents.agent("echo").state == AgentState.STOPPED
    # Stopped by an operator: no supervision brings it back.
    assert agents.status()[0]["supervision"] == "ok"
    response = client.post("/api/agents/echo/start/")
    assert (response.status_code, response.json()["state"]) == (200, "running")
    assert Sender.send_to("echo", "Echo", {"x": 1}) == {"x": 1}
    started = agents.agent("echo").stats.started_at
    response = client.post("/api/agents/echo/restart/")
    assert (response.status_code, response.json()["state"]) == (200, "running")
    assert agents.agent("echo").stats.started_at > started


def test_starting_a_running_agent_leaves_it_alone(agents: AgentRuntime, make_user: Any) -> None:
    before = agents.agent("echo").stats.started_at
    response = client_for(controller(make_user)).post("/api/agents/echo/start/")
    assert (response.status_code, response.json()["state"]) == (200, "running")
    assert agents.agent("echo").stats.started_at == before


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        pytest.param({}, 403, id="reader"),
        pytest.param({"perm": True}, 403, id="injector-only"),
        pytest.param({"staff": True}, 200, id="staff"),
    ],
)
def test_control_needs_the_control_permission(agents: AgentRuntime, make_user: Any, kind: dict, code: int) -> None:
    response = client_for(make_user("u", **kind)).post("/api/agents/other/stop/")
    assert response.status_code == code, response.content
    expected = AgentState.STOPPED if code == 200 else AgentState.RUNNING
    assert agents.agent("other").state == expected


def test_unknown_agent_and_unknown_action(agents: AgentRuntime, make_user: Any) -> None:
    client = client_for(controller(make_user))
    response = client.post("/api/agents/nobody/start/")
    assert response.status_code == 404 and "nobody" in response.json()["detail"]
    assert client.post("/api/agents/echo/pause/").status_code == 404


def test_an_agent_that_runs_nowhere_reachable_is_503_with_the_reason(agents: AgentRuntime, make_user: Any) -> None:
    # "ghost" is in the configuration but runs in no process; the in-memory layer reaches no other.
    response = client_for(controller(make_user)).post("/api/agents/ghost/start/")
    assert response.status_code == 503
    assert "REDIS_URL" in response.json()["detail"]


def test_shutdown_needs_control_and_the_agent_stays_stopped_until_started(agents: AgentRuntime, make_user: Any) -> None:
    injector = client_for(make_user("injector", perm=True))
    response = post(injector, "echo", {"message": "SHUTDOWN"})
    assert (response.status_code, response.json()["outcome"]) == (403, "forbidden")
    assert agents.agent("echo").state == AgentState.RUNNING

    operator = client_for(make_user("operator", staff=True))
    response = post(operator, "echo", {"message": "SHUTDOWN"})
    assert response.status_code == 200, response.content
    agent = agents.agent("echo")
    agent._thread.join(5)  # the agent's thread ends after its reply
    assert agent.state == AgentState.STOPPED and not agent.is_alive()
    assert agents.status()[0]["supervision"] == "ok" and agents.agent("echo").state == AgentState.STOPPED
    response = operator.post("/api/agents/echo/start/")
    assert (response.status_code, response.json()["state"]) == (200, "running")


def test_an_unknown_message_is_the_callers_404_listing_the_known_ones(agents: AgentRuntime, make_user: Any) -> None:
    response = post(client_for(make_user("operator", staff=True)), "echo", {"message": "Ecoh"})
    body = response.json()
    assert (response.status_code, body["outcome"], body["error"]["type"]) == (404, "unknown message", "UnknownMessage")
    assert "Echo" in body["error"]["known"]
    assert agents.agent("echo").stats.errors == 0
