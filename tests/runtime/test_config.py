from __future__ import annotations

import pytest
from django.test import override_settings

from common.config import config_path, load_config
from common.exceptions import ConfigError, UnknownAgentError


def test_sections_become_addresses(ini):
    path = ini(
        "[scheduler]\nhost = 127.0.0.1\nport = 5002\nivy_bus = 127.255.255.255:2010\n"
        "[alert_manager]\nip = 127.0.0.2\nport=5001\n"
    )
    config = load_config()
    assert config.source == str(path)
    assert (config["scheduler"].host, config["scheduler"].port) == ("127.0.0.1", 5002)
    assert config["scheduler"].options == {"ivy_bus": "127.255.255.255:2010"}
    assert config["alert_manager"].host == "127.0.0.2"  # PyROS's ``ip`` accepted
    assert sorted(config) == ["alert_manager", "scheduler"]


def test_unknown_agent_names_the_file_and_the_known_agents(ini):
    path = ini("[scheduler]\nport = 5002\n")
    with pytest.raises(UnknownAgentError) as info:
        load_config()["telescope"]
    assert str(path) in str(info.value) and "scheduler" in str(info.value) and "'telescope'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("[a]\nhost = h\n", "[a] port: missing", id="missing-port"),
        pytest.param("[a]\nport = fivethousand\n", "[a] port = 'fivethousand': not an integer", id="bad-port"),
        pytest.param("[a]\nport = 70000\n", "[a] port = 70000: a port is between 0 and 65535", id="port-range"),
        pytest.param(
            "[a]\nport = 5000\n[b]\nport = 5000\n",
            "[b] port = 5000: duplicate port, already used by [a] port",
            id="dup",
        ),
        pytest.param("[a]\nport = 5000\npymasep_port = 5000\n", "[a] pymasep_port = 5000: duplicate", id="dup-extra"),
        pytest.param("[a]\nport = 1\npymasep_port = x\n", "[a] pymasep_port = 'x'", id="bad-extra-port"),
        pytest.param("[a]\nhost = one\nip = two\nport = 1\n", "[a] host and ip", id="host-and-ip"),
        pytest.param("port = 1\n", "not a valid ini file", id="no-section"),
        pytest.param("[a]\nport = 1\n[a]\nport = 2\n", "not a valid ini file", id="duplicate-section"),
    ],
)
def test_errors_name_file_section_and_key(ini, text, expected):
    path = ini(text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_unreadable_file_is_named(tmp_path):
    missing = tmp_path / "nope.ini"
    with pytest.raises(ConfigError, match=f"{missing}: cannot read the agent configuration"):
        load_config(missing)


def test_port_zero_is_never_a_duplicate(ini):
    ini("[a]\nport = 0\n[b]\nport = 0\n")
    assert load_config()["b"].port == 0


def test_environment_variable_overrides_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("PYROS_AGENT_CONFIG", raising=False)
    with override_settings(PYROS_AGENT_CONFIG=str(tmp_path / "from-setting.ini")):
        assert config_path() == tmp_path / "from-setting.ini"
        monkeypatch.setenv("PYROS_AGENT_CONFIG", str(tmp_path / "from-env.ini"))
        assert config_path() == tmp_path / "from-env.ini"


def test_project_config_lists_both_agents(monkeypatch):
    monkeypatch.delenv("PYROS_AGENT_CONFIG", raising=False)
    config = load_config()
    assert {"alert_manager", "scheduler"} <= set(config)
