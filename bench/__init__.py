"""Benchmarks (``make bench`` / ``python bench/run.py [name ...]``); not part of the tests."""
