"""SQL storage: save and load 10,000 subscriptions through the adapter, against the raw
driver doing the same JSON rows in the same run (target: at least 0.3x its throughput).

The baselines serialise with the same cattrs converter and write the same rows with
``executemany`` (sqlite3; psycopg for PostgreSQL), then read them back and structure them:
the ratio is what the adapter's checks, versions, index keys and snapshots cost.
PostgreSQL figures need a server at ``SERVICECORE_BENCH_PG`` (default: the local one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.serialization import structure, unstructure
from servicecore.storage.sql import SqlStore
from servicecore.subscriptions import (
    SUBSCRIPTIONS,
    Subscription,
    SubscriptionGroup,
    activate,
    create_subscription,
    generate_fees,
)

N = 10_000
PG_URL = os.environ.get(
    "SERVICECORE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def portfolio(n: int = N) -> list[Subscription]:
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    group = SubscriptionGroup(company_id="ACME", id="MONTHLY")
    subs = []
    for i in range(n):
        sub, _ = create_subscription(
            company_id="ACME",
            id=f"SUB-{i:05d}",
            group=group,
            customer_id=f"C-{i % 500}",
            price=Money.of(f"{10 + i % 90}.00", "EUR"),
            start=dt.date(2024, 1 + i % 12, 1),
            at=clock.now(),
        )
        sub, _ = activate(sub, at=clock.now())
        sub, _ = generate_fees(sub, dt.date(2024, 1, 1), dt.date(2024, 4, 1), at=clock.now())
        subs.append(sub)
    return subs


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _adapter(store: SqlStore, subs: list[Subscription]) -> tuple[float, float]:
    def save() -> None:
        with store.unit_of_work("ACME") as uow:
            repo = uow[SUBSCRIPTIONS]
            for sub in subs:
                repo.add(sub)
            uow.commit()

    def load() -> None:
        with store.unit_of_work("ACME") as uow:
            assert len(uow[SUBSCRIPTIONS].list_all()) == len(subs)

    return _timed(save), _timed(load)


def _rows(subs: list[Subscription]) -> list[tuple[str, str, str, str]]:
    return [("subscription", s.company_id, s.id, json.dumps(unstructure(s))) for s in subs]


def _sqlite_raw(path: Path, subs: list[Subscription]) -> tuple[float, float]:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE docs (kind TEXT, company_id TEXT, id TEXT, version INTEGER, "
        "document TEXT, PRIMARY KEY (kind, company_id, id))"
    )

    def save() -> None:
        rows = [(k, c, i, 1, d) for k, c, i, d in _rows(subs)]
        with conn:
            conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)

    def load() -> None:
        found = [
            structure(json.loads(doc), Subscription)
            for (doc,) in conn.execute("SELECT document FROM docs WHERE kind = 'subscription'")
        ]
        assert len(found) == len(subs)

    times = _timed(save), _timed(load)
    conn.close()
    return times


def _pg_raw(url: str, subs: list[Subscription]) -> tuple[float, float]:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = psycopg.connect(
        host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=False
    )
    table = f"docs_{uuid.uuid4().hex[:8]}"
    conn.execute(
        f"CREATE TABLE {table} (kind TEXT, company_id TEXT, id TEXT, version INTEGER, "
        "document JSONB, PRIMARY KEY (kind, company_id, id))"
    )
    conn.commit()

    def save() -> None:
        rows = [(k, c, i, 1, d) for k, c, i, d in _rows(subs)]
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s)", rows)
        conn.commit()

    def load() -> None:
        with conn.cursor() as cur:
            cur.execute(f"SELECT document FROM {table} WHERE kind = 'subscription'")
            found = [structure(doc, Subscription) for (doc,) in cur.fetchall()]
        assert len(found) == len(subs)

    times = _timed(save), _timed(load)
    conn.execute(f"DROP TABLE {table}")
    conn.commit()
    conn.close()
    return times


def _report(name: str, adapter: tuple[float, float], raw: tuple[float, float]) -> None:
    for label, ours, theirs in (("save", adapter[0], raw[0]), ("load", adapter[1], raw[1])):
        print(
            f"  {name} {label} {N:,} subscriptions: adapter {ours:6.2f} s, raw {theirs:6.2f} s "
            f"-> {theirs / ours:.2f}x of raw throughput (target >= 0.3x; best of {ROUNDS})"
        )


def _batch_throughput(url: str, subs: list[Subscription]) -> None:
    """A year of invoices for the subscriptions, by 1, 2 and 4 worker processes."""
    import subprocess
    import sys

    from servicecore.storage.batch import batch_progress, plan_batch

    root = Path(__file__).resolve().parents[1]
    store = SqlStore(url, publish=lambda e: None)
    base = None
    for workers in (1, 2, 4):
        with store.unit_of_work("ACME") as uow:  # the same portfolio, no fees yet
            repo = uow[SUBSCRIPTIONS]
            for sub in repo.list_all():
                repo.delete(sub)
            uow.commit()
        with store.unit_of_work("ACME") as uow:
            for sub in subs:
                uow[SUBSCRIPTIONS].add(sub)
            uow.commit()
        batch = f"year-{workers}"
        plan_batch(store, batch, "ACME", [s.id for s in subs], unit_size=50)
        start = time.perf_counter()
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "benchmarks.batch_worker", url, batch, f"W{k}"],
                cwd=root,
                stdout=subprocess.DEVNULL,
            )
            for k in range(workers)
        ]
        for child in children:
            child.wait()
        elapsed = time.perf_counter() - start
        assert batch_progress(store, batch).finished
        rate = len(subs) / elapsed
        base = base or rate
        print(
            f"  batch: a year of invoices for {len(subs):,} subscriptions, {workers} worker(s): "
            f"{elapsed:5.2f} s, {rate:,.0f} subscriptions/s ({rate / base:.1f}x one worker)"
        )
    store.dispose()


ROUNDS = 3
"""Each figure is the best of this many rounds, each on a fresh database: one commit of
10,000 rows on a real server varies by a third from run to run (WAL flushes, autovacuum)."""


def _best(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in rounds), min(r[1] for r in rounds)


def main() -> None:
    subs = portfolio()
    adapters: list[tuple[float, float]] = []
    raws: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(ROUNDS):
            store = SqlStore(f"sqlite:///{Path(tmp) / f'bench{k}.sqlite'}", publish=lambda e: None)
            store.create_schema()
            adapters.append(_adapter(store, subs))
            store.dispose()
            raws.append(_sqlite_raw(Path(tmp) / f"raw{k}.sqlite", subs))
    _report("SQLite    ", _best(adapters), _best(raws))
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # a benchmark reports a missing server, it does not fail
        print(f"  PostgreSQL: no server at {PG_URL} ({type(exc).__name__}); skipped")
        return
    names = [f"servicecore_bench_{uuid.uuid4().hex[:8]}" for _ in range(ROUNDS)]
    try:
        adapters, raws = [], []
        for name in names:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
            store = SqlStore(url, publish=lambda e: None)
            store.create_schema()
            adapters.append(_adapter(store, subs))
            store.dispose()
            raws.append(_pg_raw(url, subs))
        _report("PostgreSQL", _best(adapters), _best(raws))
        _batch_throughput(url, subs[:2_000])
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
