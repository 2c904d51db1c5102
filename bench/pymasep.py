"""pymasep communication: one-way messages/s and round-trip p50 for ~200-byte Messages, each next to a
plain TCP length-prefixed echo measured in the same run. Both servers run in a separate process.

    python bench/run.py pymasep        (or: python bench/pymasep.py)

pymasep path: Client.send_frame_to(Message(...).to_bytes()) -> Server handler thread decodes the XML
(one-way: counts; round trip: encodes a reply Message) -> the client's handler thread queues the
reply -> the caller takes it from the queue and decodes it. Plain path: one sendall per u16-framed
200-byte payload, the server echoes (round trip) or counts (one-way) with blocking recv, no XML.
Targets: >= 30,000 msg/s one-way; round-trip p50 <= 2x the plain echo.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import socket
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from common.communication import Client, Frame, Message, Server, SocketHandler, SocketHandlerQueue  # noqa: E402
from common.communication.codec import frame, frame_decoder  # noqa: E402

ONE_WAY = 50_000
ROUND_TRIPS = 5_000
WARMUP = 500
FLUSH = b"FLUSH"


def _params(seq: int) -> dict[str, Any]:
    return {"action": "north-east", "seq": seq, "ok": False}


def payload_size() -> int:
    return len(Message("action", _params(12345), "bench-client").to_bytes())


# --- the server process ---------------------------------------------------------------------------------
class _BenchHandler(SocketHandler):
    """Decodes every Message: ``action`` is counted, ``observation`` is answered with a new Message,
    ``end`` is answered with the count so far."""

    count = 0
    raw = 0

    def on_receive(self, frame: Frame) -> None:
        first = frame.message[:1]
        if first == b"E":  # transport-only round trip: echo the frame as it came
            self.send_frame(frame)
            return
        if first == b"C":  # transport-only one-way: count, no XML
            self.raw += 1
            return
        message = Message.decode(frame.message)
        if message.msg_type == "action":
            self.count += 1
        elif message.msg_type == "observation":
            self.send_frame(Frame(Message("observation", message.params, "bench").to_bytes()))
        else:
            self.send_frame(Frame(Message("end", {"count": self.count, "raw": self.raw}, "bench").to_bytes()))
            self.count = self.raw = 0


def _serve_plain(listener: socket.socket) -> None:
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            _plain_connection(conn)


def _plain_connection(conn: socket.socket) -> None:
    decoder = frame_decoder()
    count = 0
    while data := conn.recv(262144):
        for payload in decoder.feed(data):
            if payload[:1] == b"E":
                conn.sendall(frame(payload))
            elif payload == FLUSH:
                conn.sendall(frame(str(count).encode()))
                count = 0
            else:
                count += 1


def server_process(pipe: Connection) -> None:
    import threading

    server = Server("bench", 4, _BenchHandler, (), "127.0.0.1", 0)
    server.wait_connection()
    plain = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_serve_plain, args=(plain,), daemon=True).start()
    pipe.send((server.port, plain.getsockname()[1]))
    pipe.recv()  # until the parent says stop
    server.stop()
    plain.close()


# --- the measuring process ------------------------------------------------------------------------------
def pymasep_one_way(client: Client, replies: queue.SimpleQueue[bytes], n: int) -> float:
    start = time.perf_counter()
    for seq in range(n):
        client.send_frame_to("bench", Frame(Message("action", _params(seq), "bench-client").to_bytes()))
    client.send_frame_to("bench", Frame(Message("end", None, "bench-client").to_bytes()))
    count = (Message.decode(replies.get(timeout=120)).params or {})["count"]
    elapsed = time.perf_counter() - start
    if count != n:
        raise RuntimeError(f"the pymasep server counted {count} messages, {n} were sent")
    return n / elapsed


def transport_one_way(client: Client, replies: queue.SimpleQueue[bytes], n: int, size: int) -> float:
    """Same Client/Server/handler path, frames counted by the server handler, no XML."""
    data = Frame(b"C" * size)
    start = time.perf_counter()
    for _ in range(n):
        client.send_frame_to("bench", data)
    client.send_frame_to("bench", Frame(Message("end", None, "bench-client").to_bytes()))
    count = (Message.decode(replies.get(timeout=120)).params or {})["raw"]
    elapsed = time.perf_counter() - start
    if count != n:
        raise RuntimeError(f"the pymasep server counted {count} frames, {n} were sent")
    return n / elapsed


def pymasep_round_trips(client: Client, replies: queue.SimpleQueue[bytes], n: int) -> list[float]:
    times = []
    for seq in range(n):
        start = time.perf_counter()
        client.send_frame_to("bench", Frame(Message("observation", _params(seq), "bench-client").to_bytes()))
        reply = Message.decode(replies.get(timeout=10))
        times.append(time.perf_counter() - start)
        if (reply.params or {}).get("seq") != seq:
            raise RuntimeError(f"round trip {seq}: got {reply.params}")
    return times


def transport_round_trips(client: Client, replies: queue.SimpleQueue[bytes], n: int, size: int) -> list[float]:
    """Same Client/Server/handler threads/queue path, frames echoed by the server handler, no XML."""
    data = Frame(b"E" * size)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.send_frame_to("bench", data)
        replies.get(timeout=10)
        times.append(time.perf_counter() - start)
    return times


def _recv_frame(sock: socket.socket, decoder: Any) -> bytes:
    while (payload := decoder.next_frame()) is None:
        data = sock.recv(262144)
        if not data:
            raise RuntimeError("the plain server closed the connection")
        decoder.receive_data(data)
    result: bytes = payload
    return result


def plain_one_way(sock: socket.socket, n: int, size: int) -> float:
    data = frame(b"A" * size)
    decoder = frame_decoder()
    start = time.perf_counter()
    for _ in range(n):
        sock.sendall(data)
    sock.sendall(frame(FLUSH))
    count = int(_recv_frame(sock, decoder))
    elapsed = time.perf_counter() - start
    if count != n:
        raise RuntimeError(f"the plain server counted {count} frames, {n} were sent")
    return n / elapsed


def plain_round_trips(sock: socket.socket, n: int, size: int) -> list[float]:
    data = frame(b"E" * size)
    decoder = frame_decoder()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        sock.sendall(data)
        _recv_frame(sock, decoder)
        times.append(time.perf_counter() - start)
    return times


def _p50_us(times: list[float]) -> float:
    return statistics.median(times) * 1e6


def measure(pymasep_port: int, plain_port: int) -> dict[str, float]:
    size = payload_size()
    replies: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    with Client("bench-client", SocketHandlerQueue, (replies,), "127.0.0.1", pymasep_port) as client:
        client.connect()
        with socket.create_connection(("127.0.0.1", plain_port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pymasep_round_trips(client, replies, WARMUP)
            transport_round_trips(client, replies, WARMUP, size)
            plain_round_trips(sock, WARMUP, size)
            return {
                "size": size,
                "pymasep_rate": pymasep_one_way(client, replies, ONE_WAY),
                "transport_rate": transport_one_way(client, replies, ONE_WAY, size),
                "plain_rate": plain_one_way(sock, ONE_WAY, size),
                "pymasep_p50": _p50_us(pymasep_round_trips(client, replies, ROUND_TRIPS)),
                "transport_p50": _p50_us(transport_round_trips(client, replies, ROUND_TRIPS, size)),
                "plain_p50": _p50_us(plain_round_trips(sock, ROUND_TRIPS, size)),
            }


def main() -> None:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=server_process, args=(child,), name="pymasep-bench-server")
    process.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("the bench server process did not report its ports within 30 s")
        pymasep_port, plain_port = parent.recv()
        result = measure(pymasep_port, plain_port)
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
    _report(result)


def _report(r: dict[str, float]) -> None:
    rate_ratio = r["pymasep_rate"] / r["plain_rate"]
    p50_ratio = r["pymasep_p50"] / r["plain_p50"]
    transport_ratio = r["transport_p50"] / r["plain_p50"]
    print(f"payload {r['size']:.0f} bytes (Message XML), {ONE_WAY} one-way, {ROUND_TRIPS} round trips")
    print(f"cpus={os.cpu_count()} load average {os.getloadavg()[0]:.2f}")
    print(
        f"one-way   pymasep {r['pymasep_rate']:>9,.0f} msg/s   plain echo {r['plain_rate']:>9,.0f} msg/s   "
        f"ratio {rate_ratio:.2f}   target >= 30,000 msg/s: {'met' if r['pymasep_rate'] >= 30_000 else 'NOT met'}"
    )
    print(
        f"one-way   transport only (same threads, frames counted, no XML) {r['transport_rate']:>9,.0f} msg/s   "
        f"plain echo {r['plain_rate']:>9,.0f} msg/s   ratio {r['transport_rate'] / r['plain_rate']:.2f}"
    )
    print(
        f"round trip p50 pymasep {r['pymasep_p50']:>7.1f} us   plain echo {r['plain_p50']:>7.1f} us   "
        f"ratio {p50_ratio:.2f}   target <= 2x: {'met' if p50_ratio <= 2 else 'NOT met'}"
    )
    print(
        f"round trip p50 transport only (same threads and queue, no XML) {r['transport_p50']:>7.1f} us   "
        f"plain echo {r['plain_p50']:>7.1f} us   ratio {transport_ratio:.2f}"
    )


if __name__ == "__main__":
    main()
