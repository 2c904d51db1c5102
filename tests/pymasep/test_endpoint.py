"""common/communication/endpoint.py: an agent with ``pymasep_port`` answers a pymasep Client."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import pytest

from common.agent import Agent
from common.communication import Client, ClientRefusedError, Frame, Message, SocketHandlerQueue
from common.communication.endpoint import PymasepEndpoint, pymasep_endpoint
from common.config import AgentAddress
from common.exceptions import ConfigError
from common.protocol import Message as NativeMessage

WAIT = 10.0


class GameAgent(Agent):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("game", **kwargs)
        self.seen: list[tuple[str, dict[str, Any], str]] = []
        self.actions_by_message = {
            "action": self.act,
            "register": self.register,
            "bad": self.bad,
            "boom": self.boom,
        }

    def act(self, message: NativeMessage) -> Any:
        self.seen.append((message.type, message.params, message.sender))
        return {"observation": f"moved {message.params['action']}", "reward": 1.5, "done": False}

    def register(self, message: NativeMessage) -> Any:
        return None

    def bad(self, message: NativeMessage) -> Any:
        return object()  # pymasep XML cannot carry it

    def boom(self, message: NativeMessage) -> Any:
        raise RuntimeError("kaboom")


@pytest.fixture
def agent() -> Iterator[GameAgent]:
    game = GameAgent(address=AgentAddress("game", "127.0.0.1", 0, {"pymasep_port": "0"}))
    game.start()
    try:
        assert game.wait_ready(WAIT), game.stats.last_error
        yield game
    finally:
        game.stop()


@pytest.fixture
def client(agent: GameAgent) -> Iterator[tuple[Client, queue.Queue[bytes]]]:
    endpoint = next(ep for ep in agent.endpoints if isinstance(ep, PymasepEndpoint))
    host, port = endpoint.address
    replies: queue.Queue[bytes] = queue.Queue()
    pm = Client("player-1", SocketHandlerQueue, (replies,), host, port)
    pm.connect()
    try:
        yield pm, replies
    finally:
        pm.stop()


def _ask(client: tuple[Client, queue.Queue[bytes]], msg_type: str, params: dict[str, Any] | None) -> Message:
    pm, replies = client
    pm.send_frame_to(pm.server_id or "", Frame(Message(msg_type, params, "player-1").to_bytes()))
    return Message.decode(replies.get(timeout=WAIT))


def test_a_pymasep_message_is_dispatched_and_answered(client: Any, agent: GameAgent) -> None:
    pm, _ = client
    assert pm.server_id == "game"
    reply = _ask(client, "action", {"action": "north", "steps": (1, 2), "fast": False})
    assert reply == Message("action", {"result": {"observation": "moved north", "reward": 1.5, "done": False}}, "game")
    assert agent.seen == [("action", {"action": "north", "steps": (1, 2), "fast": False}, "player-1")]


def test_replies_come_back_in_order(client: Any) -> None:
    pm, replies = client
    for i in range(50):
        pm.send_frame_to("game", Frame(Message("action", {"action": i}, "player-1").to_bytes()))
    results = [Message.decode(replies.get(timeout=WAIT)).params for _ in range(50)]
    assert [r["result"]["observation"] for r in results if r] == [f"moved {i}" for i in range(50)]


@pytest.mark.parametrize(
    ("msg_type", "params", "expected"),
    [
        pytest.param("register", {"id": "i1", "queue_id": "q", "role": "Actor"}, {"result": None}, id="none-result"),
        pytest.param("end", None, {"error": "UnknownMessage"}, id="unknown-type"),
        pytest.param(
            "boom", None, {"error": "HandlerError", "message": "kaboom", "exception": "RuntimeError"}, id="raise"
        ),
        pytest.param("bad", {}, {"error": "BadReply"}, id="unencodable-result"),
        pytest.param("PING", None, {"result": "PONG"}, id="builtin"),
    ],
)
def test_results_and_errors_map_to_reply_params(
    client: Any, msg_type: str, params: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    reply = _ask(client, msg_type, params)
    assert reply.msg_type == msg_type
    assert reply.src_sub_app_id == "game"
    assert reply.params is not None
    assert {k: reply.params[k] for k in expected} == expected


def test_a_malformed_message_gets_an_error_reply_and_the_connection_stays(client: Any) -> None:
    pm, replies = client
    pm.send_frame_to("game", Frame(b"<Message msg_type='x' src_sub_app='p'><dict><type>os.system</type></dict>"))
    reply = Message.decode(replies.get(timeout=WAIT))
    assert reply.msg_type == "error"
    assert reply.params is not None and reply.params["error"] == "MalformedMessage"
    assert _ask(client, "PING", None).params == {"result": "PONG"}


def test_status_lists_the_endpoint(client: Any, agent: GameAgent) -> None:
    described = next(ep for ep in agent.status()["endpoints"] if ep["dialect"] == "pymasep")
    assert described["clients"] == ["player-1"]
    assert described["listening"] is True


def test_factory_reads_the_config_section() -> None:
    game = GameAgent(address=AgentAddress("game", "127.0.0.1", 0))
    assert pymasep_endpoint(game, AgentAddress("game", "127.0.0.1", 0)) is None
    endpoint = pymasep_endpoint(
        game, AgentAddress("game", "127.0.0.1", 0, {"pymasep_port": "0", "pymasep_max_connection": "3"})
    )
    assert endpoint is not None and endpoint.max_connection == 3
    with pytest.raises(ConfigError, match="pymasep_max_connection"):
        pymasep_endpoint(
            game, AgentAddress("game", "127.0.0.1", 0, {"pymasep_port": "1", "pymasep_max_connection": "0"})
        )
    with pytest.raises(ConfigError, match="pymasep_port"):
        pymasep_endpoint(game, AgentAddress("game", "127.0.0.1", 0, {"pymasep_port": "x"}))


def test_an_agent_from_the_config_file_opens_its_pymasep_port(tmp_path: Any) -> None:
    ini = tmp_path / "agents.ini"
    ini.write_text("[game]\nhost = 127.0.0.1\nport = 0\npymasep_port = 0\npymasep_max_connection = 1\n")
    game = GameAgent(config_path=str(ini))
    game.start()
    try:
        assert game.wait_ready(WAIT), game.stats.last_error
        endpoint = next(ep for ep in game.endpoints if isinstance(ep, PymasepEndpoint))
        replies: queue.Queue[bytes] = queue.Queue()
        with Client("player", SocketHandlerQueue, (replies,), *endpoint.address) as pm:
            pm.connect()
            pm.send_frame_to("game", Frame(Message("action", {"action": "up"}, "player").to_bytes()))
            reply = Message.decode(replies.get(timeout=WAIT))
            assert reply.params == {"result": {"observation": "moved up", "reward": 1.5, "done": False}}
            with pytest.raises(ClientRefusedError):  # pymasep_max_connection = 1
                Client("other", SocketHandlerQueue, (queue.Queue(),), *endpoint.address).connect()
    finally:
        game.stop()
