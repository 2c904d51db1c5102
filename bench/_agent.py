"""A process that runs one agent of the core alone (``bench``: a ``Record`` handler that counts), for
bench/agents.py: the agent runtime's cost, not an app's database work. Run by the benchmark."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
os.environ["PYROS_AGENTS_AUTOSTART"] = "0"


def main() -> int:
    import django

    django.setup()
    from common.agent import Agent
    from common.runner import run_agents
    from common.runtime import AgentRuntime

    class BenchAgent(Agent):
        def __init__(self) -> None:
            super().__init__("bench")
            self.recorded = 0
            self.actions_by_message = {"Record": self.record}

        def record(self, message: Any) -> int:
            self.recorded += 1
            return self.recorded

    runtime = AgentRuntime()
    runtime.register("bench", BenchAgent)
    return run_agents(runtime, [], lambda line: print(line, flush=True), lambda line: print(line, file=sys.stderr))


if __name__ == "__main__":
    raise SystemExit(main())
