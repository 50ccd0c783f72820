"""The events of return orders: what happened, and what the host must do next (receive,
scrap or ship back goods, create a replacement order, credit the customer)."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

import pendulum
from attrs import frozen

from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.returns.model.status import ReturnStatus

__all__ = [
    "ArrivalRegistered",
    "CreditLine",
    "CreditNoteIssued",
    "GoodsReceived",
    "GoodsScrapped",
    "GoodsShippedBack",
    "InspectionEnded",
    "RepairOrderRequested",
    "ReplacementRequested",
    "ReturnLineAdded",
    "ReturnOrderCreated",
    "ReturnStatusChanged",
]


class _Head(TypedDict):
    """The fields every event of a return order starts with."""

    aggregate_id: str
    company_id: str
    occurred_at: pendulum.DateTime


@frozen(kw_only=True)
class ReturnOrderCreated(DomainEvent):
    """A return order was created with its RMA number (the aggregate id)."""

    customer_id: str
    reason_code: str
    deadline: pendulum.Date


@frozen(kw_only=True)
class ReturnStatusChanged(DomainEvent):
    """The header status (or reason code) changed."""

    from_status: ReturnStatus
    to_status: ReturnStatus
    reason_code: str


@frozen(kw_only=True)
class ReturnLineAdded(DomainEvent):
    """A return line was added (``sales_line_id`` when it returns an invoiced line)."""

    line_id: str
    item_id: str
    quantity: Decimal
    sales_line_id: str | None = None


@frozen(kw_only=True)
class ArrivalRegistered(DomainEvent):
    """Goods of a line arrived (``quantity`` > 0); a partial arrival names the remainder."""

    line_id: str
    quantity: Decimal
    disposition_code: str | None
    quarantine: bool
    remainder_line_id: str | None = None


@frozen(kw_only=True)
class InspectionEnded(DomainEvent):
    """A quarantined line's inspection ended with a disposition code."""

    line_id: str
    disposition_code: str


@frozen(kw_only=True)
class GoodsReceived(DomainEvent):
    """Host: receive ``quantity`` of ``item_id`` into inventory at ``cost_price``."""

    line_id: str
    item_id: str
    quantity: Decimal
    cost_price: Money
    lot_id: str


@frozen(kw_only=True)
class GoodsScrapped(DomainEvent):
    """Host: scrap ``quantity`` of ``item_id`` just received; ``loss`` goes to the ledger."""

    line_id: str
    item_id: str
    quantity: Decimal
    loss: Money


@frozen(kw_only=True)
class GoodsShippedBack(DomainEvent):
    """Host: ship ``quantity`` of ``item_id`` back to the customer."""

    line_id: str
    item_id: str
    quantity: Decimal
    customer_id: str


@frozen(kw_only=True)
class ReplacementRequested(DomainEvent):
    """Host: create a replacement sales order (``upfront`` = advance replacement, due back)."""

    line_id: str | None
    item_id: str
    quantity: Decimal
    upfront: bool
    due: pendulum.Date | None = None


@frozen(kw_only=True)
class RepairOrderRequested(DomainEvent):
    """A service order with a repair line was opened for a returned object."""

    line_id: str
    service_order_id: str
    service_object_id: str | None


@frozen(kw_only=True)
class CreditLine:
    """What one line is credited on a credit note (``amount``) and its charges."""

    line_id: str
    amount: Money
    charges: Money


@frozen(kw_only=True)
class CreditNoteIssued(DomainEvent):
    """Host: credit the customer ``total`` (line credits minus the header charges)."""

    lines: tuple[CreditLine, ...]
    header_charges: Money
    total: Money
