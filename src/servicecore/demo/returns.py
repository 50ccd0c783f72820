"""Returns area of the simulation: the return set-up (reasons, one disposition code per
action, RMA numbering) and, each month, six returns, one per disposition action.

A return comes in at the end of a working day (21:00): the return order is created with a
reason and one line for the returned part; the goods arrive with their disposition code,
the packing slip executes it and the credit note closes the order. A credit-only line
needs no goods: its code is given when the line is added and it is credited at once.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pendulum

from servicecore.demo.repairs import PART_PRICES
from servicecore.demo.world import World
from servicecore.money import Money
from servicecore.returns import (
    NUMBER_SEQUENCES,
    RETURN_SETUPS,
    Charge,
    DispositionAction,
    DispositionCode,
    NumberSequence,
    ReasonCode,
    ReturnSetup,
    add_free_line,
    create_return_order,
    invoice_return,
    post_packing_slip,
    register_arrival,
)

__all__ = ["DISPOSITIONS", "RETURN_DAYS", "SETUP_ID", "ReturnStep"]

SETUP_ID = "default"
"""The company's one return set-up."""

DISPOSITIONS: tuple[tuple[str, DispositionAction], ...] = (
    ("RESTOCK", DispositionAction.CREDIT),
    ("KEEP", DispositionAction.CREDIT_ONLY),
    ("SCRAP", DispositionAction.SCRAP),
    ("SWAP", DispositionAction.REPLACE_AND_CREDIT),
    ("SWAP-SCRAP", DispositionAction.REPLACE_AND_SCRAP),
    ("SEND-BACK", DispositionAction.RETURN_TO_CUSTOMER),
)
"""The disposition codes, one per action, in the order the month's returns use them."""

RETURN_DAYS = (2, 4, 6, 8, 10, 12)
"""The working days of each month (2nd, 4th, ...) on which a return comes in, one per
disposition code of :data:`DISPOSITIONS`."""

_REASONS = ("DAMAGED", "WRONG-PART", "NOT-NEEDED")


class ReturnStep:
    """Stores the set-up and the RMA number sequence; runs the month's six returns."""

    name = "returns"

    def __init__(self) -> None:
        self._working_day = 0
        self._month = 0
        self.rng = random.Random(0)
        """The returns' own random source (seeded from the run's seed in :meth:`setup`), so
        adding returns leaves the other areas' draws as they were."""

    def setup(self, world: World) -> None:
        self.rng = random.Random(f"returns-{world.settings.seed}")
        setup = ReturnSetup(
            company_id=world.company_id,
            id=SETUP_ID,
            validity_days=30,
            reasons=(
                ReasonCode(id="DAMAGED", group="QUALITY"),
                ReasonCode(id="WRONG-PART", group="QUALITY"),
                ReasonCode(
                    id="NOT-NEEDED",
                    group="CUSTOMER",
                    charges=(Charge(code="RESTOCKING", percent=Decimal("-10")),),
                ),
            ),
            dispositions=tuple(DispositionCode(id=c, action=a) for c, a in DISPOSITIONS),
        )
        with world.uow() as uow:
            uow[RETURN_SETUPS].add(setup)
            uow[NUMBER_SEQUENCES].add(
                NumberSequence(company_id=world.company_id, id="RMA", prefix="RMA-", width=5)
            )
            uow.commit()

    def run_day(self, world: World, day: pendulum.Date) -> None:
        if day.month != self._month:
            self._month, self._working_day = day.month, 0
        if day.isoweekday() > 5:
            return
        self._working_day += 1
        if self._working_day not in RETURN_DAYS:
            return
        code, action = DISPOSITIONS[RETURN_DAYS.index(self._working_day)]
        world.move_to(day, 21)
        rng = self.rng
        customer = rng.choice([c for c in world.customers if c.joins <= day])
        part = rng.choice(sorted(PART_PRICES))
        cost, price = PART_PRICES[part]
        currency = world.settings.currency
        credit_only = action is DispositionAction.CREDIT_ONLY
        replace = action in (
            DispositionAction.REPLACE_AND_CREDIT,
            DispositionAction.REPLACE_AND_SCRAP,
        )
        with world.uow() as uow:
            rma = create_return_order(
                uow, customer_id=customer.id, currency=currency,
                reason_code=rng.choice(_REASONS), setup_id=SETUP_ID, clock=world.clock,
            ).id  # fmt: skip
            add_free_line(
                uow, rma, line_id="1", item_id=part, quantity=Decimal(-1),
                price=Money.of(price, currency), cost_price=Money.of(cost, currency),
                clock=world.clock, setup_id=SETUP_ID,
                disposition_code=code if credit_only else None,
                replacement_item_id=part if replace else None,
                service_object_id=customer.object_id,
            )  # fmt: skip
            if not credit_only:
                register_arrival(
                    uow, rma, "1", quantity=Decimal(1), disposition_code=code,
                    clock=world.clock, setup_id=SETUP_ID,
                )  # fmt: skip
                post_packing_slip(uow, rma, "1", clock=world.clock)
            invoice_return(uow, rma, clock=world.clock)
            uow.commit()

    def finish(self, world: World) -> None:
        """Every return is closed on its day: nothing left open."""
