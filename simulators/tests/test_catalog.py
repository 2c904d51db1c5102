"""Which simulators exist, what a selection starts, and the --list description."""

from __future__ import annotations

import types
from socketserver import ThreadingTCPServer

import pytest

from simulators import active_surface, mount, weather_station
from simulators.catalog import available_simulators, describe, select, system_types
from simulators.exceptions import SimulatorCallerError, UnknownSimulatorError
from simulators.tests.systems import Variants


def multi_type_module() -> types.ModuleType:
    module = types.ModuleType("simulators.variants")
    module.servers = [(("127.0.0.1", 13000), ("127.0.0.1", 13001), ThreadingTCPServer, {})]  # type: ignore[attr-defined]
    module.System = Variants  # type: ignore[attr-defined]
    return module


def test_available_simulators() -> None:
    found = available_simulators()
    assert list(found) == sorted(found)
    assert found["active_surface"] is active_surface and found["weather_station"] is weather_station
    assert {"if_distributor", "lo", "calmux", "switch_matrix", "solar_attenuator"} <= set(found)
    assert found["mount"] is mount
    assert all(hasattr(m, "servers") and hasattr(m, "System") for m in found.values())


def test_no_name_selects_everything_in_name_order_and_names_are_deduplicated() -> None:
    assert [s.name for s in select([])] == sorted(available_simulators())
    assert [s.name for s in select(["weather_station", "weather_station"])] == ["weather_station"]


def test_unknown_names_are_reported_with_the_known_ones() -> None:
    with pytest.raises(UnknownSimulatorError, match=r"unknown simulator 'holography' \(known simulators: active"):
        select(["weather_station", "holography"])


def test_host_and_offset_are_applied() -> None:
    (selection,) = select(["weather_station"], host="127.0.0.5", port_offset=7)
    assert selection.entries[0].l_address == ("127.0.0.5", 12607)


def test_type_applies_only_to_multi_type_simulators() -> None:
    catalog = {"variants": multi_type_module(), "weather_station": weather_station}
    (selection,) = select(["variants"], system_type="greeting", catalog=catalog)
    assert selection.entries[0].kwargs == {"system_type": "greeting"}
    assert system_types(catalog["variants"]) == ["greeting", "plain"]
    assert system_types(weather_station) is None
    with pytest.raises(SimulatorCallerError, match="'weather_station' has no system types"):
        select(["weather_station"], system_type="greeting", catalog=catalog)
    with pytest.raises(SimulatorCallerError, match=r"System type nope not found\. \(variants types: greeting, plain\)"):
        select(["variants"], system_type="nope", catalog=catalog)


def test_describe() -> None:
    (surface,) = select(["active_surface"], port_offset=100)
    assert describe(surface) == ["active_surface (96 servers)", "  tcp  listening 127.0.0.1:11100-11195"]
    (station,) = select(["weather_station"])
    assert describe(station) == ["weather_station (1 server)", "  udp  listening 127.0.0.1:12600"]
    (variants,) = select(["variants"], catalog={"variants": multi_type_module()})
    assert describe(variants) == [
        "variants (1 server, types: greeting, plain)",
        "  tcp  listening 127.0.0.1:13000; sending 127.0.0.1:13001",
    ]
