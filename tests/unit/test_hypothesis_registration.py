"""servicecore registers its strategies through Hypothesis' entry point: no import needed."""

from __future__ import annotations

from importlib.metadata import entry_points

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.bom import Bom, BomIndex, BomLine, BomVersion, Item, UnitOfMeasure
from servicecore.calendars import BusinessCalendar
from servicecore.money import Currency, Money
from servicecore.recurrence import Interval, Period, Recurrence
from servicecore.repairs import Repair, RepairCodes, RepairStage
from servicecore.service_objects import ObjectRelation, ServiceBom, ServiceObject
from servicecore.sla import ServiceLevelAgreement
from servicecore.subscriptions import (
    Alignment,
    Fee,
    InvoiceCredit,
    JournalEntry,
    PriceChange,
    RevenueEntry,
    RevenuePolicy,
    SalesPrice,
    Subscription,
    SubscriptionGroup,
    Suspension,
)


def test_entry_point_is_declared() -> None:
    declared = {ep.name: ep.value for ep in entry_points(group="hypothesis")}
    assert declared["servicecore"] == "servicecore.testing.strategies:_hypothesis_setup_hook"


@given(st.from_type(Money), st.from_type(Currency), st.from_type(pendulum.DateTime))
def test_from_type_works(amount: Money, currency: Currency, at: pendulum.DateTime) -> None:
    assert isinstance(amount, Money)
    assert isinstance(currency, Currency)
    assert isinstance(at, pendulum.DateTime)
    assert at.utcoffset() is not None


# Every domain type with a strategy in servicecore.testing is reachable through
# st.from_type with no import of the strategies module (the entry point registers them).
# from_type on an unregistered attrs class would build it from its field types and fail
# the class's own validation (empty ids), so this also catches a missing registration.
_REGISTERED: list[type] = [
    BusinessCalendar,
    ServiceLevelAgreement,
    pendulum.Date,
    Interval,
    Recurrence,
    Period,
    Alignment,
    SubscriptionGroup,
    Subscription,
    InvoiceCredit,
    Fee,
    JournalEntry,
    PriceChange,
    Suspension,
    SalesPrice,
    RevenuePolicy,
    RevenueEntry,
    UnitOfMeasure,
    Bom,
    RepairCodes,
    Item,
    BomLine,
    BomVersion,
    BomIndex,
    ServiceObject,
    ServiceBom,
    ObjectRelation,
    RepairStage,
    Repair,
]


@pytest.mark.parametrize("cls", _REGISTERED, ids=lambda c: c.__name__)
def test_domain_types_are_registered(cls: type) -> None:
    seen: list[object] = []

    @settings(max_examples=5, database=None, deadline=None)
    @given(st.from_type(cls))
    def draw(value: object) -> None:
        assert isinstance(value, cls)
        seen.append(value)

    draw()
    assert seen  # at least one example was drawn (small types may have fewer than 5)


def test_repair_and_object_strategies_reach_the_interesting_shapes() -> None:
    shapes: set[str] = set()

    @settings(max_examples=80, database=None, deadline=None, derandomize=True)
    @given(st.from_type(Repair), st.from_type(ServiceObject))
    def draw(repair: Repair, obj: ServiceObject) -> None:
        if repair.finished_at is not None and repair.resolution and repair.snapshot:
            shapes.add("finished, resolved, with a service-BOM snapshot")
        if repair.finished_at is None:
            shapes.add("unfinished")
        if obj.built_on and obj.installed_on and obj.installed_on > obj.built_on:
            shapes.add("installed after it was built")
        if obj.built_on is None:
            shapes.add("install date only")

    draw()
    assert shapes == {
        "finished, resolved, with a service-BOM snapshot",
        "unfinished",
        "installed after it was built",
        "install date only",
    }
