"""Run every benchmark under bench/ (``make bench``), or the ones named: ``bench/run.py agents ivy``.

Each benchmark is a module ``bench/<name>.py`` with a ``main() -> None`` that prints its figures
side by side with its reference and the ratio. Benchmarks are not part of the test command.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str]) -> int:
    # The project is importable; bench/ itself is not put on sys.path (bench/ivy.py would shadow
    # ivy-python's ``ivy`` package): each benchmark is loaded from its file.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    os.environ.setdefault("PYROS_AGENTS_AUTOSTART", "0")
    names = argv or sorted(
        p.stem for p in HERE.glob("*.py") if p.stem not in {"run", "__init__"} and not p.stem.startswith("_")
    )
    for name in names:
        print(f"== bench/{name}.py ==", flush=True)
        spec = importlib.util.spec_from_file_location(f"pyros_bench_{name}", HERE / f"{name}.py")
        if spec is None or spec.loader is None:
            raise SystemExit(f"no benchmark bench/{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
