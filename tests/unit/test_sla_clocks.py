"""SLA clocks as stored aggregates: each event exactly once, also after a reload in another
process; changes applied to every clock of a subject; breach scans idempotent."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pendulum
import pytest

from servicecore.clock import FixedClock
from servicecore.errors import AlreadyExistsError, NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.sla import (
    SLAS,
    ClockKind,
    ClockRules,
    PriorityChange,
    ServiceLevelAgreement,
    SlaBreached,
    SlaFulfilled,
    StatusChange,
    Target,
)
from servicecore.sla_clocks import (
    SLA_CLOCKS,
    SlaClockStarted,
    record_sla_change,
    scan_sla_breaches,
    sla_clock_id,
    start_sla_clocks,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.storage.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]
T0 = pendulum.datetime(2024, 6, 3, 9)
GOLD = ServiceLevelAgreement(
    company_id="ACME",
    id="GOLD",
    name="Gold",
    targets={
        "high": (Target.calendar_hours(1), Target.calendar_hours(4)),
        "low": (Target.calendar_hours(8), Target.calendar_hours(24)),
    },
    response=ClockRules(fulfil_statuses=["responded", "done"]),
    resolution=ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
    warning_thresholds=(),
)


def _started(store: InMemoryStore | SqlStore) -> list[DomainEvent]:
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(GOLD)
        start_sla_clocks(
            uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=FixedClock(T0)
        )
        events = list(uow._events)
        uow.commit()
    return events


def test_starting_records_one_event_per_clock_with_its_due_instant() -> None:
    events = _started(InMemoryStore(publish=lambda e: None))
    assert [(type(e), e.kind, e.due_at) for e in events] == [  # type: ignore[attr-defined]
        (SlaClockStarted, ClockKind.RESPONSE, T0.add(hours=1)),
        (SlaClockStarted, ClockKind.RESOLUTION, T0.add(hours=4)),
    ]


def test_a_change_reaches_every_clock_of_the_subject_and_each_event_comes_once() -> None:
    published: list[DomainEvent] = []
    store = InMemoryStore(publish=published.extend)
    _started(store)
    published.clear()
    done = StatusChange(T0.add(hours=2), "done", reason="late")
    with store.unit_of_work("ACME") as uow:
        record_sla_change(uow, "SO-1", done)
        uow.commit()
    # response: due at 10:00, done at 11:00 -> breached then fulfilled late;
    # resolution: due at 13:00 -> fulfilled on time.
    kinds = [(type(e).__name__, e.kind.value) for e in published]  # type: ignore[attr-defined]
    assert kinds == [  # clocks in id order: resolution, then response
        ("SlaFulfilled", "resolution"),
        ("SlaBreached", "response"),
        ("SlaFulfilled", "response"),
    ]
    assert [e.on_time for e in published if isinstance(e, SlaFulfilled)] == [True, False]
    with store.unit_of_work("ACME") as uow:
        assert record_sla_change(uow, "SO-1", done) == ()  # the same change again: nothing
        assert all(not c.running for c in uow[SLA_CLOCKS].list_for_subject("SO-1"))


def test_breach_scans_emit_each_breach_once_and_a_later_change_does_not_repeat_it() -> None:
    published: list[DomainEvent] = []
    store = InMemoryStore(publish=published.extend)
    _started(store)
    published.clear()
    clock = FixedClock(T0.add(hours=2))
    for _ in range(2):
        with store.unit_of_work("ACME") as uow:
            scan_sla_breaches(uow, clock=clock)
            uow.commit()
    assert [(type(e), e.kind) for e in published] == [(SlaBreached, ClockKind.RESPONSE)]  # type: ignore[attr-defined]
    with store.unit_of_work("ACME") as uow:
        record_sla_change(uow, "SO-1", StatusChange(T0.add(hours=3), "responded", reason="x"))
        uow.commit()
    breaches = [e for e in published if isinstance(e, SlaBreached)]
    assert len(breaches) == 1  # the change did not emit the response breach again


def test_priority_changes_and_unknown_subjects() -> None:
    store = InMemoryStore(publish=lambda e: None)
    _started(store)
    with store.unit_of_work("ACME") as uow:
        record_sla_change(uow, "SO-1", PriorityChange(T0.add(minutes=30), "low"))
        clocks = uow[SLA_CLOCKS].list_for_subject("SO-1")
        assert {c.clock.priority for c in clocks} == {"low"}
        with pytest.raises(NotFoundError):
            record_sla_change(uow, "SO-404", StatusChange(T0, "done"))
        with pytest.raises(ValidationError, match="StatusChange or PriorityChange"):
            record_sla_change(uow, "SO-1", "done")  # type: ignore[arg-type]


def test_starting_the_same_subject_twice_is_refused() -> None:
    store = InMemoryStore(publish=lambda e: None)
    _started(store)
    with store.unit_of_work("ACME") as uow, pytest.raises(AlreadyExistsError):
        start_sla_clocks(
            uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=FixedClock(T0)
        )


def test_clock_ids_are_unambiguous_for_ids_with_separators() -> None:
    assert sla_clock_id("SO/1", ClockKind.RESPONSE) != sla_clock_id("SO", ClockKind.RESPONSE)
    assert len({sla_clock_id(s, k) for s in ("A/B", "A", "B") for k in ClockKind}) == 6
    with pytest.raises(ValidationError, match="ClockKind"):
        sla_clock_id("SO-1", "response")  # type: ignore[arg-type]


_OTHER_PROCESS = textwrap.dedent(
    """
    import sys, pendulum
    from servicecore.clock import FixedClock
    from servicecore.sla_clocks import scan_sla_breaches
    from servicecore.storage.sql import SqlStore

    store = SqlStore(sys.argv[1], publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        events = scan_sla_breaches(uow, clock=FixedClock(pendulum.parse(sys.argv[2])))
        uow.commit()
    print(",".join(sorted(e.kind.value for e in events)))
    """
)


def test_events_come_once_across_processes_after_a_reload(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sla.sqlite'}"
    store = SqlStore(url, publish=lambda e: None)
    store.create_schema()
    _started(store)
    store.dispose()

    def scan_elsewhere(at: dt.datetime) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_PROCESS, url, at.isoformat()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert scan_elsewhere(T0.add(hours=2)) == "response"
    assert scan_elsewhere(T0.add(hours=2)) == ""  # another process, the same instant
    assert scan_elsewhere(T0.add(hours=5)) == "resolution"
