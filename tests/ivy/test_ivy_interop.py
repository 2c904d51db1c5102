"""pyros's Ivy bus peer against the real ivy-python 4.0 (in-process ``IvyServer``) on
127.255.255.255 with a free UDP port."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from common.ivy import IvyClient

WAIT = 10.0


def get(q: queue.Queue[Any], what: str, timeout: float = WAIT) -> Any:
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"{what}: nothing within {timeout} s") from None


def recorder(q: queue.Queue[Any], tag: str = "") -> Callable[..., None]:
    return lambda client, *groups: q.put((tag, client.name, groups))


def test_find_each_other(make_bus: Any, make_pypeer: Any) -> None:
    bus = make_bus("pyros agent")  # a name with a space
    py = make_pypeer("PyAgent")
    client = bus.wait_for_client("PyAgent", WAIT)
    assert isinstance(client, IvyClient) and client.port == py.server.port
    _, py_client, event = py.next_event("app")
    assert event == 1 and py_client.agent_name == "pyros agent"
    assert py.server.get_clients() == ["pyros agent"]


REGEXPS = [r"^ping (\d+) (.*)", r"^nogroup$", r"^opt (a)?(b)"]
CASES = [
    pytest.param("ping 1 abc", ("1", "abc"), id="groups"),
    pytest.param("nogroup", (), id="no-groups"),
    pytest.param("opt b", ("", "b"), id="unmatched-optional-group"),
]


@pytest.mark.parametrize(("text", "groups"), CASES)
def test_pyros_to_ivy_python(make_bus: Any, make_pypeer: Any, text: str, groups: tuple[str, ...]) -> None:
    py = make_pypeer("PyAgent", binds=tuple(REGEXPS))
    bus = make_bus("pyros")
    bus.wait_for_client("PyAgent", WAIT, regexps=3)
    assert bus.send_msg(text) == 1
    assert py.next_message()[1] == groups
    assert bus.send_msg("nothing matches this") == 0


@pytest.mark.parametrize(("text", "groups"), CASES)
def test_ivy_python_to_pyros(make_bus: Any, make_pypeer: Any, text: str, groups: tuple[str, ...]) -> None:
    got: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", start=False)
    for regexp in REGEXPS:
        bus.bind(regexp, recorder(got, regexp))
    bus.start()
    py = make_pypeer("PyAgent")
    py.next_event("app")  # after our regexps: ivy-python sends only to initialized peers
    assert py.server.send_msg(text) == 1
    assert get(got, "pyros callback")[1:] == ("PyAgent", groups)


def test_search_anywhere_like_ivy_c(make_bus: Any, make_pypeer: Any) -> None:
    got: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", start=False)
    bus.bind(r"world (\w+)", recorder(got))
    bus.start()
    py = make_pypeer("PyAgent", binds=(r"^hello",))
    other = make_bus("other")  # pyros -> pyros: search anywhere in the text
    other.wait_for_client("pyros", WAIT, regexps=1)
    other.wait_for_client("PyAgent", WAIT, regexps=1)
    assert other.send_msg("hello world peace") == 2  # ^hello for ivy-python, "world (\w+)" for pyros
    assert get(got, "pyros callback")[2] == ("peace",)
    assert py.next_message()[1] == ()


def test_direct_messages_both_ways(make_bus: Any, make_pypeer: Any) -> None:
    got: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", on_direct_message=lambda client, num_id, text: got.put((client.name, num_id, text)))
    py = make_pypeer("PyAgent")
    bus.wait_for_client("PyAgent", WAIT)
    py.next_event("app")
    assert bus.send_direct_message("PyAgent", 42, "hi there é") == 1
    _, client, num_id, text = py.next_event("direct")
    assert (client.agent_name, num_id, text) == ("pyros", 42, "hi there é")
    assert py.server.send_direct_message("pyros", 7, "yo")
    assert get(got, "direct message to pyros") == ("PyAgent", 7, "yo")
    assert bus.send_direct_message("nobody", 1, "x") == 0


def test_ping_both_ways(make_bus: Any, make_pypeer: Any) -> None:
    pongs: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", on_pong=lambda client, delta: pongs.put(delta))
    py = make_pypeer("PyAgent")
    client = bus.wait_for_client("PyAgent", WAIT)
    py.next_event("app")
    rtt = client.ping(WAIT)
    assert 0 < rtt < WAIT and client.last_ping_rtt == rtt and get(pongs, "on_pong") == rtt
    py.client("pyros").send_ping()
    _, _, delta = py.next_event("pong")
    assert 0 < delta < WAIT


def test_pyros_asks_ivy_python_to_die(make_bus: Any, make_pypeer: Any) -> None:
    gone: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", on_disconnect=lambda client: gone.put(client.name))
    py = make_pypeer("PyAgent")
    bus.wait_for_client("PyAgent", WAIT)
    py.next_event("app")
    assert bus.send_die_message("PyAgent", "please") == 1
    py.next_event("die")
    assert py.server.server_termination.wait(WAIT), "ivy-python did not stop on DIE"
    assert get(gone, "disconnection of ivy-python") == "PyAgent"


def test_ivy_python_asks_pyros_to_die_refused_then_accepted(make_bus: Any, make_pypeer: Any) -> None:
    asked: queue.Queue[Any] = queue.Queue()
    answers = [False, True]

    def on_die(client: IvyClient, num_id: int, text: str) -> bool:
        asked.put((client.name, text))
        return answers.pop(0)

    bus = make_bus("pyros", on_die=on_die)
    py = make_pypeer("PyAgent")
    client = bus.wait_for_client("PyAgent", WAIT)
    py.next_event("app")
    py.client("pyros").send_die_message(0, "go away")
    assert get(asked, "on_die") == ("PyAgent", "go away")
    assert client.ping(WAIT) > 0  # refused: still on the bus
    py.client("pyros").send_die_message()
    assert get(asked, "second on_die") == ("PyAgent", "")
    _, _, event = py.next_event("app")
    assert event == 2, "ivy-python did not see pyros leave"
    assert bus.wait_for(lambda: not bus.ready.is_set(), WAIT)


def test_regexps_added_and_removed_while_connected(make_bus: Any, make_pypeer: Any) -> None:
    changes: queue.Queue[Any] = queue.Queue()
    got: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", on_regexp_change=lambda c, event, sub_id, rx: changes.put((event, rx)))
    py = make_pypeer("PyAgent")
    bus.wait_for_client("PyAgent", WAIT)
    py.next_event("app")
    # pyros subscribes, then unsubscribes
    sub_id = bus.bind(r"^temp (\d+)", recorder(got))
    assert py.next_event("regexp")[1:] == (3, sub_id, r"^temp (\d+)")
    assert py.server.send_msg("temp 21") == 1
    assert get(got, "pyros callback")[2] == ("21",)
    assert bus.unbind(sub_id) == r"^temp (\d+)"
    assert py.next_event("regexp")[1:] == (4, sub_id, r"^temp (\d+)")
    assert py.server.send_msg("temp 22") == 0
    # ivy-python subscribes, then unsubscribes
    py_id = py.bind(r"^pressure (\d+)")
    assert get(changes, "regexp added") == ("added", r"^pressure (\d+)")
    assert bus.send_msg("pressure 3") == 1
    assert py.next_message()[1] == ("3",)
    py.server.unbind_msg(py_id)
    assert get(changes, "regexp removed") == ("removed", r"^pressure (\d+)")
    assert bus.send_msg("pressure 4") == 0


def test_ready_messages_both_ways(make_bus: Any, make_pypeer: Any) -> None:
    got: queue.Queue[Any] = queue.Queue()
    py = make_pypeer("PyAgent", "PyAgent is ready", binds=(r"^(\w+) ready$",))
    bus = make_bus("pyros", "pyros ready", start=False)
    bus.bind(r"^(PyAgent) is (ready)", recorder(got))
    bus.start()
    assert py.next_message()[1] == ("pyros",)
    assert get(got, "ivy-python's ready message")[1:] == ("PyAgent", ("PyAgent", "ready"))


def test_200_utf8_messages_both_ways(make_bus: Any, make_pypeer: Any) -> None:
    got: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", start=False)
    bus.bind(r"^utf (\d+) (.*)", recorder(got))
    bus.start()
    py = make_pypeer("PyAgent", binds=(r"^utf (\d+) (.*)",))
    bus.wait_for_client("PyAgent", WAIT, regexps=1)
    py.next_event("app")
    texts = [f"héllo wörld ✓ 日本語 🚀 Ω≈ç√ {i} " + "é" * (i % 50) for i in range(200)]
    for i, text in enumerate(texts):  # ivy-python -> pyros: a burst
        assert py.server.send_msg(f"utf {i} {text}") == 1
    for i, text in enumerate(texts):
        assert get(got, f"message {i} from ivy-python")[2] == (str(i), text)
    # pyros -> ivy-python one at a time: ivy-python decodes each 1024-byte recv chunk separately, so
    # a burst whose multi-byte character straddles a chunk kills its connection (its bug).
    for i, text in enumerate(texts):
        assert bus.send_msg(f"utf {i} {text}") == 1
        assert py.next_message()[1] == (str(i), text)


def test_slow_ivy_python_peer_overflows_and_is_disconnected(
    make_bus: Any, make_pypeer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()
    gone: queue.Queue[Any] = queue.Queue()
    bus = make_bus("pyros", max_queue=200, on_disconnect=lambda client: gone.put(client.name))
    py = make_pypeer("SlowAgent")
    py.server.bind_msg(lambda client, *groups: release.wait(WAIT), r"^data (.*)")
    bus.wait_for_client("SlowAgent", WAIT, regexps=1)
    payload = "x" * 500
    with caplog.at_level(logging.WARNING, logger="pyros.ivy"):
        sent = 0
        while bus.overflow_disconnects == 0 and sent < 1_000_000:  # until the socket buffers are full
            bus.send_msg(f"data {payload}")
            sent += 1
        release.set()
        assert bus.overflow_disconnects == 1, f"no overflow after {sent} messages"
        assert get(gone, "disconnection of the slow peer") == "SlowAgent"
    assert any("SlowAgent" in r.getMessage() and "overflow" in r.getMessage() for r in caplog.records)
    assert bus.describe()["overflow_disconnects"] == 1
    assert bus.get_clients("SlowAgent") == []
