"""Creating return orders, storing them, and finding the overdue ones."""

from __future__ import annotations

from collections.abc import Iterable

from servicecore.clock import to_instant
from servicecore.events import DomainEvent
from servicecore.money import Currency
from servicecore.ports import AggregateType, Index, Repository, check_id, check_items, check_type
from servicecore.returns.codes import ReturnSetup
from servicecore.returns.model.events import ReturnOrderCreated
from servicecore.returns.model.order import ReturnOrder
from servicecore.returns.model.status import HEADER_LIFECYCLE, ReturnStatus

__all__ = ["RETURN_ORDERS", "ReturnOrderRepository", "new_return_order", "overdue_returns"]


class ReturnOrderRepository(Repository[ReturnOrder]):
    """Return orders, found by customer and by status."""

    def list_for_customer(self, customer_id: str) -> list[ReturnOrder]:
        """Return orders of one customer."""
        return self.find("customer", check_id(customer_id, "customer_id"))

    def list_in_status(self, status: ReturnStatus) -> list[ReturnOrder]:
        """Return orders currently in ``status``."""
        check_type(status, ReturnStatus, "status")
        return self.find("status", status.value)


RETURN_ORDERS: AggregateType[ReturnOrder, ReturnOrderRepository] = AggregateType(
    kind="return_order",
    cls=ReturnOrder,
    repository=ReturnOrderRepository,
    indexes=(
        Index("customer", lambda o: (o.customer_id,)),
        Index("status", lambda o: (o.status.value,)),
    ),
)
"""Return orders in storage: ``uow[RETURN_ORDERS]``."""


def new_return_order(
    setup: ReturnSetup,
    *,
    id: str,
    customer_id: str,
    currency: str | Currency,
    reason_code: str,
    at: object,
) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
    """A created return order: ``deadline`` = creation date + ``setup.validity_days``,
    the charges of the reason code on the header."""
    when = to_instant(at, "at")
    check_type(setup, ReturnSetup, "setup")
    reason = setup.reason(check_id(reason_code, "reason_code"))
    cur = Currency.of(currency)
    order = ReturnOrder(
        company_id=setup.company_id,
        id=check_id(id, "id"),
        customer_id=check_id(customer_id, "customer_id"),
        currency=cur,
        reason_code=reason.id,
        created_at=when,
        deadline=when.date().add(days=setup.validity_days),
        charges=reason.charges,
    )
    for charge in reason.charges:
        order._check_charge_currency(charge)
    event = ReturnOrderCreated(
        **order._head(when),
        customer_id=order.customer_id,
        reason_code=reason.id,
        deadline=order.deadline,
    )
    return order, (event,)


def overdue_returns(orders: Iterable[ReturnOrder], *, at: object) -> tuple[ReturnOrder, ...]:
    """The orders still awaiting goods after their deadline (advance replacements first).

    An order is overdue on the day after its deadline when it is neither closed nor
    cancelled and some line still awaits its goods.
    """
    today = to_instant(at, "at").date()
    items = check_items(orders, ReturnOrder, "orders", "a list of ReturnOrder")
    late = [
        o
        for o in items
        if not HEADER_LIFECYCLE.is_final(o.status) and o.awaiting_goods and o.deadline < today
    ]
    return tuple(sorted(late, key=lambda o: (o.advance_replacement is None, o.deadline, o.id)))
