"""The agreement line's time-of-day band travels onto planned lines and order lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from servicecore.agreements import (
    AgreementGroup,
    TimeBand,
    TransactionType,
    create_agreement,
    create_agreement_group,
    plan_service_orders,
)
from servicecore.clock import FixedClock
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    add_line,
    generate_orders_from_agreements,
    new_service_order,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

NOW = pendulum.datetime(2024, 1, 2, 9)
MORNING = TimeBand(start_after=dt.time(8), end_before=dt.time(12))


def test_planned_lines_carry_the_band_of_their_agreement_line() -> None:
    ag = agreement(line("1", time_band=MORNING), line("2"))
    plan = plan_service_orders([ag], pendulum.date(2024, 1, 1), pendulum.date(2024, 2, 29))
    found = sorted(
        (pl.agreement_line_id, pl.calculated_date, pl.time_band)
        for order in plan.orders
        for pl in order.lines
    )
    assert found == [
        ("1", pendulum.date(2024, 1, 1), MORNING),
        ("1", pendulum.date(2024, 2, 1), MORNING),
        ("2", pendulum.date(2024, 1, 1), None),
        ("2", pendulum.date(2024, 2, 1), None),
    ]


def test_generated_order_lines_keep_the_band() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(
            uow, AgreementGroup(company_id="ACME", id="STD"), clock=FixedClock(NOW)
        )
        create_agreement(
            uow, agreement(line("1", time_band=MORNING), line("2")), clock=FixedClock(NOW)
        )
        generate_orders_from_agreements(
            uow,
            pendulum.date(2024, 1, 1),
            pendulum.date(2024, 1, 31),
            tree=TREE,
            clock=FixedClock(NOW),
        )
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        lines = [ln for o in uow[SERVICE_ORDERS].list_all() for ln in o.lines]
    assert sorted((ln.agreement_line_id or "", ln.time_band is not None) for ln in lines) == [
        ("1", True),
        ("2", False),
    ]
    assert next(ln.time_band for ln in lines if ln.agreement_line_id == "1") == TimeBand(
        start_after=dt.time(8), end_before=dt.time(12)
    )


def _order_line(band: object) -> OrderLine:
    return OrderLine(
        id="1",
        transaction_type=TransactionType.FEE,
        quantity=Decimal(1),
        cost_price=Money.of("1", "EUR"),
        sales_price=Money.of("2", "EUR"),
        time_band=band,  # type: ignore[arg-type]
    )


def test_a_hand_made_line_takes_a_valid_band_and_refuses_a_bad_one() -> None:
    order = new_service_order(
        company_id="ACME", id="SO", customer_id="C", currency="EUR", tree=TREE, at=NOW
    )
    added, _ = add_line(order, _order_line(MORNING), tree=TREE, at=NOW)
    assert added.lines[0].time_band == MORNING
    reversed_band = TimeBand(start_after=dt.time(12), end_before=dt.time(8))
    with pytest.raises(ValidationError) as e:
        add_line(order, _order_line(reversed_band), tree=TREE, at=NOW)
    assert e.value.field == "line.time_band"
    aware = TimeBand(start_after=dt.time(8, tzinfo=dt.UTC), end_before=dt.time(12))
    with pytest.raises(ValidationError) as e:
        add_line(order, _order_line(aware), tree=TREE, at=NOW)
    assert e.value.field == "line.time_band.start_after"
    with pytest.raises(ValidationError) as e:
        add_line(order, _order_line("08-12"), tree=TREE, at=NOW)
    assert e.value.field == "line.time_band"
