"""Subscriptions area of the simulation: the customers' service subscriptions, invoiced at
the start of each month and their revenue accruals posted for the month before (both as
batch runs)."""

from __future__ import annotations

import pendulum

from servicecore.demo.batches import run_batch
from servicecore.demo.world import Customer, World
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    Alignment,
    SubscriptionGroup,
    activate_subscription,
    create_subscription,
)

__all__ = ["CUSTOMERS", "SubscriptionStep"]

CUSTOMERS = 12
"""How many customers the company serves (three of them join during the first months)."""

_GROUPS = {
    # Gold: billed monthly in advance; Silver: quarterly in advance, so revenue is deferred.
    "GOLD": ("GOLD-MONTHLY", Interval.months(1), ("890.00", "1200.00", "1490.00")),
    "SILVER": ("SILVER-QUARTERLY", Interval.quarters(1), ("900.00", "1200.00", "1500.00")),
}


class SubscriptionStep:
    """Creates the customers and their subscriptions; invoices and posts accruals monthly."""

    name = "subscriptions"

    def setup(self, world: World) -> None:
        rng, start = world.rng, world.settings.start
        now = world.clock.now()
        with world.uow() as uow:
            groups = {}
            for tier, (group_id, interval, _prices) in _GROUPS.items():
                group = SubscriptionGroup(
                    company_id=world.company_id,
                    id=group_id,
                    name=f"{tier.title()} service",
                    invoice_interval=interval,
                    accrue_revenue=True,
                    accrual_interval=Interval.months(1),
                )
                uow[SUBSCRIPTION_GROUPS].add(group)
                groups[tier] = group
            for n in range(1, CUSTOMERS + 1):
                tier = "GOLD" if rng.random() < 0.4 else "SILVER"
                joins = pendulum.date(start.year, start.month, start.day)
                if n > CUSTOMERS - 3:
                    joins = joins.add(days=rng.randint(15, 75))
                customer = Customer(
                    id=f"CUST-{n:03d}",
                    tier=tier,
                    subscription_id=f"SUB-{n:03d}",
                    object_id=f"OBJ-{n:03d}",
                    joins=joins,
                )
                sub, events = create_subscription(
                    company_id=world.company_id,
                    id=customer.subscription_id,
                    group=groups[tier],
                    customer_id=customer.id,
                    price=Money.of(rng.choice(_GROUPS[tier][2]), world.settings.currency),
                    start=joins,
                    alignment=Alignment.calendar(),
                    at=now,
                )
                uow[SUBSCRIPTIONS].add(sub)
                uow.record(events)
                world.customers.append(customer)
            uow.commit()
        with world.uow() as uow:
            for customer in world.customers:
                activate_subscription(uow, customer.subscription_id, clock=world.clock)
            uow.commit()

    def _ids(self, world: World) -> list[str]:
        return sorted(c.subscription_id for c in world.customers)

    def _post_accruals(self, world: World, through: pendulum.Date) -> None:
        run_batch(world, f"accruals-{through}", self._ids(world), ("accrual", str(through)))

    def run_day(self, world: World, day: pendulum.Date) -> None:
        if day.day != 1:
            return
        world.move_to(day, 6)
        if day > world.settings.start:
            self._post_accruals(world, day.subtract(days=1))
        month = ("invoice", str(day), str(day.add(months=1)))
        run_batch(world, f"invoices-{day.format('YYYY-MM')}", self._ids(world), month)

    def finish(self, world: World) -> None:
        last = world.settings.end.subtract(days=1)
        world.move_to(last, 23)
        self._post_accruals(world, last)
