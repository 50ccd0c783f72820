"""Service agreements: what is agreed with a customer, and the service orders it generates.

Work in progress in this release: the generation plan's value types are here; agreements
themselves and ``plan_service_orders`` arrive with the agreements issue.
"""

from __future__ import annotations

from servicecore.agreements.plan import (
    PlannedLine,
    PlannedOrder,
    ServiceOrderPlan,
    TransactionType,
)

__all__ = ["PlannedLine", "PlannedOrder", "ServiceOrderPlan", "TransactionType"]
