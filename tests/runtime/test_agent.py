from __future__ import annotations

import socket
import struct
import threading

import pytest

from common.agent import Agent
from common.exceptions import RemoteError, RemoteHandlerError, UnknownMessageError
from common.protocol import ERROR, REPLY, Message, MessageDecoder, frame_message
from common.sender import Sender
from common.states import AgentState

from .conftest import loopback


class EchoAgent(Agent):
    MSG_ECHO = "Echo"
    MSG_FAIL = "Fail"
    MSG_UNENCODABLE = "Unencodable"
    MSG_RECORD = "Record"

    def __init__(self, name: str = "echo", **kwargs):
        kwargs.setdefault("address", loopback(name))
        super().__init__(name, **kwargs)
        self.events: list[str] = []
        self.recorded: list[int] = []
        self.thread_of_work: threading.Thread | None = None
        self.shutdown_called = threading.Event()
        self.actions_by_message = {
            self.MSG_ECHO: lambda m: {"echo": m.params, "sender": m.sender},
            self.MSG_FAIL: self.fail,
            self.MSG_UNENCODABLE: lambda m: {1, 2},
            self.MSG_RECORD: lambda m: self.recorded.append(m.params["i"]),
        }

    def fail(self, message: Message) -> None:
        raise ValueError(f"cannot do {message.params}")

    def work(self) -> None:
        self.thread_of_work = threading.current_thread()
        self.events.append("work")

    def shutdown(self) -> None:
        self.events.append("shutdown")
        self.shutdown_called.set()


def connect(agent: Agent) -> socket.socket:
    sock = socket.create_connection(agent.bound_address, timeout=5)
    return sock


def read_message(sock: socket.socket, decoder: MessageDecoder | None = None) -> Message | None:
    decoder = decoder or MessageDecoder()
    while True:
        msg = decoder.next_message()
        if msg is not None:
            return msg
        data = sock.recv(65536)
        if not data:
            return None
        decoder.receive_data(data)


def test_handler_return_value_is_the_reply(start_agent):
    agent = start_agent(EchoAgent())
    assert Sender.send_to("echo", "Echo", {"x": [1, "é"]}, sender="t") == {"echo": {"x": [1, "é"]}, "sender": "t"}
    assert agent.thread_of_work is agent._thread and agent.events == ["work"]


def test_builtin_status_and_ping(start_agent):
    agent = start_agent(EchoAgent())
    assert Sender.send_to("echo", "PING") == "PONG"
    status = Sender.send_to("echo", "STATUS")
    assert status["name"] == "echo" and status["state"] == AgentState.RUNNING
    assert status["port"] == agent.bound_address[1]
    # Routine traffic (STATUS, PING) is counted apart: it is not the agent's work.
    assert status["messages_handled"] == 0 and status["last_message"] is None
    assert status["routine_handled"] == 2
    assert "Echo" in status["messages"] and "SHUTDOWN" in status["messages"]


def test_unknown_message_names_agent_and_known_messages(start_agent):
    agent = start_agent(EchoAgent())
    with pytest.raises(UnknownMessageError) as info:
        Sender.send_to("echo", "Dance")
    text = str(info.value)
    assert "'echo'" in text and "'Dance'" in text and "Echo" in text and "PING" in text
    assert "Echo" in info.value.details["known"]
    # The caller's error, not the agent's: errors and the last message do not move.
    assert agent.stats.errors == 0 and agent.stats.unknown_messages == 1
    assert agent.stats.last_message is None
    assert Sender.send_to("echo", "PING") == "PONG"


def test_handler_exception_becomes_an_error_reply_and_is_counted(start_agent):
    agent = start_agent(EchoAgent())
    with pytest.raises(RemoteHandlerError) as info:
        Sender.send_to("echo", "Fail", {"n": 1})
    assert info.value.error == "ValueError" and info.value.text == "cannot do {'n': 1}"
    assert agent.stats.errors == 1 and agent.stats.last_error == "ValueError: cannot do {'n': 1}"
    assert agent.state == AgentState.RUNNING and Sender.send_to("echo", "PING") == "PONG"


def test_unencodable_reply_becomes_an_error_reply(start_agent):
    start_agent(EchoAgent())
    with pytest.raises(RemoteError, match="BadReply: the reply to 'Unencodable' cannot be encoded"):
        Sender.send_to("echo", "Unencodable")
    assert Sender.send_to("echo", "PING") == "PONG"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        pytest.param(struct.pack(">I", 5) + b"{nope", "MalformedMessage", id="malformed-json"),
        pytest.param(struct.pack(">I", 4) + b"[12]", "MalformedMessage", id="not-an-object"),
        pytest.param(struct.pack(">I", 2_000_000), "FrameTooLarge", id="oversized"),
    ],
)
def test_bad_frames_get_an_error_frame_and_close_while_others_keep_working(start_agent, payload, error):
    agent = start_agent(EchoAgent())
    good = connect(agent)
    bad = connect(agent)
    with good, bad:
        bad.sendall(payload)
        reply = read_message(bad)
        assert reply is not None and reply.kind == ERROR and reply.params["error"] == error
        assert read_message(bad) is None, "the connection should be closed after an error frame"
        good.sendall(frame_message(Message("PING", {}, 1)))
        assert read_message(good) == Message("PING", {"result": "PONG"}, 1, "echo", REPLY)
    assert agent.state == AgentState.RUNNING


def test_client_stalling_mid_frame_is_timed_out(start_agent):
    agent = start_agent(EchoAgent(frame_timeout=0.3))
    with connect(agent) as sock:
        sock.sendall(frame_message(Message("PING"))[:7])
        reply = read_message(sock)
        assert reply is not None and reply.params["error"] == "FrameTimeout"
        assert read_message(sock) is None
    assert Sender.send_to("echo", "PING") == "PONG"


def test_idle_connection_is_not_timed_out(start_agent):
    agent = start_agent(EchoAgent(frame_timeout=0.2))
    with connect(agent) as sock:
        sock.settimeout(0.6)
        with pytest.raises(TimeoutError):
            sock.recv(10)  # nothing arrives and the agent does not close an idle client
        sock.settimeout(5)
        sock.sendall(frame_message(Message("PING", {}, 4)))
        assert read_message(sock).params == {"result": "PONG"}


def test_notifications_are_handled_in_order_without_replies(start_agent):
    agent = start_agent(EchoAgent())
    for i in range(200):
        Sender.notify("echo", "Record", {"i": i})
    assert Sender.send_to("echo", "PING") == "PONG"
    assert agent.recorded == list(range(200))


def test_shutdown_message_stops_the_agent_and_runs_shutdown(start_agent):
    agent = start_agent(EchoAgent())
    assert "shutting down" in Sender.send_to("echo", Agent.SHUTDOWN)
    assert agent.shutdown_called.wait(5), "shutdown() was not called"
    agent._thread.join(5)
    assert agent.state == AgentState.STOPPED and not agent.is_alive()
    assert agent.events == ["work", "shutdown"]


def test_stop_runs_shutdown_and_closes_the_port(start_agent):
    agent = start_agent(EchoAgent())
    address = agent.bound_address
    agent.stop()
    assert agent.shutdown_called.is_set() and agent.state == AgentState.STOPPED
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2).close()


def test_start_is_idempotent(start_agent):
    agent = start_agent(EchoAgent())
    thread = agent._thread
    agent.start()
    assert agent._thread is thread and agent.events == ["work"]


def test_port_already_bound_is_reported_not_crashed():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        agent = EchoAgent(address=loopback("echo", port))
        agent.start()
        agent.ready.wait(5)
        agent._thread.join(5)
        assert agent.state == AgentState.PORT_IN_USE
        assert f"127.0.0.1:{port}" in agent.stats.last_error and "already in use" in agent.stats.last_error
        assert agent.events == [] and not agent.is_alive()


def test_work_that_raises_crashes_the_agent_thread():
    class Broken(EchoAgent):
        def work(self) -> None:
            raise RuntimeError("no telescope")

    agent = Broken()
    agent.start()
    agent._thread.join(5)
    assert not agent.is_alive()
    assert agent.state == AgentState.CRASHED and "no telescope" in agent.stats.last_error
    assert agent.shutdown_called.is_set(), "shutdown() must run even when work() fails"
