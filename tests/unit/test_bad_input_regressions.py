"""One explicit case per crash the bad-input sweep found (tests/properties/test_bad_input.py).

Each call used to escape with a bare TypeError, AttributeError, KeyError, ValueError,
OverflowError or decimal.InvalidOperation from deep inside (or to hang); each must now raise
``ValidationError`` naming the argument. The sweep is random; these keep the fixes pinned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from servicecore import (
    bom,
    calendars,
    lifecycle,
    money,
    plugins,
    recurrence,
    repairs,
    serialization,
    service_objects,
    sla,
    subscriptions,
)
from servicecore.errors import ValidationError
from tests.bad_input import valid as v
from tests.bad_input.engine import _bom_change

R = recurrence
SB = subscriptions
LATE = dt.date(9999, 12, 31)

CASES: dict[str, tuple[Callable[[], Any], str]] = {
    # kernel
    "Money.sum(None)": (lambda: money.Money.sum(None, "EUR"), "items"),  # type: ignore[arg-type]
    "split into 10**20 parts (hung)": (lambda: money.split(v.EUR, 10**20), "parts"),
    "Lifecycle.define(states=None)": (
        lambda: lifecycle.Lifecycle.define(
            "x",
            None,  # type: ignore[arg-type]
            initial=bom.BomStatus.DRAFT,
            transitions=[],
            final=[],
        ),
        "states",
    ),
    "Lifecycle.can(action=[])": (
        lambda: bom.BOM_LIFECYCLE.can(bom.BomStatus.DRAFT, []),  # type: ignore[arg-type]
        "action",
    ),
    "weekdays(intervals=None)": (
        lambda: calendars.BusinessCalendar.weekdays("UTC", None),  # type: ignore[arg-type]
        "intervals",
    ),
    "HolidayRules.dates('')": (
        lambda: calendars.HolidayRules("SE").dates(""),  # type: ignore[arg-type]
        "year",
    ),
    "add_business_days(10**20) (hung)": (
        lambda: v.calendar().add_business_days(v.AT, 10**20),
        "n",
    ),
    "add_business_time(10**6 years)": (
        lambda: v.calendar().add_business_time(v.AT, dt.timedelta(days=3_000_000)),
        "duration",
    ),
    "days_in_month(month=0) returned 0": (lambda: R.days_in_month(2024, 0), "month"),
    "days_in_month(month=-1) returned 31": (lambda: R.days_in_month(2024, -1), "month"),
    "month_end_ordinal(year=None)": (
        lambda: R.month_end_ordinal(None, 1),  # type: ignore[arg-type]
        "year",
    ),
    "date_from_ordinal([])": (lambda: R.date_from_ordinal([]), "ordinal"),  # type: ignore[arg-type]
    "Period.from_ordinals(False, 3)": (lambda: R.Period.from_ordinals(False, 3), "ordinal"),
    "Period.inclusive(last_day=max)": (lambda: R.Period.inclusive(v.DAY, LATE), "last_day"),
    "Period.overlaps(None)": (lambda: v.period().overlaps(None), "other"),  # type: ignore[arg-type]
    "Interval.quarters(None)": (lambda: R.Interval.quarters(None), "n"),  # type: ignore[arg-type]
    "Interval.divides(None)": (
        lambda: R.Interval.months(1).divides(None),  # type: ignore[arg-type]
        "other",
    ),
    "Recurrence.billing_day(None, 1)": (
        lambda: R.Recurrence.billing_day(None, 1),  # type: ignore[arg-type]
        "interval",
    ),
    "Recurrence.first_on_or_after(9999-12-31)": (
        lambda: v.recurrence().first_on_or_after(LATE),
        "day",
    ),
    "Recurrence.occurrence_ordinal(sNaN)": (
        lambda: v.recurrence().occurrence_ordinal(Decimal("sNaN")),  # type: ignore[arg-type]
        "k",
    ),
    # sla
    "suspend_sla(None)": (lambda: sla.suspend_sla(None, v.AT), "sla"),  # type: ignore[arg-type]
    "applicable_sla_ids(chooser=False)": (
        lambda: sla.applicable_sla_ids(
            sla.SlaSelectionContext(company_id="ACME", order_id="SO-1"),
            False,  # type: ignore[arg-type]
        ),
        "chooser",
    ),
    "SlaClock.replay(None)": (lambda: v.sla_clock().replay(None), "changes"),  # type: ignore[arg-type]
    "Target.allowance(calendar=None)": (
        lambda: sla.Target.business_days(1).allowance(None, v.AT),  # type: ignore[arg-type]
        "calendar",
    ),
    # bom
    "Bom(versions=None)": (
        lambda: bom.Bom(company_id="ACME", id="P", versions=None),  # type: ignore[arg-type]
        "versions",
    ),
    "Bom.approve(items=1.0)": (
        lambda: v.draft_bom().approve(1, catalog=[], at=v.AT, items=1.0),  # type: ignore[arg-type]
        "items",
    ),
    "BomVersion.effective_on(None)": (
        lambda: v.bom_version().effective_on(None),  # type: ignore[arg-type]
        "on",
    ),
    "UnitOfMeasure.round_up(NaN)": (lambda: v.PCS.round_up(Decimal("NaN")), "quantity"),
    "find_cycle(' ')": (lambda: bom.find_cycle(" "), "boms"),  # type: ignore[arg-type]
    "diff_versions(None, v)": (
        lambda: bom.diff_versions(None, v.bom_version()),  # type: ignore[arg-type]
        "old",
    ),
    "BomIndex.effective_version(item=[])": (
        lambda: v.index().effective_version([], v.DAY),  # type: ignore[arg-type]
        "item",
    ),
    "Bom.get_version(None) was NotFound": (
        lambda: v.active_bom().get_version(None),  # type: ignore[arg-type]
        "number",
    ),
    "create_bom(clock=None)": (
        lambda: bom.create_bom(
            v.store().unit_of_work("ACME"),
            "FAN",
            lines=v.lines(),
            effective_from=v.DAY,
            clock=None,  # type: ignore[arg-type]
        ),
        "clock",
    ),
    # service objects and repairs
    "add_part(unit=None)": (
        lambda: v.service_object().add_part(
            "SEAL",
            1,
            None,  # type: ignore[arg-type]
            on=v.LATER,
            at=v.AT,
        ),
        "unit",
    ),
    "replay(base=[]) was a KeyError": (
        lambda: service_objects.replay([], [_bom_change()]),
        "changes",
    ),
    "Repair.move_to_stage(codes=None)": (
        lambda: v.repair().move_to_stage(None, "DONE", at=v.AT),  # type: ignore[arg-type]
        "codes",
    ),
    "Repair.open(relation=None)": (
        lambda: repairs.Repair.open(
            v.codes(),
            None,  # type: ignore[arg-type]
            v.service_object(),
            repair_id="R-9",
            order_id="SO-1",
            at=v.AT,
        ),
        "relation",
    ),
    "RepairCodes.of(stages=None)": (
        lambda: repairs.RepairCodes.of("ACME", "C", stages=None),  # type: ignore[arg-type]
        "stages",
    ),
    "check_area_code(area=[])": (
        lambda: v.codes().check_area_code("symptom", [], None),  # type: ignore[arg-type]
        "symptom_area",
    ),
    "repair_history(None)": (lambda: repairs.repair_history(None, "O"), "repairs"),  # type: ignore[arg-type]
    "assign_technician(at=False)": (
        lambda: v.repair().assign_technician("bob", at=False),  # type: ignore[arg-type]
        "at",
    ),
    # subscriptions and serialization
    "mrr(None)": (lambda: SB.mrr(None, v.DAY), "subscriptions"),  # type: ignore[arg-type]
    "revenue_by_period(' ')": (lambda: SB.revenue_by_period(" "), "entries"),  # type: ignore[arg-type]
    "indexed_price(None, 100)": (
        lambda: SB.indexed_price(None, Decimal(100)),  # type: ignore[arg-type]
        "base",
    ),
    "apply_index(index=None)": (
        lambda: SB.apply_index(v.EUR, None, SB.IndexMethod.INDEX_BY_PCT, 3),  # type: ignore[arg-type]
        "index",
    ),
    "apply_index(index=NaN)": (
        lambda: SB.apply_index(v.EUR, Decimal("NaN"), SB.IndexMethod.INDEX_BY_PCT, 3),
        "index",
    ),
    "RevenuePolicy.of_group(None)": (
        lambda: SB.RevenuePolicy.of_group(None),  # type: ignore[arg-type]
        "group",
    ),
    "Alignment.recurrence(interval=[])": (
        lambda: SB.Alignment.calendar().recurrence([], v.DAY),  # type: ignore[arg-type]
        "interval",
    ),
    "reset_default_hooks(1.0) was stored": (
        lambda: plugins.reset_default_hooks(1.0),  # type: ignore[arg-type]
        "hooks",
    ),
    "LoggingPlugin.servicecore_on_events(None)": (
        lambda: plugins.LoggingPlugin().servicecore_on_events(None),  # type: ignore[arg-type]
        "events",
    ),
    "structure({}, SLA)": (
        lambda: serialization.structure({}, sla.ServiceLevelAgreement),
        "data",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_former_crash_is_a_validation_error(case: str) -> None:
    call, field = CASES[case]
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field is not None
    assert info.value.field.startswith(field)
    assert "allowed" in str(info.value).lower()


def test_uow_record_refuses_a_non_list_and_stages_nothing() -> None:
    with v.store().unit_of_work("ACME") as uow:
        with pytest.raises(ValidationError, match="events"):
            uow.record(None)  # type: ignore[arg-type]
        assert uow._events == []
