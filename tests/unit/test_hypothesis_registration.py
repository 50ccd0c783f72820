"""servicecore registers its strategies through Hypothesis' entry point: no import needed."""

from __future__ import annotations

from importlib.metadata import entry_points

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.bom import Bom, UnitOfMeasure
from servicecore.calendars import BusinessCalendar
from servicecore.money import Currency, Money
from servicecore.recurrence import Interval, Period, Recurrence
from servicecore.repairs import RepairCodes
from servicecore.sla import ServiceLevelAgreement
from servicecore.subscriptions import (
    Alignment,
    Fee,
    JournalEntry,
    PriceChange,
    RevenueEntry,
    RevenuePolicy,
    SalesPrice,
    ServiceCredit,
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
    ServiceCredit,
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
