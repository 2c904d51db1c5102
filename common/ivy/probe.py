"""The runner of ``manage.py ivyprobe``: a small Ivy peer to watch a bus and talk on it (like ivy-c's
``ivyprobe``).

It prints peers connecting and leaving, their subscriptions, and the messages matching its own
bindings. One-shot modes: ``--list`` (peers and subscriptions), ``--send TEXT``. Otherwise it reads
commands from stdin: plain text is sent; ``.list``, ``.bind RE``, ``.unbind ID``, ``.direct PEER ID
TEXT``, ``.die PEER``, ``.ping PEER``, ``.help``, ``.quit``. SIGINT and SIGTERM stop it (exit 0).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

from .bus import IvyBus
from .client import IvyClient
from .exceptions import IvyError

HELP = """commands:
  TEXT                     send TEXT on the bus
  .list                    peers and their subscriptions
  .bind REGEXP             subscribe (prints matching messages)
  .unbind ID               unsubscribe
  .direct PEER ID TEXT     direct message to PEER
  .die PEER                ask PEER to quit
  .ping PEER               round trip to PEER
  .help                    this text
  .quit                    leave the bus"""


@dataclass
class ProbeOptions:
    bus: str
    name: str = "IVYPROBE"
    binds: list[str] = field(default_factory=list)
    send: list[str] = field(default_factory=list)
    list_peers: bool = False
    wait: float = 0.5
    wait_for: str | None = None
    ready: str | None = None
    interactive: bool = True


class _Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler in the main thread."""


class IvyProbe:
    def __init__(self, options: ProbeOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self._lock = threading.Lock()
        self.bus = IvyBus(
            options.name,
            options.ready,
            bus=options.bus,
            on_connect=lambda c: self.say(f"connected: {c.name} ({c.host}:{c.port})"),
            on_disconnect=lambda c: self.say(f"disconnected: {c.name}"),
            on_regexp_change=self._on_regexp,
            on_direct_message=lambda c, i, t: self.say(f"direct message from {c.name} [{i}]: {t}"),
            on_die=self._on_die,
            on_pong=lambda c, d: self.say(f"pong from {c.name}: {d * 1000:.3f} ms"),
        )
        self.done = threading.Event()
        self.interrupt_on_die = False

    def say(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def _on_regexp(self, client: IvyClient, event: str, sub_id: int, regexp: str) -> None:
        verb = "subscribes" if event == "added" else "unsubscribes"
        self.say(f"{client.name} {verb} [{sub_id}] {regexp}")

    def _on_die(self, client: IvyClient, num_id: int, text: str) -> bool:
        self.say(f"{client.name} asks us to die{': ' + text if text else ''}")
        self.done.set()
        if self.interrupt_on_die:  # wake the main thread, blocked reading stdin
            os.kill(os.getpid(), signal.SIGTERM)
        return True

    def bind(self, regexp: str) -> None:
        def show(client: IvyClient, *groups: str) -> None:
            self.say(f"{client.name} sent [{sub_id}]: " + " ".join(repr(g) for g in groups))

        sub_id = self.bus.bind(regexp, show)
        self.say(f"bound [{sub_id}] {regexp}")

    def listing(self) -> list[str]:
        lines = []
        for client in self.bus.clients:
            lines.append(f"{client.name} ({client.host}:{client.port})")
            lines.extend(f"  [{sub_id}] {regexp}" for sub_id, regexp in sorted(client.regexps.items()))
        return lines or ["no peer on the bus"]

    def send(self, text: str) -> None:
        self.say(f"sent to {self.bus.send_msg(text)} subscription(s)")

    def command(self, line: str) -> bool:
        """Run one stdin line; False to quit."""
        if not line.startswith("."):
            self.send(line)
            return True
        verb, _, rest = line[1:].partition(" ")
        if verb in ("quit", "q"):
            return False
        handler = getattr(self, f"_cmd_{verb}", None)
        if handler is None:
            self.say(f"unknown command .{verb} (.help lists them)")
        else:
            handler(rest.strip())
        return True

    def _cmd_help(self, rest: str) -> None:
        self.say(HELP)

    def _cmd_list(self, rest: str) -> None:
        for line in self.listing():
            self.say(line)

    def _cmd_bind(self, rest: str) -> None:
        self.bind(rest)

    def _cmd_unbind(self, rest: str) -> None:
        self.say(f"unbound [{rest}] {self.bus.unbind(int(rest))}")

    def _cmd_direct(self, rest: str) -> None:
        peer, _, tail = rest.partition(" ")
        num_id, _, text = tail.partition(" ")
        sent = self.bus.send_direct_message(peer, int(num_id), text)
        self.say(f"direct message sent to {sent} peer(s) named {peer}")

    def _cmd_die(self, rest: str) -> None:
        self.say(f"die sent to {self.bus.send_die_message(rest)} peer(s) named {rest}")

    def _cmd_ping(self, rest: str) -> None:
        for client in self.bus.get_clients(rest) or []:
            client.send_ping()
        if not self.bus.get_clients(rest):
            self.say(f"no peer named {rest}")

    # --- modes ----------------------------------------------------------------------------------------
    def run(self, stdin: Iterable[str]) -> int:
        options = self.options
        for regexp in options.binds:
            self.bind(regexp)
        self.bus.start()
        self.say(f"{options.name} on bus {options.bus} (tcp port {self.bus.address[1]})")
        try:
            if options.send or options.list_peers:
                return self._one_shot()
            if options.interactive:
                self._interactive(stdin)
            else:
                self.done.wait()
            return 0
        finally:
            self.bus.stop()

    def _one_shot(self) -> int:
        options = self.options
        if options.wait_for:
            try:
                self.bus.wait_for_client(options.wait_for, options.wait)
            except TimeoutError as exc:
                self.say(str(exc))
                return 1
        else:
            self.done.wait(options.wait)  # the time for the peers on the bus to connect
        for text in options.send:
            self.send(text)
        if options.list_peers:
            self._cmd_list("")
        return 0

    def _interactive(self, stdin: Iterable[str]) -> None:
        for raw in stdin:
            line = raw.rstrip("\n")
            if not line:
                continue
            try:
                if not self.command(line):
                    return
            except (IvyError, ValueError, KeyError) as exc:
                self.say(f"error: {exc}")
            if self.done.is_set():
                return


def run_probe(options: ProbeOptions, out: TextIO | None = None, stdin: Iterable[str] | None = None) -> int:
    """Run the probe until done, ``.quit``, end of stdin, SIGINT or SIGTERM (those exit 0)."""
    probe = IvyProbe(options, out or sys.stdout)
    probe.interrupt_on_die = threading.current_thread() is threading.main_thread()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return probe.run(sys.stdin if stdin is None else stdin)
    except _Stop:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
