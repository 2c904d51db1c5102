"""Subprocess receiver for the sending-period test (not a test module).

``python -m simulators.tests.receiver PORT CLIENTS SECONDS``: connects CLIENTS times to 127.0.0.1:PORT,
prints ``ready``, reads every status for SECONDS, then prints one JSON line: per client, a list of
``[kernel_rx_time, publish_time, seq]`` (kernel time from SO_TIMESTAMPNS for the last status of each
read, null for the others). Statuses are ``!dQ`` (publish time, seq).
Running apart from the server keeps the receiver from competing with it for the GIL.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux value; Python does not export it
STATUS = struct.Struct("!dQ")
POLL_INTERVAL = 0.02


def kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds + nanoseconds * 1e-9
    return None


def read_all(client: socket.socket) -> tuple[bytes, float | None]:
    """Everything the socket holds now, and the kernel receive time of its last segment.

    The server sends each status in its own segment (TCP_NODELAY), so that is the last status's time.
    """
    data, stamp = b"", None
    while True:
        try:
            chunk, ancillary, _, _ = client.recvmsg(65536, socket.CMSG_SPACE(16))
        except BlockingIOError:
            return data, stamp
        if not chunk:
            return data, stamp
        stamp = kernel_time(ancillary) or stamp
        data += chunk


def main(port: int, count: int, seconds: float) -> None:
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5.0) for _ in range(count)]
    received: list[list[list[float | int | None]]] = [[] for _ in clients]
    pending = [b""] * count
    for client in clients:
        client.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        client.setblocking(False)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        # A fixed reading cadence, not one wake-up per status: the kernel timestamps make prompt
        # reading unnecessary, and a receiver woken by every send would preempt the sender it measures.
        time.sleep(POLL_INTERVAL)
        for index, client in enumerate(clients):
            data, stamp = read_all(client)
            data = pending[index] + data
            whole = len(data) - len(data) % STATUS.size
            pending[index] = data[whole:]
            statuses = [STATUS.unpack_from(data, offset) for offset in range(0, whole, STATUS.size)]
            for position, (published, seq) in enumerate(statuses):
                kernel = stamp if position == len(statuses) - 1 and not pending[index] else None
                received[index].append([kernel, published, seq])
    for client in clients:
        client.close()
    print(json.dumps(received), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
