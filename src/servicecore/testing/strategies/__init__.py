"""Hypothesis strategies for servicecore's public types, one module per area.

Registered for ``st.from_type`` through Hypothesis' ``hypothesis`` entry point, so
``st.from_type(Money)`` works as soon as servicecore is installed. Each module of this
package that defines ``register()`` is registered: a new area adds its module, nothing
else.
"""

from __future__ import annotations

import importlib
import pkgutil

from servicecore.testing.strategies.bom import (
    bom_dates,
    bom_forests,
    bom_lines,
    bom_quantities,
    bom_versions,
    items,
    object_relations,
    repair_codes,
    repair_stages,
    repairs,
    scrap_percentages,
    service_boms,
    service_objects,
    units_of_measure,
)
from servicecore.testing.strategies.kernel import (
    DST_ZONES,
    aware_datetimes,
    business_calendars,
    company_ids,
    currencies,
    dates,
    dst_transitions,
    durations,
    ids,
    instants,
    instants_near_dst,
    money,
    naive_datetimes,
    rounded_money,
    timezones,
)
from servicecore.testing.strategies.sla import (
    SLA_STATUSES,
    service_level_agreements,
    status_histories,
    targets,
)
from servicecore.testing.strategies.subscriptions import (
    alignments,
    fees,
    intervals,
    journal_entries,
    periods,
    price_changes,
    recurrences,
    revenue_entries,
    revenue_policies,
    sales_prices,
    service_credits,
    subscription_groups,
    subscriptions,
    suspensions,
)

__all__ = [
    "DST_ZONES",
    "SLA_STATUSES",
    "alignments",
    "aware_datetimes",
    "bom_dates",
    "bom_forests",
    "bom_lines",
    "bom_quantities",
    "bom_versions",
    "business_calendars",
    "company_ids",
    "currencies",
    "dates",
    "dst_transitions",
    "durations",
    "fees",
    "ids",
    "instants",
    "instants_near_dst",
    "intervals",
    "items",
    "journal_entries",
    "money",
    "naive_datetimes",
    "object_relations",
    "periods",
    "price_changes",
    "recurrences",
    "repair_codes",
    "repair_stages",
    "repairs",
    "revenue_entries",
    "revenue_policies",
    "rounded_money",
    "sales_prices",
    "scrap_percentages",
    "service_boms",
    "service_credits",
    "service_level_agreements",
    "service_objects",
    "status_histories",
    "subscription_groups",
    "subscriptions",
    "suspensions",
    "targets",
    "timezones",
    "units_of_measure",
]


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import (entry point ``hypothesis``): registers our types."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: (i.name != "kernel", i.name)):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register()
