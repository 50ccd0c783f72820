"""Bad-input entries of ``servicecore.sla_clocks`` (found by the sweep's table)."""

from __future__ import annotations

from typing import Any

from servicecore import sla_clocks
from servicecore.sla import ClockKind, StatusChange
from servicecore.storage.memory import InMemoryStore

from . import valid as v
from .engine import Entry, call, fields_call, use_case

MODULES: tuple[Any, ...] = (sla_clocks,)

EXCLUDED: dict[str, str] = {
    "servicecore.sla_clocks.SLA_CLOCKS": "the aggregate type (its finders are swept from the "
    "registry)",
}

_P = "servicecore.sla_clocks."


def _store_with_clocks() -> InMemoryStore:
    store = v.store()
    with store.unit_of_work("ACME") as uow:
        sla_clocks.start_sla_clocks(
            uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=v.clock()
        )
        uow.commit()
    return store


def entries() -> list[Entry]:
    def add(key: str, build: Any) -> Entry:
        return Entry(_P + key, build)

    return [
        add(
            "sla_clock_id",
            lambda: call(sla_clocks.sla_clock_id, subject_id="SO-1", kind=ClockKind.RESPONSE),
        ),
        add("SlaClockStarted", lambda: fields_call(sla_clocks.SlaClockStarted)),
        add(
            "StoredSlaClock",
            lambda: fields_call(sla_clocks.StoredSlaClock, clock=v.sla_clock()),
        ),
        add(
            "start_sla_clocks",
            lambda: use_case(
                sla_clocks.start_sla_clocks,
                sla_id="GOLD",
                subject_id="SO-9",
                priority="high",
                status="new",
                clock=v.clock(),
                kinds=[ClockKind.RESOLUTION],
            ),
        ),
        add(
            "record_sla_change",
            lambda: use_case(
                sla_clocks.record_sla_change,
                store=_store_with_clocks(),
                subject_id="SO-1",
                change=StatusChange(v.AT.add(hours=1), "done"),
            ),
        ),
        add(
            "scan_sla_breaches",
            lambda: use_case(
                sla_clocks.scan_sla_breaches,
                store=_store_with_clocks(),
                clock=v.clock(),
                subject_ids=["SO-1"],
            ),
        ),
    ]
