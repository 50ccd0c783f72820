"""The ``servicecore`` command: ``demo``, ``report``, ``tour`` and ``--version``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

__all__ = ["main"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 0 to 600 seconds")
    return value


def _parser(version_text: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicecore",
        description="servicecore: the domain core of a service business.",
    )
    parser.add_argument("--version", action="version", version=f"servicecore {version_text}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="simulate a service company for some months into a database, then report",
        description="Simulate a small service company (SLAs, subscriptions, service orders, "
        "repairs) into a SQLite file or a PostgreSQL database, then print the report.",
    )
    demo.add_argument(
        "--db",
        default="servicecore-demo.sqlite",
        help="SQLite file or database URL (sqlite:///..., postgresql+psycopg://...); "
        "default: servicecore-demo.sqlite; a previous demo database there is replaced",
    )
    demo.add_argument("--months", type=_positive, default=3, help="months to simulate (3)")
    demo.add_argument("--seed", type=_seed, default=1, help="random seed (1)")
    demo.add_argument(
        "--workers", type=_positive, default=1, help="worker processes for batch runs (1)"
    )
    demo.add_argument(
        "--lock-timeout", type=_seconds, default=5.0, help="seconds to wait for a locked database"
    )
    report = commands.add_parser(
        "report",
        help="print the report of a demo database (and write it as HTML)",
        description="Read a database written by `servicecore demo` and print the report.",
    )
    report.add_argument("--db", default="servicecore-demo.sqlite", help="the demo database")
    report.add_argument("--html", metavar="FILE", help="also write the report as one HTML page")
    report.add_argument(
        "--lock-timeout", type=_seconds, default=5.0, help="seconds to wait for a locked database"
    )
    commands.add_parser("tour", help="print a short tour of the library's features")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    # The version comes from the package metadata, like servicecore.__version__; importing
    # the package root from here would reverse the layering (the root is outermost).
    try:
        __version__ = version("servicecore")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        __version__ = "0+unknown"
    parser = _parser(__version__)
    args = parser.parse_args(argv)
    if args.command == "tour":
        from servicecore.demo.tour import run_tour

        run_tour(print)
        return 0
    if args.command in ("demo", "report"):
        return _run(args)
    parser.print_help(sys.stdout)
    return 0


def _run(args: argparse.Namespace) -> int:
    from servicecore.errors import ServiceCoreError

    try:
        from servicecore.demo import run_demo_command, run_report_command

        if args.command == "demo":
            run_demo_command(
                db=args.db,
                months=args.months,
                seed=args.seed,
                workers=args.workers,
                lock_timeout=args.lock_timeout,
            )
        else:
            run_report_command(db=args.db, html=args.html, lock_timeout=args.lock_timeout)
    except ImportError as exc:  # pragma: no cover - the dev extras install everything
        print(
            f"servicecore {args.command}: needs the optional extras sql and report "
            f"(pip install 'servicecore[sql,report]'): {exc}",
            file=sys.stderr,
        )
        return 1
    except ServiceCoreError as exc:
        print(f"servicecore {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
