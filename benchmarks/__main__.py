"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in name order."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def run_all() -> None:
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"benchmarks.{info.name}")
            print(f"### {info.name}")
            module.main()


if __name__ == "__main__":
    run_all()
