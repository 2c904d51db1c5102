"""Endpoints plug into an agent: by configuration key (the registry) or by add_endpoint()."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from common import endpoints
from common.agent import Agent
from common.protocol import Message
from common.sender import Sender

from .conftest import loopback

WAIT = 5.0


class LineEndpoint:
    """A one-client TCP endpoint: each line is a message type, answered with the reply's result."""

    def __init__(self, agent: Agent, name: str = "lines") -> None:
        self.agent = agent
        self.name = name
        self.starts = 0
        self.started_in: str | None = None
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.starts += 1
        self.started_in = threading.current_thread().name
        self._server = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, args=(self._server,), name=f"{self.name}-io")
        self._thread.start()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.getsockname()[1])

    def _serve(self, server: socket.socket) -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                done = threading.Event()
                answer: list[bytes] = []
                self.agent.call_soon(self._handle, line.strip().decode(), answer, done)
                done.wait(WAIT)
                stream.write(answer[0] + b"\n")
                stream.flush()

    def _handle(self, text: str, answer: list[bytes], done: threading.Event) -> None:
        response = self.agent.handle(Message(text, {}, 1, "lines"))
        assert response is not None
        answer.append(repr(response.params.get("result", response.params.get("error"))).encode())
        done.set()

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            try:  # wakes the accept() of the I/O thread (close alone does not, on Linux)
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "port": self.port if self._server else None}


class PluggedAgent(Agent):
    def __init__(self, name: str = "plugged", **options: str) -> None:
        super().__init__(name, address=loopback(name, **options))
        self.actions_by_message = {"Hello": lambda m: f"hello from {threading.current_thread().name}"}
        self.given = LineEndpoint(self, "given")
        self.add_endpoint(self.given)
        self.in_work: LineEndpoint | None = None

    def work(self) -> None:
        self.in_work = LineEndpoint(self, "in-work")
        self.add_endpoint(self.in_work)


def ask(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock, sock.makefile("rwb") as stream:
        stream.write(text.encode() + b"\n")
        stream.flush()
        return stream.readline().decode().strip()


def test_endpoints_given_in_init_and_in_work_start_in_the_agent_thread(start_agent) -> None:
    agent = start_agent(PluggedAgent())
    assert agent.in_work is not None
    assert agent.given.started_in == agent.in_work.started_in == "agent-plugged"
    assert ask(agent.given.port, "Hello") == "'hello from agent-plugged'"
    assert ask(agent.in_work.port, "Nope").startswith("'UnknownMessage'")
    names = [ep["name"] for ep in Sender.send_to("plugged", "STATUS")["endpoints"]]
    assert names == ["given", "in-work"]


def test_a_given_endpoint_restarts_with_the_agent_and_a_work_one_is_made_anew(start_agent) -> None:
    agent = start_agent(PluggedAgent())
    first = agent.in_work
    agent.stop()
    assert agent.endpoints == []
    agent.start()
    assert agent.wait_ready(WAIT)
    assert agent.given.starts == 2 and agent.in_work is not first
    assert ask(agent.given.port, "PING") == "'PONG'"


def test_a_registered_configuration_key_opens_its_endpoint(start_agent) -> None:
    made: list[tuple[str, str]] = []

    def factory(agent: Agent, address: Any) -> LineEndpoint:
        made.append((agent.name, address.options["lines_mode"]))
        return LineEndpoint(agent, "configured")

    endpoints.register_endpoint("lines_port", factory, options=("lines_mode",))
    try:
        assert {"lines_port", "lines_mode"} <= endpoints.known_keys()
        agent = start_agent(PluggedAgent("keyed", lines_port="0", lines_mode="plain"))
        plain = start_agent(PluggedAgent("plain"))
    finally:
        endpoints.unregister_endpoint("lines_port")
    assert made == [("keyed", "plain")]
    assert [ep.name for ep in agent.endpoints] == ["configured", "given", "in-work"]
    assert [ep.name for ep in plain.endpoints] == ["given", "in-work"]
    configured = agent.endpoints[0]
    assert isinstance(configured, LineEndpoint)
    assert ask(configured.port, "Hello") == "'hello from agent-keyed'"


def test_add_endpoint_refuses_what_is_not_an_endpoint() -> None:
    agent = PluggedAgent("refuses")
    with pytest.raises(TypeError, match="not an endpoint"):
        agent.add_endpoint(object())  # type: ignore[arg-type]
