from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alert_manager.exceptions import AlertConfigError, PublishError
from alert_manager.link import host_port
from alert_manager.publish import publish_kafka, publish_vtp
from alert_manager.testpacket import make_test_packet
from common.config import load_config
from common.exceptions import ConfigError


class Command(BaseCommand):
    help = (
        'Publish a role="test" VOEvent through the configured broker, to check the whole chain (broker -> '
        "alert_manager -> stored, shown; scheduled only with PYROS_ALERT_SCHEDULE_TEST). The broker is "
        "--vtp HOST:PORT (a VOEvent broker's author port), or --kafka BOOTSTRAP --topic TOPIC; by default the "
        "[alert_manager] section's vtp_publish, else its kafka_bootstrap and kafka_test_topic (or first "
        "kafka_topics entry)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vtp", metavar="HOST:PORT", help="Author port of a VOEvent broker (Comet: 8098).")
        parser.add_argument("--kafka", metavar="BOOTSTRAP", help="Kafka bootstrap servers.")
        parser.add_argument("--topic", help="Kafka topic.")
        parser.add_argument("--ra", type=float, default=150.0, help="Degrees (default 150).")
        parser.add_argument("--dec", type=float, default=20.0, help="Degrees (default 20).")
        parser.add_argument("--error", type=float, default=0.05, help="Error radius, degrees (default 0.05).")
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for the broker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not -90 <= options["dec"] <= 90 or options["error"] < 0:
            raise CommandError("--dec must be in -90..90 and --error >= 0")
        packet = make_test_packet(ra=options["ra"] % 360, dec=options["dec"], error_radius=options["error"])
        target = self.target(options)
        try:
            if target[0] == "vtp":
                host, port = host_port(target[1], "--vtp")
                ivorn = publish_vtp(host, port, packet, timeout=options["timeout"])
                self.stdout.write(f"acknowledged by {host}:{port}: {ivorn}")
            else:
                publish_kafka(target[1], target[2], packet, timeout=options["timeout"])
                self.stdout.write(f"delivered to {target[1]} topic {target[2]}")
        except (PublishError, AlertConfigError) as exc:
            raise CommandError(str(exc)) from None

    def target(self, options: dict[str, Any]) -> tuple[str, ...]:
        if options["vtp"] and options["kafka"]:
            raise CommandError("give --vtp or --kafka, not both")
        if options["vtp"]:
            return ("vtp", options["vtp"])
        if options["kafka"]:
            if not options["topic"]:
                raise CommandError("--kafka needs --topic")
            return ("kafka", options["kafka"], options["topic"])
        try:
            section = load_config().get("alert_manager")
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        settings = {} if section is None else section.options
        if settings.get("vtp_publish"):
            return ("vtp", settings["vtp_publish"])
        if settings.get("kafka_bootstrap"):
            topics = [t.strip() for t in settings.get("kafka_topics", "").split(",") if t.strip()]
            topic = settings.get("kafka_test_topic") or (topics[0] if topics else "")
            if topic:
                return ("kafka", settings["kafka_bootstrap"], topic)
        raise CommandError(
            "no broker: give --vtp HOST:PORT or --kafka BOOTSTRAP --topic T, or set vtp_publish (or "
            "kafka_bootstrap with kafka_topics) in the [alert_manager] section of the agent config"
        )
