"""Gather a :class:`Report` from a unit of work: only reads, through the repositories.

Each section comes from the aggregates that hold its facts: revenue, MRR and ARR from the
subscriptions (each group's own revenue policy), symptom -> resolution pairs from finished
repairs. A host runs it against its own storage as ``servicecore report`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pendulum

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.ports import UnitOfWork, check_id, check_items, check_type
from servicecore.repairs import REPAIRS, Repair
from servicecore.report.model import Report, RevenueMonth, SymptomResolution
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    RevenuePolicy,
    Subscription,
    SubscriptionGroup,
    arr,
    mrr,
    revenue_report,
)

__all__ = ["collect_report", "monthly_revenue", "symptom_resolutions"]


def _policy(group: SubscriptionGroup | None) -> RevenuePolicy:
    if group is None or group.accrual_interval is None:
        return RevenuePolicy()
    return RevenuePolicy.of_group(group)


def monthly_revenue(
    subscriptions: Iterable[Subscription],
    groups: Iterable[SubscriptionGroup],
    *,
    first_month: object,
    last_month: object,
    currency: str,
) -> tuple[RevenueMonth, ...]:
    """Per month from ``first_month`` to ``last_month``: what was invoiced and recognised in
    the month, and what stood deferred at its end; each subscription under its own group's
    revenue policy. Amounts in ``currency`` (subscriptions in others are left out)."""
    check_id(currency, "currency")
    first = to_date(first_month, "first_month")
    last = to_date(last_month, "last_month")
    subscriptions = check_items(subscriptions, Subscription, "subscriptions")
    groups = check_items(groups, SubscriptionGroup, "groups")
    by_group: dict[str, list[Subscription]] = {}
    for sub in subscriptions:
        if sub.currency.code == currency:
            by_group.setdefault(sub.group_id, []).append(sub)
    policies = {g.id: _policy(g) for g in groups}
    zero = Money.zero(currency)

    def totals(day: pendulum.Date) -> tuple[Money, Money, Money]:
        invoiced = recognised = deferred = zero
        for group_id, subs in by_group.items():
            report = revenue_report(subs, day, policies.get(group_id, RevenuePolicy()))
            invoiced += report.invoiced.get(currency, zero)
            recognised += report.recognised.get(currency, zero)
            deferred += report.deferred.get(currency, zero)
        return invoiced, recognised, deferred

    months: list[RevenueMonth] = []
    month = first.start_of("month")
    before = totals(month.subtract(days=1))
    while month <= last:
        end = month.end_of("month")
        now = totals(end)
        months.append(RevenueMonth(month, now[0] - before[0], now[1] - before[1], now[2]))
        before, month = now, month.add(months=1)
    return tuple(months)


def symptom_resolutions(
    repairs: Iterable[Repair], limit: int = 10
) -> tuple[SymptomResolution, ...]:
    """The ``limit`` most frequent (symptom, resolution) pairs of finished repairs, most
    frequent first (ties by name)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(
            f"limit must be a positive int, not {limit!r}", field="limit", value=limit
        )
    pairs: Counter[tuple[str, str]] = Counter()
    for repair in check_items(repairs, Repair, "repairs"):
        if repair.finished_at is None or repair.resolution is None:
            continue
        symptom = f"{repair.symptom_area or '-'}/{repair.symptom_code or '-'}"
        pairs[(symptom, repair.resolution)] += 1
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(SymptomResolution(s, r, n) for (s, r), n in ranked[:limit])


def collect_report(
    uow: UnitOfWork,
    *,
    as_of: object,
    currency: str,
    first_month: object | None = None,
) -> Report:
    """The report of ``uow``'s company as of ``as_of`` (revenue from ``first_month``, by
    default the month of ``as_of``)."""
    day = to_date(as_of, "as_of")
    check_id(currency, "currency")
    start = day if first_month is None else to_date(first_month, "first_month")
    subscriptions = uow[SUBSCRIPTIONS].list_all()
    groups = uow[SUBSCRIPTION_GROUPS].list_all()
    recurring = mrr(subscriptions, day).get(currency)
    return Report(
        company_id=check_type(uow.company_id, str, "uow.company_id"),
        as_of=day,
        currency=currency,
        symptom_resolutions=symptom_resolutions(uow[REPAIRS].list_all()),
        revenue=monthly_revenue(
            subscriptions, groups, first_month=start, last_month=day, currency=currency
        ),
        mrr=recurring,
        arr=arr(subscriptions, day).get(currency),
    )
