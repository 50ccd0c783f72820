"""Committing a plan builds the orders the public commands would, checks what it cannot
trust, and stages nothing when it refuses. Expected values are written by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest

from servicecore.agreements import (
    AGREEMENTS,
    AgreementGroup,
    TimeBand,
    TimeWindow,
    TransactionType,
    create_agreement,
    create_agreement_group,
)
from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan
from servicecore.calendars import BusinessCalendar
from servicecore.clock import FixedClock
from servicecore.errors import CurrencyMismatchError, InvalidTransitionError, ValidationError
from servicecore.money import Money
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    OrderLine,
    Stage,
    StageTree,
    add_line,
    generate_orders_from_agreements,
    generate_service_orders,
    new_service_order,
)
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

D = pendulum.date
AT = pendulum.datetime(2024, 4, 1, 8)
MORNING = TimeBand(start_after=dt.time(8), end_before=dt.time(12))


def _pl(day: int, line_id: str = "L1", ag: str = "AG-1", **more: Any) -> PlannedLine:
    fields: dict[str, Any] = {
        "agreement_id": ag,
        "agreement_line_id": line_id,
        "calculated_date": D(2024, 4, day),
        "transaction_type": TransactionType.HOUR,
        "quantity": Decimal(2),
        "cost_price": Money.of("40", "EUR"),
        "sales_price": Money.of("90", "EUR"),
        "worker_id": "W-1",
    }
    fields.update(more)
    return PlannedLine(**fields)


def _po(day: int, *lines: PlannedLine, **more: Any) -> PlannedOrder:
    fields: dict[str, Any] = {
        "agreement_id": "AG-1",
        "customer_id": "C-1",
        "combine_key": "agreement:AG-1",
        "preferred_date": D(2024, 4, day),
        "currency": "EUR",
        "lines": lines,
    }
    fields.update(more)
    return PlannedOrder(**fields)


def _plan(*orders: PlannedOrder) -> ServiceOrderPlan:
    return ServiceOrderPlan(start=D(2024, 4, 1), end=D(2024, 4, 30), orders=orders)


def _staged(store: InMemoryStore) -> tuple[int, int]:
    with store.unit_of_work("ACME") as uow:
        return len(uow[SERVICE_ORDERS].list_all()), len(uow[GENERATED_LINE_KEYS].list_all())


def test_a_generated_order_is_what_new_service_order_and_add_line_make() -> None:
    plan = _plan(
        _po(
            1,
            _pl(1, service_object_id="X-1", relation_ids=("X-1",), time_band=MORNING),
            _pl(1, "L2", transaction_type=TransactionType.FEE, worker_id=None),
            project_id="P-1",
            preferred_technician_id="T-1",
            service_manager_id="M-1",
        )
    )
    with InMemoryStore().unit_of_work("ACME") as uow:
        (made,) = generate_service_orders(uow, plan, tree=TREE, clock=FixedClock(AT))
    key_1 = '["AG-1","L1","2024-04-01"]'
    assert made.id == '["GEN","[\\"AG-1\\",\\"L1\\",\\"2024-04-01\\"]"]'
    expected = new_service_order(
        company_id="ACME",
        id=made.id,
        customer_id="C-1",
        currency="EUR",
        tree=TREE,
        at=AT,
        agreement_id="AG-1",
        preferred_technician_id="T-1",
        responsible_id="M-1",
        project_id="P-1",
        source="generated",
    )
    first = OrderLine(
        id="1",
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(2),
        cost_price=Money.of("40", "EUR"),
        sales_price=Money.of("90", "EUR"),
        worker_id="W-1",
        agreement_line_id="L1",
        calculated_date=D(2024, 4, 1),
        service_object_id="X-1",
        relation_ids=("X-1",),
        generation_key=key_1,
        time_band=MORNING,
    )
    second = OrderLine(
        id="2",
        transaction_type=TransactionType.FEE,
        quantity=Decimal(2),
        cost_price=Money.of("40", "EUR"),
        sales_price=Money.of("90", "EUR"),
        agreement_line_id="L2",
        calculated_date=D(2024, 4, 1),
        generation_key='["AG-1","L2","2024-04-01"]',
    )
    expected, _ = add_line(expected, first, tree=TREE, at=AT)
    expected, _ = add_line(expected, second, tree=TREE, at=AT)
    assert made == expected


def test_a_line_listed_twice_in_a_plan_gives_one_line() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        made = generate_service_orders(
            uow, _plan(_po(1, _pl(1), _pl(1)), _po(1, _pl(1))), tree=TREE, clock=FixedClock(AT)
        )
        uow.commit()
    assert [len(o.lines) for o in made] == [1]
    assert _staged(store) == (1, 1)


@pytest.mark.parametrize(
    ("bad", "error", "field"),
    [
        ({"cost_price": Money.of("40", "USD")}, CurrencyMismatchError, None),
        ({"sales_price": Money.of("-1", "EUR")}, ValidationError, "line.sales_price"),
        ({"quantity": Decimal("NaN")}, ValidationError, "line.quantity"),
        ({"transaction_type": "hour"}, ValidationError, "line.transaction_type"),
        (
            {"time_band": TimeBand(start_after=dt.time(12), end_before=dt.time(8))},
            ValidationError,
            "line.time_band",
        ),
    ],
)
def test_a_later_line_of_an_already_checked_agreement_line_is_checked_too(
    bad: dict[str, Any], error: type[Exception], field: str | None
) -> None:
    # Order 1 has line L1 with good values; order 2 has L1 again with one bad value.
    store = InMemoryStore()
    plan = _plan(_po(1, _pl(1)), _po(8, _pl(8, **bad)))
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(error) as refused:
            generate_service_orders(uow, plan, tree=TREE, clock=FixedClock(AT))
        if field is not None:
            assert getattr(refused.value, "field", None) == field
        uow.commit()  # nothing was staged: the refused run leaves storage unchanged
    assert _staged(store) == (0, 0)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"customer_id": " C-1"}, "customer_id"),
        ({"preferred_technician_id": ""}, "preferred_technician_id"),
        ({"service_manager_id": 7}, "responsible_id"),
        ({"currency": "EURO"}, None),
    ],
)
def test_a_later_order_of_an_already_checked_agreement_is_checked_too(
    bad: dict[str, Any], field: str | None
) -> None:
    store = InMemoryStore()
    plan = _plan(_po(1, _pl(1)), _po(8, _pl(8), **bad))
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(ValidationError) as refused:
            generate_service_orders(uow, plan, tree=TREE, clock=FixedClock(AT))
        if field is not None:
            assert refused.value.field == field
        uow.commit()
    assert _staged(store) == (0, 0)


def test_a_root_stage_that_cannot_modify_refuses_generated_lines() -> None:
    locked = StageTree.define([Stage(id="new", can_modify=False)])
    with InMemoryStore().unit_of_work("ACME") as uow, pytest.raises(InvalidTransitionError):
        generate_service_orders(uow, _plan(_po(1, _pl(1))), tree=locked, clock=FixedClock(AT))


def test_generated_through_is_the_last_calculated_date_even_when_lines_move() -> None:
    # Weekly from Sunday 2 June 2024 with a window of two days after: the orders fall on the
    # Mondays (open), the calculated dates stay on the Sundays.
    office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
    ag = agreement(
        line(interval=Interval.weeks(1), time_window=TimeWindow.manual(0, 2)),
        start=D(2024, 6, 2),
    )
    store = InMemoryStore()
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=clock)
        create_agreement(uow, ag, clock=clock)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        made = generate_orders_from_agreements(
            uow, D(2024, 6, 1), D(2024, 6, 20), tree=TREE, clock=clock, calendar=office
        )
        uow.commit()
    assert [(str(o.lines[0].calculated_date), o.lines[0].id) for o in made] == [
        ("2024-06-02", "1"),
        ("2024-06-09", "1"),
        ("2024-06-16", "1"),
    ]
    with store.unit_of_work("ACME") as uow:
        assert uow[AGREEMENTS].get("AG-1").line("1").generated_through == D(2024, 6, 16)
