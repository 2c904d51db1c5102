"""Plain TCP length-prefixed echo/sink server (the floor for the benchmarks): ``python _echo.py [u32|u16]``.

Prints its port, then serves one connection at a time: each frame is echoed back, except frames whose
payload starts with ``!``, which are only counted (one-way); a frame ``?`` answers the count so far.
"""

from __future__ import annotations

import socket
import struct
import sys


def serve(header: str) -> None:
    fmt = ">I" if header == "u32" else "<H"
    hsize = struct.calcsize(fmt)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        count = 0
        with conn:
            while data := conn.recv(262144):
                buf += data
                out = []
                while len(buf) >= hsize:
                    (n,) = struct.unpack_from(fmt, buf)
                    if len(buf) < hsize + n:
                        break
                    payload, buf = buf[hsize : hsize + n], buf[hsize + n :]
                    if payload[:1] == b"!":
                        count += 1
                    elif payload == b"?":
                        reply = str(count).encode()
                        out.append(struct.pack(fmt, len(reply)) + reply)
                    else:
                        out.append(struct.pack(fmt, n) + payload)
                if out:
                    conn.sendall(b"".join(out))


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "u32")
