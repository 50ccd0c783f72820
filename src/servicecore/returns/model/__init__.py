"""Return orders (RMA): header, lines, their status machines and the pure commands.

Every command is a method returning ``(changed order, events)``; it checks everything
before building anything and never mutates. Return lines carry negative quantities.

Header status (D365 return status; OPEN and CLOSED are inferred):
``CREATED -> OPEN`` at the first arrival, ``-> CLOSED`` once every line is invoiced or
cancelled, ``CREATED -> CANCELLED`` (cancel only while nothing arrived).

Line status: ``AWAITING -> REGISTERED`` (arrival with a disposition code) or
``AWAITING -> QUARANTINE -> REGISTERED`` (inspection ends with a code),
``REGISTERED -> RECEIVED`` (packing slip, full quantity only; executes the disposition),
``RECEIVED -> INVOICED`` (credit note), ``AWAITING -> INVOICED`` for credit-only lines,
``AWAITING -> CANCELLED``.

A package whose modules are ``status`` (the statuses and their status machines),
``lines`` (return lines, advance replacements), ``order`` (the :class:`ReturnOrder`
aggregate and its commands), ``events`` and ``repository`` (storage, creating an order,
finding the overdue ones). Every public name is re-exported here, so
``from servicecore.returns.model import ReturnOrder`` keeps working.
"""

from __future__ import annotations

from servicecore.returns.model.events import (
    ArrivalRegistered,
    CreditLine,
    CreditNoteIssued,
    GoodsReceived,
    GoodsScrapped,
    GoodsShippedBack,
    InspectionEnded,
    RepairOrderRequested,
    ReplacementRequested,
    ReturnLineAdded,
    ReturnOrderCreated,
    ReturnStatusChanged,
)
from servicecore.returns.model.lines import AdvanceReplacement, ReturnLine
from servicecore.returns.model.order import ReturnOrder
from servicecore.returns.model.repository import (
    RETURN_ORDERS,
    ReturnOrderRepository,
    new_return_order,
    overdue_returns,
)
from servicecore.returns.model.status import (
    HEADER_LIFECYCLE,
    LINE_LIFECYCLE,
    ReturnLineStatus,
    ReturnStatus,
)

__all__ = [
    "HEADER_LIFECYCLE",
    "LINE_LIFECYCLE",
    "RETURN_ORDERS",
    "AdvanceReplacement",
    "ArrivalRegistered",
    "CreditLine",
    "CreditNoteIssued",
    "GoodsReceived",
    "GoodsScrapped",
    "GoodsShippedBack",
    "InspectionEnded",
    "RepairOrderRequested",
    "ReplacementRequested",
    "ReturnLine",
    "ReturnLineAdded",
    "ReturnLineStatus",
    "ReturnOrder",
    "ReturnOrderCreated",
    "ReturnOrderRepository",
    "ReturnStatus",
    "ReturnStatusChanged",
    "new_return_order",
    "overdue_returns",
]
