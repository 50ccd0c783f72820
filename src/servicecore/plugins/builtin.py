"""servicecore's own aggregate types, registered like any plugin's.

Adding an aggregate family to servicecore is one line in :data:`BUILTIN_AGGREGATE_TYPES`:
``"module:NAME"`` of the ``AggregateType`` declared beside the aggregate. The modules are
imported only when the types are asked for, never when ``servicecore`` is imported.
"""

from __future__ import annotations

import importlib
from typing import Any

from servicecore.plugins.hookspecs import hookimpl
from servicecore.ports import AggregateType

__all__ = ["BUILTIN_AGGREGATE_TYPES", "BuiltinAggregateTypes"]

BUILTIN_AGGREGATE_TYPES: tuple[str, ...] = (
    "servicecore.sla:SLAS",
    "servicecore.calendars:CALENDARS",
    "servicecore.sla_clocks:SLA_CLOCKS",
    "servicecore.subscriptions:SUBSCRIPTIONS",
    "servicecore.subscriptions:SUBSCRIPTION_GROUPS",
    "servicecore.bom:ITEMS",
    "servicecore.bom:BOMS",
    "servicecore.service_objects:SERVICE_OBJECTS",
    "servicecore.service_objects:OBJECT_RELATIONS",
    "servicecore.repairs:REPAIRS",
    "servicecore.repairs:REPAIR_CODES",
    "servicecore.orders:SERVICE_ORDERS",
    "servicecore.orders:GENERATED_LINE_KEYS",
    "servicecore.agreements:AGREEMENTS",
    "servicecore.agreements:AGREEMENT_GROUPS",
    "servicecore.agreements:TEMPLATE_GROUPS",
    "servicecore.returns:RETURN_ORDERS",
    "servicecore.returns:RETURN_SETUPS",
    "servicecore.returns:RETURNED_QUANTITIES",
    "servicecore.returns:NUMBER_SEQUENCES",
    "servicecore.dispatch:WORKERS",
    "servicecore.dispatch:DISPATCH_TEAMS",
    "servicecore.dispatch:BOOKINGS",
)


def _resolve(reference: str) -> AggregateType[Any, Any]:
    module, _, name = reference.partition(":")
    found = getattr(importlib.import_module(module), name)
    if not isinstance(found, AggregateType):  # pragma: no cover - guarded by a unit test
        raise TypeError(f"{reference} is not an AggregateType")
    return found


class BuiltinAggregateTypes:
    """Built-in plugin: servicecore's aggregate types."""

    @hookimpl
    def servicecore_aggregate_types(self) -> list[AggregateType[Any, Any]]:
        return [_resolve(reference) for reference in BUILTIN_AGGREGATE_TYPES]
