"""The service order aggregate, its lines, events and repository."""

from __future__ import annotations

import enum
from decimal import Decimal

import pendulum
from attrs import frozen

from servicecore.agreements.plan import TimeBand, TransactionType
from servicecore.errors import (
    NotFoundError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    check_id,
    index_key,
)

__all__ = [
    "SERVICE_ORDERS",
    "JournalRecord",
    "LineStatus",
    "OrderLine",
    "OrderLinesPosted",
    "OrderProgress",
    "OrderStageChanged",
    "ServiceOrder",
    "ServiceOrderCancelled",
    "ServiceOrderCreated",
    "ServiceOrderDeleted",
    "ServiceOrderRepository",
    "StageChange",
]


# -- lines and orders ---------------------------------------------------------------------
class LineStatus(enum.Enum):
    """Status of an order line."""

    CREATED = "created"
    CANCELLED = "cancelled"
    POSTED = "posted"


class OrderProgress(enum.Enum):
    """An order's progress, derived from its line statuses (D365 O1)."""

    IN_PROCESS = "in_process"
    POSTED = "posted"
    CANCELLED = "cancelled"


@frozen(kw_only=True)
class OrderLine:
    """One service order line: what is charged, by whom, and from which agreement line."""

    id: str
    transaction_type: TransactionType
    quantity: Decimal
    cost_price: Money
    sales_price: Money
    status: LineStatus = LineStatus.CREATED
    worker_id: str | None = None
    agreement_line_id: str | None = None
    calculated_date: pendulum.Date | None = None
    service_object_id: str | None = None
    relation_ids: tuple[str, ...] = ()
    signed_off: bool = False
    generation_key: str | None = None
    time_band: TimeBand | None = None
    """Time of day the work is done in (from the agreement line, or set by hand)."""

    @property
    def cost_amount(self) -> Money:
        return self.cost_price * self.quantity

    @property
    def sales_amount(self) -> Money:
        return self.sales_price * self.quantity


@frozen(kw_only=True)
class StageChange:
    """One logged stage change: from, to, the reason given and when."""

    from_stage: str
    to_stage: str
    reason: str | None
    at: pendulum.DateTime


@frozen(kw_only=True)
class ServiceOrder:
    """The service order aggregate (D365 SMAServiceOrderTable)."""

    company_id: str
    id: str
    customer_id: str
    currency: Currency
    stage: str
    agreement_id: str | None = None
    priority: str | None = None
    preferred_service_time: pendulum.DateTime | None = None
    address: str | None = None
    responsible_id: str | None = None
    preferred_technician_id: str | None = None
    sla_id: str | None = None
    project_id: str | None = None
    source: str = "manual"
    source_reference: str | None = None
    signed_off: bool = False
    lines: tuple[OrderLine, ...] = ()
    stage_log: tuple[StageChange, ...] = ()
    created_at: pendulum.DateTime | None = None
    version: int = 0

    def line(self, line_id: str) -> OrderLine:
        """The line ``line_id``; unknown raises :class:`NotFoundError`."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise NotFoundError(
            f"line_id: order {self.id!r} has no line {line_id!r}",
            entity="service order line",
            id=str(line_id),
        )

    @property
    def progress(self) -> Decimal:
        """Posted share of the lines that are not cancelled (0..1; 1 when none remain)."""
        live = [ln for ln in self.lines if ln.status is not LineStatus.CANCELLED]
        if not live:
            return Decimal(1) if self.lines else Decimal(0)
        posted = sum(1 for ln in live if ln.status is LineStatus.POSTED)
        return Decimal(posted) / Decimal(len(live))

    @property
    def state(self) -> OrderProgress:
        """D365 progress from the line statuses (O1): any created line: in process; else
        any posted: posted; else (all cancelled): cancelled. No lines: in process."""
        statuses = {ln.status for ln in self.lines}
        if not statuses or LineStatus.CREATED in statuses:
            return OrderProgress.IN_PROCESS
        if LineStatus.POSTED in statuses:
            return OrderProgress.POSTED
        return OrderProgress.CANCELLED

    @property
    def margin(self) -> Money:
        """Sales minus cost over the lines that are not cancelled, in the order currency."""
        live = [ln for ln in self.lines if ln.status is not LineStatus.CANCELLED]
        sales = Money.sum((ln.sales_amount for ln in live), self.currency)
        cost = Money.sum((ln.cost_amount for ln in live), self.currency)
        return sales - cost


# -- events -------------------------------------------------------------------------------
@frozen(kw_only=True)
class ServiceOrderCreated(DomainEvent):
    """An order was created (``source``: manual, generated...) with its first lines."""

    customer_id: str
    agreement_id: str | None
    source: str
    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class OrderStageChanged(DomainEvent):
    """An order moved between stages."""

    from_stage: str
    to_stage: str
    reason: str | None = None


@frozen(kw_only=True)
class ServiceOrderCancelled(DomainEvent):
    """A whole order was cancelled: ``line_ids`` are the lines it cancelled."""

    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class ServiceOrderDeleted(DomainEvent):
    """An order was deleted with its lines (``line_ids``); none of them was posted."""

    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class JournalRecord:
    """What the host books for one transaction type of one posting."""

    order_id: str
    transaction_type: TransactionType
    line_ids: tuple[str, ...]
    quantity: Decimal
    cost_amount: Money
    sales_amount: Money


@frozen(kw_only=True)
class OrderLinesPosted(DomainEvent):
    """Lines were posted together: one journal record per transaction type."""

    journal: tuple[JournalRecord, ...]


# -- repository ---------------------------------------------------------------------------
class ServiceOrderRepository(Repository[ServiceOrder]):
    """:class:`ServiceOrder` aggregates with customer, agreement and stage finders."""

    def list_for_customer(self, customer_id: str) -> list[ServiceOrder]:
        """Orders of one customer."""
        return self.find("customer", check_id(customer_id, "customer_id"))

    def list_for_agreement(self, agreement_id: str) -> list[ServiceOrder]:
        """Orders of one agreement."""
        return self.find("agreement", check_id(agreement_id, "agreement_id"))

    def list_in_stage(self, stage: str) -> list[ServiceOrder]:
        """Orders currently in ``stage``."""
        return self.find("stage", check_id(stage, "stage"))

    def list_for_source_reference(self, source: str, reference: str) -> list[ServiceOrder]:
        """Orders created from one outside reference (e.g. ``"sales_order"``, ``"SO-1"``)."""
        return self.find(
            "source_reference",
            index_key(check_id(source, "source"), check_id(reference, "reference")),
        )


SERVICE_ORDERS: AggregateType[ServiceOrder, ServiceOrderRepository] = AggregateType(
    kind="service_order",
    cls=ServiceOrder,
    repository=ServiceOrderRepository,
    indexes=(
        Index("customer", lambda o: (o.customer_id,)),
        Index("agreement", lambda o: (o.agreement_id,) if o.agreement_id else ()),
        Index("stage", lambda o: (o.stage,)),
        Index(
            "source_reference",
            lambda o: (index_key(o.source, o.source_reference),) if o.source_reference else (),
        ),
    ),
)
"""Service orders in storage: ``uow[SERVICE_ORDERS]``."""
