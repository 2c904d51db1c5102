"""An agent whose config section names an Ivy bus: bound methods run in the agent's thread,
``send_ivy`` and the IVY_SEND built-in action (through Sender) send on the bus, DIE stops it."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.exceptions import ConfigError, RemoteError, UnknownMessageError
from common.ivy import IVY_SEND, IvyAgentMixin, IvyClient, IvyNotConfiguredError, ivy_endpoint_factory
from common.sender import Sender
from common.states import AgentState

WAIT = 10.0


class HelloAgent(IvyAgentMixin, Agent):
    def __init__(self, name: str, options: dict[str, str], refuse_die: bool = False) -> None:
        super().__init__(name, address=AgentAddress(name, "127.0.0.1", 0, options))
        self.calls: queue.Queue[tuple[str, str, tuple[str, ...]]] = queue.Queue()
        self.refuse_die = refuse_die
        self.bind_ivy(r"^hello (\w+) ?(\d+)?", self.on_hello)

    def on_hello(self, peer: IvyClient, *groups: str) -> None:
        self.calls.put((threading.current_thread().name, peer.name, groups))

    def on_ivy_die(self, peer: IvyClient, text: str) -> bool:
        return not self.refuse_die

    def on_ivy_connect(self, peer: IvyClient) -> None:
        self.calls.put((threading.current_thread().name, peer.name, ("connected",)))

    def on_ivy_direct_message(self, peer: IvyClient, num_id: int, text: str) -> None:
        self.calls.put((threading.current_thread().name, peer.name, ("direct", str(num_id), text)))


@pytest.fixture
def make_agent(bus_string: str) -> Any:
    agents: list[Agent] = []

    def make(name: str = "ivyagent", **kwargs: Any) -> HelloAgent:
        options = {"ivy_bus": bus_string, "ivy_name": "Pyros Agent", **kwargs.pop("options", {})}
        agent = HelloAgent(name, options, **kwargs)
        agents.append(agent)
        agent.start()
        assert agent.wait_ready(WAIT), f"agent did not start: {agent.status()['last_error']}"
        return agent

    yield make
    for agent in agents:
        agent.stop(WAIT)
    Sender.close_all()


def get(q: queue.Queue[Any], what: str) -> Any:
    try:
        return q.get(timeout=WAIT)
    except queue.Empty:
        raise AssertionError(f"{what}: nothing within {WAIT} s") from None


def test_bound_method_runs_in_the_agent_thread(make_agent: Any, make_pypeer: Any) -> None:
    agent = make_agent()
    py = make_pypeer("PyAgent")
    py.next_event("app")  # after our regexps: ivy-python sends only to initialized peers
    assert get(agent.calls, "on_ivy_connect") == ("agent-ivyagent", "PyAgent", ("connected",))
    assert py.server.send_msg("hello bob 42") == 1
    assert get(agent.calls, "on_hello") == ("agent-ivyagent", "PyAgent", ("bob", "42"))
    assert py.server.send_direct_message("Pyros Agent", 5, "psst")
    assert get(agent.calls, "on_ivy_direct_message") == ("agent-ivyagent", "PyAgent", ("direct", "5", "psst"))
    assert py.server.send_msg("hello alice") == 1
    assert get(agent.calls, "on_hello")[2] == ("alice", "")


def test_send_ivy_status_and_unbind(make_agent: Any, make_pypeer: Any) -> None:
    agent = make_agent()
    py = make_pypeer("PyAgent", binds=(r"^status (.*)",))
    client = agent.ivy_bus.wait_for_client("PyAgent", WAIT, regexps=1)
    assert agent.send_ivy("status ok") == 1
    assert py.next_message()[1] == ("ok",)
    (ivy,) = [e for e in agent.status()["endpoints"] if e["name"] == "ivy"]
    assert ivy["bus"] == agent.ivy_bus.bus and ivy["ivy_name"] == "Pyros Agent"
    assert ivy["overflow_disconnects"] == 0
    assert [p["name"] for p in ivy["peers"]] == ["PyAgent"] and ivy["peers"][0]["regexps"] == {0: r"^status (.*)"}
    assert IVY_SEND in agent.known_messages()
    binding = agent.bind_ivy(r"^bye", lambda peer: None)
    while py.next_event("regexp")[1:] != (3, 1, "^bye"):  # the handshake's ^hello comes first
        pass
    agent.unbind_ivy(binding)
    assert py.next_event("regexp")[1:] == (4, 1, "^bye")
    assert client.initialized


def test_ivy_send_through_sender(make_agent: Any, make_pypeer: Any) -> None:
    agent = make_agent()
    py = make_pypeer("PyAgent", binds=(r"^weather (\w+)",))
    agent.ivy_bus.wait_for_client("PyAgent", WAIT, regexps=1)
    assert Sender.send_to(agent.name, IVY_SEND, {"text": "weather sunny"}, timeout=WAIT) == {"matches": 1}
    assert py.next_message()[1] == ("sunny",)
    with pytest.raises(RemoteError, match="must not contain"):
        Sender.send_to(agent.name, IVY_SEND, {"text": "two\nlines"}, timeout=WAIT)
    with pytest.raises(RemoteError, match="text"):
        Sender.send_to(agent.name, IVY_SEND, {}, timeout=WAIT)
    # Ivy events reach the agent's thread through call_soon: no message type can name a callable.
    with pytest.raises(UnknownMessageError):
        Sender.send_to(agent.name, "IVY_EVENT", {"call": "os.system", "args": ["true"]}, timeout=WAIT)


def test_die_stops_the_agent_unless_it_refuses(make_agent: Any, make_pypeer: Any) -> None:
    stubborn = make_agent("stubborn", refuse_die=True, options={"ivy_name": "Stubborn"})
    mortal = make_agent("mortal", options={"ivy_name": "Mortal"})
    py = make_pypeer("PyAgent")
    connected = {py.next_event("app")[1].agent_name for _ in range(2)}
    assert connected == {"Stubborn", "Mortal"}
    py.client("Stubborn").send_die_message()
    py.client("Mortal").send_die_message()
    _, client, event = py.next_event("app")
    assert (client.agent_name, event) == ("Mortal", 2)
    mortal.stop(WAIT)
    assert mortal.state == AgentState.STOPPED
    assert stubborn.state == AgentState.RUNNING and stubborn.ivy_bus.get_clients("PyAgent")[0].ping(WAIT) > 0


def test_agent_without_ivy_bus(bus_string: str) -> None:
    agent = HelloAgent("plain", {})
    assert ivy_endpoint_factory(agent, agent.address) is None
    with pytest.raises(IvyNotConfiguredError, match="ivy_bus"):
        agent.send_ivy("hello")


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"ivy_bus": "not a bus"}, id="bad-bus"),
        pytest.param({"ivy_bus": "127:2010", "ivy_name": "a\x02b"}, id="bad-name"),
        pytest.param({"ivy_bus": "127:2010", "ivy_max_queue": "-1"}, id="bad-queue"),
    ],
)
def test_bad_ivy_config(options: dict[str, str]) -> None:
    agent = HelloAgent("bad", options)
    with pytest.raises(ConfigError, match=r"\[bad\] ivy_"):
        ivy_endpoint_factory(agent, AgentAddress("bad", "127.0.0.1", 0, options, "agents.ini"))


def test_max_queue_from_the_section_or_the_setting(bus_string: str, settings: Any) -> None:
    settings.PYROS_IVY_MAX_QUEUE = 1234
    agent = HelloAgent("sized", {"ivy_bus": bus_string})
    default = ivy_endpoint_factory(agent, agent.address)
    sized = ivy_endpoint_factory(
        agent, AgentAddress("sized", "127.0.0.1", 0, {"ivy_bus": bus_string, "ivy_max_queue": "7"})
    )
    assert default is not None and sized is not None
    assert (default.bus.max_queue, sized.bus.max_queue) == (1234, 7)
    assert default.bus.name == "sized"  # ivy_name defaults to the agent's name
    default.stop()
    sized.stop()
