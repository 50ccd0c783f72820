"""The table of public entry points the bad-input sweep calls, and what it leaves out.

``ENTRIES`` gives, per entry point, a fresh valid call; the sweep corrupts one argument at a
time. ``EXCLUDED`` names the public names that are no entry point worth corrupting, each with
the reason. ``tests/properties/test_bad_input.py`` fails when a name of a module's
``__all__`` (or a public method of a listed class) is in neither.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from servicecore import (
    bom,
    calendars,
    clock,
    events,
    lifecycle,
    money,
    plugins,
    ports,
    recurrence,
    repairs,
    serialization,
    service_objects,
    sla,
    subscriptions,
)
from servicecore.money import Money
from servicecore.storage import memory

from . import valid as v
from .engine import Entry, Prepared, _bom_change, call, fields_call, method, use_case

MODULES = (
    money,
    clock,
    events,
    lifecycle,
    ports,
    calendars,
    recurrence,
    sla,
    bom,
    service_objects,
    repairs,
    serialization,
    subscriptions,
    memory,
    plugins,
)

_P = "servicecore."
_HELPER = ("kind", "field", "allowed", "minimum", "maximum")
"""Arguments of the validation helpers that the library's own code supplies: only the
value under check comes from a caller."""
EXCLUDED: dict[str, str] = {
    "servicecore.bom.Explosion": "built only by BomIndex.explode from the index's private "
    "compiled interval; callers never construct it (its results are swept through explode)",
    "servicecore.bom.ExplosionRow": "a tuple type alias for Explosion.rows: no behaviour",
    "servicecore.subscriptions.WIP_ACCOUNT": "a constant",
    "servicecore.subscriptions.ACCRUED_REVENUE_ACCOUNT": "a constant",
    # names that are no callable entry point
    "servicecore.money.Ratio": "a type alias",
    "servicecore.money.Rounding": "an Enum: no behaviour of its own",
    "servicecore.clock.Clock": "a Protocol (FixedClock, SteppingClock, SystemClock are covered)",
    "servicecore.clock.SystemClock": "no arguments at all",
    "servicecore.ports.Aggregate": "a Protocol",
    "servicecore.ports.Repository": "the base of typed repositories: each method forwards to "
    "the records port (InMemoryRecords is covered; typed finders are swept from the registry)",
    "servicecore.ports.Records": "a Protocol (InMemoryRecords is covered)",
    "servicecore.ports.UnitOfWork": "a Protocol (InMemoryUnitOfWork is covered)",
    "servicecore.ports.UnitOfWorkFactory": "a type alias",
    "servicecore.ports.TypedAccess": "a mixin over records(); uow[...] with a non-type is "
    "pinned by tests/unit/test_memory_store.py",
    "servicecore.plugins.Hooks.aggregate_types": "takes no arguments",
    "servicecore.sla.SLAS": "a constant AggregateType",
    "servicecore.subscriptions.SUBSCRIPTIONS": "a constant AggregateType",
    "servicecore.subscriptions.SUBSCRIPTION_GROUPS": "a constant AggregateType",
    "servicecore.bom.ITEMS": "a constant AggregateType",
    "servicecore.bom.BOMS": "a constant AggregateType",
    "servicecore.service_objects.SERVICE_OBJECTS": "a constant AggregateType",
    "servicecore.service_objects.OBJECT_RELATIONS": "a constant AggregateType",
    "servicecore.repairs.REPAIRS": "a constant AggregateType",
    "servicecore.repairs.REPAIR_CODES": "a constant AggregateType",
    "servicecore.calendars.ALWAYS_OPEN": "a constant",
    "servicecore.recurrence.Unit": "an Enum",
    "servicecore.sla.ClockKind": "an Enum",
    "servicecore.sla.ClockState": "an Enum",
    "servicecore.sla.TargetUnit": "an Enum",
    "servicecore.bom.BOM_LIFECYCLE": "a constant Lifecycle (Lifecycle is covered)",
    "servicecore.bom.BomStatus": "an Enum",
    "servicecore.bom.BomIndex.unit_explosion": "takes the index's own compiled nodes, "
    "which no caller can build (an internal hook kept public for the benchmarks)",
    "servicecore.bom.naive_explode": "the unindexed reference explosion, an oracle for the "
    "tests and the benchmark baseline: trusted input only (BomIndex.explode is covered)",
    "servicecore.service_objects.OwnerKind": "an Enum",
    "servicecore.service_objects.ServiceBomAction": "an Enum",
    "servicecore.serialization.converter": "the cattrs converter object (structure and "
    "unstructure are covered)",
    "servicecore.subscriptions.AlignmentKind": "an Enum",
    "servicecore.subscriptions.Billing": "an Enum",
    "servicecore.subscriptions.CancelMode": "an Enum",
    "servicecore.subscriptions.CreditReversal": "an Enum",
    "servicecore.subscriptions.FeeKind": "an Enum",
    "servicecore.subscriptions.IndexMethod": "an Enum",
    "servicecore.subscriptions.Proration": "an Enum",
    "servicecore.subscriptions.RemainderPlacement": "an Enum",
    "servicecore.subscriptions.SubscriptionStatus": "an Enum",
    "servicecore.subscriptions.ServiceCreditLike": "a Protocol (InvoiceCredit is covered)",
    "servicecore.subscriptions.ScheduleArrays": "columnar int arrays built by "
    "bulk_schedules for speed; not validated by design (bulk_schedules is covered)",
    "servicecore.subscriptions.round_half_up": "integer kernel of the fast path (ints in, "
    "int out) used by bulk_schedules; not a validated entry point",
    "servicecore.subscriptions.split_minor": "integer kernel of the fast path; see round_half_up",
    "servicecore.storage.memory.Publisher": "a type alias",
    "servicecore.clock.MIN_INSTANT": "a constant",
    "servicecore.calendars.MAX_BUSINESS_DAYS": "a constant",
    "servicecore.calendars.MAX_SPAN": "a constant",
    "servicecore.clock.MAX_INSTANT": "a constant",
    "servicecore.money.MAX_AMOUNT_DIGITS": "a constant",
    "servicecore.money.MAX_DECIMALS": "a constant",
    "servicecore.bom.MAX_EXPLOSION_LINES": "a constant",
    "servicecore.plugins.DISABLE_ENV": "a constant",
    "servicecore.plugins.ENTRY_POINT_GROUP": "a constant",
    "servicecore.plugins.hookimpl": "pluggy's decorator marker, applied by plugin authors",
    "servicecore.plugins.hookspec": "pluggy's decorator marker for hook specifications",
    "servicecore.plugins.default_hooks": "takes no arguments",
    "servicecore.storage.memory.InMemoryStore.publish": "forwards events to the host's "
    "publisher; the events were validated when recorded",
}


def _entries() -> list[Entry]:
    out: list[Entry] = []

    def add(key: str, build: object) -> None:
        out.append(Entry(_P + key, build))  # type: ignore[arg-type]

    # -- money ------------------------------------------------------------------------------
    M = money.Money
    add("money.Currency", lambda: call(money.Currency, code="EUR", minor_units=2))
    add("money.Currency.of", lambda: call(money.Currency.of, code="EUR"))
    add("money.Money", lambda: call(M, amount=Decimal("1.00"), currency=v.EUR.currency))
    add("money.Money.of", lambda: call(M.of, amount="12.30", currency="EUR"))
    add("money.Money.from_minor", lambda: call(M.from_minor, units=1230, currency="EUR"))
    add("money.Money.zero", lambda: call(M.zero, currency="EUR"))
    add("money.Money.sum", lambda: call(M.sum, items=[v.EUR, v.EUR], currency="EUR"))
    add("money.Money.rounded", lambda: method(M.of("1.005", "EUR"), "rounded"))
    add("money.Money.scaled", lambda: method(v.EUR, "scaled", numerator=29, denominator=31))
    for name in ("is_negative", "is_positive", "is_zero"):
        add(f"money.Money.{name}", lambda name=name: method(v.EUR, name))
    add("money.allocate", lambda: call(money.allocate, money=v.EUR, ratios=[1, 2, 2]))
    add("money.split", lambda: call(money.split, money=v.EUR, parts=3))
    add(
        "money.register_currency",
        lambda: call(money.register_currency, code="EUR", minor_units=2),
    )

    # -- clock ------------------------------------------------------------------------------
    add("clock.FixedClock", lambda: call(clock.FixedClock, at=v.AT))
    add("clock.FixedClock.advance", lambda: method(v.clock(), "advance", delta=dt.timedelta(1)))
    add("clock.FixedClock.set", lambda: method(v.clock(), "set", at=v.AT.add(days=1)))
    add("clock.FixedClock.now", lambda: method(v.clock(), "now"))
    add("clock.SteppingClock", lambda: call(clock.SteppingClock, start=v.AT))
    add("clock.SteppingClock.now", lambda: call(clock.SteppingClock(v.AT).now))
    add("clock.to_date", lambda: call(clock.to_date, value=v.DAY, param="day"))
    add("clock.to_duration", lambda: call(clock.to_duration, value=dt.timedelta(1)))
    add("clock.to_instant", lambda: call(clock.to_instant, value=v.AT, param="at"))
    add("clock.to_timezone", lambda: call(clock.to_timezone, value=v.ZONE))

    # -- events, lifecycle, ports -------------------------------------------------------------
    add("events.DomainEvent", lambda: fields_call(events.DomainEvent))
    L = lifecycle.Lifecycle
    bl = bom.BOM_LIFECYCLE
    S = bom.BomStatus
    add(
        "lifecycle.Lifecycle.define",
        lambda: call(
            L.define,
            entity="bom version",
            states=S,
            initial=S.DRAFT,
            transitions=[
                (S.DRAFT, "approve", S.APPROVED),
                (S.APPROVED, "activate", S.ACTIVE),
                (S.ACTIVE, "archive", S.ARCHIVED),
            ],
            final=[S.ARCHIVED],
        ),
    )
    add(
        "lifecycle.Lifecycle",
        lambda: call(
            L, entity=bl.entity, states=S, initial=bl.initial, final=bl.final, table=bl.table
        ),
    )
    add("lifecycle.Lifecycle.actions", lambda: method(bl, "actions", state=S.DRAFT))
    add("lifecycle.Lifecycle.can", lambda: method(bl, "can", state=S.DRAFT, action="approve"))
    add("lifecycle.Lifecycle.is_final", lambda: method(bl, "is_final", state=S.DRAFT))
    add(
        "lifecycle.Lifecycle.apply",
        lambda: method(bl, "apply", state=S.DRAFT, action="approve", id="PUMP"),
    )
    add("ports.check_id", lambda: call(ports.check_id, value="SO-1", field="id"))
    add(
        "ports.check_int",
        lambda: call(ports.check_int, _HELPER, value=3, field="parts", minimum=1, maximum=10),
    )
    add(
        "ports.check_items",
        lambda: call(ports.check_items, _HELPER, value=[1, 2], kind=int, field="p"),
    )
    add(
        "ports.check_iterable",
        lambda: call(ports.check_iterable, _HELPER, value=[1], field="p", allowed="a list"),
    )
    add("ports.check_type", lambda: call(ports.check_type, _HELPER, value=1, kind=int, field="p"))
    add("clock.read_clock", lambda: call(clock.read_clock, clock=v.clock(), param="clock"))

    # -- calendars --------------------------------------------------------------------------
    BC = calendars.BusinessCalendar
    add(
        "calendars.BusinessCalendar",
        lambda: call(
            BC,
            timezone=v.ZONE,
            weekly={0: [(dt.time(8), dt.time(17))]},
            holidays=[dt.date(2024, 3, 29)],
            closures=[],
            openings=[],
            name="office",
        ),
    )
    add(
        "calendars.BusinessCalendar.weekdays",
        lambda: call(
            BC.weekdays, timezone=v.ZONE, intervals=[(dt.time(8), dt.time(17))], days=[0, 1]
        ),
    )
    cal_calls = {
        "add_business_days": {"start": v.AT, "n": 3},
        "add_business_time": {"start": v.AT, "duration": dt.timedelta(hours=5)},
        "business_time_between": {"start": v.AT, "end": v.AT.add(days=3)},
        "is_open": {"at": v.AT},
        "next_open": {"at": v.AT},
        "open_intervals": {"start": v.AT, "end": v.AT.add(days=3)},
    }
    for name, kw in cal_calls.items():
        add(f"calendars.BusinessCalendar.{name}", lambda n=name, k=kw: method(v.calendar(), n, **k))
    add("calendars.HolidayRules", lambda: call(calendars.HolidayRules, country="SE"))
    add(
        "calendars.HolidayRules.dates",
        lambda: method(calendars.HolidayRules("SE"), "dates", year=2024),
    )
    add("calendars.always_open", lambda: call(calendars.always_open, timezone="UTC"))

    # -- recurrence ---------------------------------------------------------------------------
    R = recurrence
    add("recurrence.Interval", lambda: call(R.Interval, unit=R.Unit.MONTH, count=1))
    for name in ("days", "weeks", "months", "quarters", "years"):
        add(f"recurrence.Interval.{name}", lambda n=name: call(getattr(R.Interval, n), n=2))
    add(
        "recurrence.Interval.divides",
        lambda: method(R.Interval.months(1), "divides", other=R.Interval.quarters(1)),
    )
    add("recurrence.Period", lambda: call(R.Period, start=v.DAY, end=v.LATER))
    add("recurrence.Period.contains", lambda: method(v.period(), "contains", day=v.DAY))
    add(
        "recurrence.Period.from_ordinals",
        lambda: call(R.Period.from_ordinals, start=738_886, end=738_894),
    )
    add(
        "recurrence.Period.inclusive",
        lambda: call(R.Period.inclusive, first_day=v.DAY, last_day=v.LATER),
    )
    for name in ("intersection", "overlaps"):
        add(
            f"recurrence.Period.{name}",
            lambda n=name: method(v.period(), n, other=R.Period(v.DAY, v.LATER)),
        )
    add(
        "recurrence.Recurrence",
        lambda: call(R.Recurrence, interval=R.Interval.months(1), anchor=v.DAY),
    )
    add(
        "recurrence.Recurrence.anniversary",
        lambda: call(R.Recurrence.anniversary, interval=R.Interval.months(1), start=v.DAY),
    )
    add(
        "recurrence.Recurrence.billing_day",
        lambda: call(R.Recurrence.billing_day, interval=R.Interval.months(1), day=15),
    )
    add(
        "recurrence.Recurrence.calendar",
        lambda: call(R.Recurrence.calendar, interval=R.Interval.months(1)),
    )
    ordinal = v.DAY.toordinal()
    rec_calls = {
        "boundaries_ordinal": {"lo": ordinal, "hi": ordinal + 90},
        "first_on_or_after": {"day": v.LATER},
        "index_on_or_before": {"day": v.LATER},
        "index_on_or_before_ordinal": {"ordinal": ordinal + 40},
        "occurrence": {"k": 3},
        "occurrence_ordinal": {"k": 3},
        "occurrences": {"start": v.DAY, "end": v.LATER},
        "period_containing": {"day": v.LATER},
        "periods": {"start": v.DAY, "end": v.LATER},
    }
    for name, kw in rec_calls.items():
        add(f"recurrence.Recurrence.{name}", lambda n=name, k=kw: method(v.recurrence(), n, **k))
    add("recurrence.date_from_ordinal", lambda: call(R.date_from_ordinal, ordinal=ordinal))
    add("recurrence.days_in_month", lambda: call(R.days_in_month, year=2024, month=2))
    add("recurrence.month_end_ordinal", lambda: call(R.month_end_ordinal, year=2024, month=2))

    # -- sla ------------------------------------------------------------------------------------
    add(
        "sla.ClockRules",
        lambda: call(sla.ClockRules, pause_statuses=["waiting"], fulfil_statuses=["done"]),
    )
    add("sla.PriorityChange", lambda: call(sla.PriorityChange, at=v.AT, priority="high"))
    add(
        "sla.PriorityTargets",
        lambda: call(
            sla.PriorityTargets,
            priority="high",
            response=sla.Target.business_hours(4),
            resolution=sla.Target.business_hours(16),
        ),
    )
    add("sla.Segment", lambda: fields_call(sla.Segment))
    add(
        "sla.ServiceCredit",
        lambda: call(
            sla.ServiceCredit,
            company_id="ACME",
            subject_id="SO-1",
            sla_id="GOLD",
            kind=sla.ClockKind.RESOLUTION,
            breached_at=v.AT,
            amount=v.EUR,
        ),
    )
    add("sla.ServiceCreditPolicy", lambda: call(sla.ServiceCreditPolicy, percent=Decimal(10)))
    add(
        "sla.ServiceCreditPolicy.amount",
        lambda: method(sla.ServiceCreditPolicy(percent=Decimal(10)), "amount", base=v.EUR),
    )
    add(
        "sla.ServiceLevelAgreement",
        lambda: call(
            sla.ServiceLevelAgreement,
            company_id="ACME",
            id="GOLD",
            name="Gold",
            calendar=v.calendar(),
            targets={"high": (sla.Target.business_hours(4), sla.Target.business_hours(16))},
            response=sla.ClockRules(),
            resolution=sla.ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
            cancel_statuses=["cancelled"],
            warning_thresholds=[Decimal(75)],
            breach_reason_required=False,
            suspended=False,
            credit_policy=sla.ServiceCreditPolicy(percent=Decimal(10)),
            version=0,
        ),
    )
    add(
        "sla.ServiceLevelAgreement.rules",
        lambda: method(v.sla(), "rules", kind=sla.ClockKind.RESOLUTION),
    )
    add(
        "sla.ServiceLevelAgreement.target",
        lambda: method(v.sla(), "target", priority="high", kind=sla.ClockKind.RESOLUTION),
    )
    for ev in ("SlaBreached", "SlaCancelled", "SlaFulfilled", "SlaResumed", "SlaSuspended"):
        add(f"sla.{ev}", lambda e=ev: fields_call(getattr(sla, e)))
    add("sla.SlaWarningReached", lambda: fields_call(sla.SlaWarningReached))
    add(
        "sla.SlaClock",
        lambda: call(
            sla.SlaClock,
            sla=v.sla(),
            kind=sla.ClockKind.RESOLUTION,
            subject_id="SO-1",
            started_at=v.AT,
            segments=v.sla_clock().segments,
            since=v.AT,
            status="new",
            priority="high",
        ),
    )
    add(
        "sla.SlaClock.start",
        lambda: call(
            sla.SlaClock.start,
            sla=v.sla(),
            kind=sla.ClockKind.RESOLUTION,
            subject_id="SO-1",
            at=v.AT,
            priority="high",
            status="new",
        ),
    )
    later = v.AT.add(days=2)
    add("sla.SlaClock.advance", lambda: method(v.sla_clock(), "advance", at=later))
    add(
        "sla.SlaClock.record",
        lambda: method(v.sla_clock(), "record", change=sla.StatusChange(later, "done")),
    )
    add(
        "sla.SlaClock.replay",
        lambda: method(
            v.sla_clock(),
            "replay",
            changes=[sla.StatusChange(later, "new"), sla.PriorityChange(later, "high")],
        ),
    )
    add(
        "sla.SlaClock.service_credit",
        lambda: method(v.sla_clock(), "service_credit", at=v.AT.add(days=30), base=v.EUR),
    )
    add("sla.SlaClock.status_at", lambda: method(v.sla_clock(), "status_at", at=later))
    add(
        "sla.SlaSelectionContext",
        lambda: call(
            sla.SlaSelectionContext,
            company_id="ACME",
            order_id="SO-1",
            priority="high",
            agreement_id="AG-1",
            agreement_sla_id="GOLD",
            agreement_group_sla_id="SILVER",
            created_manually=True,
        ),
    )
    add("sla.SlaStatus", lambda: fields_call(sla.SlaStatus))
    add("sla.StatusChange", lambda: call(sla.StatusChange, at=v.AT, status="new", reason="r"))
    add("sla.Target", lambda: call(sla.Target, amount=4, unit=sla.TargetUnit.BUSINESS_HOURS))
    add(
        "sla.Target.allowance",
        lambda: method(sla.Target.business_days(2), "allowance", calendar=v.calendar(), start=v.AT),
    )
    add("sla.Target.business_days", lambda: call(sla.Target.business_days, amount=2))
    for name in ("business_hours", "calendar_days", "calendar_hours"):
        add(f"sla.Target.{name}", lambda n=name: call(getattr(sla.Target, n), amount="1.5"))
    add(
        "sla.Target.measured_on",
        lambda: method(sla.Target.business_hours(2), "measured_on", calendar=v.calendar()),
    )
    ctx = sla.SlaSelectionContext(company_id="ACME", order_id="SO-1", agreement_sla_id="GOLD")
    add(
        "sla.applicable_sla_ids",
        lambda: call(sla.applicable_sla_ids, context=ctx, chooser=lambda c: "GOLD"),
    )
    add("sla.suspend_sla", lambda: call(sla.suspend_sla, sla=v.sla(), at=v.AT))
    add(
        "sla.resume_sla",
        lambda: call(sla.resume_sla, sla=sla.suspend_sla(v.sla(), v.AT)[0], at=v.AT),
    )
    add("sla.select_sla", lambda: use_case(sla.select_sla, context=ctx, chooser=None))
    add(
        "sla.suspend_stored_sla",
        lambda: use_case(sla.suspend_stored_sla, sla_id="GOLD", clock=v.clock()),
    )
    add(
        "sla.resume_stored_sla",
        lambda: use_case(sla.resume_stored_sla, sla_id="GOLD", clock=v.clock()),
    )

    # -- bom ------------------------------------------------------------------------------------
    B = bom.Bom
    add("bom.Bom", lambda: call(B, company_id="ACME", id="PUMP", versions=[v.bom_version()]))
    add(
        "bom.Bom.create",
        lambda: call(
            B.create,
            company_id="ACME",
            item_id="PUMP",
            lines=v.lines(),
            effective_from=v.DAY,
            effective_to=v.LATER,
            at=v.AT,
        ),
    )
    add("bom.Bom.activate", lambda: method(v.approved_bom(), "activate", number=1, at=v.AT))
    add(
        "bom.Bom.add_draft",
        lambda: method(
            v.active_bom(),
            "add_draft",
            lines=v.lines(),
            effective_from=v.LATER,
            effective_to=None,
            at=v.AT,
        ),
    )
    add(
        "bom.Bom.approve",
        lambda: method(
            v.draft_bom(), "approve", number=1, catalog=[v.motor_bom()], at=v.AT, items=None
        ),
    )
    add(
        "bom.Bom.archive",
        lambda: method(v.active_bom(), "archive", number=1, at=v.AT),
    )
    add(
        "bom.Bom.close",
        lambda: method(v.active_bom(), "close", number=1, effective_to=v.LATER, at=v.AT),
    )
    add(
        "bom.Bom.edit_draft",
        lambda: method(
            v.draft_bom(),
            "edit_draft",
            number=1,
            lines=v.lines(),
            effective_from=v.DAY,
            effective_to=v.LATER,
            clear_effective_to=False,
        ),
    )
    add("bom.Bom.effective_version", lambda: method(v.active_bom(), "effective_version", on=v.DAY))
    add("bom.Bom.get_version", lambda: method(v.active_bom(), "get_version", number=1))
    add(
        "bom.Bom.revise",
        lambda: method(
            v.active_bom(), "revise", number=1, at=v.AT, effective_from=v.LATER, effective_to=None
        ),
    )
    add(
        "bom.BomDiff",
        lambda: call(bom.BomDiff, added=tuple(v.lines()), removed=(), changed=()),
    )
    add("bom.BomIndex", lambda: call(bom.BomIndex, boms=[v.active_bom(), v.motor_bom()]))
    add("bom.BomIndex.build", lambda: call(bom.BomIndex.build, boms=[v.active_bom()]))
    add(
        "bom.BomIndex.effective_version",
        lambda: method(v.index(), "effective_version", item="PUMP", on=v.DAY),
    )
    add(
        "bom.BomIndex.explode",
        lambda: method(v.index(), "explode", item="PUMP", quantity=10, as_of=v.DAY),
    )
    add(  # deep chains and shared sub-assemblies: well under a second each, no RecursionError
        "bom.BomIndex.explode",
        lambda: method(v.deep_chain_index(), "explode", item="C0", quantity=10, as_of=v.DAY),
    )
    add(
        "bom.BomIndex.explode",
        lambda: method(v.diamond_index(), "explode", item="D0", quantity=10, as_of=v.DAY),
    )
    add(
        "bom.BomIndex.where_used",
        lambda: method(v.index(), "where_used", component="ROTOR", as_of=v.DAY, multi_level=True),
    )
    add(
        "bom.BomLine",
        lambda: call(
            bom.BomLine,
            position=10,
            component="MOTOR",
            quantity=Decimal(1),
            unit=v.PCS,
            scrap_pct=Decimal(5),
            phantom=False,
            pin=None,
        ),
    )
    add(
        "bom.BomVersion",
        lambda: call(
            bom.BomVersion,
            number=1,
            status=bom.BomStatus.DRAFT,
            effective_from=v.DAY,
            effective_to=v.LATER,
            lines=v.lines(),
            revised_from=None,
        ),
    )
    add(
        "bom.BomVersion.describe_effectivity",
        lambda: method(v.bom_version(), "describe_effectivity"),
    )
    add("bom.BomVersion.effective_on", lambda: method(v.bom_version(), "effective_on", on=v.DAY))
    add(
        "bom.BomVersion.overlaps",
        lambda: method(v.bom_version(), "overlaps", other=v.bom_version()),
    )
    add("bom.BomVersionDrafted", lambda: fields_call(bom.BomVersionDrafted))
    add("bom.BomVersionStatusChanged", lambda: fields_call(bom.BomVersionStatusChanged))
    add("bom.ExplosionLine", lambda: fields_call(bom.ExplosionLine))
    add("bom.Item", lambda: call(bom.Item, company_id="ACME", id="PUMP", uom=v.PCS, name="Pump"))
    add("bom.LineChange", lambda: call(bom.LineChange, before=v.lines()[0], after=v.lines()[0]))
    add("bom.UnitOfMeasure", lambda: call(bom.UnitOfMeasure, code="kg", decimals=3))
    add(
        "bom.UnitOfMeasure.round_up",
        lambda: method(bom.UnitOfMeasure("kg", 1), "round_up", quantity=Decimal("1.25")),
    )
    add("bom.WhereUsed", lambda: fields_call(bom.WhereUsed))
    clk = v.clock
    add(
        "bom.activate_bom_version",
        lambda: use_case(bom.activate_bom_version, item_id="GEAR", number=1, clock=clk()),
    )
    add(
        "bom.approve_bom_version",
        lambda: use_case(bom.approve_bom_version, item_id="VALVE", number=1, clock=clk()),
    )
    add(
        "bom.create_bom",
        lambda: use_case(
            bom.create_bom,
            item_id="FAN",
            lines=v.lines(),
            effective_from=v.DAY,
            effective_to=None,
            clock=clk(),
        ),
    )
    add(
        "bom.diff_versions",
        lambda: call(bom.diff_versions, old=v.bom_version(), new=v.bom_version()),
    )
    add("bom.find_cycle", lambda: call(bom.find_cycle, boms=[v.active_bom(), v.motor_bom()]))
    add("bom.load_bom_index", lambda: use_case(bom.load_bom_index))
    add("bom.to_quantity", lambda: call(bom.to_quantity, value="1.5", param="qty", positive=True))

    # -- service objects ---------------------------------------------------------------------------
    so = service_objects
    add("service_objects.ChargeableLineRequested", lambda: fields_call(so.ChargeableLineRequested))
    add(
        "service_objects.ObjectRelation",
        lambda: call(
            so.ObjectRelation,
            company_id="ACME",
            id="REL-1",
            object_id="OBJ-1",
            owner_kind=so.OwnerKind.SERVICE_ORDER,
            owner_id="SO-1",
            note="",
        ),
    )
    add(
        "service_objects.ObjectRelation.belongs_to_order",
        lambda: method(v.relation(), "belongs_to_order", order_id="SO-1"),
    )
    add(
        "service_objects.ServiceBom",
        lambda: call(
            so.ServiceBom,
            source_item="PUMP",
            source_version=1,
            bom_date=v.DAY,
            as_built=v.service_object().service_bom.as_built,  # type: ignore[union-attr]
            history=(),
        ),
    )
    add(
        "service_objects.ServiceBom.line",
        lambda: method(v.service_object().service_bom, "line", line_id="10.10"),
    )
    add(
        "service_objects.ServiceBom.structure_on",
        lambda: method(v.service_object().service_bom, "structure_on", on=v.LATER),
    )
    add("service_objects.ServiceBomChange", lambda: fields_call(so.ServiceBomChange))
    add("service_objects.ServiceBomChanged", lambda: fields_call(so.ServiceBomChanged))
    add("service_objects.ServiceBomInstantiated", lambda: fields_call(so.ServiceBomInstantiated))
    add(
        "service_objects.ServiceBomLine",
        lambda: call(
            so.ServiceBomLine,
            line_id="10",
            parent_line_id=None,
            component="MOTOR",
            quantity=Decimal(1),
            unit=v.PCS,
        ),
    )
    add(
        "service_objects.ServiceObject",
        lambda: call(
            so.ServiceObject,
            company_id="ACME",
            id="OBJ-1",
            item_id="PUMP",
            serial="SN-1",
            customer_id="C-1",
            installed_on=v.LATER,
            built_on=v.DAY,
            service_bom=None,
        ),
    )
    add(
        "service_objects.ServiceObject.add_part",
        lambda: method(
            v.service_object(),
            "add_part",
            component="SEAL",
            quantity=2,
            unit=v.PCS,
            on=v.LATER,
            at=v.AT,
            parent_line_id="10",
            note="",
        ),
    )
    add(
        "service_objects.ServiceObject.change_quantity",
        lambda: method(
            v.service_object(), "change_quantity", line_id="10.10", quantity=3, on=v.LATER, at=v.AT
        ),
    )
    add(
        "service_objects.ServiceObject.instantiate_service_bom",
        lambda: method(
            v.bare_object(),
            "instantiate_service_bom",
            explosion=v.index().explode("PUMP", 1, v.DAY),
            at=v.AT,
        ),
    )
    add(
        "service_objects.ServiceObject.remove_part",
        lambda: method(v.service_object(), "remove_part", line_id="10.10", on=v.LATER, at=v.AT),
    )
    add(
        "service_objects.ServiceObject.replace_part",
        lambda: method(
            v.service_object(),
            "replace_part",
            line_id="10.10",
            new_component="ROTOR2",
            quantity=2,
            on=v.LATER,
            at=v.AT,
            order_id="SO-1",
            note="",
        ),
    )
    add("service_objects.SparePartRequired", lambda: fields_call(so.SparePartRequired))
    add(
        "service_objects.instantiate_service_bom",
        lambda: use_case(so.instantiate_service_bom, object_id="OBJ-2", clock=clk()),
    )
    add(
        "service_objects.replace_service_part",
        lambda: use_case(
            so.replace_service_part,
            object_id="OBJ-1",
            line_id="10.10",
            on=v.LATER,
            clock=clk(),
            new_component="ROTOR2",
            quantity=1,
            order_id="SO-1",
            note="",
        ),
    )
    add(
        "service_objects.replay",
        lambda: call(
            so.replay,
            base=v.service_object().service_bom.as_built,  # type: ignore[union-attr]
            changes=[_bom_change()],
        ),
    )

    # -- repairs ----------------------------------------------------------------------------------
    rp = repairs
    add("repairs.Repair", lambda: fields_call(rp.Repair, created_at=v.AT, notes=(), snapshot=()))
    add(
        "repairs.Repair.add_note",
        lambda: method(v.repair(), "add_note", text="checked", author="ann", at=v.AT),
    )
    add(
        "repairs.Repair.assign_technician",
        lambda: method(v.repair(), "assign_technician", technician="bob", at=v.AT),
    )
    add(
        "repairs.Repair.move_to_stage",
        lambda: method(v.repair(), "move_to_stage", codes=v.codes(), stage_id="DONE", at=v.AT),
    )
    add(
        "repairs.Repair.open",
        lambda: call(
            rp.Repair.open,
            codes=v.codes(),
            relation=v.relation(),
            service_object=v.service_object(),
            repair_id="R-9",
            order_id="SO-1",
            at=v.AT,
            technician="bob",
            condition="WORN",
            symptom_area="NOISE",
            symptom_code="RATTLE",
            note="",
        ),
    )
    add(
        "repairs.Repair.record_codes",
        lambda: method(
            v.repair(),
            "record_codes",
            codes=v.codes(),
            at=v.AT,
            diagnosis_area="MECH",
            diagnosis_code="BEARING",
        ),
    )
    add(
        "repairs.RepairCodes",
        lambda: call(
            rp.RepairCodes,
            company_id="ACME",
            id="STD",
            conditions=("WORN",),
            symptom_areas={"NOISE": ("RATTLE",)},
            diagnosis_areas={},
            resolutions=("REPLACE",),
            stages=(rp.RepairStage("OPEN"), rp.RepairStage("DONE", finished=True)),
        ),
    )
    add(
        "repairs.RepairCodes.check_area_code",
        lambda: method(v.codes(), "check_area_code", kind="symptom", area="NOISE", code="RATTLE"),
    )
    add(
        "repairs.RepairCodes.check_member",
        lambda: method(v.codes(), "check_member", kind="resolution", value="REPLACE"),
    )
    add(
        "repairs.RepairCodes.of",
        lambda: call(
            rp.RepairCodes.of,
            company_id="ACME",
            id="STD",
            conditions=["WORN"],
            symptoms={"NOISE": ["RATTLE"]},
            diagnoses=None,
            resolutions=["REPLACE"],
            stages=[rp.RepairStage("OPEN"), rp.RepairStage("DONE", finished=True)],
        ),
    )
    add("repairs.RepairCodes.stage", lambda: method(v.codes(), "stage", stage_id="DONE"))
    add("repairs.RepairNote", lambda: call(rp.RepairNote, at=v.AT, author="ann", text="hi"))
    add("repairs.RepairOpened", lambda: fields_call(rp.RepairOpened))
    add(
        "repairs.RepairStage",
        lambda: call(rp.RepairStage, id="OPEN", description="", finished=False),
    )
    add("repairs.RepairStageChanged", lambda: fields_call(rp.RepairStageChanged, finished_at=None))
    add("repairs.RepairUpdated", lambda: fields_call(rp.RepairUpdated))
    add("repairs.ResolutionStats", lambda: fields_call(rp.ResolutionStats))
    add(
        "repairs.move_repair_stage",
        lambda: use_case(rp.move_repair_stage, repair_id="R-1", stage_id="DONE", clock=clk()),
    )
    add(
        "repairs.open_repair",
        lambda: use_case(
            rp.open_repair,
            repair_id="R-9",
            order_id="SO-1",
            relation_id="REL-1",
            code_set="STD",
            clock=clk(),
            technician=None,
            condition="WORN",
            symptom_area="NOISE",
            symptom_code="RATTLE",
            note="n",
        ),
    )
    add(
        "repairs.repair_history",
        lambda: call(rp.repair_history, repairs=[v.repair()], object_id="OBJ-1"),
    )
    add(
        "repairs.suggest_resolutions",
        lambda: use_case(
            rp.suggest_resolutions, item_id="PUMP", symptom_area="NOISE", symptom_code="RATTLE"
        ),
    )
    add(
        "repairs.symptom_statistics",
        lambda: call(
            rp.symptom_statistics,
            repairs=[v.finished_repair()],
            symptom_area="NOISE",
            symptom_code="RATTLE",
            item_id="PUMP",
        ),
    )

    # -- serialization -------------------------------------------------------------------------
    add(
        "serialization.structure",
        lambda: call(
            serialization.structure,
            data=serialization.unstructure(v.sla()),
            cls=sla.ServiceLevelAgreement,
        ),
    )
    add("serialization.unstructure", lambda: call(serialization.unstructure, value=v.sla()))
    return out + _subscription_entries() + _memory_entries() + _ports_entries() + _plugin_entries()


def _plugin_entries() -> list[Entry]:
    out: list[Entry] = []

    def add(key: str, build: object) -> None:
        out.append(Entry(_P + "plugins." + key, build))  # type: ignore[arg-type]

    class Office:
        @plugins.hookimpl
        def servicecore_calendars(self) -> dict[str, calendars.BusinessCalendar]:
            return {"office": v.calendar()}

    def hooks() -> plugins.Hooks:
        pm = plugins.get_plugin_manager(plugins=[Office()], load_entrypoints=False)
        return plugins.Hooks(pm)

    ctx = sla.SlaSelectionContext(company_id="ACME", order_id="SO-1")
    event = events.DomainEvent(aggregate_id="A-1", company_id="ACME", occurred_at=v.AT)
    add(
        "get_plugin_manager",
        lambda: call(plugins.get_plugin_manager, plugins=[], load_entrypoints=False),
    )
    add("Hooks", lambda: call(plugins.Hooks, pm=plugins.get_plugin_manager(load_entrypoints=False)))
    add("Hooks.calendars", lambda: method(hooks(), "calendars"))
    add("Hooks.calendar", lambda: method(hooks(), "calendar", calendar_id="office"))
    add("Hooks.on_events", lambda: method(hooks(), "on_events", events=[event]))
    add("Hooks.select_sla", lambda: method(hooks(), "select_sla", context=ctx))
    add(
        "LoggingPlugin.servicecore_on_events",
        lambda: method(plugins.LoggingPlugin(), "servicecore_on_events", events=[event]),
    )
    add("LoggingPlugin", lambda: call(plugins.LoggingPlugin))
    add("reset_default_hooks", lambda: call(plugins.reset_default_hooks, hooks=None))
    return out


def _subscription_entries() -> list[Entry]:
    out: list[Entry] = []

    def add(key: str, build: object) -> None:
        out.append(Entry(_P + "subscriptions." + key, build))  # type: ignore[arg-type]

    sb = subscriptions
    clk = v.clock
    m1 = recurrence.Interval.months(1)
    y23, q2 = dt.date(2023, 1, 1), dt.date(2023, 4, 1)
    add("Alignment", lambda: call(sb.Alignment, kind=sb.AlignmentKind.BILLING_DAY, day=15))
    add("Alignment.anniversary", lambda: call(sb.Alignment.anniversary, last_day_of_month=True))
    add("Alignment.billing_day", lambda: call(sb.Alignment.billing_day, day=15))
    add("Alignment.calendar", lambda: call(sb.Alignment.calendar))
    add(
        "Alignment.recurrence",
        lambda: method(sb.Alignment.calendar(), "recurrence", interval=m1, start=v.DAY),
    )
    add("DaysReduced", lambda: fields_call(sb.DaysReduced))
    add("Fee", lambda: fields_call(sb.Fee, period=v.period(), full_period=v.period()))
    add("FeePlan", lambda: call(sb.FeePlan, fees=v.subscription().fees, complete=True))
    add(
        "FeePlan.total",
        lambda: method(sb.FeePlan(v.subscription().fees), "total", currency="EUR"),
    )
    add("FeesGenerated", lambda: fields_call(sb.FeesGenerated))
    add(
        "PortfolioSchedule",
        lambda: call(
            sb.PortfolioSchedule,
            schedules=sb.bulk_schedules([v.subscription()], y23, q2).schedules,
        ),
    )
    add(
        "PortfolioSchedule.totals",
        lambda: method(sb.bulk_schedules([v.subscription()], y23, q2), "totals"),
    )
    add("PriceChange", lambda: call(sb.PriceChange, effective=v.DAY, price=v.EUR))
    add(
        "RevenueEntry",
        lambda: call(
            sb.RevenueEntry, fee_id="F-1", period=v.period(), amount=v.EUR, recognised_on=v.DAY
        ),
    )
    add(
        "RevenuePolicy",
        lambda: call(
            sb.RevenuePolicy,
            accrual=m1,
            per_day=True,
            remainder=sb.RemainderPlacement.LAST,
            reversal=sb.CreditReversal.ORIGINAL_DATES,
        ),
    )
    add("RevenuePolicy.of_group", lambda: call(sb.RevenuePolicy.of_group, group=v.group()))
    add(
        "RevenueReport",
        lambda: call(
            sb.RevenueReport,
            on=v.DAY,
            invoiced={"EUR": v.EUR},
            recognised={"EUR": v.EUR},
            deferred={"EUR": v.EUR},
        ),
    )
    add(
        "SalesPrice",
        lambda: call(
            sb.SalesPrice,
            price=v.EUR,
            interval=m1,
            valid_from=v.DAY,
            valid_to=v.LATER,
            category="CAT",
            project_id="P",
            subscription_id="SUB-1",
        ),
    )
    add(
        "InvoiceCredit",
        lambda: call(sb.InvoiceCredit, amount=v.EUR, reason="late", reference="CR-1"),
    )
    add("ServiceCreditAdded", lambda: fields_call(sb.ServiceCreditAdded))
    add(
        "Subscription",
        lambda: call(
            sb.Subscription,
            company_id="ACME",
            id="SUB-1",
            group_id="G",
            customer_id="C",
            interval=m1,
            start=v.DAY,
            end=v.LATER,
            status=sb.SubscriptionStatus.DRAFT,
            base_price=v.EUR,
            index=Decimal(100),
            billing=sb.Billing.IN_ADVANCE,
            alignment=sb.Alignment.calendar(),
            proration=sb.Proration.ACTUAL_DAYS,
            trial_end=None,
            price_changes=(),
            suspensions=(),
            reductions=(),
            fees=v.subscription().fees,
        ),
    )
    add(
        "Subscription.fee",
        lambda: method(v.subscription(), "fee", fee_id=v.subscription().fees[0].id),
    )
    add("Subscription.price_on", lambda: method(v.subscription(), "price_on", day=q2))
    for ev in (
        "SubscriptionActivated",
        "SubscriptionCancelled",
        "SubscriptionCreated",
        "SubscriptionEnded",
        "SubscriptionPriceChanged",
        "SubscriptionResumed",
        "SubscriptionSuspended",
    ):
        add(ev, lambda e=ev: fields_call(getattr(sb, e)))
    add(
        "SubscriptionGroup",
        lambda: call(
            sb.SubscriptionGroup,
            company_id="ACME",
            id="G",
            name="g",
            invoice_interval=recurrence.Interval.quarters(1),
            accrue_revenue=True,
            accrual_interval=m1,
            per_day=True,
            remainder=sb.RemainderPlacement.FIRST,
            credit_reversal=sb.CreditReversal.ORIGINAL_DATES,
        ),
    )
    add("Suspension", lambda: call(sb.Suspension, start=v.DAY, end=v.LATER))
    add("activate", lambda: call(sb.activate, sub=v.draft_subscription(), at=v.AT))
    add(
        "activate_subscription",
        lambda: use_case(sb.activate_subscription, sub_id="SUB-2", clock=clk()),
    )
    add(
        "add_non_regular_fee",
        lambda: call(
            sb.add_non_regular_fee,
            sub=v.subscription(),
            period=recurrence.Period(dt.date(2023, 8, 1), dt.date(2023, 9, 1)),
            amount=v.EUR,
            at=v.AT,
            invoice_date=q2,
            reason="setup",
        ),
    )
    credit = sb.InvoiceCredit(amount=Money.of("10.00", "EUR"), reason="late", reference="CR-1")
    add(
        "add_service_credit",
        lambda: call(sb.add_service_credit, sub=v.subscription(), credit=credit, on=q2, at=v.AT),
    )
    add(
        "apply_index",
        lambda: call(
            sb.apply_index,
            base=v.EUR,
            index=Decimal(100),
            method=sb.IndexMethod.INDEX_BY_PCT,
            value="3",
        ),
    )
    add(
        "apply_service_credit",
        lambda: use_case(
            sb.apply_service_credit, sub_id="SUB-1", credit=credit, on=q2, clock=clk()
        ),
    )
    fee_1 = v.subscription().fees[0].id
    add(
        "reduce_price",
        lambda: call(
            sb.reduce_price,
            sub=v.subscription(),
            fee_id=fee_1,
            by=Money.of("90.00", "EUR"),
            at=v.AT,
            on=None,
            reason="goodwill",
        ),
    )
    add(
        "reduce_fee_price",
        lambda: use_case(
            sb.reduce_fee_price,
            sub_id="SUB-1",
            fee_id=fee_1,
            by=Money.of("90.00", "EUR"),
            clock=clk(),
            on=None,
        ),
    )
    add("next_invoice_date", lambda: call(sb.next_invoice_date, sub=v.subscription(), on=q2))
    posting = dt.date(2023, 2, 28)
    add(
        "plan_accruals",
        lambda: call(
            sb.plan_accruals,
            sub=v.subscription(),
            group=v.group(),
            posting_date=posting,
            fee_ids=None,
            debit_account=sb.WIP_ACCOUNT,
            credit_account=sb.ACCRUED_REVENUE_ACCOUNT,
        ),
    )
    add(
        "post_accruals",
        lambda: call(
            sb.post_accruals,
            sub=v.subscription(),
            group=v.group(),
            posting_date=posting,
            at=v.AT,
            fee_ids=None,
            debit_account=sb.WIP_ACCOUNT,
            credit_account=sb.ACCRUED_REVENUE_ACCOUNT,
        ),
    )
    add(
        "post_subscription_accruals",
        lambda: use_case(
            sb.post_subscription_accruals,
            sub_id="SUB-1",
            posting_date=posting,
            clock=clk(),
            fee_ids=None,
        ),
    )
    add("JournalEntry", lambda: fields_call(sb.JournalEntry))
    add(
        "AccrualsPosted",
        lambda: fields_call(
            sb.AccrualsPosted,
            entries=sb.plan_accruals(v.subscription(), v.group(), posting),
        ),
    )
    add("PriceReduced", lambda: fields_call(sb.PriceReduced))
    add("arr", lambda: call(sb.arr, subscriptions=[v.subscription()], on=q2))
    add("mrr", lambda: call(sb.mrr, subscriptions=[v.subscription()], on=q2))
    add(
        "bulk_schedules",
        lambda: call(
            sb.bulk_schedules,
            subscriptions=[v.subscription()],
            start=y23,
            end=q2,
            policy=sb.RevenuePolicy(),
        ),
    )
    add(
        "cancel",
        lambda: call(
            sb.cancel,
            sub=v.subscription(),
            mode=sb.CancelMode.IMMEDIATE,
            on=dt.date(2023, 5, 16),
            at=v.AT,
            effective=None,
        ),
    )
    add(
        "cancel_subscription",
        lambda: use_case(
            sb.cancel_subscription,
            sub_id="SUB-1",
            mode=sb.CancelMode.IMMEDIATE,
            on=dt.date(2023, 5, 16),
            clock=clk(),
            effective=None,
        ),
    )
    add(
        "change_price",
        lambda: call(
            sb.change_price,
            sub=v.subscription(),
            price=Money.of("330.00", "EUR"),
            effective=dt.date(2023, 10, 1),
            at=v.AT,
        ),
    )
    add(
        "create_subscription",
        lambda: call(
            sb.create_subscription,
            company_id="ACME",
            id="SUB-9",
            group=v.group(),
            customer_id="C-1",
            price=Money.of("300.00", "EUR"),
            start=y23,
            at=v.AT,
            end=dt.date(2024, 1, 1),
            index=Decimal(100),
            billing=sb.Billing.IN_ADVANCE,
            alignment=sb.Alignment.calendar(),
            proration=sb.Proration.ACTUAL_DAYS,
            trial_end=None,
            category="CAT",
            project_id="P",
        ),
    )
    add(
        "end_subscription",
        lambda: call(sb.end_subscription, sub=v.subscription(), at=v.AT, on=dt.date(2023, 7, 1)),
    )
    add(
        "fee_revenue",
        lambda: call(sb.fee_revenue, fee=v.subscription().fees[0], policy=sb.RevenuePolicy()),
    )
    add(
        "generate_fees",
        lambda: call(
            sb.generate_fees,
            sub=v.subscription(),
            start=y23,
            end=dt.date(2023, 10, 1),
            at=v.AT,
            as_of=None,
            continuous=False,
            limit=None,
        ),
    )
    add(
        "index_group",
        lambda: call(
            sb.index_group,
            subscriptions=[v.subscription()],
            group_id="QUARTERLY",
            method=sb.IndexMethod.INDEX_BY_PCT,
            value="3",
            effective=dt.date(2023, 10, 1),
            at=v.AT,
        ),
    )
    add(
        "index_subscription",
        lambda: call(
            sb.index_subscription,
            sub=v.subscription(),
            method=sb.IndexMethod.INDEX_BY_PCT,
            value="3",
            effective=dt.date(2023, 10, 1),
            at=v.AT,
        ),
    )
    add("indexed_price", lambda: call(sb.indexed_price, base=v.EUR, index=Decimal(103)))
    add(
        "plan_fees",
        lambda: call(
            sb.plan_fees,
            sub=v.subscription(),
            start=y23,
            end=dt.date(2023, 10, 1),
            as_of=None,
            continuous=False,
            limit=5,
        ),
    )
    add(
        "reduce_days",
        lambda: call(
            sb.reduce_days,
            sub=v.subscription(),
            fee_id=v.subscription().fees[0].id,
            first_day=dt.date(2023, 2, 1),
            last_day=dt.date(2023, 2, 10),
            at=v.AT,
            on=None,
        ),
    )
    add(
        "resolve_price",
        lambda: call(
            sb.resolve_price,
            prices=[sb.SalesPrice(price=v.EUR, interval=m1, valid_from=v.DAY)],
            subscription_id="SUB-1",
            currency="EUR",
            interval=m1,
            on=v.LATER,
            category=None,
            project_id=None,
        ),
    )
    add(
        "suspend",
        lambda: call(sb.suspend, sub=v.subscription(), on=dt.date(2023, 2, 1), at=v.AT),
    )
    add(
        "resume",
        lambda: call(
            sb.resume,
            sub=sb.suspend(v.subscription(), dt.date(2023, 2, 1), at=clk().now())[0],
            on=dt.date(2023, 3, 1),
            at=v.AT,
        ),
    )
    add(
        "revenue_by_period",
        lambda: call(sb.revenue_by_period, entries=sb.subscription_revenue(v.subscription())),
    )
    add(
        "revenue_report",
        lambda: call(
            sb.revenue_report, subscriptions=[v.subscription()], on=q2, policy=sb.RevenuePolicy()
        ),
    )
    add(
        "run_invoice_schedule",
        lambda: use_case(
            sb.run_invoice_schedule,
            sub_id="SUB-1",
            start=y23,
            end=dt.date(2023, 10, 1),
            clock=clk(),
            as_of=None,
            continuous=False,
            limit=None,
        ),
    )
    add(
        "preview_invoice_schedule",
        lambda: use_case(
            sb.preview_invoice_schedule,
            sub_id="SUB-1",
            start=y23,
            end=dt.date(2023, 10, 1),
            as_of=None,
            continuous=False,
            limit=None,
        ),
    )
    add(
        "run_invoice_schedules",
        lambda: use_case(
            sb.run_invoice_schedules,
            start=y23,
            end=dt.date(2023, 10, 1),
            clock=clk(),
            as_of=None,
            limit=None,
        ),
    )
    add(
        "subscription_revenue",
        lambda: call(sb.subscription_revenue, sub=v.subscription(), policy=sb.RevenuePolicy()),
    )
    return out


def _memory_entries() -> list[Entry]:
    out: list[Entry] = []
    mem = memory

    def add(key: str, build: object) -> None:
        out.append(Entry(_P + "storage.memory." + key, build))  # type: ignore[arg-type]

    def records(meth: str, **kw: Any) -> Prepared:
        prepared = use_case(lambda uow, **k: getattr(uow.records(sla.SLAS), meth)(**k), **kw)
        prepared.params = tuple(kw)
        return prepared

    add("InMemoryStore", lambda: call(mem.InMemoryStore, publish=lambda events: None))
    add("InMemoryStore.unit_of_work", lambda: call(v.store().unit_of_work, company_id="ACME"))
    add(
        "InMemoryUnitOfWork",
        lambda: call(mem.InMemoryUnitOfWork, store=v.store(), company_id="ACME"),
    )
    add("InMemoryUnitOfWork.commit", lambda: records("list_all"))
    add("InMemoryUnitOfWork.rollback", lambda: records("list_all"))
    add(
        "InMemoryUnitOfWork.record",
        lambda: use_case(lambda uow, events: uow.record(events), events=[]),
    )
    add(
        "InMemoryUnitOfWork.records",
        lambda: use_case(
            lambda uow, aggregate_type: uow.records(aggregate_type), aggregate_type=sla.SLAS
        ),
    )
    stored = attrs.evolve(v.sla(), version=1)
    add("InMemoryRecords", lambda: records("list_all"))
    add("InMemoryRecords.get", lambda: records("get", id="GOLD"))
    add("InMemoryRecords.list_all", lambda: records("list_all"))
    add("InMemoryRecords.find", lambda: records("find", index="selectable", key="yes"))
    add("InMemoryRecords.add", lambda: records("add", aggregate=attrs.evolve(v.sla(), id="SILVER")))
    add("InMemoryRecords.save", lambda: records("save", aggregate=stored))
    add("InMemoryRecords.delete", lambda: records("delete", aggregate=stored))
    return out


def _ports_entries() -> list[Entry]:
    out: list[Entry] = []

    def add(key: str, build: object) -> None:
        out.append(Entry(_P + "ports." + key, build))  # type: ignore[arg-type]

    add(
        "AggregateType",
        lambda: call(
            ports.AggregateType,
            kind="sla_copy",
            cls=sla.ServiceLevelAgreement,
            repository=ports.Repository,
            indexes=(ports.Index("any", lambda a: ()),),
            schema_version=1,
            upcasters={},
        ),
    )
    add(
        "AggregateType.index",
        lambda: Prepared(sla.SLAS.index, {"name": "selectable"}, ("name",)),
    )
    add(
        "AggregateType.keys_of",
        lambda: Prepared(
            sla.SLAS.keys_of,
            {"aggregate": v.sla(), "index": sla.SLAS.indexes[0]},
            ("aggregate", "index"),
        ),
    )
    add("Index", lambda: call(ports.Index, name="by_text", keys=lambda a: ()))
    add("index_key", lambda: call(ports.index_key))
    add("check_aggregate_type", lambda: call(ports.check_aggregate_type, _HELPER, value=sla.SLAS))
    add(
        "run_command",
        lambda: use_case(
            lambda uow, aggregate_type, id, command: ports.run_command(
                uow, aggregate_type, id, command
            ),
            aggregate_type=sla.SLAS,
            id="GOLD",
            command=lambda agreement: (agreement, ()),
        ),
    )
    return out


def registry_entries(
    aggregate_types: Any, modules: tuple[Any, ...] = (), store: Any = None
) -> list[Entry]:
    """Entries for the finders of every aggregate type's typed repository.

    Built from the registry, so a new aggregate family (servicecore's or a host's) is swept
    with no entry written by hand. A finder's arguments get a valid value from their
    annotation (a string id, the first member of an enum); ``store`` holds the aggregates
    (an empty in-memory store by default: finders must refuse bad keys before reading).
    """
    import enum
    import inspect
    import typing

    out: list[Entry] = []
    for aggregate_type in aggregate_types:
        repo_cls = aggregate_type.repository
        if not inspect.isclass(repo_cls):
            continue
        public = next((m for m in modules if getattr(m, repo_cls.__name__, None) is repo_cls), None)
        prefix = (public.__name__ if public else repo_cls.__module__) + "." + repo_cls.__qualname__
        hints_of = typing.get_type_hints

        def built(t: Any = aggregate_type) -> Prepared:
            # The class is built by the unit of work from the records port (uow[t]).
            return use_case(
                lambda uow: uow[t].list_all(), store=store() if callable(store) else None
            )

        out.append(Entry(prefix, built))
        for name, member in vars(repo_cls).items():
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            kwargs: dict[str, Any] = {}
            for param, hint in hints_of(member).items():
                if param == "return":
                    continue
                if inspect.isclass(hint) and issubclass(hint, enum.Enum):
                    kwargs[param] = next(iter(hint))
                else:
                    kwargs[param] = "K-1"

            def build(t: Any = aggregate_type, meth: str = name, kw: Any = kwargs) -> Prepared:
                prepared = use_case(
                    lambda uow, **k: getattr(uow[t], meth)(**k),
                    store=store() if callable(store) else None,
                    **dict(kw),
                )
                prepared.params = tuple(kw)
                return prepared

            out.append(Entry(f"{prefix}.{name}", build))
    return out


def _builtin_registry_entries() -> list[Entry]:
    from servicecore.plugins import Hooks, get_plugin_manager

    types = Hooks(get_plugin_manager(load_entrypoints=False)).aggregate_types().values()
    return registry_entries(types, MODULES)


ENTRIES: list[Entry] = _entries()


def _area_modules() -> list[Any]:
    """The per-area entry modules ``tests/bad_input/area_<family>.py``.

    A new aggregate family adds its own module there, with ``MODULES`` (the public modules
    it sweeps), ``EXCLUDED`` (names left out, with the reason) and ``entries()`` (a list of
    ``Entry``): this table then includes them, and no shared file changes.
    """
    import importlib
    import pkgutil
    from pathlib import Path

    here = Path(__file__).parent
    found = []
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
        if info.name.startswith("area_"):
            found.append(importlib.import_module(f"{__package__}.{info.name}"))
    return found


for _area in _area_modules():
    MODULES = (*MODULES, *_area.MODULES)
    EXCLUDED.update(_area.EXCLUDED)
    ENTRIES.extend(_area.entries())
# Last, once every area's public modules are known: finders are named by their public module.
ENTRIES.extend(_builtin_registry_entries())
