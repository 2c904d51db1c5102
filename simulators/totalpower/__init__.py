"""The total power backend simulator (DISCOS ``totalpower``): TCP 11500 (SRT, 14 channels) and
TCP 11510 (Medicina, 4 channels), one-line text commands ended by ``\\n`` or ``\\r``.

* ``T S US`` sets the clock (answer ``S, US, <now s>, <now us>, <now+offset s>\\r\\n``); ``E A B``
  answers the same layout with the current time.
* ``I SRC ATT FLT`` sets every board (source B/P/G/Z, attenuation 0..15, filter 1..4); ``A CH SRC
  ATT FLT`` one board (1..channels; ``nak CH\\n`` when refused).
* ``N 0|1`` calibration mark, ``M 0|1`` external noise, ``Z 0|1`` all inputs to 50 ohm (and back),
  ``S MS`` sample period (> 0): ``ack\\n``.
* ``?`` -> ``<s> <us> <s> <status hex> <period> <cal period> <zero period>`` then ``<src> <att> <bw>``
  per board; ``R`` -> ``<s> 0 0`` and one random reading per channel; ``V`` -> the firmware string.
* ``X MS CAL ZERO HOST PORT`` connects to the data client (loopback addresses only, unlike DISCOS);
  ``resume`` streams one packet a second (each sample: time u32, counter u16, status 2 bytes, one
  u32 per channel, little-endian: 64 bytes per sample with 14 channels), ``pause`` / ``stop`` end it
  after the packet in progress (``stop`` also closes the connection); a connection failure raises
  ``OSError`` (no reply), as in DISCOS.

Wrong argument count or type -> ``nak\\n``; an unknown command returns False (no reply).
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.totalpower.board import Board
from simulators.totalpower.stream import DataStream
from simulators.utils import ByteString, to_text, uint_to_bytes

servers = [
    (("127.0.0.1", 11500), (), ThreadingTCPServer, {"channels": 14}),
    (("127.0.0.1", 11510), (), ThreadingTCPServer, {"channels": 4}),
]

__all__ = ["Board", "System", "servers"]

TERMINATORS = ("\n", "\r")
ACK, NAK = "ack\n", "nak\n"
FIRMWARE = "fpga 29.12.2009 simulator, firmware rev.48"
MAX_MESSAGE = 256
PARAM_TYPES: dict[str, list[Any]] = {"I": [str, int, int], "A": [int, str, int, int], "X": [int, int, int, str, int]}
COMMANDS = {"T", "E", "I", "A", "?", "N", "M", "Z", "S", "R", "X", "V", "pause", "stop", "resume"}


def clock_fields(offset: float = 0.0) -> tuple[int, int, int]:
    """(now seconds, now microseconds, seconds of now + offset)."""
    now = time.time()
    return int(now), int((now % 1) * 1_000_000), int(now + offset)


class System(ListeningSystem):
    """The boards, the acquisition settings and the data stream of one backend."""

    firmware_string = FIRMWARE

    def __init__(self, channels: int = 14) -> None:
        self.channels = channels
        self.boards = [Board() for _ in range(channels)]
        self.zero = self.calOn = self.zeroPeriod = self.calOnPeriod = 0
        self.externalNoise = self.toggle = self.sample_counter = self.cal_off_samples = 0
        self.time_offset = 0.0
        self.sample_period = 1000  # milliseconds
        self.data_address, self.data_port = "", 0
        self.data_socket: socket.socket | None = None
        self.data_timer: DataStream | None = None
        self._lock = threading.Lock()
        self.msg = ""

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        if ch in TERMINATORS:
            message, self.msg = self.msg, ""
            return self.execute(message)
        self.msg = (self.msg + ch)[-MAX_MESSAGE:]
        return True

    def execute(self, message: str) -> bool | str:
        words = [w.strip() for w in message.strip().split(" ")]
        name, params = words[0], words[1:]
        if name not in COMMANDS:
            return False
        types = PARAM_TYPES.get(name, [int] * len(params))
        if len(types) != len(params):
            return NAK
        try:
            values = [convert(p) for convert, p in zip(types, params, strict=True)]
        except ValueError:
            return NAK
        handlers: dict[str, Callable[[list[Any]], str]] = {
            "?": self.get_status,
            "pause": self.pause,
            "stop": self.stop,
            "resume": self.resume,
        }
        handler = handlers.get(name) or getattr(self, f"cmd_{name}")
        result: str = handler(values)
        return result

    # --- clock and readings ---------------------------------------------------------------------
    def cmd_T(self, params: list[int]) -> str:
        if len(params) != 2:
            return NAK
        self.time_offset = time.time() - float(f"{params[0]}.{params[1]:06d}")
        return self.cmd_E(params)

    def cmd_E(self, params: list[int]) -> str:
        if len(params) != 2:
            return NAK
        fields = clock_fields(self.time_offset)
        return f"{params[0]}, {params[1]}, {fields[0]}, {fields[1]}, {fields[2]}\r\n"

    def get_status(self, _: list[Any]) -> str:
        seconds, micro, offset = clock_fields(self.time_offset)
        text = f"{seconds} {micro} {offset} {self.status_bytes()[::-1].hex()} "
        text += f"{self.sample_period} {self.calOnPeriod} {self.zeroPeriod}"
        return text + "".join(f" {b.I} {b.A} {b.B}" for b in self.boards) + "\r\n"

    def cmd_R(self, _: list[Any]) -> str:
        readings = " ".join(str(random.randint(0, 1_000_000)) for _ in range(self.channels))
        return f"{clock_fields(self.time_offset)[0]} 0 0 {readings}\r\n"

    def cmd_V(self, _: list[Any]) -> str:
        return FIRMWARE

    def status_bytes(self) -> bytes:
        """The 2 status bytes as sent in a packet (low byte first)."""
        high = 0xA0 if self.toggle else 0x90
        low = 0b01000111 | (self.zero << 5) | (self.calOn << 4) | (self.toggle << 3)
        return bytes([low, high])

    # --- settings -------------------------------------------------------------------------------
    def cmd_I(self, params: list[Any]) -> str:
        source, attenuation, filter_ = params
        if source not in Board.sources or attenuation not in range(16) or filter_ not in range(1, 5):
            return NAK
        for board in self.boards:
            board.I, board.A, board.F = source, attenuation, filter_
        return ACK

    def cmd_A(self, params: list[Any]) -> str:
        channel, source, attenuation, filter_ = params
        if (
            channel - 1 not in range(self.channels)
            or source not in Board.sources
            or attenuation not in range(16)
            or filter_ not in range(1, 5)
        ):
            return f"nak {channel}\n"
        board = self.boards[channel - 1]
        board.I, board.A, board.F = source, attenuation, filter_
        return ACK

    def _flag(self, params: list[int], attribute: str) -> str:
        if len(params) != 1 or params[0] not in (0, 1):
            return NAK
        setattr(self, attribute, params[0])
        return ACK

    def cmd_N(self, params: list[int]) -> str:
        return self._flag(params, "calOn")

    def cmd_M(self, params: list[int]) -> str:
        return self._flag(params, "externalNoise")

    def cmd_Z(self, params: list[int]) -> str:
        if len(params) != 1 or params[0] not in (0, 1):
            return NAK
        for board in self.boards:
            board.I = "Z" if params[0] else None
        return ACK

    def cmd_S(self, params: list[int]) -> str:
        if len(params) != 1 or params[0] <= 0:
            return NAK
        self.sample_period = params[0]
        return ACK

    # --- data stream ----------------------------------------------------------------------------
    def cmd_X(self, params: list[Any]) -> str:
        period, cal_period, zero_period, host, port = params
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if period <= 0 or not loopback:
            return NAK
        self.sample_period, self.calOnPeriod, self.zeroPeriod = period, cal_period, zero_period
        self.data_address, self.data_port = host, port
        self.sample_counter = self.cal_off_samples = 0
        self._end_stream()
        self.data_socket = socket.create_connection((host, port), timeout=5.0)  # OSError: no reply
        return ACK

    def resume(self, _: list[Any]) -> str:
        with self._lock:
            if self.data_socket is None or (self.data_timer is not None and self.data_timer.is_alive()):
                return NAK
            self.data_timer = DataStream(self.data_socket, self.build_packet, self._stream_ended)
            self.data_timer.start()
        return ACK

    def pause(self, _: list[Any]) -> str:
        if self.data_timer is not None:
            self.data_timer.pause()
        return ACK

    def stop(self, _: list[Any]) -> str:
        if self.data_timer is not None:
            self.data_timer.stop()
        return ACK

    def _stream_ended(self, stream: DataStream, closed: bool) -> None:
        with self._lock:
            if closed:
                self.sample_counter = self.cal_off_samples = 0
                if self.data_socket is stream.sock:
                    self.data_socket = None
            if self.data_timer is stream:
                self.data_timer = None

    def build_packet(self) -> bytes:
        """One second of samples."""
        samples = 1000 // self.sample_period
        step = self.sample_period / 1000
        timestamp = time.time() - samples * step
        packet = b""
        for _ in range(samples):
            timestamp += step
            packet += uint_to_bytes(int(timestamp)) + uint_to_bytes(self.sample_counter, n_bytes=2)
            if self.calOnPeriod:
                if self.cal_off_samples == self.calOnPeriod:
                    self.calOn, self.cal_off_samples = 1, 0
                else:
                    self.cal_off_samples += 1
            packet += self.status_bytes()
            self.calOn = 0
            for _ in range(self.channels):
                packet += uint_to_bytes(random.randint(200, 2000) * self.sample_period)
            self.sample_counter = (self.sample_counter + 1) % 65536
        self.toggle ^= 1
        return packet

    def _end_stream(self) -> None:
        stream = self.data_timer
        if stream is not None:
            stream.abort()
        if self.data_socket is not None:
            self.data_socket.close()
            self.data_socket = None

    def system_stop(self) -> str:
        self._end_stream()
        return super().system_stop()
