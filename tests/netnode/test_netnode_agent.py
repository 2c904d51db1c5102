"""A pyros agent with a Net_Node: messages in through actions_by_message, NETNODE_SEND out via Sender."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.exceptions import ConfigError, RemoteHandlerError
from common.networking.endpoint import netnode_endpoint
from common.protocol import Message
from common.sender import Sender

TIMEOUT = 5.0


class NetAgent(Agent):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("netagent", **kwargs)
        self.received: list[Message] = []
        self.got = threading.Event()
        self.actions_by_message = {"HELLO": self.hello}

    def hello(self, message: Message) -> None:
        self.received.append(message)
        self.got.set()


@pytest.fixture
def agent_factory() -> Iterator[Any]:
    agents: list[Agent] = []

    def make(options: dict[str, str]) -> NetAgent:
        agent = NetAgent(address=AgentAddress("netagent", "127.0.0.1", 0, options, "test.ini"))
        agents.append(agent)
        agent.start()
        assert agent.wait_ready(TIMEOUT), f"agent did not start: {agent.status()['last_error']}"
        return agent

    yield make
    for agent in agents:
        agent.stop()
    Sender.close_all()


def test_agent_receives_and_sends_netnode_messages(agent_factory, make_station, make_node, inbox) -> None:
    station = make_station("T")
    agent = agent_factory({"netnode_upstream": f"T@127.0.0.1:{station.listen_port}"})
    [endpoint] = agent.endpoints
    assert endpoint.node.connected.wait(TIMEOUT), "the agent's Net_Node got no pong from the Station"
    got = inbox()
    peer = make_node("peer", "T", station.listen_port, {"PONG": got})

    msg_id = peer.send("netagent", "HELLO", {"x": 1}, repeat=True)
    assert agent.got.wait(TIMEOUT), "the agent's HELLO handler was not called"
    [message] = agent.received
    assert message.type == "HELLO" and message.sender == "peer"
    assert message.params["value"] == {"x": 1} and message.params["id"] == msg_id
    assert peer.outbox.wait_empty(TIMEOUT), "the agent's Net_Node did not confirm"

    reply = Sender.send_to("netagent", "NETNODE_SEND", {"to": "peer", "key": "PONG", "value": [1, 2]})
    assert reply["id"] == "netagent_1"  # netagent_0 was the CONFIRM
    assert got.wait_for(1) == [[1, 2]]
    status = Sender.send_to("netagent", "STATUS")
    [described] = status["endpoints"]
    assert described["name"] == "netnode" and described["connected"] is True
    assert "NETNODE_SEND" in status["messages"]


def test_netnode_send_validates_params(agent_factory, make_station) -> None:
    station = make_station("T")
    agent_factory({"netnode_upstream": f"T@127.0.0.1:{station.listen_port}"})
    with pytest.raises(RemoteHandlerError, match=r"params\.key"):
        Sender.send_to("netagent", "NETNODE_SEND", {"to": "peer"})
    with pytest.raises(RemoteHandlerError, match=r"params\.to"):
        Sender.send_to("netagent", "NETNODE_SEND", {"to": 5, "key": "K"})


def test_agent_with_a_router_port_only(agent_factory, make_node) -> None:
    agent = agent_factory({"netnode_port": "0"})
    [endpoint] = agent.endpoints
    port = endpoint.node.router_port
    assert port
    peer = make_node("peer", "netagent", port)
    peer.send("netagent", "HELLO", "direct")
    assert agent.got.wait(TIMEOUT)
    assert agent.received[0].params["value"] == "direct"


def _address(options: dict[str, str]) -> AgentAddress:
    return AgentAddress("netagent", "127.0.0.1", 0, options, "test.ini")


def test_no_options_no_endpoint() -> None:
    assert netnode_endpoint(None, _address({})) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options, upstream",
    [
        pytest.param({"netnode_upstream": "T@127.0.0.1:5560"}, ("T", "127.0.0.1", 5560), id="id-at"),
        pytest.param({"netnode_upstream": "127.0.0.1:5560"}, ("T", "127.0.0.1", 5560), id="default-id"),
        pytest.param(
            {"netnode_upstream": "127.0.0.1:5560", "netnode_upstream_id": "hub"},
            ("hub", "127.0.0.1", 5560),
            id="id-key",
        ),
    ],
)
def test_upstream_option(options: dict[str, str], upstream: tuple[str, str, int]) -> None:
    endpoint = netnode_endpoint(None, _address(options))  # type: ignore[arg-type]
    assert endpoint is not None and endpoint.upstream == upstream and endpoint.node_id == "netagent"


@pytest.mark.parametrize(
    "options, text",
    [
        pytest.param({"netnode_upstream": "T@127.0.0.1"}, "ID@host:port", id="no-port"),
        pytest.param({"netnode_upstream": "T@127.0.0.1:x"}, "not an integer", id="bad-port"),
        pytest.param({"netnode_upstream": "T@127.0.0.1:0"}, "cannot be 0", id="zero-port"),
        pytest.param({"netnode_port": "70000"}, "between 0 and 65535", id="router-port"),
    ],
)
def test_bad_options_name_file_section_and_key(options: dict[str, str], text: str) -> None:
    with pytest.raises(ConfigError, match=text) as info:
        netnode_endpoint(None, _address(options))  # type: ignore[arg-type]
    assert "test.ini" in str(info.value) and "[netagent]" in str(info.value)
