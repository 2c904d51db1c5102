"""A broken agent configuration is a system-check error naming file, section and key: `check` reports
it, runserver, runagents and daphne refuse to start with one clear line (no traceback, no crash loop)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from common.testing import free_port

from .proc import Proc, child_env


def env_with(tmp_path: Path, text: str | None) -> dict[str, str]:
    config = tmp_path / "agents.ini"
    if text is not None:
        config.write_text(text)
    return child_env(PYROS_AGENT_CONFIG=str(config), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")


def good(port_a: int = 0, port_s: int = 0) -> str:
    return f"[alert_manager]\nport = {port_a or free_port()}\n[scheduler]\nport = {port_s or free_port()}\n"


CASES = [
    pytest.param(None, ["agents.ini", "cannot read"], id="missing-file"),
    pytest.param("[scheduler\nport = 1\n", ["agents.ini", "not a valid ini"], id="bad-ini"),
    pytest.param("[scheduler]\nport = 5002\n", ["agents.ini", "[alert_manager]", "installed agent"], id="no-section"),
    pytest.param(
        "[alert_manager]\nport = 5002\n[scheduler]\nport = 5002\n",
        ["agents.ini", "[scheduler] port = 5002", "duplicate port"],
        id="duplicate-port",
    ),
    pytest.param(
        "[alert_manager]\nport = x\n[scheduler]\nport = 5\n", ["[alert_manager] port", "not an integer"], id="port"
    ),
]


def run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    proc = Proc.manage(*args, env=env)
    return proc.wait(60), proc.output


@pytest.mark.parametrize(("text", "needles"), CASES)
def test_check_reports_the_file_section_and_key(tmp_path: Path, text: str | None, needles: list[str]) -> None:
    code, out = run("check", env=env_with(tmp_path, text))
    assert code == 1 and "SystemCheckError" in out and "pyros.E00" in out, out
    assert all(needle in out for needle in needles), out
    assert "Traceback" not in out


def test_an_unknown_key_is_a_warning(tmp_path: Path) -> None:
    code, out = run("check", env=env_with(tmp_path, good() + "ivy_buss = 127.255.255.255:2010\n"))
    assert code == 0 and "pyros.W001" in out and "[scheduler] ivy_buss" in out, out


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["runserver", "--noreload", "127.0.0.1:0"], id="runserver"),
        pytest.param(["runagents"], id="runagents"),
    ],
)
def test_servers_refuse_to_start_with_one_clear_message(tmp_path: Path, command: list[str]) -> None:
    code, out = run(*command, env=env_with(tmp_path, "[scheduler]\nport = 5002\n"))
    assert code != 0 and "alert_manager" in out and "section" in out, out
    assert "Traceback" not in out and "listening on" not in out and "crashed" not in out, out


def test_daphne_refuses_to_start_with_one_clear_line(tmp_path: Path) -> None:
    daphne = str(Path(sys.executable).with_name("daphne"))
    env = env_with(tmp_path, "[alert_manager]\nport = 5002\n[scheduler]\nport = 5002\n")
    proc = Proc([daphne, "-b", "127.0.0.1", "-p", str(free_port()), "pyros.asgi:application"], env)
    assert proc.wait(60) == 1
    assert "pyros: cannot start:" in proc.output and "duplicate port" in proc.output, proc.output
    assert "Traceback" not in proc.output and "listening on" not in proc.output, proc.output


def test_runagents_with_an_agent_without_a_section_is_one_command_error(tmp_path: Path) -> None:
    code, out = run("runagents", "scheduler", env=env_with(tmp_path, "[alert_manager]\nport = 5003\n"))
    assert code == 1, out
    assert out.strip().splitlines()[-1].startswith("CommandError: agent 'scheduler' has no section in"), out
