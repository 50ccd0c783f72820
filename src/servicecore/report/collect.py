"""Gather a :class:`Report` from a unit of work: only reads, through the repositories.

Each section comes from the aggregates that hold its facts: revenue, MRR and ARR from the
subscriptions (each group's own revenue policy), symptom -> resolution pairs from finished
repairs. A host runs it against its own storage as ``servicecore report`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pendulum

from servicecore.clock import to_date, to_instant
from servicecore.dispatch import BOOKINGS, WORKERS, Booking, BookingStatus, Worker
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.orders import SERVICE_ORDERS, ServiceOrder
from servicecore.ports import UnitOfWork, check_id, check_items, check_type
from servicecore.repairs import REPAIRS, Repair
from servicecore.report.model import (
    BreachReason,
    Report,
    RevenueMonth,
    SlaTier,
    StageCount,
    SymptomResolution,
    TimelineBar,
    Utilisation,
)
from servicecore.sla import ClockState
from servicecore.sla_clocks import SLA_CLOCKS, StoredSlaClock
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

__all__ = [
    "collect_report",
    "dispatch_timeline",
    "monthly_revenue",
    "orders_by_stage",
    "sla_compliance",
    "symptom_resolutions",
    "technician_utilisation",
    "timeline_week",
]

_WORKED = (BookingStatus.DISPATCHED, BookingStatus.IN_PROGRESS, BookingStatus.DONE)
"""Booking statuses whose slot counts as booked time (not undispatched, not cancelled)."""


def _hours(seconds: float) -> Decimal:
    return (Decimal(round(seconds)) / 3600).quantize(Decimal("0.01"))


def technician_utilisation(
    workers: Iterable[Worker], bookings: Iterable[Booking], start: object, end: object
) -> tuple[Utilisation, ...]:
    """Per worker, in id order: the working time (in the worker's calendar) of their
    dispatched, started and done bookings within ``[start, end)``, against the calendar's
    working time in that span; hours to two decimals."""
    first = to_instant(start, "start")
    last = to_instant(end, "end")
    if last < first:
        raise ValidationError(
            f"end: {last} is before start {first}; a span ends at or after its start",
            field="end",
            value=last,
        )
    booked: dict[str, float] = {}
    kept = check_items(workers, Worker, "workers")
    calendars = {w.id: w.calendar for w in kept}
    for bk in check_items(bookings, Booking, "bookings"):
        if bk.status not in _WORKED or bk.worker_id not in calendars:
            continue
        if bk.start is None or bk.end is None:
            continue
        lo, hi = max(bk.start, first), min(bk.end, last)
        if lo < hi:
            spent = calendars[bk.worker_id].business_time_between(lo, hi).total_seconds()
            booked[bk.worker_id] = booked.get(bk.worker_id, 0.0) + spent
    return tuple(
        Utilisation(
            w.id,
            _hours(booked.get(w.id, 0.0)),
            _hours(w.calendar.business_time_between(first, last).total_seconds()),
        )
        for w in sorted(kept, key=lambda w: w.id)
    )


def timeline_week(as_of: object) -> pendulum.Date:
    """Monday of the last whole week (Monday to Sunday) ending on or before ``as_of``."""
    day = to_date(as_of, "as_of")
    monday = day.subtract(days=day.weekday())
    return monday if day.weekday() == 6 else monday.subtract(days=7)


def dispatch_timeline(bookings: Iterable[Booking], week: object) -> tuple[TimelineBar, ...]:
    """The dispatch board of the week from Monday ``week`` (UTC days): each dispatched,
    started or done booking with a worker and a slot overlapping it, by technician and
    start, labelled ``order/line``."""
    monday = to_date(week, "week")
    lo = pendulum.datetime(monday.year, monday.month, monday.day, tz="UTC")
    hi = lo.add(days=7)
    bars = [
        TimelineBar(bk.worker_id, bk.start, bk.end, f"{bk.order_id}/{bk.line_id}")
        for bk in check_items(bookings, Booking, "bookings")
        if bk.status in _WORKED
        and bk.worker_id is not None
        and bk.start is not None
        and bk.end is not None
        and bk.start < hi
        and bk.end > lo
    ]
    return tuple(sorted(bars, key=lambda b: (b.technician, b.start, b.label)))


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


def orders_by_stage(
    orders: Iterable[ServiceOrder], stages: Sequence[str] = ()
) -> tuple[StageCount, ...]:
    """How many orders stand in each stage: the ``stages`` given first in their order
    (with zero counts), then any other stage in name order."""
    counts = Counter(o.stage for o in check_items(orders, ServiceOrder, "orders"))
    named = list(check_items(stages, str, "stages", "stage ids"))
    rest = sorted(set(counts) - set(named))
    return tuple(StageCount(s, counts.get(s, 0)) for s in (*named, *rest))


def _breach_reason(stored: StoredSlaClock, order: ServiceOrder | None) -> str:
    clock = stored.clock
    if stored.running:
        return "still open"
    stops = set(clock.sla.rules(clock.kind).fulfil_statuses)
    for change in order.stage_log if order is not None else ():
        if change.to_stage in stops and change.at >= clock.started_at:
            return change.reason or "no reason given"
    return "no reason given"


def sla_compliance(
    clocks: Iterable[StoredSlaClock], orders: Iterable[ServiceOrder], at: object
) -> tuple[SlaTier, ...]:
    """Per SLA (tier), in id order: the clocks met and breached as of ``at`` (running
    clocks not yet breached are not counted), and the reasons given for the breaches:
    the reason of the order's stage change that stopped the clock (the stage ids being
    the clocks' statuses), ``still open`` for a breached clock still running."""
    when = to_instant(at, "at")
    by_id = {o.id: o for o in check_items(orders, ServiceOrder, "orders")}
    met: Counter[str] = Counter()
    breached: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    for stored in check_items(clocks, StoredSlaClock, "clocks"):
        if when < stored.clock.started_at:
            continue
        tier = stored.clock.sla.id
        state = stored.clock.status_at(when).state
        reasons.setdefault(tier, Counter())
        if state is ClockState.MET:
            met[tier] += 1
        elif state is ClockState.BREACHED:
            breached[tier] += 1
            reasons[tier][_breach_reason(stored, by_id.get(stored.subject_id))] += 1
    return tuple(
        SlaTier(
            tier,
            met[tier],
            breached[tier],
            tuple(BreachReason(r, n) for r, n in sorted(reasons[tier].items(), key=_rank)),
        )
        for tier in sorted(reasons)
    )


def _rank(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def collect_report(
    uow: UnitOfWork,
    *,
    as_of: object,
    currency: str,
    first_month: object | None = None,
    stages: Sequence[str] = (),
) -> Report:
    """The report of ``uow``'s company as of the end of the day ``as_of`` (UTC; revenue
    from ``first_month``, by default the month of ``as_of``; orders by stage with
    ``stages`` first, see :func:`orders_by_stage`)."""
    day = to_date(as_of, "as_of")
    check_id(currency, "currency")
    start = day if first_month is None else to_date(first_month, "first_month")
    subscriptions = uow[SUBSCRIPTIONS].list_all()
    groups = uow[SUBSCRIPTION_GROUPS].list_all()
    recurring = mrr(subscriptions, day).get(currency)
    orders = uow[SERVICE_ORDERS].list_all()
    end_of_day = pendulum.datetime(day.year, day.month, day.day, tz="UTC").add(days=1)
    span_start = pendulum.datetime(start.year, start.month, 1, tz="UTC")
    bookings = uow[BOOKINGS].list_all()
    week = timeline_week(day)
    return Report(
        company_id=check_type(uow.company_id, str, "uow.company_id"),
        as_of=day,
        currency=currency,
        orders_by_stage=orders_by_stage(orders, stages),
        sla_tiers=sla_compliance(uow[SLA_CLOCKS].list_all(), orders, end_of_day),
        utilisation=technician_utilisation(
            uow[WORKERS].list_all(), bookings, span_start, end_of_day
        ),
        timeline=dispatch_timeline(bookings, week),
        timeline_week=week,
        symptom_resolutions=symptom_resolutions(uow[REPAIRS].list_all()),
        revenue=monthly_revenue(
            subscriptions, groups, first_month=start, last_month=day, currency=currency
        ),
        mrr=recurring,
        arr=arr(subscriptions, day).get(currency),
    )
