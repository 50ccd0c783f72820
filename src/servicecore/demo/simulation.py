"""The simulation loop: set up every area, then run each simulated day through the steps.

The steps run in the order of :data:`STEPS` every day: subscriptions first (month-start
invoicing at 06:00), then the service orders of the day, then the SLA breach scan in the
evening. An area that lands later (agreements generating orders, dispatch assigning
technicians, returns) is one more module with one more step here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from attrs import evolve

from servicecore.demo.agreements import AgreementStep
from servicecore.demo.batches import close_pool
from servicecore.demo.dispatch import DispatchStep
from servicecore.demo.orders import ServiceOrderStep
from servicecore.demo.repairs import RepairStep
from servicecore.demo.returns import ReturnStep
from servicecore.demo.sla import SlaStep
from servicecore.demo.subscriptions import SubscriptionStep
from servicecore.demo.world import (
    DEMO_FORMAT,
    DEMO_RUNS,
    RUN_ID,
    DemoRun,
    DemoSettings,
    Step,
    World,
)
from servicecore.storage.sql import SqlStore

__all__ = ["STEPS", "simulate"]

STEPS: tuple[Callable[[], Step], ...] = (
    SlaStep,
    SubscriptionStep,
    RepairStep,
    ServiceOrderStep,
    AgreementStep,
    DispatchStep,
    ReturnStep,
)
"""The areas of the simulation, in set-up order (the SLAs before the orders that use
them, customers before their pumps)."""

_DAILY = ("subscriptions", "agreements", "repairs", "orders", "sla", "dispatch", "returns")


def simulate(
    store: SqlStore,
    settings: DemoSettings,
    *,
    url: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
    steps: Sequence[Callable[[], Step]] = STEPS,
) -> DemoRun:
    """Simulate ``settings.months`` of the company into ``store`` (whose schema exists and
    holds nothing of the company yet); return the run marker, stored first and marked
    finished at the end."""
    world = World(store, settings, url=url)
    areas = [make() for make in steps]
    first = world.clock.now().date()
    run = DemoRun(
        company_id=world.company_id,
        id=RUN_ID,
        format_version=DEMO_FORMAT,
        seed=settings.seed,
        months=settings.months,
        first_day=first,
        last_day=settings.end.subtract(days=1),
        currency=settings.currency,
    )
    with store.unit_of_work(world.company_id) as uow:
        uow[DEMO_RUNS].add(run)
        uow.commit()
    try:
        for area in areas:
            area.setup(world)
        daily = sorted(areas, key=lambda a: _DAILY.index(a.name) if a.name in _DAILY else 99)
        total = (settings.end - first).days
        for n in range(total):
            day = first.add(days=n)
            for area in daily:
                area.run_day(world, day)
            progress(n + 1, total)
        for area in daily:
            area.finish(world)
    finally:
        close_pool(world)
    with store.unit_of_work(world.company_id) as uow:
        run = uow[DEMO_RUNS].get(RUN_ID)
        uow[DEMO_RUNS].save(evolve(run, finished=True))
        uow.commit()
    return evolve(run, finished=True, version=run.version + 1)
