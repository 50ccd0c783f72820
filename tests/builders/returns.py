"""Builders of return-management test data (set-up, invoiced lines, stores, orders)."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.orders import Stage, StageTree
from servicecore.returns import (
    NUMBER_SEQUENCES,
    RETURN_SETUPS,
    Charge,
    DispositionAction,
    DispositionCode,
    InvoicedLine,
    NumberSequence,
    ReasonCode,
    ReturnOrder,
    ReturnSetup,
    new_return_order,
)
from servicecore.storage.memory import InMemoryStore

AT = pendulum.datetime(2024, 5, 1, 9, tz="UTC")
LATER = AT.add(days=1)

CODE_OF = {
    DispositionAction.CREDIT: "RESTOCK",
    DispositionAction.CREDIT_ONLY: "KEEP",
    DispositionAction.SCRAP: "SCRAP",
    DispositionAction.REPLACE_AND_CREDIT: "SWAP",
    DispositionAction.REPLACE_AND_SCRAP: "SWAP-SCRAP",
    DispositionAction.RETURN_TO_CUSTOMER: "SEND-BACK",
}
"""One disposition code per action in :func:`setup`."""


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def setup(*, validity_days: int = 90) -> ReturnSetup:
    """Reasons DAMAGED (no charge) and LATE (5 EUR), one code per action; SEND-BACK
    charges a 10 EUR handling fee."""
    return ReturnSetup(
        company_id="ACME",
        id="default",
        validity_days=validity_days,
        reasons=(
            ReasonCode(id="DAMAGED", group="QUALITY"),
            ReasonCode(
                id="LATE", group="DELIVERY", charges=(Charge(code="ADMIN", amount=eur("5")),)
            ),
        ),
        dispositions=tuple(
            DispositionCode(
                id=code,
                action=action,
                charges=(Charge(code="HANDLING", amount=eur("10")),)
                if action is DispositionAction.RETURN_TO_CUSTOMER
                else (),
            )
            for action, code in CODE_OF.items()
        ),
    )


def invoiced(
    sales_line_id: str = "SL-1", quantity: str = "5", customer_id: str = "C-1"
) -> InvoicedLine:
    """An invoiced line of 5 pumps at 80 EUR, cost 50 EUR."""
    return InvoicedLine(
        sales_line_id=sales_line_id,
        customer_id=customer_id,
        item_id="PUMP",
        quantity=Decimal(quantity),
        price=eur("80"),
        cost_price=eur("50"),
        lot_id=f"LOT-{sales_line_id}",
    )


def store() -> InMemoryStore:
    """A store with the set-up ``default`` and the sequence ``RMA`` for company ACME."""
    s = InMemoryStore(publish=lambda events: None)
    with s.unit_of_work("ACME") as uow:
        uow[RETURN_SETUPS].add(setup())
        uow[NUMBER_SEQUENCES].add(
            NumberSequence(company_id="ACME", id="RMA", prefix="RMA-", width=4)
        )
        uow.commit()
    return s


def clock(at: pendulum.DateTime = AT) -> FixedClock:
    return FixedClock(at)


def tree() -> StageTree:
    return StageTree.define([Stage(id="new"), Stage(id="done", parent="new", can_post=True)])


def order(reason: str = "DAMAGED") -> ReturnOrder:
    """A created return order RMA-1 of customer C-1, without lines."""
    created, _ = new_return_order(
        setup(), id="RMA-1", customer_id="C-1", currency="EUR", reason_code=reason, at=AT
    )
    return created


def order_with_line(
    quantity: str = "-3", replacement: str | None = "PUMP-NEW", sales_line_id: str | None = None
) -> ReturnOrder:
    """:func:`order` with line ``1``: ``quantity`` pumps at 80 EUR, cost 50 EUR."""
    changed, _ = order().add_line(
        setup(),
        line_id="1",
        item_id="PUMP",
        quantity=Decimal(quantity),
        price=eur("80"),
        cost_price=eur("50"),
        replacement_item_id=replacement,
        sales_line_id=sales_line_id,
        at=AT,
    )
    return changed


def registered(action: DispositionAction, quantity: str = "-3") -> ReturnOrder:
    """:func:`order_with_line` with its whole quantity registered under ``action``'s code."""
    base = order_with_line(quantity)
    changed, _ = base.register_arrival(
        setup(), "1", quantity=-Decimal(quantity), disposition_code=CODE_OF[action], at=LATER
    )
    return changed
