"""What order generation would create: the plan, a pure value shared by agreements and orders.

``plan_service_orders`` (in this package) computes a :class:`ServiceOrderPlan` without
touching storage; ``servicecore.orders`` commits one idempotently, keyed by
:attr:`PlannedLine.key` (agreement, agreement line, calculated date).
"""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal

import pendulum
from attrs import frozen

from servicecore.money import Money
from servicecore.ports import index_key

__all__ = ["PlannedLine", "PlannedOrder", "ServiceOrderPlan", "TransactionType"]


class TransactionType(enum.Enum):
    """What an agreement line or an order line charges: D365's transaction types."""

    HOUR = "hour"
    EXPENSE = "expense"
    ITEM = "item"
    FEE = "fee"


@frozen(kw_only=True)
class TimeBand:
    """A time-of-day band: the work starts after ``start_after`` and ends before
    ``end_before`` (local times, ``start_after < end_before``; agreement lines check it).

    Carried from an agreement line onto its planned lines and the order lines made of them.
    """

    start_after: _dt.time
    end_before: _dt.time


@frozen(kw_only=True)
class PlannedLine:
    """One order line generation would create for one occurrence of one agreement line."""

    agreement_id: str
    agreement_line_id: str
    calculated_date: pendulum.Date
    transaction_type: TransactionType
    quantity: Decimal
    cost_price: Money
    sales_price: Money
    worker_id: str | None = None
    service_object_id: str | None = None
    service_task_id: str | None = None
    no_open_day: bool = False
    """True when the line's time window held no open day of the business calendar."""
    relation_ids: tuple[str, ...] = ()
    """Object relations of the agreement line, copied onto the generated order."""
    time_band: TimeBand | None = None
    """The agreement line's time-of-day band, copied onto the generated order line."""

    @property
    def key(self) -> str:
        """The idempotency key: one generated order line per (agreement, line, date)."""
        return index_key(
            self.agreement_id, self.agreement_line_id, self.calculated_date.isoformat()
        )


@frozen(kw_only=True)
class PlannedOrder:
    """One service order generation would create: lines sharing a combine key."""

    agreement_id: str
    customer_id: str
    combine_key: str
    preferred_date: pendulum.Date
    currency: str
    lines: tuple[PlannedLine, ...]
    project_id: str | None = None
    sla_id: str | None = None
    preferred_technician_id: str | None = None
    service_manager_id: str | None = None


@frozen(kw_only=True)
class ServiceOrderPlan:
    """The orders to generate for a set of agreements over ``[start, end]`` (dates)."""

    start: pendulum.Date
    end: pendulum.Date
    orders: tuple[PlannedOrder, ...] = ()
