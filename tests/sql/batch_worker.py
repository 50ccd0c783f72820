"""A batch worker process for the scale-out tests: ``python -m tests.sql.batch_worker``."""

from __future__ import annotations

import datetime as dt
import sys
import time

from sqlalchemy import create_engine

from servicecore.clock import FixedClock
from servicecore.ports import UnitOfWork
from servicecore.storage.batch import BatchJob, invoice_schedule_job, run_batch_worker
from servicecore.storage.sql import SqlStore

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
START, END = dt.date(2024, 1, 1), dt.date(2024, 7, 1)


def job(slow: float) -> BatchJob:
    inner = invoice_schedule_job(START, END, clock=CLOCK)

    def run(uow: UnitOfWork, ids: tuple[str, ...]) -> None:
        inner(uow, ids)
        time.sleep(slow)  # the work is done but not committed: the worst moment to die

    return run


def main(argv: list[str]) -> None:
    url, schema, batch_id, worker_id, slow, lease = argv
    engine = create_engine(url).execution_options(schema_translate_map={None: schema})
    store = SqlStore(engine, publish=lambda events: None)
    print("started", flush=True)
    done = run_batch_worker(
        store,
        batch_id,
        job(float(slow)),
        worker_id=worker_id,
        lease=dt.timedelta(seconds=float(lease)),
    )
    print(done, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
