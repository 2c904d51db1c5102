"""Real pyros processes for the multi-process and browser tests: a migrated SQLite file with a user and
its token, ``manage.py runagents`` and ``manage.py runserver`` (daphne's), on free loopback ports."""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.testing import free_port, free_ports

from ..runtime.proc import Proc, child_env

PASSWORD = "pw-12345"

CREATE_USER = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_superuser("admin", "admin@example.com", "{password}")
print("TOKEN", Token.objects.create(user=user).key)
"""


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    ports: dict[str, int]
    token: str = ""
    procs: list[Proc] = field(default_factory=list)

    def start(self, *args: str, **env: str) -> Proc:
        proc = Proc.manage(*args, env={**self.env, **env})
        self.procs.append(proc)
        return proc

    def runserver(self, **env: str) -> str:
        """Start the web server (daphne's runserver, as ``make run``); returns its base URL."""
        port = free_port()
        proc = self.start("runserver", f"127.0.0.1:{port}", "--noreload", DJANGO_DEBUG="1", **env)
        proc.expect(r"Starting ASGI/Daphne", 30)
        wait_for_port(port, 20, proc)
        return f"http://127.0.0.1:{port}"

    def daphne(self, **env: str) -> str:
        """The production way: ``collectstatic``, then ``daphne pyros.asgi:application`` alone with DEBUG
        off (WhiteNoise serves the static files, the agents start with the server); its base URL."""
        static_root = self.tmp / "static"
        env = {"DJANGO_DEBUG": "0", "DJANGO_STATIC_ROOT": str(static_root), **env}
        collect = self.start("collectstatic", "--noinput", "--verbosity", "0", **env)
        assert collect.wait(120) == 0, collect.output
        port = free_port()
        daphne = str(Path(sys.executable).with_name("daphne"))  # the console script, as a deployment runs it
        proc = Proc([daphne, "-b", "127.0.0.1", "-p", str(port), "pyros.asgi:application"], {**self.env, **env})
        self.procs.append(proc)
        wait_for_port(port, 30, proc)
        return f"http://127.0.0.1:{port}"

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                proc.signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.popen.wait(10)
            except Exception:
                proc.kill()


def make_stack(tmp: Path, **env: str) -> Stack:
    """A config with alert_manager and scheduler on free ports and a migrated database with a user."""
    ports = dict(zip(("alert_manager", "scheduler"), free_ports(2), strict=True))
    config = tmp / "agents.ini"
    config.write_text("".join(f"[{name}]\nhost = 127.0.0.1\nport = {port}\n" for name, port in ports.items()))
    stack = Stack(
        tmp,
        child_env(
            PYROS_AGENT_CONFIG=str(config),
            DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
            PYROS_HEARTBEAT_INTERVAL="0.2",
            **env,
        ),
        ports,
    )
    migrate = stack.start("migrate", "--noinput")
    assert migrate.wait(60) == 0, migrate.output
    user = stack.start("shell", "-c", CREATE_USER.format(password=PASSWORD))
    stack.token = user.expect(r"TOKEN (\w+)", 30).group(1)
    assert user.wait(30) == 0, user.output
    return stack


def wait_for_port(port: int, timeout: float, proc: Proc) -> None:
    """A server binds after it says it starts; there is no event to wait on but the port itself."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.popen.poll() is not None:
                what = f"nothing listens on port {port} after {timeout} s"
                raise AssertionError(f"{what}; output:\n{proc.output}") from None
            time.sleep(0.05)


def api(base: str, token: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One REST call with token authentication: (status, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="POST" if body is not None else "GET")
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
