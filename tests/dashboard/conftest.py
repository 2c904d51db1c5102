"""Fixtures of the dashboard tests: real agents on 127.0.0.1 port 0 in a runtime of their own (it
stands for this process's runtime), a temp agent config, users with and without the permission."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from common import runtime as runtime_module
from common.agent import Agent
from common.config import AgentAddress
from common.events import EventRelay
from common.heartbeat import Heartbeat, install
from common.protocol import Message
from common.runtime import AgentRuntime
from common.testing import assert_threads_ended, free_port


class EchoAgent(Agent):
    """Echo returns its params; Fail raises ValueError("boom"); Hold blocks until released."""

    def __init__(self, name: str, port: int = 0) -> None:
        super().__init__(name, address=AgentAddress(name, "127.0.0.1", port, {}, "test"))
        self.release = threading.Event()
        self.actions_by_message = {"Echo": self.echo, "Fail": self.fail, "Hold": self.hold}

    def echo(self, message: Message) -> Any:
        return dict(message.params)

    def fail(self, message: Message) -> Any:
        raise ValueError("boom")

    def hold(self, message: Message) -> Any:
        self.release.wait(10)
        return "released"

    def shutdown(self) -> None:
        self.release.set()


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert_threads_ended(before)


@pytest.fixture
def agent_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """echo and other (port 0: Sender finds their bound ports in common.directory) and ghost, whose
    port nobody listens on."""
    path = tmp_path / "agents.ini"
    path.write_text(
        "[echo]\nhost = 127.0.0.1\nport = 0\n\n"
        "[other]\nhost = 127.0.0.1\nport = 0\n\n"
        f"[ghost]\nhost = 127.0.0.1\nport = {free_port()}\n"
    )
    monkeypatch.setenv("PYROS_AGENT_CONFIG", str(path))
    return path


def runtime_with(monkeypatch: pytest.MonkeyPatch, hook: Callable[[AgentRuntime], Any] | None) -> Iterator[AgentRuntime]:
    rt = AgentRuntime()
    if hook is not None:
        hook(rt)
    for name in ("echo", "other"):
        rt.register(name, lambda name=name: EchoAgent(name))  # type: ignore[misc]
    monkeypatch.setattr(runtime_module, "runtime", rt)
    try:
        for agent in rt.start():
            assert agent.wait_ready(5), f"agent {agent.name} did not start: {agent.state} {agent.stats.last_error}"
        yield rt
    finally:
        for name in rt.names():
            agent = rt.agent(name)
            if isinstance(agent, EchoAgent):
                agent.release.set()
        rt.stop()


def _with_events(rt: AgentRuntime) -> None:
    relay = EventRelay()
    rt.add_status_listener(relay.on_agent_event)
    rt.add_lifecycle_hook(lambda rt: None, lambda rt: relay.close())


@pytest.fixture
def agents(agent_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AgentRuntime]:
    """This process's runtime with echo and other running (no heartbeat, no events)."""
    yield from runtime_with(monkeypatch, None)


@pytest.fixture
def live_agents(agent_config: Path, monkeypatch: pytest.MonkeyPatch, transactional_db: None) -> Iterator[AgentRuntime]:
    """The same, publishing status events on the channel layer (no heartbeat: the in-memory SQLite
    of the tests locks a table for a whole write, so a second writing thread would make others fail)."""
    yield from runtime_with(monkeypatch, _with_events)


@pytest.fixture
def beating_agents(
    agent_config: Path, monkeypatch: pytest.MonkeyPatch, transactional_db: None, settings: Any
) -> Iterator[AgentRuntime]:
    """The same with heartbeats (and events) as ``CommonConfig.ready()`` installs them."""
    settings.PYROS_HEARTBEAT_INTERVAL = 0.1
    yield from runtime_with(monkeypatch, install)


def heartbeat_of(rt: AgentRuntime) -> Heartbeat:
    hb = getattr(rt, "_pyros_heartbeat", None)
    assert isinstance(hb, Heartbeat)
    return hb


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    """make_user(name, staff=False, superuser=False, perm=False, group=False)."""

    def make(
        username: str, *, staff: bool = False, superuser: bool = False, perm: bool = False, group: bool = False
    ) -> Any:
        user = django_user_model.objects.create_user(
            username, f"{username}@example.com", "pw-12345", is_staff=staff, is_superuser=superuser
        )
        permission = Permission.objects.get(codename="inject_message", content_type__app_label="common")
        if perm:
            user.user_permissions.add(permission)
        if group:
            from django.contrib.auth.models import Group

            operators, _ = Group.objects.get_or_create(name="operators")
            operators.permissions.add(permission)
            user.groups.add(operators)
        return user

    return make


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"
