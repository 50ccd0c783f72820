"""Naive-datetime cases for the kernel (clock, events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from servicecore.clock import FixedClock, SteppingClock
from servicecore.events import DomainEvent

_AWARE = pendulum.datetime(2024, 1, 1, tz="UTC")


def _fixed_clock_set(naive: dt.datetime) -> object:
    clock = FixedClock(_AWARE)
    clock.set(naive)
    return clock


CASES: dict[str, Callable[[dt.datetime], object]] = {
    "servicecore.clock.FixedClock.__init__": FixedClock,
    "servicecore.clock.FixedClock.set": _fixed_clock_set,
    "servicecore.clock.SteppingClock.__init__": SteppingClock,
    # attrs-generated constructors are not discovered, but the event base is worth a case
    "servicecore.events.DomainEvent": lambda naive: DomainEvent(
        aggregate_id="A-1", company_id="ACME", occurred_at=naive
    ),
}
