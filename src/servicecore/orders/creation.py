"""Creating service orders from an outside reference: a sales order or a web request.

Both use cases validate everything first (ids, currency, every line through
:func:`~servicecore.orders.model.add_line`), then store the order with its ``source``
(``"sales_order"`` or ``"web_request"``) and the reference as ``source_reference``, and
record :class:`~servicecore.orders.model.ServiceOrderCreated`.

A rerun with the same reference is **refused**: when a stored order (of the company) already
carries that source and reference, the call raises :class:`~servicecore.errors.BusinessRuleError`
(rule ``order-reference-unique``) naming the field and the existing order, and nothing is
staged. The check reads the unit of work, so two calls in one unit of work are refused too;
two concurrent units of work with the same reference *and* the same ``order_id`` conflict at
commit (the order id is unique), so hosts that derive the order id from the reference get
the refusal even under concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable

from servicecore.clock import Clock, read_clock
from servicecore.errors import AlreadyExistsError, BusinessRuleError, NotFoundError
from servicecore.money import Currency
from servicecore.orders.model import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrder,
    ServiceOrderCreated,
    StageTree,
    add_line,
    new_service_order,
)
from servicecore.ports import UnitOfWork, check_id, check_items, check_type

__all__ = ["create_order_from_sales_order", "create_order_from_web_request"]


def _create(
    uow: UnitOfWork,
    *,
    source: str,
    field: str,
    reference: str,
    order_id: str,
    customer_id: str,
    currency: str | Currency,
    tree: StageTree,
    clock: Clock,
    lines: Iterable[OrderLine],
    priority: str | None,
    address: str | None,
    responsible_id: str | None,
    preferred_technician_id: str | None,
    project_id: str | None,
    preferred_service_time: object,
) -> ServiceOrder:
    check_id(reference, field)
    check_type(tree, StageTree, "tree")
    items = check_items(lines, OrderLine, "lines", "a list of OrderLine")
    now = read_clock(clock)
    order = new_service_order(
        company_id=uow.company_id,
        id=order_id,
        customer_id=customer_id,
        currency=currency,
        tree=tree,
        at=now,
        priority=priority,
        preferred_service_time=preferred_service_time,
        address=address,
        responsible_id=responsible_id,
        preferred_technician_id=preferred_technician_id,
        project_id=project_id,
        source=source,
        source_reference=reference,
    )
    for line in items:
        order, _ = add_line(order, line, tree=tree, at=now)
    repo = uow[SERVICE_ORDERS]
    existing = repo.list_for_source_reference(source, reference)
    if existing:
        raise BusinessRuleError(
            f"{field}: {source.replace('_', ' ')} {reference!r} already has service order "
            f"{existing[0].id!r} (allowed: a reference without an order)",
            rule="order-reference-unique",
            entity="service order",
            id=existing[0].id,
        )
    try:
        repo.get(order.id)
    except NotFoundError:
        pass
    else:
        raise AlreadyExistsError(
            f"order_id: service order {order.id!r} already exists",
            entity="service order",
            id=order.id,
        )
    repo.add(order)
    uow.record(
        [
            ServiceOrderCreated(
                aggregate_id=order.id,
                company_id=order.company_id,
                occurred_at=now,
                customer_id=order.customer_id,
                agreement_id=None,
                source=source,
                line_ids=tuple(ln.id for ln in order.lines),
            )
        ]
    )
    return order


def create_order_from_sales_order(
    uow: UnitOfWork,
    sales_order_id: str,
    *,
    order_id: str,
    customer_id: str,
    currency: str | Currency,
    tree: StageTree,
    clock: Clock,
    lines: Iterable[OrderLine] = (),
    priority: str | None = None,
    address: str | None = None,
    responsible_id: str | None = None,
    preferred_technician_id: str | None = None,
    project_id: str | None = None,
    preferred_service_time: object = None,
) -> ServiceOrder:
    """Create an order for the host's sales order ``sales_order_id`` (source
    ``"sales_order"``), in the root stage of ``tree`` with ``lines``. Refused when an order
    of this sales order exists already (see the module notes)."""
    return _create(
        uow,
        source="sales_order",
        field="sales_order_id",
        reference=sales_order_id,
        order_id=order_id,
        customer_id=customer_id,
        currency=currency,
        tree=tree,
        clock=clock,
        lines=lines,
        priority=priority,
        address=address,
        responsible_id=responsible_id,
        preferred_technician_id=preferred_technician_id,
        project_id=project_id,
        preferred_service_time=preferred_service_time,
    )


def create_order_from_web_request(
    uow: UnitOfWork,
    web_request_id: str,
    *,
    order_id: str,
    customer_id: str,
    currency: str | Currency,
    tree: StageTree,
    clock: Clock,
    lines: Iterable[OrderLine] = (),
    priority: str | None = None,
    address: str | None = None,
    responsible_id: str | None = None,
    preferred_technician_id: str | None = None,
    project_id: str | None = None,
    preferred_service_time: object = None,
) -> ServiceOrder:
    """Create an order for the web request ``web_request_id`` (source ``"web_request"``), in
    the root stage of ``tree`` with ``lines``. Refused when an order of this web request
    exists already (see the module notes)."""
    return _create(
        uow,
        source="web_request",
        field="web_request_id",
        reference=web_request_id,
        order_id=order_id,
        customer_id=customer_id,
        currency=currency,
        tree=tree,
        clock=clock,
        lines=lines,
        priority=priority,
        address=address,
        responsible_id=responsible_id,
        preferred_technician_id=preferred_technician_id,
        project_id=project_id,
        preferred_service_time=preferred_service_time,
    )
