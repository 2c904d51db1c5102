"""The console pages (common.views): navigation, agents table, one agent's page, the message log with
its filters, search and pages, simulators, sign-in hint, favicon, static files with DEBUG off."""

from __future__ import annotations

import os
import queue
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import simulators.state
from common.exceptions import RemoteHandlerError
from common.models import AgentStatus, MessageLog
from common.runtime import AgentRuntime
from common.sender import Sender
from simulators.state import RunState, ServerRecord, write_state

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 2, 7, 34, 35, tzinfo=UTC)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def log(agent: str, message: str, *, minutes: int = 0, user: Any = None, **fields: Any) -> MessageLog:
    values = {"status_code": 200, "outcome": "ok", "via": "api", "params": {}, "reply": None, **fields}
    return MessageLog.objects.create(
        agent=agent, message=message, user=user, sent_at=T0 + timedelta(minutes=minutes), **values
    )


@pytest.mark.parametrize(
    ("url", "current"),
    [
        pytest.param("/", "/", id="agents"),
        pytest.param("/agents/echo/", "/", id="agent"),
        pytest.param("/messages/", "/messages/", id="messages"),
        pytest.param("/simulators/", "/simulators/", id="simulators"),
        pytest.param("/alerts/", "/alerts/", id="alerts"),
        pytest.param("/schedule/", "/schedule/", id="schedule"),
        pytest.param("/telescope/", "/telescope/", id="telescope"),
        pytest.param("/weather/", "/weather/", id="weather"),
    ],
)
def test_every_page_needs_sign_in_and_has_the_navigation(
    agents: AgentRuntime, make_user: Any, url: str, current: str
) -> None:
    assert Client().get(url).status_code == 302
    page = signed_in(make_user("reader")).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    nav = re.search(r'<nav aria-label="console" class="sections">(.*?)</nav>', html, re.S)
    assert nav is not None, "no console navigation"
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', nav.group(1))
    hrefs = ["/", "/messages/", "/simulators/", "/alerts/", "/schedule/", "/telescope/", "/weather/"]
    assert [href for href, _ in links] == hrefs
    assert [href for href, mark in links if mark] == [current]  # one section marked: this page's
    assert html.count("<nav") - html.count('<nav class="pager"') == 1  # no ad-hoc navigation of its own
    assert 'id="theme-toggle"' in html and 'id="connection"' in html and "favicon" in html
    assert html.count("<html") == 1 and html.count("<main") == 1


def test_agents_table_is_rendered_with_the_page(agents: AgentRuntime, make_user: Any) -> None:
    html = signed_in(make_user("reader")).get("/").content.decode()
    for name in ("echo", "other", "ghost"):
        assert f'data-agent="{name}"' in html
    row = re.search(r'<tr data-agent="echo".*?</tr>', html, re.S)
    assert row is not None and 'data-state="running"' in row.group(0)
    assert 'data-action="stop"' not in html  # a reader has no control buttons
    staff = signed_in(make_user("root", staff=True)).get("/").content.decode()
    assert 'data-action="stop" data-agent="echo"' in staff and 'id="stop-dialog"' in staff


def test_agent_page_shows_known_messages_recent_messages_and_errors(agents: AgentRuntime, make_user: Any) -> None:
    user = make_user("root", staff=True)
    log("echo", "Echo", user=user, params={"k": "v"}, reply={"k": "v"})
    log("echo", "Fail", minutes=1, status_code=502, outcome="handler error", error_type="ValueError", error_text="boom")
    log("other", "Echo", minutes=2)
    html = signed_in(user).get("/agents/echo/").content.decode()
    for message in ("Echo", "Fail", "Hold", "PING", "STATUS", "SHUTDOWN"):
        assert f'data-message="{message}"' in html
    assert "Echo returns its params" not in html  # the handler's own docstring, not the class's
    assert "stops the agent (needs common.control_agent)" in html  # SHUTDOWN, a built-in
    recent = html[html.index('id="recent-log"') :]
    assert recent.count("data-log=") == 2  # echo's two rows, not other's
    assert "ValueError</strong> boom" in html
    assert 'list="known-messages"' in html
    assert signed_in(user).get("/agents/nobody/").status_code == 404


def test_agent_page_shows_traffic_in_and_out(agents: AgentRuntime, make_user: Any) -> None:
    """A message one agent's thread sends to another is on both pages: out to, in from (signed with the
    sender agent's name); a handler's error is there with its text; PING is not kept."""
    echo, other = agents.agent("echo"), agents.agent("other")
    assert echo is not None and other is not None
    sent: queue.Queue[Any] = queue.Queue()

    def send_from_echo() -> None:
        try:
            sent.put(Sender.send_to("other", "Echo", {"n": 1}, timeout=5))
        except Exception as exc:
            sent.put(exc)

    echo.call_soon(send_from_echo)
    assert sent.get(timeout=10) == {"n": 1}, "the message from echo's thread to other was not answered"
    Sender.send_to("echo", "PING", timeout=5)
    with pytest.raises(RemoteHandlerError):
        Sender.send_to("echo", "Fail", timeout=5, sender="tester")
    Sender.close_all()

    user = make_user("reader")
    page = signed_in(user).get("/agents/echo/").content.decode()
    rows = re.findall(r'<tr data-direction="(in|out)">(.*?)</tr>', page[page.index('id="traffic-table"') :], re.S)
    texts = [(way, re.sub(r"<[^>]+>", " ", row)) for way, row in rows]
    assert len(texts) == 2, texts  # Fail in, Echo out; PING not kept
    assert (
        texts[0][0] == "in" and "tester" in texts[0][1] and "Fail" in texts[0][1] and "ValueError: boom" in texts[0][1]
    )
    assert texts[1][0] == "out" and "other" in texts[1][1] and "Echo" in texts[1][1] and " ok " in texts[1][1]
    theirs = signed_in(user).get("/agents/other/").content.decode()
    row = re.search(r'<tr data-direction="in">(.*?)</tr>', theirs, re.S)
    assert row is not None and "echo" in row.group(1) and "Echo" in row.group(1), "other does not show echo's message"
    ghost = signed_in(user).get("/agents/ghost/").content.decode()
    assert ghost.count("This agent has not reported from any process yet") == 2  # endpoints, traffic


def test_agent_of_another_process_shows_its_heartbeat_endpoints_and_traffic(
    agents: AgentRuntime, make_user: Any
) -> None:
    """ghost runs in another process: its page shows what that process's last heartbeat reported."""
    AgentStatus.objects.create(
        name="ghost", state="running", host="127.0.0.1", port=5999, pid=4242, hostname="tower",
        heartbeat_at=datetime.now(UTC), messages=["Echo"],
        endpoints=[{"name": "vtp 127.0.0.1:8099", "kind": "vtp", "connected": True, "last_packet_at": 1764660875.0}],
        traffic=[{"at": 1764660875.0, "direction": "out", "peer": "scheduler", "message": "NEW_ALERT", "outcome": "ok"},
                 {"at": 1764660874.0, "direction": "in", "peer": "x" * 5000, "message": "New alert", "bad": 1}],
    )  # fmt: skip
    page = signed_in(make_user("reader")).get("/agents/ghost/").content.decode()
    endpoints = page[page.index('id="endpoints"') : page.index('id="known"')]
    assert "vtp 127.0.0.1:8099" in endpoints and "pid 4242 on tower" in endpoints
    assert "2025-12-02" in endpoints  # last_packet_at shown as a time, not a number
    rows = re.findall(r'<tr data-direction="(in|out)">(.*?)</tr>', page, re.S)
    assert [way for way, _ in rows] == ["out", "in"]
    assert "scheduler" in rows[0][1] and "NEW_ALERT" in rows[0][1]
    assert "x" * 199 + "…" in rows[1][1] and "x" * 201 not in rows[1][1]


def test_a_stopped_local_agent_run_by_another_process_shows_that_process_s_report(
    agents: AgentRuntime, make_user: Any
) -> None:
    """other is stopped here and runs in another process: its page shows that process's heartbeat."""
    other = agents.agent("other")
    assert other is not None
    other.stop()
    AgentStatus.objects.create(
        name="other", state="running", host="127.0.0.1", port=5998, pid=4343, hostname="tower",
        heartbeat_at=datetime.now(UTC), endpoints=[{"name": "ivy bus 127.255.255.255:2010"}],
        traffic=[{"at": 1764660875.0, "direction": "in", "peer": "dome", "message": "Open", "outcome": "ok"}],
    )  # fmt: skip
    page = signed_in(make_user("reader")).get("/agents/other/").content.decode()
    assert "ivy bus 127.255.255.255:2010" in page and "pid 4343 on tower" in page
    assert re.search(r'<tr data-direction="in">.*?dome.*?Open', page, re.S), "the remote traffic is not shown"


@pytest.mark.parametrize(
    "query, expected",
    [
        pytest.param("", ["Three", "Two", "One"], id="all-newest-first"),
        pytest.param("agent=other", ["Three"], id="agent"),
        pytest.param("outcome=timeout", ["Two"], id="outcome"),
        pytest.param("user=alice", ["One"], id="user"),
        pytest.param("via=websocket", ["Three"], id="via"),
        pytest.param("q=needle", ["Two"], id="search-params"),
        pytest.param("q=thr", ["Three"], id="search-message"),
        pytest.param("since=2026-12-02T07:35:00&until=2026-12-02T07:36:00", ["Two"], id="time-range"),
    ],
)
def test_message_log_filters(agents: AgentRuntime, make_user: Any, query: str, expected: list[str]) -> None:
    alice = make_user("alice")
    log("echo", "One", user=alice)
    log("echo", "Two", minutes=1, params={"x": "a needle here"}, status_code=504, outcome="timeout")
    log("other", "Three", minutes=2, via="websocket")
    html = signed_in(alice).get(f"/messages/?{query}").content.decode()
    shown = re.findall(r"<summary>(\w+)</summary>", html)
    assert shown == expected


def test_message_log_pages_and_opens_params_and_reply(agents: AgentRuntime, make_user: Any, settings: Any) -> None:
    settings.PYROS_CONSOLE_PAGE_SIZE = 2
    for i in range(5):
        log("echo", f"M{i}", minutes=i, params={"i": i}, reply={"echo": i})
    client = signed_in(make_user("reader"))
    first = client.get("/messages/?agent=echo").content.decode()
    assert re.findall(r"<summary>(\w+)</summary>", first) == ["M4", "M3"]
    assert "page 1 of 3" in first and 'href="?agent=echo&amp;page=2"' in first
    assert 'data-live="true"' in first
    third = client.get("/messages/?agent=echo&page=3").content.decode()
    assert re.findall(r"<summary>(\w+)</summary>", third) == ["M0"]
    assert "data-live" not in third  # older pages stay as they are
    assert "&quot;i&quot;: 0" in third and "&quot;echo&quot;: 0" in third


def test_times_have_seconds_in_the_console_zone(agents: AgentRuntime, make_user: Any, settings: Any) -> None:
    log("echo", "One")
    client = signed_in(make_user("reader"))
    assert '<time datetime="2026-12-02T07:34:35Z" class="abs">2026-12-02 07:34:35 UTC</time>' in (
        client.get("/messages/").content.decode()
    )
    settings.PYROS_TIME_ZONE = "America/Santiago"
    html = client.get("/messages/").content.decode()
    assert '<time datetime="2026-12-02T07:34:35Z" class="abs">2026-12-02 04:34:35 -03:00</time>' in html
    assert 'data-time-zone="America/Santiago"' in html
    # the time range of the filters is read in the same zone
    found = client.get("/messages/?since=2026-12-02T04:34:00&until=2026-12-02T04:35:00").content.decode()
    assert re.findall(r"<summary>(\w+)</summary>", found) == ["One"]


def test_simulators_page_shows_running_simulators(
    make_user: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PYROS_RUN_DIR = tmp_path
    client = signed_in(make_user("reader"))
    assert 'id="no-simulators"' in client.get("/simulators/").content.decode()
    records = [ServerRecord(f"usd{i}", "tcp", ("127.0.0.1", 11000 + i), None) for i in range(4)]
    write_state(tmp_path, RunState(os.getpid(), "127.0.0.1", 0, 1, T0.isoformat(), {"active_surface": records}))
    # our own pid is not a runsimulators process (its command line says pytest): take it for one
    monkeypatch.setattr(simulators.state, "process_alive", lambda pid: pid == os.getpid())
    html = client.get("/simulators/").content.decode()
    fragment = client.get("/simulators/?fragment=1").content.decode()
    data = client.get("/simulators/?format=json").json()
    assert f'data-pid="{os.getpid()}"' in html and 'data-simulator="active_surface"' in html
    assert "11000-11003" in html and "2026-12-02 07:34:35 UTC" in html
    assert "<html" not in fragment and 'data-simulator="active_surface"' in fragment
    assert data["runs"][0]["simulators"][0]["servers"][3]["listening"] == "127.0.0.1:11003"


def test_sign_in_page_says_how_to_create_the_first_user(django_user_model: Any) -> None:
    html = Client().get("/login/").content.decode()
    assert 'id="first-user"' in html and "manage.py createsuperuser" in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    django_user_model.objects.create_user("someone", password="pw-12345")
    assert 'id="first-user"' not in Client().get("/login/").content.decode()


def test_favicon_and_static_files_are_served_with_debug_off(settings: Any) -> None:
    assert settings.DEBUG is False
    icon = Client().get("/favicon.ico")
    assert icon.status_code == 302
    served = Client().get(icon["Location"])
    assert served.status_code == 200 and served["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    css = Client().get("/static/common/dashboard.css")
    assert css.status_code == 200 and b"prefers-color-scheme" in b"".join(css.streaming_content)


def test_known_messages_list_the_params_a_handler_reads() -> None:
    from common.console import _handler_params

    def handler(message: Any) -> Any:
        """Acknowledge an observation.

        More text that is not shown."""
        return {"id": message.params.get("id"), "ra": message.params["ra"]}

    assert _handler_params(handler) == (["id", "ra"], "Acknowledge an observation.")


@pytest.mark.parametrize(
    "key, value, expected",
    [
        pytest.param("last_packet_at", 1796110475.0, "2026-12-01 07:34:35 UTC", id="epoch-time"),
        pytest.param("connected_at", "2026-12-02T07:34:35Z", "2026-12-02 07:34:35 UTC", id="iso-time"),
        pytest.param("peers", [["127.0.0.1", 5000], "x"], "127.0.0.1, 5000, x", id="list"),
        pytest.param("peers", [], "none", id="empty-list"),
        pytest.param("options", {"b": 1, "a": None}, '{"a": null, "b": 1}', id="mapping"),
        pytest.param("error", None, "—", id="none"),
        pytest.param("connected", True, "True", id="bool"),
    ],
)
def test_endpoint_fields_are_shown_readably(key: str, value: Any, expected: str) -> None:
    from common.console import show

    assert show(key, value) == expected
