"""Run every ``benchmarks/bench_*.py`` module in name order (``make bench``).

Each module runs in a process of its own: what one benchmark leaves behind (the
library's caches, a heap grown by millions of objects, imported modules) would otherwise
weigh on the next one's figures, differently on each side of a comparison. Within a
module, a figure and its baseline are still measured in the same process and run.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import benchmarks


def run(selected: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    failed = 0
    for name in names:
        if selected and not any(s in name for s in selected):
            continue
        print(f"## {name}", flush=True)
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=False)
        if done.returncode:
            print(f"{name} failed (exit status {done.returncode})", flush=True)
            failed += 1
        print(flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
