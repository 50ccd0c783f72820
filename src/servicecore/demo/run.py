"""``servicecore demo`` and ``servicecore report``: open the database, check it, simulate or
read, and turn every failure into one clear line (the CLI prints it and exits non-zero).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect, select

from servicecore.demo.orders import STAGE_ORDER
from servicecore.demo.simulation import simulate
from servicecore.demo.world import DEMO_FORMAT, DEMO_RUNS, DemoRun, DemoSettings
from servicecore.errors import NotFoundError, SchemaError, ServiceCoreError
from servicecore.report import Report, collect_report, render_html, render_text
from servicecore.storage.sql import AGGREGATES, SqlStore, metadata

__all__ = [
    "DEFAULT_DB",
    "DemoError",
    "check_schema",
    "demo_database_url",
    "open_store",
    "read_report",
    "reset_database",
    "run_demo_command",
    "run_report_command",
]

DEFAULT_DB = "servicecore-demo.sqlite"


class DemoError(ServiceCoreError):
    """The demo or the report cannot go on: the message says why and what to do."""


def demo_database_url(db: str, *, must_exist: bool) -> str:
    """The SQLAlchemy URL of ``--db``: a ``sqlite://`` or ``postgresql://`` URL as given,
    anything else a SQLite file path (checked: its directory exists; with ``must_exist``
    the file too)."""
    if "://" in db:
        return db
    path = Path(db)
    if path.is_dir():
        raise DemoError(f"--db {db!r} is a directory; give a database file")
    if must_exist and not path.is_file():
        raise DemoError(f"--db {db!r}: no such database file; run `servicecore demo --db {db}`")
    if not path.parent.is_dir():
        raise DemoError(
            f"--db {db!r}: the directory {str(path.parent)!r} does not exist; create it or "
            "choose another path"
        )
    return f"sqlite:///{path}"


def open_store(url: str, *, lock_timeout: float) -> SqlStore:
    """A store on ``url`` waiting at most ``lock_timeout`` seconds for a SQLite lock."""
    return SqlStore(url, publish=lambda events: None, busy_timeout_ms=int(lock_timeout * 1000))


def _db_error(action: str, exc: sa_exc.SQLAlchemyError) -> DemoError:
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return DemoError(
            f"{action}: the database is locked by another program; close it and try again"
        )
    if "not a database" in text:
        return DemoError(f"{action}: the file is not a SQLite database")
    return DemoError(f"{action}: {' '.join(text.split())}")  # the driver's text on one line


def reset_database(store: SqlStore) -> None:
    """Drop servicecore's tables and create them again, only if they hold nothing or a
    demo's data: the demo never overwrites a host's database."""
    try:
        with store.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            if AGGREGATES.name in tables:
                kinds = select(AGGREGATES.c.kind).distinct()
                found = set(conn.execute(kinds).scalars())
                if found and DEMO_RUNS.kind not in found:
                    raise DemoError(
                        "the database holds servicecore data that a demo did not write; the "
                        "demo only overwrites its own databases: choose another --db"
                    )
            metadata.drop_all(conn)
            metadata.create_all(conn)
    except sa_exc.SQLAlchemyError as exc:
        raise _db_error("preparing the database", exc) from exc


def check_schema(store: SqlStore) -> DemoRun:
    """The run marker of a demo database, after checking that its tables have the layout
    this servicecore writes (``SchemaError`` naming what is older or missing)."""
    try:
        with store.engine.connect() as conn:
            inspector = inspect(conn)
            tables = set(inspector.get_table_names())
            if not tables & set(metadata.tables):
                raise SchemaError(
                    "the database has no servicecore tables: it is not a servicecore demo "
                    "database; run `servicecore demo` to create one"
                )
            for table in metadata.sorted_tables:
                if table.name not in tables:
                    raise SchemaError(
                        f"the database has an older servicecore schema: table {table.name!r} "
                        "is missing; run `servicecore demo` again to rebuild it"
                    )
                have = {c["name"] for c in inspector.get_columns(table.name)}
                missing = sorted(set(table.columns.keys()) - have)
                if missing:
                    raise SchemaError(
                        f"the database has an older servicecore schema: table {table.name!r} "
                        f"lacks {', '.join(missing)}; run `servicecore demo` again to rebuild it"
                    )
            runs = select(AGGREGATES.c.company_id).where(AGGREGATES.c.kind == DEMO_RUNS.kind)
            companies = list(conn.execute(runs.order_by(AGGREGATES.c.company_id)).scalars())
    except sa_exc.SQLAlchemyError as exc:
        raise _db_error("reading the database", exc) from exc
    if not companies:
        raise DemoError(
            "the database holds servicecore tables but no demo run: it was not written by "
            "`servicecore demo`"
        )
    with store.unit_of_work(companies[0]) as uow:
        try:
            run = uow[DEMO_RUNS].get("run")
        except NotFoundError as exc:  # pragma: no cover - found just above
            raise DemoError("the demo run marker vanished; run `servicecore demo` again") from exc
    if not run.finished:
        raise DemoError(
            "the demo that wrote this database was interrupted before its last day; run "
            "`servicecore demo` again"
        )
    if run.format_version < DEMO_FORMAT:
        raise SchemaError(
            f"the database was written by an older servicecore demo (format "
            f"{run.format_version}, this version reads {DEMO_FORMAT}); run `servicecore demo` "
            "again to rebuild it"
        )
    return run


def read_report(store: SqlStore) -> Report:
    """The report of the demo database in ``store``."""
    run = check_schema(store)
    with store.unit_of_work(run.company_id) as uow:
        return collect_report(
            uow,
            as_of=run.last_day,
            currency=run.currency,
            first_month=run.first_day,
            stages=STAGE_ORDER,
        )


class _Bar:
    """A progress bar over the simulated days, as plain text on ``stream``."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width, self.shown = stream, width, -1

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total
        if filled == self.shown and done != total:
            return
        self.shown = filled
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done == total else ""
        self.stream.write(f"\rsimulating [{bar}] day {done}/{total}{end}")
        self.stream.flush()


def _close(store: SqlStore | None) -> None:
    if store is not None:
        store.dispose()


def run_demo_command(
    *,
    db: str,
    months: int,
    seed: int,
    workers: int,
    lock_timeout: float = 5.0,
    out: Callable[[str], None] = print,
    err: TextIO | None = None,
) -> None:
    """Simulate into ``db`` (reset first), then print the report through ``out``."""
    stream = sys.stderr if err is None else err
    settings = DemoSettings(months=months, seed=seed, workers=workers)
    url = demo_database_url(db, must_exist=False)
    store = None
    try:
        store = open_store(url, lock_timeout=lock_timeout)
        reset_database(store)
        started = time.perf_counter()
        simulate(store, settings, url=url, progress=_Bar(stream))
        took = time.perf_counter() - started
        stream.write(f"simulated {months} month(s) in {took:.1f} s into {db}\n")
        out(render_text(read_report(store)))
    finally:
        _close(store)


def run_report_command(
    *,
    db: str,
    html: str | None,
    lock_timeout: float = 5.0,
    out: Callable[[str], None] = print,
) -> None:
    """Print the report of the demo database ``db``; with ``html`` also write the page."""
    url = demo_database_url(db, must_exist=True)
    store = None
    try:
        store = open_store(url, lock_timeout=lock_timeout)
        report = read_report(store)
        out(render_text(report))
        if html is not None:
            try:
                Path(html).write_text(render_html(report), encoding="utf-8")
            except OSError as exc:
                raise DemoError(f"--html {html!r}: cannot write it ({exc.strerror})") from exc
    finally:
        _close(store)
