"""Committing a generation plan: one order line per (agreement, line, date), ever.

Each generated line claims its key as a tiny :class:`GeneratedLineKey` aggregate whose id
is :attr:`PlannedLine.key`. The store guarantees ids are unique (adding a taken id fails
with ``AlreadyExistsError`` at commit), so reruns skip what exists and of two concurrent
runs the second commit fails instead of creating a duplicate; rerun it and it adds only
what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable

from attrs import frozen

from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan
from servicecore.clock import Clock, read_clock
from servicecore.errors import NotFoundError, ValidationError
from servicecore.orders.model import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrder,
    ServiceOrderCreated,
    StageTree,
    add_line,
    new_service_order,
)
from servicecore.ports import AggregateType, Index, Repository, UnitOfWork, check_type, index_key

__all__ = [
    "GENERATED_LINE_KEYS",
    "GeneratedLineKey",
    "GeneratedLineKeyRepository",
    "generate_service_orders",
]


@frozen(kw_only=True)
class GeneratedLineKey:
    """The claim of one generated order line: ``id`` is the planned line's key."""

    company_id: str
    id: str
    order_id: str
    line_id: str
    version: int = 0


class GeneratedLineKeyRepository(Repository[GeneratedLineKey]):
    """Claimed generation keys, with a finder by order."""

    def list_for_order(self, order_id: str) -> list[GeneratedLineKey]:
        """The keys claimed by the lines of one order."""
        return self.find("order", order_id)


GENERATED_LINE_KEYS: AggregateType[GeneratedLineKey, GeneratedLineKeyRepository] = AggregateType(
    kind="generated_order_line_key",
    cls=GeneratedLineKey,
    repository=GeneratedLineKeyRepository,
    indexes=(Index("order", lambda k: (k.order_id,)),),
)
"""Generation keys in storage: ``uow[GENERATED_LINE_KEYS]``."""


def _claimed(uow: UnitOfWork, key: str) -> bool:
    try:
        uow[GENERATED_LINE_KEYS].get(key)
    except NotFoundError:
        return False
    return True


def _line(planned: PlannedLine, line_id: str) -> OrderLine:
    return OrderLine(
        id=line_id,
        transaction_type=planned.transaction_type,
        quantity=planned.quantity,
        cost_price=planned.cost_price,
        sales_price=planned.sales_price,
        worker_id=planned.worker_id,
        agreement_line_id=planned.agreement_line_id,
        calculated_date=planned.calculated_date,
        service_object_id=planned.service_object_id,
        relation_ids=planned.relation_ids,
        time_band=planned.time_band,
        generation_key=planned.key,
    )


def generate_service_orders(
    uow: UnitOfWork,
    plan: ServiceOrderPlan,
    *,
    tree: StageTree,
    clock: Clock,
    sla_of: Callable[[PlannedOrder], str | None] | None = None,
) -> tuple[ServiceOrder, ...]:
    """Create the planned orders and lines whose keys are not claimed yet.

    A planned order whose lines all exist is skipped; one with some missing lines becomes
    a new order holding only those (back-fill). Generated orders carry no SLA unless
    ``sla_of`` gives one (e.g. ``lambda p: p.sla_id``). The order id is derived from its
    first new line's key, so two concurrent runs add the same ids and the later commit
    fails. A ``ServiceOrderCreated`` event is recorded per order. The caller commits.
    """
    check_type(plan, ServiceOrderPlan, "plan")
    check_type(tree, StageTree, "tree")
    if sla_of is not None and not callable(sla_of):
        raise ValidationError(
            f"sla_of: expected a callable or None, got {type(sla_of).__name__}",
            field="sla_of",
            value=sla_of,
            allowed="a callable (PlannedOrder) -> SLA id or None, or None",
        )
    at = read_clock(clock)
    created: list[ServiceOrder] = []
    claimed_now: set[str] = set()
    for planned in plan.orders:
        check_type(planned, PlannedOrder, "plan.orders")
        missing = [
            pl for pl in planned.lines if pl.key not in claimed_now and not _claimed(uow, pl.key)
        ]
        if not missing:
            continue
        order_id = index_key("GEN", missing[0].key)
        order = new_service_order(
            company_id=uow.company_id,
            id=order_id,
            customer_id=planned.customer_id,
            currency=planned.currency,
            tree=tree,
            at=at,
            agreement_id=planned.agreement_id,
            preferred_technician_id=planned.preferred_technician_id,
            responsible_id=planned.service_manager_id,
            sla_id=None if sla_of is None else sla_of(planned),
            project_id=planned.project_id,
            source="generated",
        )
        keys = []
        for number, pl in enumerate(missing, start=1):
            order, _ = add_line(order, _line(pl, f"{number}"), tree=tree, at=at)
            keys.append(
                GeneratedLineKey(
                    company_id=uow.company_id, id=pl.key, order_id=order_id, line_id=f"{number}"
                )
            )
            claimed_now.add(pl.key)
        uow[SERVICE_ORDERS].add(order)
        for key in keys:
            uow[GENERATED_LINE_KEYS].add(key)
        created.append(order)
    uow.record(
        ServiceOrderCreated(
            aggregate_id=o.id,
            company_id=o.company_id,
            occurred_at=at,
            customer_id=o.customer_id,
            agreement_id=o.agreement_id,
            source=o.source,
            line_ids=tuple(ln.id for ln in o.lines),
        )
        for o in created
    )
    return tuple(created)
