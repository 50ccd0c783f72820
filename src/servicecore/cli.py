"""The ``servicecore`` command: ``servicecore demo`` and ``servicecore --version``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

__all__ = ["main"]


def _demo(out: Callable[[str], None]) -> None:
    from servicecore.demo import run_demo

    run_demo(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    # The version comes from the package metadata, like servicecore.__version__; importing
    # the package root from here would reverse the layering (the root is outermost).
    try:
        __version__ = version("servicecore")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        __version__ = "0+unknown"

    parser = argparse.ArgumentParser(
        prog="servicecore",
        description="servicecore: the domain core of a service business.",
    )
    parser.add_argument("--version", action="version", version=f"servicecore {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="run a short end-to-end tour of the library")
    args = parser.parse_args(argv)
    if args.command == "demo":
        _demo(print)
        return 0
    parser.print_help(sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
