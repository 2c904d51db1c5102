"""Run every benchmark under bench/ (``make bench``), or the ones named: ``bench/run.py agents ivy``.

Each benchmark is a module ``bench/<name>.py`` with a ``main() -> None`` that prints its figures
side by side with its reference and the ratio. Benchmarks are not part of the test command.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str]) -> int:
    # Benchmarks are modules of the ``bench`` package (``bench.ivy`` cannot shadow ivy-python's
    # ``ivy``), importable by name from the processes they spawn.
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    os.environ.setdefault("PYROS_AGENTS_AUTOSTART", "0")
    names = argv or sorted(
        p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"} and not p.stem.startswith("_")
    )
    for name in names:
        print(f"== bench/{name}.py ==", flush=True)
        if not (HERE / f"{name}.py").exists():
            raise SystemExit(f"no benchmark bench/{name}.py")
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
