"""Net_Node streams: batching by min_size or linger, no busy-spin, flush on release."""

from __future__ import annotations

import threading
import time

import psutil

from common.networking import Net_Node, Station

TIMEOUT = 5.0


def _items_listen(count: int):
    items: list = []
    done = threading.Event()

    def listen(msg) -> None:
        items.append(msg.value)
        if len(items) >= count:
            done.set()

    return items, done, listen


def test_burst_of_200_with_min_size_5_is_delivered_within_1s(make_station, make_node) -> None:
    items, done, listen = _items_listen(200)
    station = make_station("T", listens={"DATA": listen})
    node = make_node("pilot", "T", station.listen_port)
    q = node.get_stream("data", "DATA", min_size=5)
    start = time.monotonic()
    for i in range(200):
        q.append({"i": i})
    assert done.wait(1.0), f"only {len(items)} of 200 items within 1 s"
    elapsed = time.monotonic() - start
    assert [item["i"] for item in items] == list(range(200)), "items lost, duplicated or reordered"
    assert items[0]["pilot"] == "pilot" and items[0]["continuous"] is True  # headers merged in
    assert elapsed < 1.0


def test_fewer_than_min_size_flush_after_the_linger(make_station, make_node) -> None:
    items, done, listen = _items_listen(3)
    station = make_station("T", listens={"DATA": listen})
    node = make_node("pilot", "T", station.listen_port)
    q = node.get_stream("data", "DATA", min_size=50)
    for i in range(3):
        q.append(i)
    assert done.wait(1.0), f"3 items below min_size not flushed by the linger: got {items}"
    assert station.stats.received == 1  # one STREAM message


def test_stream_to_a_node_router_and_tuple_items(make_node, inbox) -> None:
    got = inbox()
    receiver = make_node("rx", None, None, {"XY": got}, router_port=0)
    sender = make_node("tx", "rx", receiver.router_port)
    q = sender.get_stream("s", "XY", min_size=2)
    q.append((1, 2))
    q.append((3, 4))
    assert got.wait_for(2) == [[1, 2], [3, 4]]


def test_min_size_1_sends_items_as_plain_messages(make_station, make_node) -> None:
    items, done, listen = _items_listen(2)
    station = make_station("T", listens={"DATA": listen})
    node = make_node("pilot", "T", station.listen_port)
    q = node.get_stream("data", "DATA", min_size=1)
    q.append(1)
    q.append(2)
    assert done.wait(TIMEOUT)
    assert items == [1, 2]


def test_idle_stream_thread_uses_under_5_percent_of_a_core(make_station, make_node) -> None:
    _items, done, listen = _items_listen(1)
    station = make_station("T", listens={"DATA": listen})
    node = make_node("pilot", "T", station.listen_port)
    q = node.get_stream("data", "DATA", min_size=5)
    q.append("wake up")  # one item through the linger path, then idle
    assert done.wait(TIMEOUT)
    thread = node.streams["data"]
    proc = psutil.Process()

    def cpu() -> float:
        for t in proc.threads():
            if t.id == thread.native_id:
                return t.user_time + t.system_time
        raise AssertionError("stream thread not found")

    before, start = cpu(), time.monotonic()
    time.sleep(2.0)  # the measured idle period itself
    used, wall = cpu() - before, time.monotonic() - start
    assert used < 0.05 * wall, f"idle stream thread used {used:.3f} s CPU in {wall:.2f} s"


def test_release_flushes_pending_items_and_stops_the_stream(settings) -> None:
    settings.NETNODE_STREAM_LINGER = 60.0  # only release() can flush these now
    items, done, listen = _items_listen(3)
    station = Station(id="T", listen_port=0, listens={"DATA": listen})
    station.start()
    try:
        node = Net_Node("pilot", "T", station.listen_port, {}, instance=False)
        assert node.connected.wait(TIMEOUT)
        q = node.get_stream("data", "DATA", min_size=100)
        for i in range(3):
            q.append(i)
        node.release()
        assert not node.streams["data"].is_alive()
        assert done.wait(TIMEOUT), f"release() did not flush the pending items: {items}"
        assert items == [0, 1, 2]
    finally:
        station.release()
