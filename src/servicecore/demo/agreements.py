"""Agreement area of the simulation: agreement groups under the Gold and Silver SLAs, and a
few customers' maintenance agreements whose lines generate a service order every week.

On the first day of each month (06:00) the month's orders (one per line and week) are
generated from the stored agreements with
:func:`servicecore.orders.generate_orders_from_agreements`; their lines go on the dispatch
board (:mod:`servicecore.demo.dispatch`).
"""

from __future__ import annotations

from decimal import Decimal

import pendulum

from servicecore.agreements import (
    AgreementGroup,
    AgreementLine,
    CombineBy,
    TransactionType,
    add_agreement_line,
    create_agreement,
    create_agreement_group,
    new_agreement,
)
from servicecore.demo.orders import STAGES, TECHNICIANS
from servicecore.demo.sla import TIERS
from servicecore.demo.world import World
from servicecore.money import Money
from servicecore.orders import generate_orders_from_agreements
from servicecore.recurrence import Interval

__all__ = ["AGREEMENT_CUSTOMERS", "AgreementStep", "agreement_group_id"]

AGREEMENT_CUSTOMERS = 8
"""How many of the first customers hold a maintenance agreement: a weekly visit of one to
four hours, with one of the technicians as the preferred one."""

_HOUR = ("45.00", "95.00")  # cost and sales price of a technician hour


def agreement_group_id(tier: str) -> str:
    """The agreement group of an SLA tier: ``AG-GOLD``, ``AG-SILVER``."""
    return f"AG-{tier}"


class AgreementStep:
    """Stores the Gold and Silver agreement groups and the agreements; generates each
    month's orders on its first day."""

    name = "agreements"

    def setup(self, world: World) -> None:
        start = pendulum.date(world.settings.start.year, world.settings.start.month, 1)
        now = world.clock.now()
        currency = world.settings.currency
        with world.uow() as uow:
            for tier in TIERS:
                group = AgreementGroup(
                    company_id=world.company_id,
                    id=agreement_group_id(tier),
                    description=f"{tier.title()} maintenance",
                    sla_id=tier,
                )
                create_agreement_group(uow, group, clock=world.clock)
            customers = [c for c in world.customers if c.joins <= start]
            for n, customer in enumerate(customers[:AGREEMENT_CUSTOMERS], start=1):
                agreement = new_agreement(
                    company_id=world.company_id,
                    id=f"AGR-{n:03d}",
                    customer_id=customer.id,
                    group_id=agreement_group_id(customer.tier),
                    currency=currency,
                    start=start,
                    combine_by=CombineBy.AGREEMENT,
                    service_object_ids=[customer.object_id],
                    preferred_technician_id=TECHNICIANS[n % len(TECHNICIANS)],
                )
                hours = Decimal(1 + n % 4)
                line = AgreementLine(
                    id="1",
                    transaction_type=TransactionType.HOUR,
                    quantity=hours,
                    cost_price=Money.of(_HOUR[0], currency),
                    sales_price=Money.of(_HOUR[1], currency),
                    description="preventive maintenance",
                    service_object_id=customer.object_id,
                    interval=Interval.weeks(1),
                    start=start.add(days=(n - 1) % 5),
                )
                agreement, _ = add_agreement_line(agreement, line, at=now)
                create_agreement(uow, agreement, clock=world.clock)
            uow.commit()

    def run_day(self, world: World, day: pendulum.Date) -> None:
        if day.day != 1:
            return
        world.move_to(day, 6)
        with world.uow() as uow:
            orders = generate_orders_from_agreements(
                uow, day, day.end_of("month"), tree=STAGES, clock=world.clock
            )
            uow.commit()
        for order in sorted(orders, key=lambda o: o.id):
            for line in order.lines:
                world.agreement_lines.append((order.id, line.id, line.calculated_date or day))

    def finish(self, world: World) -> None:
        """Nothing to close: generated orders not yet worked stay on the board."""
