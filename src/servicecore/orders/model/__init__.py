"""Service orders: the stage tree, the order aggregate, its lines and their commands.

Every command is pure: ``command(order, ..., *, at) -> (order, events)``; it validates
everything before building anything and never mutates.

A package since it outgrew one file; every name is re-exported here, so imports from
``servicecore.orders.model`` (and ``servicecore.orders``) are unchanged:

* ``stages``: :class:`Stage` and the validated :class:`StageTree`;
* ``order``: :class:`ServiceOrder`, its lines, events, repository and aggregate type;
* ``commands``: creating an order, adding, cancelling, revoking, deleting and moving lines,
  stage changes and sign-off;
* ``posting``: :func:`post_order`, all eligible lines at once or none.
"""

from __future__ import annotations

from servicecore.orders.model.commands import (
    add_line,
    cancel_line,
    cancel_order,
    change_stage,
    delete_line,
    move_line,
    new_service_order,
    revoke_line,
    sign_off_line,
    sign_off_order,
)
from servicecore.orders.model.order import (
    SERVICE_ORDERS,
    JournalRecord,
    LineStatus,
    OrderLine,
    OrderLinesPosted,
    OrderProgress,
    OrderStageChanged,
    ServiceOrder,
    ServiceOrderCancelled,
    ServiceOrderCreated,
    ServiceOrderDeleted,
    ServiceOrderRepository,
    StageChange,
)
from servicecore.orders.model.posting import post_order
from servicecore.orders.model.stages import Stage, StageTree

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
    "Stage",
    "StageChange",
    "StageTree",
    "add_line",
    "cancel_line",
    "cancel_order",
    "change_stage",
    "delete_line",
    "move_line",
    "new_service_order",
    "post_order",
    "revoke_line",
    "sign_off_line",
    "sign_off_order",
]
