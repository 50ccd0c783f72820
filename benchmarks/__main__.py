"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in name order (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def run(selected: list[str]) -> None:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    for name in names:
        if selected and not any(s in name for s in selected):
            continue
        print(f"## {name}")
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
        print()


if __name__ == "__main__":
    run(sys.argv[1:])
