"""System base classes: hooks, sending subscriptions (latest status wins), the multi-type factory."""

from __future__ import annotations

import queue

import pytest

from simulators.common import SERVER_SHUTDOWN, BaseSystem, ListeningSystem, MultiTypeSystem, SendingSystem
from simulators.exceptions import UnknownSystemTypeError
from simulators.tests.systems import Echo, Greeter, Variants


class Plain(BaseSystem):
    pass


class Sender(SendingSystem):
    pass


def test_hooks_defaults() -> None:
    assert Plain().system_stop() == SERVER_SHUTDOWN == "$server_shutdown%%%%%"
    assert Plain().system_greet() is None
    assert SendingSystem.sampling_time == 0.01


def test_listening_system_must_implement_parse_and_shares_its_parser_by_default() -> None:
    with pytest.raises(TypeError):
        ListeningSystem()  # type: ignore[abstract]
    echo = Echo()
    assert echo.new_parser() is echo


def test_publish_leaves_only_the_newest_status_and_never_blocks() -> None:
    sender = Sender()
    stuck: queue.Queue[bytes] = queue.Queue(maxsize=1)  # a client that never takes anything
    live: queue.Queue[bytes] = queue.Queue(maxsize=1)
    sender.subscribe(stuck)
    sender.subscribe(live)
    for number in range(100):
        sender.publish(bytes([number]))
        assert live.get_nowait() == bytes([number])
    assert stuck.get_nowait() == bytes([99]) and stuck.empty()
    sender.unsubscribe(stuck)
    sender.unsubscribe(stuck)  # twice is harmless
    assert sender.subscribers() == [live]


def test_multi_type_factory_returns_the_variant() -> None:
    assert type(Variants(system_type="plain")) is Echo
    greeter = Variants(system_type="greeting", suffix="!")
    assert isinstance(greeter, Greeter) and not isinstance(greeter, Variants) and greeter.suffix == "!"


@pytest.mark.parametrize("kwargs", [pytest.param({"system_type": "nope"}, id="unknown"), pytest.param({}, id="none")])
def test_multi_type_factory_rejects_unknown_types(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"^System type .* not found\.$") as caught:
        Variants(**kwargs)
    assert isinstance(caught.value, UnknownSystemTypeError)


def test_multi_type_factory_default_type_and_module_variants() -> None:
    import simulators.weather_station as station

    class WithDefault(MultiTypeSystem):
        systems = {"station": station}
        system_type = "station"

    assert isinstance(WithDefault(), station.System)
