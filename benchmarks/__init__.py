"""Benchmarks run by ``make bench`` (``python -m benchmarks``); they print figures."""
