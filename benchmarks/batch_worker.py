"""One batch worker process for bench_sql: ``python -m benchmarks.batch_worker URL BATCH ID``."""

from __future__ import annotations

import datetime as dt
import sys

from servicecore.clock import FixedClock
from servicecore.storage.batch import invoice_schedule_job, run_batch_worker
from servicecore.storage.sql import SqlStore


def main(argv: list[str]) -> None:
    url, batch_id, worker_id = argv
    store = SqlStore(url, publish=lambda events: None)
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    job = invoice_schedule_job(dt.date(2024, 1, 1), dt.date(2025, 1, 1), clock=clock)
    print(run_batch_worker(store, batch_id, job, worker_id=worker_id), flush=True)
    store.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
