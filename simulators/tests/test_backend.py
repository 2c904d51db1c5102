"""The backends (generic, SARDARA, MISTRAL): grammar, requests byte by byte with a manual clock,
scheduled start/stop, MISTRAL's tasks, and a TCP session with the greeting."""

from __future__ import annotations

import socket

import pytest

from simulators import backend
from simulators.backend import grammar
from simulators.backend.genericbackend import GenericBackendSystem
from simulators.backend.mistral import System as Mistral
from simulators.backend.sardara import System as Sardara
from simulators.catalog import system_types
from simulators.tests.helpers import recv_until
from simulators.tests.serving import served, text_feed


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ask(system: object, request: str) -> object:
    outcomes = text_feed(system, request)
    assert outcomes[:-1] == [True] * (len(request) - 1), outcomes
    return outcomes[-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("?status", ("?", "status", "", []), id="request"),
        pytest.param("?start,123,4\r\n", ("?", "start", "", ["123", "4"]), id="arguments"),
        pytest.param("!status,fail,why", ("!", "status", "fail", ["why"]), id="reply"),
    ],
)
def test_grammar_parses(text: str, expected: tuple[object, ...]) -> None:
    message = grammar.parse_message(text)
    assert (message.message_type, message.name, message.code, message.arguments) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("", "empty message is not valid", id="empty"),
        pytest.param("status", "invalid message type 's'", id="type"),
        pytest.param("?1abc", "invalid syntax", id="name"),
        pytest.param("!status,maybe", "invalid syntax", id="code"),
    ],
)
def test_grammar_rejects(text: str, error: str) -> None:
    with pytest.raises(grammar.GrammarException, match=error):
        grammar.parse_message(text)


def test_generic_requests() -> None:
    clock = Clock()
    system = GenericBackendSystem(clock=clock)
    assert ask(system, "?version\r\n") == "!version,ok,1.2\r\n"
    assert ask(system, "?status\r\n") == "!status,ok,1000000.0000000,ok,0\r\n"
    assert ask(system, "?set-configuration,xyz\r\n") == "!set-configuration,ok\r\n"
    assert ask(system, "?set-configuration,XYZ\r\n") == "!set-configuration,fail,invalid configuration\r\n"
    assert ask(system, "?get-configuration\r\n") == "!get-configuration,ok,xyz\r\n"
    assert (
        ask(system, "?set-integration,-1\r\n") == "!set-integration,fail,integration time must be an integer number\r\n"
    )
    assert ask(system, "?set-section,0,1,2001,0,s,1,1\r\n") == (
        "!set-section,fail,backend maximum bandwidth is 2000.000000\r\n"
    )
    assert ask(system, "?set-section,*,*,*,*,*,*,*\r\n") == "!set-section,ok\r\n"
    assert ask(system, "?set-enable,1,7\r\n") == "!set-enable,fail,feed2 out of range\r\n"
    assert ask(system, "?get-tp0\r\n") == "!get-tp0,ok,0,0\r\n"
    assert ask(system, "?nothing\r\n") == "!nothing,fail,invalid command 'nothing'\r\n"
    assert ask(system, "\r\n") == "!undefined,invalid,syntax error: empty message is not valid\r\n"
    assert ask(system, "!status,ok\r\n") is True
    system.failure = True
    assert ask(system, "?version\r\n") == "!version,fail,1.2\r\n"


def test_scheduled_start_and_stop_happen_when_their_time_comes() -> None:
    clock = Clock()
    system = GenericBackendSystem(clock=clock)
    acs = int((clock.now + 10) * 10_000_000)
    assert ask(system, f"?start,{acs}\r\n") == "!start,ok\r\n"
    assert ask(system, f"?stop,{acs + 50_000_000}\r\n") == "!stop,ok\r\n"
    assert system.acquiring is False
    clock.now += 10
    assert ask(system, "?status\r\n") == "!status,ok,1000010.0000000,ok,1\r\n"
    clock.now += 5
    assert system.acquiring is False
    assert ask(system, "?stop\r\n") == "!stop,fail,not acquiring\r\n"
    assert ask(system, "?start,1\r\n") == "!start,fail,starting time already elapsed\r\n"
    assert ask(system, "?start,abc\r\n") == "!start,fail,wrong timestamp 'abc'\r\n"


def test_sardara_and_mistral_types() -> None:
    assert system_types(backend) == ["genericbackend", "mistral", "sardara"]
    assert isinstance(backend.System(system_type="sardara"), Sardara)
    sardara = Sardara()
    assert ask(sardara, "?set-configuration,XYZ\r\n") == "!set-configuration,ok\r\n"


def test_mistral_tasks_take_their_time() -> None:
    clock = Clock()
    mistral = Mistral(clock=clock)
    assert ask(mistral, "?start\r\n") == "!start,fail,system not initialized (setup required)\r\n"
    assert ask(mistral, "?setup\r\n") == "!setup,ok\r\n"
    assert ask(mistral, "?status\r\n") == "!status,ok,1000000.0000000,setup in progress,0\r\n"
    clock.now += 60
    assert ask(mistral, "?vna-sweep\r\n") == "!vna-sweep,ok\r\n"
    assert ask(mistral, "?target-sweep\r\n") == "!target-sweep,fail,vna-sweep in progress\r\n"
    clock.now += 300
    assert ask(mistral, "?start\r\n") == "!start,ok\r\n"
    assert ask(mistral, "?setup\r\n") == "!setup,fail,acquisition in progress\r\n"
    assert ask(mistral, "?reset\r\n") == "!reset,ok\r\n"
    assert ask(mistral, "?status\r\n") == "!status,ok,1000360.0000000,system not initialized (setup required),0\r\n"


def test_tcp_session_is_greeted() -> None:
    with served(backend, 1) as server, socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
        assert recv_until(client, lambda d: d.endswith(b"\r\n")) == b"!version,ok,1.2\r\n"
        client.sendall(b"?status\r\n")
        reply = recv_until(client, lambda d: d.endswith(b"\r\n"))
        assert reply.startswith(b"!status,ok,") and reply.endswith(b",system not initialized (setup required),0\r\n")
