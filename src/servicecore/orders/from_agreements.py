"""Use cases joining agreements and orders: generation, templates, orders with an SLA.

* :func:`generate_orders_from_agreements` plans (``plan_service_orders``) and commits
  (``generate_service_orders``) in one unit of work, and records on each agreement line the
  latest date generated (``generated_through``), so a run without ``continuous`` starts after
  it and a run with ``continuous`` back-fills what is missing.
* :func:`make_agreement_template` refuses an agreement that has orders (A4).
* :func:`create_order_for_agreement` creates a manual order for an agreement: it takes the
  agreement's SLA, else its group's, and starts the order's SLA clocks (L1).
* :func:`change_order_stage` moves a stored order and drives its SLA clocks: entering a stage
  that ``stops_sla_clock`` pauses them, leaving it for one that does not restarts them; a
  breached clock under an SLA with ``breach_reason_required`` needs a reason (L4, L5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from attrs import evolve

from servicecore.agreements import (
    AGREEMENT_GROUPS,
    AGREEMENTS,
    TEMPLATE_GROUPS,
    Agreement,
    TransactionType,
    make_template,
    plan_service_orders_compact,
)
from servicecore.agreements.planned import date_of
from servicecore.calendars import BusinessCalendar
from servicecore.clock import Clock, read_clock, to_date
from servicecore.errors import BusinessRuleError, ServiceCoreError, ValidationError
from servicecore.events import DomainEvent
from servicecore.orders.generation import generate_service_orders
from servicecore.orders.model import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrder,
    ServiceOrderCreated,
    StageTree,
    add_line,
    change_stage,
    new_service_order,
)
from servicecore.ports import UnitOfWork, check_id, check_items, check_type
from servicecore.sla import (
    SLAS,
    ClockKind,
    ClockRules,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
)
from servicecore.sla_clocks import SLA_CLOCKS, SlaClockStarted, StoredSlaClock, sla_clock_id

__all__ = [
    "SLA_OPEN_STATUS",
    "SLA_STOPPED_STATUS",
    "change_order_stage",
    "create_order_for_agreement",
    "generate_orders_from_agreements",
    "make_agreement_template",
]

_T = TypeVar("_T")

SLA_OPEN_STATUS = "open"
"""The SLA clock status of an order in a stage that does not stop the clock."""

SLA_STOPPED_STATUS = "stage_stopped"
"""The SLA clock status of an order in a stage that ``stops_sla_clock`` (a pause)."""


def generate_orders_from_agreements(
    uow: UnitOfWork,
    start: object,
    end: object,
    *,
    tree: StageTree,
    clock: Clock,
    agreement_ids: Iterable[str] | None = None,
    transaction_types: Iterable[TransactionType] | None = None,
    calendar: BusinessCalendar | None = None,
    continuous: bool = False,
) -> tuple[ServiceOrder, ...]:
    """Generate the orders of the stored agreements (all, or ``agreement_ids``) over
    ``[start, end]`` and return the new ones; the caller commits.

    Idempotent by (agreement, line, calculated date): a date that already has a line
    (whatever its status) is never generated again, so reruns, overlapping ranges and
    concurrent runs (the later commit fails; rerun it) add only what is missing.
    """
    check_type(tree, StageTree, "tree")
    repo = uow[AGREEMENTS]
    if agreement_ids is None:
        agreements = sorted(repo.list_all(), key=lambda a: a.id)
    else:
        ids = check_items(agreement_ids, str, "agreement_ids", "a list of agreement ids")
        agreements = [repo.get(check_id(i, "agreement_ids")) for i in dict.fromkeys(ids)]
    compact = plan_service_orders_compact(
        agreements,
        start,
        end,
        transaction_types=transaction_types,
        calendar=calendar,
        continuous=continuous,
    )
    read_clock(clock)
    created = generate_service_orders(uow, compact.to_plan(), tree=tree, clock=clock)
    latest: dict[tuple[int, int], int] = {}  # (agreement, line) index -> last date planned
    for a, n, dates in compact.runs:
        if dates and dates[-1] > latest.get((a, n), -1):
            latest[(a, n)] = dates[-1]
    for a, n, calculated, _service, _flag in compact.placed:
        if calculated > latest.get((a, n), -1):
            latest[(a, n)] = calculated
    by_agreement: dict[int, dict[int, int]] = {}
    for (a, n), ordinal in latest.items():
        by_agreement.setdefault(a, {})[n] = ordinal
    planned = compact.agreements
    for a in sorted(by_agreement, key=lambda i: planned[i].id):
        agreement = planned[a]
        lines = list(agreement.lines)
        for n, ordinal in by_agreement[a].items():
            ln = lines[n]
            if ln.generated_through is None or ordinal > ln.generated_through.toordinal():
                lines[n] = evolve(ln, generated_through=date_of(ordinal))
        if any(new is not old for new, old in zip(lines, agreement.lines, strict=True)):
            repo.save(evolve(agreement, lines=tuple(lines)))
    return created


def make_agreement_template(
    uow: UnitOfWork, agreement_id: str, template_group_id: str, *, clock: Clock
) -> Agreement:
    """Make a stored agreement a template in an existing template group; refused when the
    agreement has service orders."""
    agreement = uow[AGREEMENTS].get(check_id(agreement_id, "agreement_id"))
    uow[TEMPLATE_GROUPS].get(check_id(template_group_id, "template_group_id"))
    count = len(uow[SERVICE_ORDERS].list_for_agreement(agreement.id))
    changed, events = make_template(
        agreement, template_group_id, order_count=count, at=read_clock(clock)
    )
    uow[AGREEMENTS].save(changed)
    uow.record(events)
    return changed


def _check_callable(value: object, field: str, allowed: str) -> None:
    if value is not None and not callable(value):
        raise ValidationError(
            f"{field}: expected a callable or None, got {type(value).__name__}",
            field=field,
            value=value,
            allowed=allowed,
        )


def _call(func: Callable[..., _T], field: str, *args: object) -> _T:
    """Call a host's callable; what it raises outside servicecore's errors is reported as a
    ValidationError naming ``field`` (the hooks facade turns plugin failures into
    PluginError, which passes as it is)."""
    try:
        return func(*args)
    except ServiceCoreError:
        raise
    except Exception as exc:
        raise ValidationError(
            f"{field}: failed with {type(exc).__name__}: {exc}",
            field=field,
            value=func,
            allowed="a callable that raises servicecore errors to refuse",
        ) from exc


def _sla_for(uow: UnitOfWork, agreement: Agreement) -> str | None:
    if agreement.sla_id is not None:
        return agreement.sla_id
    return uow[AGREEMENT_GROUPS].get(agreement.group_id).sla_id


def _stage_aware(s: ServiceLevelAgreement) -> ServiceLevelAgreement:
    """The SLA value with the stopped-stage status added to both clocks' pause statuses,
    unless a clock's rules already name it (as a pause, or as a fulfil status: a host may
    count a stage that stops the clock as the SLA met)."""

    def rules(r: ClockRules) -> ClockRules:
        if SLA_STOPPED_STATUS in r.pause_statuses or SLA_STOPPED_STATUS in r.fulfil_statuses:
            return r
        return ClockRules(
            pause_statuses=(*r.pause_statuses, SLA_STOPPED_STATUS),
            fulfil_statuses=r.fulfil_statuses,
        )

    return evolve(s, response=rules(s.response), resolution=rules(s.resolution))


def create_order_for_agreement(
    uow: UnitOfWork,
    agreement_id: str,
    *,
    order_id: str,
    tree: StageTree,
    clock: Clock,
    priority: str,
    lines: Iterable[OrderLine] = (),
    pricer: Callable[[ServiceOrder, OrderLine], OrderLine] | None = None,
) -> ServiceOrder:
    """Create a manual order for a stored agreement, dated today (the clock's date).

    Refused for a suspended, cancelled or template agreement and outside the agreement's
    validity (A3, A4, A6). The order takes the agreement's SLA, else its group's; with one,
    its response and resolution clocks start now at ``priority`` (L1); a stage that
    ``stops_sla_clock`` pauses them (see :func:`change_order_stage`). ``pricer`` (e.g.
    ``hooks.price_line``, the ``servicecore_price_line`` plugin hook) prices each line
    before it is added.
    """
    agreement = uow[AGREEMENTS].get(check_id(agreement_id, "agreement_id"))
    check_id(order_id, "order_id")
    check_type(tree, StageTree, "tree")
    check_id(priority, "priority")
    items = check_items(lines, OrderLine, "lines", "a list of OrderLine")
    _check_callable(pricer, "pricer", "None or a callable (order, line) -> line")
    now = read_clock(clock)
    today = to_date(now.date(), "at")
    if agreement.suspended or agreement.cancelled or agreement.is_template:
        state = (
            "suspended"
            if agreement.suspended
            else ("cancelled" if agreement.cancelled else "a template")
        )
        raise BusinessRuleError(
            f"agreement_id: agreement {agreement.id!r} is {state}: no order comes from it",
            rule="A3" if state != "a template" else "A4",
            entity="agreement",
            id=agreement.id,
        )
    if today < agreement.start or (agreement.end is not None and today > agreement.end):
        raise BusinessRuleError(
            f"agreement_id: {today} is outside agreement {agreement.id!r}'s validity "
            f"{agreement.start}..{agreement.end or 'open'}",
            rule="A6",
            entity="agreement",
            id=agreement.id,
        )
    sla_id = _sla_for(uow, agreement)
    order = new_service_order(
        company_id=uow.company_id,
        id=order_id,
        customer_id=agreement.customer_id,
        currency=agreement.currency,
        tree=tree,
        at=now,
        agreement_id=agreement.id,
        priority=priority,
        responsible_id=agreement.service_manager_id,
        preferred_technician_id=agreement.preferred_technician_id,
        sla_id=sla_id,
        project_id=agreement.project_id,
        source="agreement",
    )
    for line in items:
        if pricer is not None:
            line = _call(pricer, "pricer", order, line)
            check_type(line, OrderLine, "pricer", "a callable returning an OrderLine")
        order, _ = add_line(order, line, tree=tree, at=now)
    events: list[DomainEvent] = [
        ServiceOrderCreated(
            aggregate_id=order.id,
            company_id=order.company_id,
            occurred_at=now,
            customer_id=order.customer_id,
            agreement_id=order.agreement_id,
            source=order.source,
            line_ids=tuple(ln.id for ln in order.lines),
        )
    ]
    clocks: list[StoredSlaClock] = []
    if sla_id is not None:
        sla = _stage_aware(uow[SLAS].get(sla_id))
        status = SLA_STOPPED_STATUS if tree.stage(order.stage).stops_sla_clock else SLA_OPEN_STATUS
        for kind in (ClockKind.RESPONSE, ClockKind.RESOLUTION):
            value = SlaClock.start(
                sla,
                kind,
                subject_id=order.id,
                at=now,
                priority=priority,
                status=status,
            )
            clocks.append(
                StoredSlaClock(
                    company_id=uow.company_id, id=sla_clock_id(order.id, kind), clock=value
                )
            )
            events.append(
                SlaClockStarted(
                    aggregate_id=order.id,
                    company_id=uow.company_id,
                    occurred_at=now,
                    sla_id=sla_id,
                    kind=kind,
                    due_at=value.status_at(now).due_at,
                )
            )
    uow[SERVICE_ORDERS].add(order)
    for stored in clocks:
        uow[SLA_CLOCKS].add(stored)
    uow.record(events)
    return order


def change_order_stage(
    uow: UnitOfWork,
    order_id: str,
    to_stage: str,
    *,
    tree: StageTree,
    clock: Clock,
    reason: str | None = None,
    validator: Callable[[ServiceOrder, str, str | None], None] | None = None,
) -> ServiceOrder:
    """Move a stored order to ``to_stage`` (see :func:`change_stage`) and pause or restart
    its SLA clocks when the stage's ``stops_sla_clock`` flag changes. A breached clock whose
    SLA requires a breach reason refuses to pause without ``reason``; nothing is saved then.

    ``validator`` (e.g. ``hooks.validate_stage_change``, the ``servicecore_validate_stage_change``
    plugin hook) is called with the order, the target stage and the reason before anything
    is saved; it refuses by raising a servicecore error.
    """
    order = uow[SERVICE_ORDERS].get(check_id(order_id, "order_id"))
    now = read_clock(clock)
    _check_callable(validator, "validator", "None or a callable (order, to_stage, reason)")
    changed, events = change_stage(order, to_stage, tree=tree, at=now, reason=reason)
    if validator is not None:
        _call(validator, "validator", order, changed.stage, reason)
    before = tree.stage(order.stage).stops_sla_clock
    after = tree.stage(changed.stage).stops_sla_clock
    saved: list[tuple[StoredSlaClock, SlaClock]] = []
    produced: list[DomainEvent] = list(events)
    if before != after:
        status = SLA_STOPPED_STATUS if after else SLA_OPEN_STATUS
        for stored in uow[SLA_CLOCKS].list_for_subject(order.id):
            try:
                value, clock_events = stored.clock.record(StatusChange(now, status, reason=reason))
            except BusinessRuleError as e:
                raise BusinessRuleError(
                    f"reason: {e}",
                    rule="L5",
                    entity="service order",
                    id=order.id,
                ) from None
            except ValidationError:
                raise
            saved.append((stored, value))
            produced.extend(clock_events)
    uow[SERVICE_ORDERS].save(changed)
    for stored, value in saved:
        if value != stored.clock:
            uow[SLA_CLOCKS].save(evolve(stored, clock=value))
    uow.record(produced)
    return changed
