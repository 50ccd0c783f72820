"""The parts of a return order: its lines, and the replacement shipped in advance."""

from __future__ import annotations

from decimal import Decimal

import pendulum
from attrs import frozen

from servicecore.money import Money
from servicecore.returns.codes import Charge, DispositionAction
from servicecore.returns.model.status import ReturnLineStatus

__all__ = ["AdvanceReplacement", "ReturnLine"]


@frozen(kw_only=True)
class ReturnLine:
    """One return line: what comes back (``quantity`` < 0), at which price, and its fate."""

    id: str
    item_id: str
    quantity: Decimal
    price: Money
    cost_price: Money
    lot_id: str
    sales_line_id: str | None = None
    ledger_line_id: str | None = None
    status: ReturnLineStatus = ReturnLineStatus.AWAITING
    disposition_code: str | None = None
    action: DispositionAction | None = None
    charges: tuple[Charge, ...] = ()
    replacement_item_id: str | None = None
    replacement_requested: bool = False
    service_object_id: str | None = None
    repair_order_id: str | None = None
    arrived_at: pendulum.DateTime | None = None

    @property
    def amount(self) -> Money:
        """``quantity x price``: negative, what the customer is credited before charges."""
        return self.price * self.quantity


@frozen(kw_only=True)
class AdvanceReplacement:
    """A replacement shipped before the return arrives, due back by ``due``."""

    item_id: str
    quantity: Decimal
    shipped_at: pendulum.DateTime
    due: pendulum.Date


def _invoiceable(line: ReturnLine) -> bool:
    """Whether a credit note may cover ``line``: received, or awaiting and credit only."""
    return line.status is ReturnLineStatus.RECEIVED or (
        line.status is ReturnLineStatus.AWAITING and line.action is DispositionAction.CREDIT_ONLY
    )
