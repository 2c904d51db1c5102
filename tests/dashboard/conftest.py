"""Fixtures of the dashboard tests: real agents on 127.0.0.1 port 0 in a runtime of their own (it
stands for this process's runtime), a temp agent config, users with and without the permission."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.contrib.auth.models import Permission
from django.test import Client

from common import runtime as runtime_module
from common.agent import Agent
from common.config import AgentAddress
from common.events import EventRelay
from common.heartbeat import Heartbeat, install
from common.protocol import Message
from common.runtime import AgentRuntime
from common.sender import Sender

_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port, never one this process handed out before (two calls in a row may
    otherwise get the same port back from the kernel)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (all held at once while chosen: the kernel cannot hand one out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


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


def end_asgiref_executor() -> None:
    """``database_sync_to_async`` outside any request context (channels' AuthMiddleware under a
    WebsocketCommunicator, which runs the app in an empty context) uses asgiref's process-wide
    one-thread executor, whose thread lives forever: end it (a new one starts a thread only when used)."""
    executor = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    executor.shutdown(wait=True)


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    Sender.close_all()
    end_asgiref_executor()
    # The event loop's executor threads end when pytest-asyncio closes the loop.
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    leftover = [t for t in leftover if not t.name.startswith("asyncio_")]
    for thread in leftover:
        thread.join(5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"threads left running after the test: {still}"


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
