from __future__ import annotations

import socket
import threading

import pytest

from common.exceptions import AgentTimeoutError, AgentUnreachableError, InvalidMessageError, UnknownAgentError
from common.protocol import Message
from common.sender import Sender
from common.testing import free_port

from .conftest import loopback
from .test_agent import EchoAgent


class SlowAgent(EchoAgent):
    def __init__(self, **kwargs):
        super().__init__("slow", **kwargs)
        self.release = threading.Event()
        self.actions_by_message["Slow"] = self.slow

    def slow(self, message: Message) -> str:
        self.release.wait(5)
        return "late"


def test_agent_found_in_the_config_file(ini, start_agent):
    port = free_port()
    ini(f"[echo]\nhost = 127.0.0.1\nport = {port}\n")
    agent = start_agent(EchoAgent(address=None))  # address from the config
    assert agent.bound_address == ("127.0.0.1", port)
    assert Sender.send_to("echo", "Echo", {"a": 1})["echo"] == {"a": 1}


def test_unknown_agent(ini):
    ini("[echo]\nport = 1\n")
    with pytest.raises(UnknownAgentError, match=r"unknown agent .nobody.*known agents: echo"):
        Sender.send_to("nobody", "PING")


def test_unreachable_agent_names_host_and_port(ini):
    port = free_port()
    ini(f"[ghost]\nhost = 127.0.0.1\nport = {port}\n")
    with pytest.raises(
        AgentUnreachableError, match=f"agent 'ghost' unreachable at 127.0.0.1:{port}: Connection refused"
    ):
        Sender.send_to("ghost", "PING")


def test_timeout_then_the_connection_recovers(start_agent):
    agent = start_agent(SlowAgent())
    with pytest.raises(AgentTimeoutError, match=r"agent .slow. did not reply to .Slow. within 0\.2 s"):
        Sender.send_to("slow", "Slow", timeout=0.2)
    agent.release.set()
    assert Sender.send_to("slow", "PING") == "PONG"  # the late reply is not mistaken for this one


@pytest.mark.parametrize(
    ("message", "params", "why"),
    [
        pytest.param("", {}, "non-empty string", id="empty"),
        pytest.param("A", [1], "params must be a dict", id="params-list"),
        pytest.param("A", {"x": object()}, "cannot be sent as JSON", id="unencodable"),
        pytest.param("A", {"x": "y" * 2_000_000}, "too large", id="too-large"),
    ],
)
def test_invalid_messages_are_the_callers_error(start_agent, message, params, why):
    start_agent(EchoAgent())
    with pytest.raises(InvalidMessageError, match=why):
        Sender.send_to("echo", message, params)


def test_one_persistent_connection_shared_by_threads(start_agent):
    agent = start_agent(EchoAgent())
    connections: list[tuple] = []
    original = agent._deliver

    def spy(message, conn):
        connections.append(conn.peer)
        original(message, conn)

    agent._deliver = spy
    results: list[object] = []

    def worker(n: int) -> None:
        for i in range(50):
            results.append(Sender.send_to("echo", "Echo", {"n": n, "i": i})["echo"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 200 and {r["n"] for r in results} == {0, 1, 2, 3}
    assert len(set(connections)) == 1


def test_reconnects_once_after_the_agent_restarts(start_agent):
    port = free_port()
    agent = start_agent(EchoAgent(address=loopback("echo", port)))
    assert Sender.send_to("echo", "PING") == "PONG"
    agent.stop()
    agent.start()
    assert agent.wait_ready(5)
    assert Sender.send_to("echo", "PING") == "PONG"  # the pooled socket was dead: reopened once


def test_garbage_from_the_agent_is_a_protocol_error():
    from common import directory
    from common.exceptions import AgentProtocolError

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        directory.publish("liar", *server.getsockname())

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(1000)
                conn.sendall(b"\x00\x00\x00\x03abc")

        t = threading.Thread(target=answer)
        t.start()
        try:
            with pytest.raises(AgentProtocolError, match="agent 'liar' sent an invalid reply"):
                Sender.send_to("liar", "PING", timeout=5)
        finally:
            t.join(5)
            directory.withdraw("liar")
