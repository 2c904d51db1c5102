"""System checks of the agent configuration (``manage.py check``; runserver and runagents run them).

A configuration the agents cannot start with is an error that names the file, the section and the key:
a missing or unreadable file, a file that is not ini, an installed agent without a section, an invalid
or duplicate port. A key no endpoint reads is a warning (a typo would otherwise be ignored silently).
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from . import endpoints
from . import runtime as runtime_module
from .config import load_config
from .exceptions import ConfigError

TAG = "pyros"
BASE_KEYS = frozenset({"host", "ip", "port"})


def agent_config_messages(names: list[str] | None = None) -> list[CheckMessage]:
    """The problems of the agent configuration for ``names`` (default: the agents installed here)."""
    try:
        config = load_config()
    except ConfigError as exc:
        return [Error(str(exc), hint="Fix the file, or point PYROS_AGENT_CONFIG at another one.", id="pyros.E001")]
    messages: list[CheckMessage] = []
    for name in runtime_module.runtime.names() if names is None else names:
        if name not in config:
            messages.append(
                Error(
                    f"{config.source}: no [{name}] section for the installed agent {name!r}",
                    hint=f"Add [{name}] with host and port (e.g. host = 127.0.0.1, port = 5003).",
                    id="pyros.E002",
                )
            )
    known = BASE_KEYS | endpoints.known_keys()
    for name, address in config.items():
        for key in sorted(set(address.options) - known):
            messages.append(
                Warning(
                    f"{config.source}: [{name}] {key}: no endpoint reads this key",
                    hint=f"Known keys: {', '.join(sorted(known))}.",
                    id="pyros.W001",
                )
            )
    return messages


@register(TAG)
def check_agent_config(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return agent_config_messages()


def config_errors(names: list[str] | None = None) -> list[str]:
    """The error texts (no warnings) of :func:`agent_config_messages`."""
    return [message.msg for message in agent_config_messages(names) if message.is_serious()]
