"""Brute force and floods through the web: throttled token endpoint and wrong tokens (429 with
Retry-After), per-user injection rate (REST and websocket), malformed and too-deep JSON (400), a
reply over the frame limit (readable error), message log retention, and the production settings."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from common.models import MessageLog
from common.protocol import Message, encode_message
from common.retention import maybe_prune, prune_message_log, reset_schedule
from common.runtime import AgentRuntime
from pyros.asgi import application

from .conftest import session_cookie

ROOT = Path(__file__).resolve().parents[2]
RATES = {"token": "20/min", "auth_failure": "10/min", "inject": "5/min"}


@pytest.fixture(autouse=True)
def fresh_throttles(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Small rates (DRF reads them once, into the class) and empty histories."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)
    cache.clear()
    reset_schedule()
    yield
    cache.clear()


def _assert_429(response: Any) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:200])
    assert int(response["Retry-After"]) > 0


# --- authentication -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_wrong_passwords_on_the_token_endpoint_are_throttled(make_user: Any) -> None:
    make_user("victim")
    client = APIClient()
    codes = [
        client.post("/api/token/", {"username": "victim", "password": f"guess-{i}"}, format="json").status_code
        for i in range(50)
    ]
    assert codes[:10] == [400] * 10
    assert set(codes[10:]) == {429}
    right = client.post("/api/token/", {"username": "victim", "password": "pw-12345"}, format="json")
    _assert_429(right)  # locked out while over the failure rate, even with the right password
    cache.clear()
    assert client.post("/api/token/", {"username": "victim", "password": "pw-12345"}, format="json").status_code == 200


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_per_address_whatever_the_outcome(make_user: Any) -> None:
    make_user("busy")
    client = APIClient()
    codes = [
        client.post("/api/token/", {"username": "busy", "password": "pw-12345"}, format="json").status_code
        for _ in range(25)
    ]
    assert codes[:20] == [200] * 20 and set(codes[20:]) == {429}
    _assert_429(client.post("/api/token/", {"username": "busy", "password": "pw-12345"}, format="json"))


@pytest.mark.django_db
def test_wrong_tokens_are_throttled_and_right_ones_work_after_cooling_down(
    agents: AgentRuntime, make_user: Any
) -> None:
    user = make_user("tok")
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    client = APIClient()
    codes = []
    for _ in range(300):
        client.credentials(HTTP_AUTHORIZATION=f"Token {secrets.token_hex(20)}")
        codes.append(client.get("/api/agents/").status_code)
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    _assert_429(client.get("/api/agents/"))
    cache.clear()
    assert client.get("/api/agents/").status_code == 200


# --- injection ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_injection_is_rate_limited_per_user(agents: AgentRuntime, make_user: Any) -> None:
    alice, bob = APIClient(), APIClient()
    alice.force_authenticate(make_user("alice", staff=True))
    bob.force_authenticate(make_user("bob", staff=True))
    codes = [alice.post("/api/agents/echo/messages/", {"message": "PING"}, format="json").status_code for _ in range(8)]
    assert codes == [200] * 5 + [429] * 3
    _assert_429(alice.post("/api/agents/echo/messages/", {"message": "PING"}, format="json"))
    assert bob.post("/api/agents/echo/messages/", {"message": "PING"}, format="json").status_code == 200
    assert MessageLog.objects.count() == 6  # refused injections reach neither the agent nor the log


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000, id="100k-deep"),
        pytest.param(b'{"message": "PING", "params": ' + b'{"a":' * 200 + b"1" + b"}" * 200 + b"}", id="200-deep"),
        pytest.param(b'{"message": "PING", "params": {', id="truncated"),
        pytest.param(b'{"message": "PING"} trailing', id="trailing"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b'{"message": NaN}', id="nan"),
    ],
)
def test_malformed_or_too_deep_json_is_a_400(agents: AgentRuntime, make_user: Any, body: bytes) -> None:
    client = APIClient()
    client.force_authenticate(make_user("op", staff=True))
    response = client.post("/api/agents/echo/messages/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "detail" in response.json()
    assert client.post("/api/agents/echo/messages/", {"message": "PING"}, format="json").status_code == 200


@pytest.mark.django_db
def test_a_reply_over_the_frame_limit_is_an_error_the_caller_can_read(
    agents: AgentRuntime, make_user: Any, settings: Any
) -> None:
    limit = settings.PYROS_MAX_FRAME_SIZE
    client = APIClient()
    client.force_authenticate(make_user("op", staff=True))
    # Echo answers {"result": params} (7 bytes more than the request, same id): a request just under
    # the limit makes a reply just over it (ids up to 5 digits).
    probe = len(encode_message(Message("Echo", {"pad": ""}, 1, "op@api")))
    pad = "x" * (limit - probe - 5)
    response = client.post("/api/agents/echo/messages/", {"message": "Echo", "params": {"pad": pad}}, format="json")
    assert response.status_code == 502, response.content[:300]
    error = response.json()["error"]
    assert error["type"] == "BadReply" and "exceeds the limit" in error["text"]
    too_big = client.post(
        "/api/agents/echo/messages/", {"message": "Echo", "params": {"pad": pad + "x" * 100}}, format="json"
    )
    assert too_big.status_code == 400 and "too large" in too_big.json()["error"]["text"]
    assert client.post("/api/agents/echo/messages/", {"message": "PING"}, format="json").status_code == 200


ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_injection_rate_and_hostile_json(live_agents: AgentRuntime, make_user: Any) -> None:
    cookie = await asyncio.to_thread(lambda: session_cookie(make_user("wsop", staff=True)))
    comm = WebsocketCommunicator(application, "/ws/agents/", headers=[ORIGIN, (b"cookie", cookie.encode())])
    ok, _ = await comm.connect(timeout=5)
    assert ok
    assert (await comm.receive_json_from(timeout=5))["type"] == "snapshot"
    await comm.send_to(text_data="[" * 100_000)
    await comm.send_to(text_data='{"type": "inject", "params": ' + '{"a":' * 200 + "1" + "}" * 200 + "}")
    errors: list[str] = []
    while len(errors) < 2:
        message = await comm.receive_json_from(timeout=5)
        if message["type"] == "error":
            errors.append(message["error"])
    assert all("JSON" in e for e in errors), errors
    answers: list[dict[str, Any]] = []
    for i in range(8):  # one at a time: the tests' in-memory SQLite takes one writing thread at once
        await comm.send_json_to({"type": "inject", "id": i, "agent": "echo", "message": "PING"})
        while True:
            message = await comm.receive_json_from(timeout=5)
            if message.get("id") == i and message["type"] in ("reply", "error"):
                answers.append(message)
                break
    assert [a["type"] for a in answers] == ["reply"] * 5 + ["error"] * 3
    assert all(a["retry_after"] > 0 and "too many injections" in a["error"] for a in answers[5:])
    await comm.send_json_to({"type": "snapshot"})  # still served
    while (await comm.receive_json_from(timeout=5))["type"] != "snapshot":
        pass
    await comm.disconnect()


# --- retention ------------------------------------------------------------------------------------------
def _log_rows(count: int, age: timedelta) -> None:
    when = timezone.now() - age
    MessageLog.objects.bulk_create(
        MessageLog(agent="echo", message=f"m{i}", params={}, via="api", sent_at=when, status_code=200, outcome="ok")
        for i in range(count)
    )


@pytest.mark.django_db
def test_message_log_is_pruned_by_age_then_by_count(settings: Any) -> None:
    _log_rows(30, timedelta(days=40))
    _log_rows(50, timedelta(days=1))
    pruned = prune_message_log(max_age_days=30, max_rows=20)
    assert (pruned.by_age, pruned.by_count) == (30, 30)
    kept = list(MessageLog.objects.order_by("id").values_list("message", flat=True))
    assert kept == [f"m{i}" for i in range(30, 50)]  # the newest 20
    assert prune_message_log(max_age_days=0, max_rows=0).total == 0  # 0 keeps any
    settings.PYROS_MESSAGE_LOG_MAX_ROWS = 5
    assert maybe_prune() is not None and MessageLog.objects.count() == 5
    _log_rows(10, timedelta(days=1))
    assert maybe_prune() is None  # not before the interval
    assert MessageLog.objects.count() == 15


@pytest.mark.django_db
def test_prunemessages_command() -> None:
    from io import StringIO

    from django.core.management.base import CommandError

    _log_rows(12, timedelta(days=100))
    _log_rows(8, timedelta(hours=1))
    out = StringIO()
    call_command("prunemessages", "--max-age-days", "30", "--max-rows", "5", stdout=out)
    assert "deleted 15 message log rows (12 older than 30 days, 3 over the newest 5)" in out.getvalue()
    with pytest.raises(CommandError, match=">= 0"):
        call_command("prunemessages", "--max-rows", "-1")


# --- production settings --------------------------------------------------------------------------------
def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    child = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DJANGO_DEBUG", "DJANGO_SECURE"}}
    child.update(PYROS_AGENTS_AUTOSTART="0", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy() -> None:
    secure = _check_deploy(
        DJANGO_SECURE="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(60), DJANGO_ALLOWED_HOSTS="pyros.example.org"
    )
    assert secure.returncode == 0, secure.stdout + secure.stderr
    assert "no issues" in secure.stdout
    default = _check_deploy()
    assert default.returncode != 0 and "security.W008" in default.stderr + default.stdout
    no_key = _check_deploy(DJANGO_SECURE="1", DJANGO_SECRET_KEY="")
    assert no_key.returncode != 0 and "DJANGO_SECRET_KEY" in no_key.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("url", [pytest.param("/login/", id="console"), pytest.param("/admin/login/", id="admin")])
def test_wrong_passwords_on_the_sign_in_pages_are_throttled(make_user: Any, url: str) -> None:
    from django.test import Client

    make_user("staffer", staff=True)
    client = Client()
    codes = [client.post(url, {"username": "staffer", "password": f"guess-{i}"}).status_code for i in range(14)]
    assert codes[:10] == [200] * 10 and set(codes[10:]) == {429}
    locked = client.post(url, {"username": "staffer", "password": "pw-12345"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert client.get(url).status_code == 200  # the page itself is still served
    cache.clear()
    assert client.post(url, {"username": "staffer", "password": "pw-12345"}).status_code == 302
