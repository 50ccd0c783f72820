"""The feature tour printed by ``servicecore tour``: one short section per area of the library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from attrs import evolve, frozen

from servicecore.bom import BOMS
from servicecore.clock import FixedClock
from servicecore.errors import ConcurrencyError, CurrencyMismatchError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money, allocate, split
from servicecore.ports import AggregateType, Repository
from servicecore.repairs import REPAIR_CODES
from servicecore.service_objects import OBJECT_RELATIONS, SERVICE_OBJECTS
from servicecore.storage.memory import InMemoryStore

__all__ = ["run_tour"]

Out = Callable[[str], None]


def _row(out: Out, label: str, result: str) -> None:
    """One aligned line of the tour: ``  label ... -> result``."""
    out(f"  {label:<30} -> {result}")


@frozen
class _Note:
    """A host's own aggregate, kept in servicecore's store under the same rules."""

    company_id: str
    id: str
    text: str
    version: int = 0


NOTES: AggregateType[_Note, Repository[_Note]] = AggregateType(
    kind="note", cls=_Note, repository=Repository
)


def _kernel(out: Out) -> None:
    out("== Money: exact, one currency at a time ==")
    fee = Money.of("100.00", "EUR")
    _row(out, f"split {fee} three ways", ", ".join(map(str, split(fee, 3))))
    _row(out, f"allocate {fee} 1:2:2", ", ".join(map(str, allocate(fee, [1, 2, 2]))))
    _row(out, "prorate 310.00 EUR, 29/31 days", str(Money.of("310.00", "EUR").scaled(29, 31)))
    try:
        fee + Money.of("5.00", "USD")
    except CurrencyMismatchError as exc:
        _row(out, f"{fee} + 5.00 USD", f"refused: {str(exc).split(':')[0]}")
    out("== Time: aware instants only ==")
    clock = FixedClock(dt.datetime(2024, 3, 28, 16, 0, tzinfo=dt.UTC))
    _row(out, "injected clock reads", clock.now().isoformat())
    try:
        FixedClock(dt.datetime(2024, 3, 28, 16, 0))
    except ValidationError as exc:
        _row(out, "a naive datetime", f"refused: {str(exc).split(';')[0]}")


def _storage(out: Out) -> None:
    out("== Storage: units of work, optimistic concurrency, company isolation ==")
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[NOTES].add(_Note("ACME", "N-1", "first"))
        uow.commit()
    first, second = store.unit_of_work("ACME"), store.unit_of_work("ACME")
    with first, second:
        mine = first[NOTES].get("N-1")
        theirs = second[NOTES].get("N-1")
        first[NOTES].save(evolve(mine, text="edited by first"))
        first.commit()
        second[NOTES].save(evolve(theirs, text="edited by second"))
        try:
            second.commit()
        except ConcurrencyError as exc:
            _row(out, "two writers, one note", f"second refused: {str(exc).split(':')[0]}")
    with store.unit_of_work("ACME") as uow:
        note = uow[NOTES].get("N-1")
        _row(out, "stored", f"{note.text!r} at version {note.version}")
    with store.unit_of_work("GLOBEX") as uow:
        seen = len(uow[NOTES].list_all())
        _row(out, "company GLOBEX sees", f"{seen} notes of ACME")


@frozen(kw_only=True)
class NoteEdited(DomainEvent):
    """A host's own event."""


def _events(out: Out) -> None:
    out("== Events: published to plugins only after a commit ==")
    published: list[str] = []
    store = InMemoryStore(publish=lambda events: published.extend(e.event_type for e in events))
    edited = NoteEdited(
        aggregate_id="N-1", company_id="ACME", occurred_at=dt.datetime(2024, 3, 28, tzinfo=dt.UTC)
    )
    with store.unit_of_work("ACME") as uow:
        uow.record([edited])  # left without commit: rolled back
    _row(out, "recorded, then rolled back", f"{len(published)} published")
    with store.unit_of_work("ACME") as uow:
        uow.record([edited])
        uow.commit()
    _row(out, "recorded, then committed", f"{len(published)} published: {published[0]}")


def _calendars_and_sla(out: Out) -> None:
    import pendulum

    from servicecore.calendars import BusinessCalendar
    from servicecore.sla import (
        ClockKind,
        ClockRules,
        ServiceLevelAgreement,
        SlaClock,
        StatusChange,
        Target,
    )

    out("== Business calendars and SLAs ==")
    zone = "Europe/Stockholm"
    office = BusinessCalendar.weekdays(
        zone,
        [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))],
        holidays=[dt.date(2024, 3, 29), dt.date(2024, 4, 1)],
    )
    thursday = pendulum.datetime(2024, 3, 28, 16, tz=zone)
    due = office.add_business_time(thursday, dt.timedelta(hours=2))
    out(f"  Thu before Easter 16:00 + 2 business h -> {due.isoformat()}")
    gold = ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=office,
        targets={"high": (Target.business_hours(4), Target.business_hours(16))},
        resolution=ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
    )
    saturday = pendulum.datetime(2024, 6, 8, 10, tz=zone)
    clock = SlaClock.start(
        gold, ClockKind.RESOLUTION, subject_id="SO-1", at=saturday, priority="high", status="new"
    )
    first_due = clock.status_at(saturday).due_at
    out(f"  order on Saturday, 16 business h       -> due {first_due}")
    clock, _events = clock.replay(
        [
            StatusChange(pendulum.datetime(2024, 6, 10, 15, tz=zone), "waiting"),
            StatusChange(pendulum.datetime(2024, 6, 11, 10, tz=zone), "in_progress"),
        ]
    )
    status = clock.status_at(pendulum.datetime(2024, 6, 12, 9, tz=zone))
    out(f"  after waiting Mon 15:00-Tue 10:00      -> due {status.due_at} (4 business h later)")
    out(f"  Wed 09:00: {status.state.value}, {status.compliance}% used")


def _subscriptions(out: Out) -> None:
    from servicecore.recurrence import Interval
    from servicecore.subscriptions import (
        WIP_ACCOUNT,
        Alignment,
        CancelMode,
        RevenuePolicy,
        SubscriptionGroup,
        activate,
        cancel,
        create_subscription,
        fee_revenue,
        generate_fees,
        mrr,
        plan_accruals,
        reduce_price,
    )

    out("== Subscriptions: exact, idempotent invoice schedules and revenue ==")
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    group = SubscriptionGroup(
        company_id="ACME",
        id="QUARTERLY",
        invoice_interval=Interval.quarters(1),
        accrue_revenue=True,
        accrual_interval=Interval.months(1),
    )
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-1",
        group=group,
        customer_id="CUST-1",
        price=Money.of("300.00", "EUR"),
        start=dt.date(2023, 1, 1),
        alignment=Alignment.calendar(),
        at=clock.now(),
    )
    sub, _ = activate(sub, at=clock.now())
    sub, _ = generate_fees(sub, dt.date(2023, 1, 1), dt.date(2023, 7, 1), at=clock.now())
    again, _ = generate_fees(sub, dt.date(2023, 1, 1), dt.date(2023, 7, 1), at=clock.now())
    fees = ", ".join(f"{f.start}..{f.last_day} {f.amount}" for f in sub.fees)
    _row(out, "fees for H1 2023", fees)
    _row(out, "the same run again", f"{len(again.fees) - len(sub.fees)} new fees")
    entries = fee_revenue(sub.fees[0], RevenuePolicy.of_group(group))
    _row(out, "Q1 revenue per month", ", ".join(str(e.amount) for e in entries))
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, dt.date(2023, 5, 16), at=clock.now())
    _row(out, "cancel on 2023-05-16", f"credit {gone.fees[-1].amount} for the unused days")
    _row(out, "MRR on 2023-02-01", str(mrr([sub], dt.date(2023, 2, 1))["EUR"]))
    lowered, _ = reduce_price(
        sub, sub.fees[0].id, Money.of("90.00", "EUR"), at=clock.now(), on=dt.date(2023, 2, 15)
    )
    reversal = fee_revenue(lowered.fees[-1], RevenuePolicy.of_group(group))
    _row(out, "Q1 lowered by 90.00", "revenue " + ", ".join(str(e.amount) for e in reversal))
    posted = plan_accruals(lowered, group, dt.date(2023, 2, 28))
    net = sum(e.amount.amount * (1 if e.debit_account == WIP_ACCOUNT else -1) for e in posted)
    _row(out, "accruals posted on 2023-02-28", f"{len(posted)} journal entries, net {net} EUR")


def _bom_and_repairs(out: Out) -> None:
    from decimal import Decimal

    from servicecore.bom import BomLine, UnitOfMeasure, create_bom, load_bom_index
    from servicecore.bom import activate_bom_version as activate
    from servicecore.bom import approve_bom_version as approve
    from servicecore.errors import BusinessRuleError
    from servicecore.repairs import RepairCodes, RepairStage, move_repair_stage, open_repair
    from servicecore.service_objects import (
        ObjectRelation,
        OwnerKind,
        ServiceObject,
        instantiate_service_bom,
        replace_service_part,
    )

    out("== BOM versions, service BOMs and repairs ==")
    pcs = UnitOfMeasure("pcs", 0)
    jan, jul = dt.date(2024, 1, 1), dt.date(2024, 7, 1)
    clock = FixedClock(dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC))
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        create_bom(
            uow, "PUMP", lines=[BomLine(10, "MOTOR", 1, pcs)], effective_from=jan, clock=clock
        )
        motor = [BomLine(10, "ROTOR", 1, pcs), BomLine(20, "SCREW", 4, pcs, Decimal(5))]
        create_bom(uow, "MOTOR", lines=motor, effective_from=jan, effective_to=jul, clock=clock)
        uow.commit()  # approval locks stored BOMs: store new ones first
        for item in ("PUMP", "MOTOR"):
            approve(uow, item, 1, clock=clock)
            activate(uow, item, 1, clock=clock)
        bom = uow[BOMS].get("MOTOR")
        bom, _ = bom.add_draft(
            lines=[BomLine(10, "ROTOR2", 1, pcs)], effective_from=jul, at=clock.now()
        )
        uow[BOMS].save(bom)
        approve(uow, "MOTOR", 2, clock=clock)
        activate(uow, "MOTOR", 2, clock=clock)
        index = load_bom_index(uow)
        for day in (dt.date(2024, 6, 30), jul):
            x = index.explode("PUMP", 10, day)
            parts = ", ".join(f"{c} {q}" for c, q in x.totals.items())
            out(f"  {f'10 pumps as of {day}':<28}-> MOTOR v{x.lines[0].version}: {parts}")
        cyclic, _ = bom.add_draft(
            lines=[BomLine(10, "PUMP", 1, pcs)], effective_from=jul, at=clock.now()
        )
        uow[BOMS].save(cyclic)
        try:
            approve(uow, "MOTOR", 3, clock=clock)
        except BusinessRuleError as exc:
            out(f"  {'MOTOR v3 using PUMP':<28}-> refused: {str(exc).split('would ')[1]}")
        uow[SERVICE_OBJECTS].add(
            ServiceObject(
                company_id="ACME",
                id="OBJ-1",
                item_id="PUMP",
                serial="SN-1",
                customer_id="C-1",
                built_on=dt.date(2024, 3, 1),
            )
        )
        uow[OBJECT_RELATIONS].add(
            ObjectRelation(
                company_id="ACME",
                id="REL-1",
                object_id="OBJ-1",
                owner_kind=OwnerKind.SERVICE_ORDER,
                owner_id="SO-1",
            )
        )
        uow[REPAIR_CODES].add(
            RepairCodes.of(
                "ACME",
                "STD",
                symptoms={"NOISE": ["RATTLE"]},
                resolutions=["REPLACE"],
                stages=[RepairStage("OPEN"), RepairStage("DONE", finished=True)],
            )
        )
        obj = instantiate_service_bom(uow, "OBJ-1", clock=clock)
        repair = open_repair(
            uow,
            repair_id="R-1",
            order_id="SO-1",
            relation_id="REL-1",
            code_set="STD",
            clock=clock,
            symptom_area="NOISE",
            symptom_code="RATTLE",
        )
        obj = replace_service_part(
            uow,
            "OBJ-1",
            "10.10",
            new_component="ROTOR2",
            on=dt.date(2024, 8, 1),
            clock=clock,
            order_id="SO-1",
        )
        clock.advance(dt.timedelta(hours=2))
        repair = move_repair_stage(uow, "R-1", "DONE", clock=clock)
        assert obj.service_bom is not None
        built = ", ".join(ln.component for ln in obj.service_bom.as_built)
        now = ", ".join(ln.component for ln in obj.service_bom.structure)
        out(f"  {'OBJ-1 as built (2024-03-01)':<28}-> {built}")
        out(f"  {'OBJ-1 as maintained':<28}-> {now}")
        out(
            f"  {'repair R-1 finished':<28}-> {repair.duration} after opening, "
            f"{len(repair.snapshot)} parts pinned"
        )
        uow.commit()


def _sla_credits(out: Out) -> None:
    from decimal import Decimal

    import pendulum

    from servicecore.calendars import BusinessCalendar
    from servicecore.sla import (
        ClockKind,
        ClockRules,
        ServiceCreditPolicy,
        ServiceLevelAgreement,
        SlaClock,
        StatusChange,
        Target,
    )
    from servicecore.subscriptions import (
        SubscriptionGroup,
        activate,
        add_service_credit,
        create_subscription,
        generate_fees,
        next_invoice_date,
    )

    out("== SLA service credits on the next invoice ==")
    zone = "Europe/Stockholm"
    clock = FixedClock(dt.datetime(2024, 6, 7, tzinfo=dt.UTC))
    office = BusinessCalendar.weekdays(
        zone, [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))]
    )
    gold = ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=office,
        targets={"high": (Target.business_hours(4), Target.business_hours(16))},
        resolution=ClockRules(fulfil_statuses=["done"]),
        credit_policy=ServiceCreditPolicy(percent=Decimal(10)),
    )
    sla_clock = SlaClock.start(
        gold,
        ClockKind.RESOLUTION,
        subject_id="SO-7",
        at=pendulum.datetime(2024, 6, 3, 9, tz=zone),
        priority="high",
        status="new",
    )
    sla_clock, _events = sla_clock.replay(
        [StatusChange(pendulum.datetime(2024, 6, 6, 10, tz=zone), "done")]
    )
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-7",
        group=SubscriptionGroup(company_id="ACME", id="MONTHLY"),
        customer_id="CUST-7",
        price=Money.of("499.00", "SEK"),
        start=dt.date(2024, 1, 1),
        at=clock.now(),
    )
    sub, _ = activate(sub, at=clock.now())
    credit = sla_clock.service_credit(clock.now(), base=sub.price)
    assert credit is not None
    on = next_invoice_date(sub, credit.breached_at.date())
    sub, _ = add_service_credit(sub, credit, on, at=clock.now())
    sub, _ = add_service_credit(sub, credit, on, at=clock.now())  # the same breach again
    sub, _ = generate_fees(sub, on, on.add(months=1), at=clock.now())
    _row(out, "SO-7, 16 business h to resolve", f"breached {credit.breached_at}")
    lines = ", ".join(f"{f.kind.value} {f.amount}" for f in sub.fees if f.invoice_date == on)
    _row(out, f"invoice {on}, 2 x credited", lines)


def run_tour(out: Out = print) -> None:
    """Print the tour through ``out``."""
    _kernel(out)
    _storage(out)
    _events(out)
    _calendars_and_sla(out)
    _subscriptions(out)
    _bom_and_repairs(out)
    _sla_credits(out)
