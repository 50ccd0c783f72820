"""SLA area of the simulation: the Gold and Silver tiers, the evening breach scan, and the
service credits breaches earn on the customer's next invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum

from servicecore.calendars import BusinessCalendar
from servicecore.demo.batches import run_batch
from servicecore.demo.world import ZONE, World
from servicecore.sla import (
    SLAS,
    ClockRules,
    ClockState,
    ServiceCreditPolicy,
    ServiceLevelAgreement,
    Target,
)
from servicecore.sla_clocks import SLA_CLOCKS
from servicecore.subscriptions import SUBSCRIPTIONS, apply_service_credit, next_invoice_date

__all__ = ["OFFICE", "TIERS", "SlaStep", "tier_slas"]

OFFICE = BusinessCalendar.weekdays(ZONE, [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))])
"""Working hours: weekdays 08-12 and 13-17, Stockholm time."""

TIERS = ("GOLD", "SILVER")
"""The SLA tiers, best first: customers are on one of them."""


def tier_slas(company_id: str) -> tuple[ServiceLevelAgreement, ...]:
    """Gold and Silver: response and resolution targets in business hours per priority;
    the response clock stops when work starts, the resolution clock pauses while an order
    waits on hold and stops when it is done; a breach earns a credit of the monthly fee."""
    response = ClockRules(fulfil_statuses=["in_progress", "on_hold", "done"])
    resolution = ClockRules(pause_statuses=["on_hold"], fulfil_statuses=["done"])

    def sla(tier: str, targets: dict[str, tuple[int, int]], percent: int) -> ServiceLevelAgreement:
        return ServiceLevelAgreement(
            company_id=company_id,
            id=tier,
            name=tier.title(),
            calendar=OFFICE,
            targets={
                p: (Target.business_hours(r), Target.business_hours(s))
                for p, (r, s) in targets.items()
            },
            response=response,
            resolution=resolution,
            breach_reason_required=True,
            credit_policy=ServiceCreditPolicy(percent=Decimal(percent)),
        )

    return (
        sla("GOLD", {"high": (2, 8), "normal": (4, 16)}, 10),
        sla("SILVER", {"high": (4, 16), "normal": (8, 24)}, 5),
    )


class SlaStep:
    """Stores the tiers; every evening scans the running clocks (a batch run, scaled out
    with ``--workers``) and credits each breached resolution clock once."""

    name = "sla"

    def __init__(self) -> None:
        self.credited: set[str] = set()

    def setup(self, world: World) -> None:
        with world.uow() as uow:
            for sla in tier_slas(world.company_id):
                uow[SLAS].add(sla)
            uow.commit()

    def run_day(self, world: World, day: pendulum.Date) -> None:
        world.move_to(day, 20)
        watched = sorted(world.sla_subjects)
        if not watched:
            return
        run_batch(world, f"sla-scan-{day}", watched, ("sla_scan",))
        now = world.clock.now()
        with world.uow() as uow:
            for subject in watched:
                clocks = uow[SLA_CLOCKS].list_for_subject(subject)
                for stored in clocks:
                    state = stored.clock.status_at(now).state
                    if state is not ClockState.BREACHED or subject in self.credited:
                        continue
                    customer = world.order_customers[subject]
                    sub = uow[SUBSCRIPTIONS].get(customer.subscription_id)
                    credit = stored.clock.service_credit(now, base=sub.price)
                    if credit is None:  # a clock the credit policy does not cover
                        continue
                    on = next_invoice_date(sub, credit.breached_at.date())
                    apply_service_credit(uow, sub.id, credit, on, clock=world.clock)
                    self.credited.add(subject)
                if all(not c.running for c in clocks):
                    world.sla_subjects.discard(subject)
            uow.commit()

    def finish(self, world: World) -> None:
        """Nothing left at the end: open clocks stay running in the report."""
