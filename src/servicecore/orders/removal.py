"""Cancelling and deleting whole stored service orders, with D365's guards (O3, O4).

* :func:`cancel_service_order` cancels every created line of a stored order
  (:func:`~servicecore.orders.model.cancel_order`): the stage must allow cancelling and the
  order must not be posted.
* :func:`delete_service_order` deletes a stored order: the stage must allow deleting and no
  line may be posted. The generation keys its lines claimed are released with it, so a
  ``continuous`` generation run back-fills the deleted dates (the documented way to change
  a line's frequency mid-agreement is to delete future orders and generate again).

Both check everything before changing anything and record one event.
"""

from __future__ import annotations

from servicecore.clock import Clock, read_clock
from servicecore.errors import InvalidTransitionError
from servicecore.orders.generation import GENERATED_LINE_KEYS
from servicecore.orders.model import (
    SERVICE_ORDERS,
    LineStatus,
    ServiceOrder,
    ServiceOrderDeleted,
    StageTree,
    cancel_order,
)
from servicecore.ports import UnitOfWork, check_id, check_type

__all__ = ["cancel_service_order", "delete_service_order"]


def cancel_service_order(
    uow: UnitOfWork, order_id: str, *, tree: StageTree, clock: Clock
) -> ServiceOrder:
    """Cancel every created line of the stored order ``order_id`` (see :func:`cancel_order`)."""
    order = uow[SERVICE_ORDERS].get(check_id(order_id, "order_id"))
    changed, events = cancel_order(order, tree=tree, at=read_clock(clock))
    uow[SERVICE_ORDERS].save(changed)
    uow.record(events)
    return changed


def delete_service_order(
    uow: UnitOfWork, order_id: str, *, tree: StageTree, clock: Clock
) -> ServiceOrder:
    """Delete the stored order ``order_id`` and release its lines' generation keys; returns
    the deleted order. Refused when the stage does not allow deleting or a line is posted."""
    order = uow[SERVICE_ORDERS].get(check_id(order_id, "order_id"))
    check_type(tree, StageTree, "tree")
    now = read_clock(clock)
    stage = tree.stage(order.stage)
    if not stage.can_delete:
        raise InvalidTransitionError(
            f"order_id: cannot delete service order {order.id!r} in stage {stage.id!r}: "
            "the stage does not allow deleting",
            entity="service order",
            id=order.id,
            state=stage.id,
            action="delete",
        )
    posted = [ln.id for ln in order.lines if ln.status is LineStatus.POSTED]
    if posted:
        raise InvalidTransitionError(
            f"order_id: cannot delete service order {order.id!r}: lines "
            f"{', '.join(posted)} are posted (allowed: an order without posted lines)",
            entity="service order",
            id=order.id,
            state=order.state.value,
            action="delete",
        )
    keys = uow[GENERATED_LINE_KEYS].list_for_order(order.id)
    uow[SERVICE_ORDERS].delete(order)
    for key in keys:
        uow[GENERATED_LINE_KEYS].delete(key)
    uow.record(
        [
            ServiceOrderDeleted(
                aggregate_id=order.id,
                company_id=order.company_id,
                occurred_at=now,
                line_ids=tuple(ln.id for ln in order.lines),
            )
        ]
    )
    return order
