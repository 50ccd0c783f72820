"""Service orders: stage trees, orders and lines, posting, and committing generation plans.

Every public name is re-exported here: import from ``servicecore.orders``.
"""

from servicecore.orders.generation import (
    GENERATED_LINE_KEYS,
    GeneratedLineKey,
    GeneratedLineKeyRepository,
    generate_service_orders,
)
from servicecore.orders.model import (
    SERVICE_ORDERS,
    JournalRecord,
    LineStatus,
    OrderLine,
    OrderLinesPosted,
    OrderStageChanged,
    ServiceOrder,
    ServiceOrderCreated,
    ServiceOrderRepository,
    Stage,
    StageChange,
    StageTree,
    add_line,
    cancel_line,
    change_stage,
    delete_line,
    move_line,
    new_service_order,
    post_order,
    revoke_line,
    sign_off_line,
    sign_off_order,
)

__all__ = [
    "GENERATED_LINE_KEYS",
    "SERVICE_ORDERS",
    "GeneratedLineKey",
    "GeneratedLineKeyRepository",
    "JournalRecord",
    "LineStatus",
    "OrderLine",
    "OrderLinesPosted",
    "OrderStageChanged",
    "ServiceOrder",
    "ServiceOrderCreated",
    "ServiceOrderRepository",
    "Stage",
    "StageChange",
    "StageTree",
    "add_line",
    "cancel_line",
    "change_stage",
    "delete_line",
    "generate_service_orders",
    "move_line",
    "new_service_order",
    "post_order",
    "revoke_line",
    "sign_off_line",
    "sign_off_order",
]
