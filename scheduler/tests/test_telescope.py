"""Which mount the executor drives: ``PYROS_MOUNT_KIND`` among the configured endpoints, and the ``acu``
configuration key (its status port: the next one unless ``acu_status_port`` is given)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from common import endpoints
from scheduler.acu import AcuCallerError, AcuEndpoint, acu_endpoint
from scheduler.mount import MountCallerError, MountEndpoint
from scheduler.planner.types import Site
from scheduler.telescope import select_mount


class Agent:
    def call_soon(self, callback: Any, *args: Any) -> None:
        callback(*args)


@pytest.fixture
def both() -> Iterator[tuple[MountEndpoint, AcuEndpoint]]:
    lx200 = MountEndpoint(Agent(), "127.0.0.1", 1)
    acu = AcuEndpoint(Agent(), "127.0.0.1", 2, site=Site("s", 0.0, 0.0))
    yield lx200, acu
    lx200.stop()
    acu.stop()


@pytest.mark.parametrize(
    ("configured", "kind", "chosen"),
    [
        pytest.param("lx200", "auto", "lx200", id="auto-lx200"),
        pytest.param("acu", "auto", "acu", id="auto-acu"),
        pytest.param("", "auto", None, id="auto-none"),
        pytest.param("both", "acu", "acu", id="both-acu"),
        pytest.param("both", "lx200", "lx200", id="both-lx200"),
        pytest.param("lx200", "acu", None, id="acu-not-configured"),
    ],
)
def test_select_mount(both: tuple[MountEndpoint, AcuEndpoint], configured: str, kind: str, chosen: str | None) -> None:
    lx200, acu = both
    present = {"lx200": [lx200], "acu": [acu], "both": [lx200, acu], "": []}[configured]
    expected = {"lx200": lx200, "acu": acu, None: None}[chosen]
    assert select_mount([object(), *present], kind) is expected


def test_select_mount_errors(both: tuple[MountEndpoint, AcuEndpoint]) -> None:
    with pytest.raises(MountCallerError, match="PYROS_MOUNT_KIND"):
        select_mount(list(both), "auto")
    with pytest.raises(MountCallerError, match="expected auto"):
        select_mount(list(both), "lx-200")


def address(**options: str) -> Any:
    return SimpleNamespace(options=options)


def test_acu_key() -> None:
    assert "acu" in endpoints.known_keys()
    assert acu_endpoint(Agent(), address(mount="127.0.0.1:1")) is None
    made = [
        acu_endpoint(Agent(), address(acu="127.0.0.1:13000")),
        acu_endpoint(Agent(), address(acu="127.0.0.1:13000", acu_status_port="14001")),
    ]
    try:
        assert [(e.address, e.status_address) for e in made if e is not None] == [
            (("127.0.0.1", 13000), ("127.0.0.1", 13001)),
            (("127.0.0.1", 13000), ("127.0.0.1", 14001)),
        ]
    finally:
        for e in made:
            if e is not None:
                e.stop()


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"acu": "13000"}, id="no-host"),
        pytest.param({"acu": "127.0.0.1:port"}, id="port-not-a-number"),
        pytest.param({"acu": "127.0.0.1:13000", "acu_status_port": "x"}, id="bad-status-port"),
    ],
)
def test_acu_key_errors(options: dict[str, str]) -> None:
    with pytest.raises(AcuCallerError, match="expected HOST:PORT"):
        acu_endpoint(Agent(), address(**options))
