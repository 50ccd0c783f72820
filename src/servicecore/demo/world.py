"""The simulated company's shared state: settings, store, clock, random source, and the run
marker that tells ``servicecore report`` what it is reading.

Everything the simulation writes goes through a unit of work (:meth:`World.uow`); the
simulated time is one :class:`~servicecore.clock.FixedClock` that the steps move forward,
and every random choice comes from one ``random.Random(seed)``, so the same seed gives the
same database content.

Format 2 adds agreements with their generated orders, the dispatch board (workers,
bookings) and return orders: a format-1 database lacks them and is refused.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Protocol

import pendulum
from attrs import frozen

from servicecore.clock import FixedClock
from servicecore.errors import ValidationError
from servicecore.ports import AggregateType, Repository, UnitOfWork
from servicecore.storage.sql import SqlStore

__all__ = [
    "DEMO_FORMAT",
    "DEMO_RUNS",
    "RUN_ID",
    "ZONE",
    "DemoRun",
    "DemoSettings",
    "Step",
    "World",
]

DEMO_FORMAT = 2
"""The layout of a demo database. Raise it when the demo stores different facts: the
report refuses a database written under an older one instead of misreading it."""

RUN_ID = "run"
"""The id of the one :class:`DemoRun` of a demo database."""

ZONE = "Europe/Stockholm"
"""The company's time zone: its business calendar and its working hours."""


@frozen(kw_only=True)
class DemoSettings:
    """What to simulate: ``months`` from ``start`` (a Monday), drawn from ``seed``."""

    months: int = 3
    seed: int = 1
    workers: int = 1
    start: dt.date = dt.date(2024, 1, 1)
    currency: str = "EUR"

    def __attrs_post_init__(self) -> None:
        for name, low, high in (("months", 1, 120), ("workers", 1, 64)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(
                    f"{name} must be a whole number from {low} to {high}, not {value!r}",
                    field=name,
                    value=value,
                    allowed=f"{low}..{high}",
                )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValidationError(
                f"seed must be a whole number >= 0, not {self.seed!r}",
                field="seed",
                value=self.seed,
                allowed="0, 1, 2, ...",
            )

    @property
    def company_id(self) -> str:
        """The simulated company: its id is derived from the seed."""
        return f"DEMO-{self.seed}"

    @property
    def end(self) -> pendulum.Date:
        """The first day after the simulation."""
        first = pendulum.date(self.start.year, self.start.month, self.start.day)
        return first.add(months=self.months)


@frozen(kw_only=True)
class DemoRun:
    """The marker of a simulation: what it simulates, in which format, and whether it ran
    to the end (stored first, so an interrupted run is recognised as the demo's own)."""

    company_id: str
    id: str
    format_version: int
    seed: int
    months: int
    first_day: pendulum.Date
    last_day: pendulum.Date
    currency: str
    finished: bool = False
    version: int = 0


DEMO_RUNS: AggregateType[DemoRun, Repository[DemoRun]] = AggregateType(
    kind="demo_run", cls=DemoRun, repository=Repository
)
"""The run marker in storage: ``uow[DEMO_RUNS].get(RUN_ID)``."""


Progress = Callable[[int, int], None]
"""Called with (simulated days done, days in total) after each day."""


class World:
    """The running simulation: the steps read and change it, the store keeps the facts."""

    def __init__(self, store: SqlStore, settings: DemoSettings, *, url: str) -> None:
        self.store = store
        self.settings = settings
        self.url = url
        self.company_id = settings.company_id
        self.rng = random.Random(settings.seed)
        start = settings.start
        self.clock = FixedClock(pendulum.datetime(start.year, start.month, start.day, tz=ZONE))
        self.customers: list[Customer] = []
        self.order_customers: dict[str, Customer] = {}
        """The customer of each order the simulation created."""
        self.sla_subjects: set[str] = set()
        """Orders whose SLA clocks may still change: the evening scan looks at these."""
        self.agreement_lines: list[tuple[str, str, pendulum.Date]] = []
        """(order id, line id, date due) of generated lines, for the dispatcher to book."""
        self.published = 0
        """Domain events published by this process's commits."""
        self._counters: dict[str, int] = {}

    def next_id(self, prefix: str) -> str:
        """``PREFIX-00001``, ``PREFIX-00002``, ...: ids in creation order."""
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}-{n:05d}"

    def uow(self) -> UnitOfWork:
        """A unit of work of the simulated company."""
        return self.store.unit_of_work(self.company_id)

    def at(self, day: pendulum.Date, hour: int, minute: int = 0) -> pendulum.DateTime:
        """Local wall-clock time of ``day``."""
        return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=ZONE)

    def move_to(self, day: pendulum.Date, hour: int, minute: int = 0) -> None:
        """Set the simulated clock to local ``hour:minute`` of ``day`` (never backwards)."""
        instant = self.at(day, hour, minute)
        if instant > self.clock.now():
            self.clock.set(instant)


@frozen(kw_only=True)
class Customer:
    """A customer of the simulated company: tier, subscription and serviced object."""

    id: str
    tier: str
    subscription_id: str
    object_id: str
    joins: pendulum.Date


class Step(Protocol):
    """One area of the simulation. A later area (agreements, dispatch, returns) is one more
    module with one more step in :data:`servicecore.demo.simulation.STEPS`."""

    name: str

    def setup(self, world: World) -> None:
        """Store the area's master data before the first day."""

    def run_day(self, world: World, day: pendulum.Date) -> None:
        """Simulate one day of the area."""

    def finish(self, world: World) -> None:
        """Close the simulated period (after the last day)."""
