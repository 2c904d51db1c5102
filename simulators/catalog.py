"""Which simulators exist, which servers a selection starts, and how to describe them.

A simulator is a sub-package of ``simulators`` with a ``servers`` list and a ``System``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import simulators
from simulators.common import MultiTypeSystem
from simulators.exceptions import SimulatorCallerError, UnknownSimulatorError, UnknownSystemTypeError
from simulators.server import ServerEntry, extra_addresses, server_entries

NOT_SIMULATORS = {"management", "migrations", "tests"}


def available_simulators() -> dict[str, ModuleType]:
    """Name -> module of every simulator package, sorted by name."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(simulators.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name in NOT_SIMULATORS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"simulators.{info.name}")
        if hasattr(module, "servers") and hasattr(module, "System"):
            found[info.name] = module
    return found


@dataclass
class Selection:
    """The servers of one simulator, with the final addresses and kwargs."""

    name: str
    module: ModuleType
    entries: list[ServerEntry]


def system_types(module: ModuleType) -> list[str] | None:
    """The variant names of a multi-type simulator, or None for a plain one.

    Read from ``System.systems`` (a :class:`MultiTypeSystem`), else from a module-level ``systems``
    (DISCOS's layout, where ``System.__new__`` fills the class attribute on first use).
    """
    system = module.System
    if not (isinstance(system, type) and issubclass(system, MultiTypeSystem)):
        return None
    return sorted(system.systems or getattr(module, "systems", {}))


def select(
    names: list[str],
    host: str | None = None,
    port_offset: int = 0,
    system_type: str | None = None,
    catalog: dict[str, ModuleType] | None = None,
) -> list[Selection]:
    """The simulators called ``names`` (all if empty), with ``host``/``port_offset``/``system_type`` applied."""
    catalog = available_simulators() if catalog is None else catalog
    unknown = [n for n in names if n not in catalog]
    if unknown:
        raise UnknownSimulatorError(unknown[0], sorted(catalog))
    chosen = list(dict.fromkeys(names)) or sorted(catalog)
    if system_type is not None and not names:  # every simulator that has this type
        chosen = [n for n in chosen if system_type in (system_types(catalog[n]) or [])]
        if not chosen:
            raise SimulatorCallerError(f"no simulator has a system type {system_type!r}; see --list")
    extra: dict[str, Any] = {}
    if system_type is not None:
        for name in chosen:
            types = system_types(catalog[name])
            if types is None:
                raise SimulatorCallerError(f"--type applies to multi-type simulators; {name!r} has no system types")
            if system_type not in types:
                raise SimulatorCallerError(f"{UnknownSystemTypeError(system_type)} ({name} types: {', '.join(types)})")
        extra["system_type"] = system_type
    return [Selection(n, catalog[n], server_entries(catalog[n], host, port_offset, extra)) for n in chosen]


def _ports(entries: list[ServerEntry], role: str) -> str:
    ports = [a[1] for e in entries if (a := e.l_address if role == "listening" else e.s_address)]
    if not ports:
        return ""
    hosts = sorted({a[0] for e in entries if (a := e.l_address if role == "listening" else e.s_address)})
    consecutive = ports == list(range(ports[0], ports[0] + len(ports)))
    text = f"{ports[0]}-{ports[-1]}" if consecutive and len(ports) > 1 else ",".join(map(str, ports))
    return f"{role} {'/'.join(hosts)}:{text}"


def describe(selection: Selection) -> list[str]:
    """Lines for ``--list``: the simulator (with its system types), then its servers grouped by protocol
    and system type (ports as ranges)."""
    entries = selection.entries
    count = f"{len(entries)} server{'s' if len(entries) != 1 else ''}"
    types = system_types(selection.module)
    type_text = f", types: {', '.join(types)}" if types else ""
    lines = [f"{selection.name} ({count}{type_text})"]
    groups: dict[tuple[str, str], list[ServerEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.protocol, str(entry.kwargs.get("system_type") or "")), []).append(entry)
    for (protocol, system_type), same in groups.items():
        roles = [text for role in ("listening", "sending") if (text := _ports(same, role))]
        suffix = f"  type {system_type}" if system_type else ""
        lines.append(f"  {protocol}  {'; '.join(roles)}{suffix}")
    for key in extra_addresses(selection.module):
        address = entries[0].kwargs.get(key) if entries else None
        if address:
            lines.append(f"  {key.removesuffix('_address')}  listening {address[0]}:{address[1]}")
    return lines
