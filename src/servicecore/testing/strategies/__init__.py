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
from servicecore.testing.strategies.calendars import (
    calendar_refs,
    calendar_versions,
    stored_calendars,
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
from servicecore.testing.strategies.values import (
    aggregate_types,
    clock_rules,
    domain_events,
    explosions,
    holiday_rules,
    indexes,
    lifecycles,
    priority_changes,
    priority_targets,
    repair_notes,
    service_bom_changes,
    service_credit_policies,
    status_changes,
)

__all__ = [
    "DST_ZONES",
    "SLA_STATUSES",
    "aggregate_types",
    "alignments",
    "aware_datetimes",
    "bom_dates",
    "bom_forests",
    "bom_lines",
    "bom_quantities",
    "bom_versions",
    "business_calendars",
    "calendar_refs",
    "calendar_versions",
    "clock_rules",
    "company_ids",
    "currencies",
    "dates",
    "domain_events",
    "dst_transitions",
    "durations",
    "explosions",
    "fees",
    "holiday_rules",
    "ids",
    "indexes",
    "instants",
    "instants_near_dst",
    "intervals",
    "items",
    "journal_entries",
    "lifecycles",
    "money",
    "naive_datetimes",
    "object_relations",
    "periods",
    "price_changes",
    "priority_changes",
    "priority_targets",
    "recurrences",
    "repair_codes",
    "repair_notes",
    "repair_stages",
    "repairs",
    "revenue_entries",
    "revenue_policies",
    "rounded_money",
    "sales_prices",
    "scrap_percentages",
    "service_bom_changes",
    "service_boms",
    "service_credit_policies",
    "service_credits",
    "service_level_agreements",
    "service_objects",
    "status_changes",
    "status_histories",
    "stored_calendars",
    "subscription_groups",
    "subscriptions",
    "suspensions",
    "targets",
    "timezones",
    "units_of_measure",
]


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import (entry point ``hypothesis``): registers our types."""
    # kernel first (others build on it), then the generic values and events, then each area,
    # so an area's own strategy for one of its events replaces the generic one.
    first = {"kernel": 0, "values": 1}
    for info in sorted(
        pkgutil.iter_modules(__path__), key=lambda i: (first.get(i.name, 2), i.name)
    ):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register()
