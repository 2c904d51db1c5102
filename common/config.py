"""``pyros_agent_config.ini`` -> :class:`AgentAddress` objects.

One section per agent, named after the agent::

    [scheduler]
    host = 127.0.0.1      ; PyROS's ``ip`` is accepted too
    port = 5002           ; 0 = any free port (the bound port is known to this process only)

Other keys of a section (``ivy_bus``, ``pymasep_port``, ``netnode_port`` ...) are kept in
``AgentAddress.options`` for the endpoints that use them. Every error names the file, the section
and the key.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .conf import setting
from .exceptions import ConfigError, UnknownAgentError

DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class AgentAddress:
    name: str
    host: str
    port: int
    options: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def option_port(self, key: str) -> int | None:
        """An optional extra port option (``pymasep_port`` ...), validated; None when absent."""
        value = self.options.get(key)
        if value is None or value == "":
            return None
        return parse_port(value, self.source, self.name, key)

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def parse_port(value: str, source: str, section: str, key: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        raise ConfigError(f"{source}: [{section}] {key} = {value!r}: not an integer port") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"{source}: [{section}] {key} = {port}: a port is between 0 and 65535")
    return port


class AgentConfig(Mapping[str, AgentAddress]):
    """The agents of one configuration file, by name."""

    def __init__(self, agents: dict[str, AgentAddress], source: str) -> None:
        self._agents = agents
        self.source = source

    def __getitem__(self, name: str) -> AgentAddress:
        try:
            return self._agents[name]
        except KeyError:
            raise UnknownAgentError(name, sorted(self._agents), self.source) from None

    def __contains__(self, name: object) -> bool:
        return name in self._agents

    def __iter__(self) -> Iterator[str]:
        return iter(self._agents)

    def __len__(self) -> int:
        return len(self._agents)


def config_path() -> Path:
    """The environment variable ``PYROS_AGENT_CONFIG``, else the Django setting, else the project's file."""
    value = os.environ.get("PYROS_AGENT_CONFIG")
    if not value:
        value = setting("PYROS_AGENT_CONFIG") or str(Path(__file__).resolve().parent.parent / "pyros_agent_config.ini")
    return Path(value)


_cache: dict[str, tuple[tuple[int, int], AgentConfig]] = {}


def load_config(path: str | os.PathLike[str] | None = None) -> AgentConfig:
    """The agents of the file at ``path`` (default: :func:`config_path`); re-read when the file changes."""
    source_path = Path(path) if path is not None else config_path()
    try:
        st = source_path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None
    cached = _cache.get(str(source_path))
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    config = _parse(source_path)
    if stamp is not None:
        _cache[str(source_path)] = (stamp, config)
    return config


def _parse(source_path: Path) -> AgentConfig:
    source = str(source_path)
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        with open(source_path, encoding="utf-8") as fh:
            parser.read_file(fh, source)
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the agent configuration: {exc.strerror or exc}") from None
    except configparser.Error as exc:
        raise ConfigError(f"{source}: not a valid ini file: {exc}") from None
    agents: dict[str, AgentAddress] = {}
    used: dict[tuple[str, int], str] = {}
    for section in parser.sections():
        agents[section] = _read_section(parser[section], source, used)
    return AgentConfig(agents, source)


def _read_section(sec: configparser.SectionProxy, source: str, used: dict[tuple[str, int], str]) -> AgentAddress:
    name = sec.name
    if "host" in sec and "ip" in sec and sec["host"] != sec["ip"]:
        raise ConfigError(f"{source}: [{name}] host and ip: give one of them (they differ)")
    host = (sec.get("host") or sec.get("ip") or DEFAULT_HOST).strip()
    if not host or any(c.isspace() for c in host):
        raise ConfigError(f"{source}: [{name}] host = {host!r}: not a host name or address")
    if "port" not in sec:
        raise ConfigError(f"{source}: [{name}] port: missing (every agent needs a TCP port)")
    port = parse_port(sec["port"], source, name, "port")
    options = {k: v for k, v in sec.items() if k not in {"host", "ip", "port"}}
    # Extra *_port options must be valid and distinct too.
    ports = [("port", port)] + [
        (k, parse_port(v, source, name, k)) for k, v in options.items() if k.endswith("_port") and v.strip()
    ]
    for key, value in ports:
        if value == 0:
            continue
        other = used.get((host, value))
        if other is not None:
            raise ConfigError(f"{source}: [{name}] {key} = {value}: duplicate port, already used by {other}")
        used[(host, value)] = f"[{name}] {key}"
    return AgentAddress(name, host, port, options, source)
