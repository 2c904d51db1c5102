"""``manage.py test`` hands over to pytest (as pytest-django documents), so both run one suite."""

from __future__ import annotations

import argparse
import sys
from typing import Any


class PytestTestRunner:
    """Runs the pytest suite; labels are pytest node ids or paths."""

    def __init__(self, verbosity: int = 1, failfast: bool = False, keepdb: bool = False, **kwargs: Any) -> None:
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--keepdb", action="store_true", help="Preserve the test database between runs.")

    def run_tests(self, test_labels: list[str], **kwargs: Any) -> int:
        import pytest

        argv: list[str] = []
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("-" + "v" * (self.verbosity - 1))
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        argv.extend(test_labels)
        code = pytest.main(argv)
        if code == 5:  # no tests collected is a failure, not a success
            sys.stderr.write("pytest collected no tests\n")
        return int(code)
