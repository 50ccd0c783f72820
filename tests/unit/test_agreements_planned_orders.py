"""plan_service_orders builds its orders lazily; the sequence behaves as the tuple it equals.

Expected orders are written by hand from the PlannedOrder / PlannedLine constructors.
"""

from __future__ import annotations

import datetime as dt
import operator
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.agreements import (
    CombineBy,
    PlannedLine,
    PlannedOrder,
    ServiceOrderPlan,
    TimeWindow,
    TransactionType,
    plan_service_orders,
)
from servicecore.agreements import planned as planned_module
from servicecore.agreements.plan import fast_index_key, line_key, slot_maker
from servicecore.calendars import BusinessCalendar
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.ports import index_key
from servicecore.recurrence import Interval
from tests.builders.agreements import agreement, line

D = pendulum.date
EUR_40, EUR_90 = Money.of("40", "EUR"), Money.of("90", "EUR")


def _planned(ag: str, line_id: str, day: pendulum.Date, **more: Any) -> PlannedLine:
    return PlannedLine(
        agreement_id=ag,
        agreement_line_id=line_id,
        calculated_date=day,
        transaction_type=TransactionType.FEE,
        quantity=Decimal(1),
        cost_price=EUR_40,
        sales_price=EUR_90,
        **more,
    )


def _order(ag: str, key: str, day: pendulum.Date, *lines: PlannedLine) -> PlannedOrder:
    return PlannedOrder(
        agreement_id=ag,
        customer_id="C-1",
        combine_key=key,
        preferred_date=day,
        currency="EUR",
        lines=lines,
    )


def _two_agreements() -> ServiceOrderPlan:
    """AG-1: monthly line 1 and quarterly line 2 from 1 Jan; AG-2: line 1 every 45 days
    from 10 Jan; planned over January to March 2024."""
    first = agreement(line("1"), line("2", interval=Interval.months(3)))
    second = agreement(line("1", interval=Interval.days(45)), id="AG-2", start=D(2024, 1, 10))
    return plan_service_orders([first, second], D(2024, 1, 1), D(2024, 3, 31))


EXPECTED = (
    _order(
        "AG-1",
        "agreement:AG-1",
        D(2024, 1, 1),
        _planned("AG-1", "1", D(2024, 1, 1)),
        _planned("AG-1", "2", D(2024, 1, 1)),
    ),
    _order("AG-1", "agreement:AG-1", D(2024, 2, 1), _planned("AG-1", "1", D(2024, 2, 1))),
    _order("AG-1", "agreement:AG-1", D(2024, 3, 1), _planned("AG-1", "1", D(2024, 3, 1))),
    _order("AG-2", "agreement:AG-2", D(2024, 1, 10), _planned("AG-2", "1", D(2024, 1, 10))),
    _order("AG-2", "agreement:AG-2", D(2024, 2, 24), _planned("AG-2", "1", D(2024, 2, 24))),
)


def test_the_orders_equal_the_hand_written_tuple_and_behave_like_it() -> None:
    plan = _two_agreements()
    # operator.eq / ne: compared both ways round, and no narrowing of the type by mypy
    assert operator.eq(plan.orders, EXPECTED)
    assert operator.eq(EXPECTED, plan.orders)
    assert operator.eq(plan.orders, _two_agreements().orders)
    assert operator.ne(plan.orders, EXPECTED[:4])
    assert operator.ne(plan.orders, list(EXPECTED))  # like a tuple, never equal to a list
    assert plan == ServiceOrderPlan(start=D(2024, 1, 1), end=D(2024, 3, 31), orders=EXPECTED)
    assert hash(plan.orders) == hash(EXPECTED)
    assert hash(plan) == hash(ServiceOrderPlan(start=plan.start, end=plan.end, orders=EXPECTED))
    assert repr(plan.orders) == repr(EXPECTED)
    assert len(plan.orders) == 5
    assert list(plan.orders) == list(EXPECTED)
    assert list(reversed(plan.orders)) == list(reversed(EXPECTED))
    assert EXPECTED[3] in plan.orders
    assert _order("AG-2", "x", D(2024, 1, 10)) not in plan.orders
    assert plan.orders.index(EXPECTED[2]) == 2
    assert plan.orders.count(EXPECTED[0]) == 1


def test_indexing_and_slicing_like_a_tuple() -> None:
    plan = _two_agreements()
    for i in range(-5, 5):
        assert _two_agreements().orders[i] == EXPECTED[i]  # a fresh plan for each index
        assert plan.orders[i] == EXPECTED[i]
    assert plan.orders[1:4] == EXPECTED[1:4]
    assert plan.orders[::-2] == EXPECTED[::-2]
    assert isinstance(plan.orders[1:3], tuple)
    for bad in (5, -6, 10**6):
        with pytest.raises(IndexError):
            plan.orders[bad]
    with pytest.raises(TypeError):
        plan.orders["1"]  # type: ignore[call-overload]


def test_an_empty_plan_equals_the_empty_tuple() -> None:
    plan = plan_service_orders([agreement(line())], D(2023, 1, 1), D(2023, 12, 31))
    assert operator.eq(plan.orders, ())
    assert len(plan.orders) == 0
    assert not plan.orders
    assert list(plan.orders) == []
    with pytest.raises(IndexError):
        plan.orders[0]


def test_orders_are_built_per_agreement_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = planned_module.orders_of

    def counting(ag: Any, runs: Any, placed: Any) -> list[PlannedOrder]:
        built.append(ag.id)
        return original(ag, runs, placed)

    monkeypatch.setattr(planned_module, "orders_of", counting)
    plan = _two_agreements()
    assert built == []  # planning builds no order
    assert len(plan.orders) == 5
    assert built == []  # nor does counting them
    assert plan.orders[-1] == EXPECTED[-1]
    assert built == ["AG-2"]  # only the agreement holding the index
    assert list(plan.orders) == list(EXPECTED)
    assert list(plan.orders) == list(EXPECTED)
    assert built == ["AG-2", "AG-1"]  # then each agreement once, kept


def test_a_lazy_plan_pickles_to_an_equal_plan() -> None:
    plan = _two_agreements()
    assert pickle.loads(pickle.dumps(plan)) == plan
    plan.orders[0]  # partly built
    assert pickle.loads(pickle.dumps(plan)).orders == EXPECTED


def test_built_values_equal_values_made_by_their_constructors() -> None:
    # Placed rows (a calendar): line 1 stays on Monday 3 June, line 2 on Saturday 8 June
    # (closed, flagged), line 3 moves from Sunday 2 June to Monday within its window;
    # combined by object, line 3 (no object) has its own order.
    office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
    ag = agreement(
        line("1", service_object_id="X-1", interval=Interval.weeks(1), start=D(2024, 6, 3)),
        line("2", service_object_id="X-1", interval=None, start=D(2024, 6, 8)),
        line("3", interval=None, time_window=TimeWindow.manual(0, 2)),
        start=D(2024, 6, 2),
        objects=("X-1",),
        combine_by=CombineBy.OBJECT,
    )
    plan = plan_service_orders([ag], D(2024, 6, 2), D(2024, 6, 8), calendar=office)
    x1 = {"service_object_id": "X-1", "relation_ids": ("X-1",)}
    assert plan.orders == (
        _order("AG-1", "object:-", D(2024, 6, 3), _planned("AG-1", "3", D(2024, 6, 2))),
        _order("AG-1", "object:X-1", D(2024, 6, 3), _planned("AG-1", "1", D(2024, 6, 3), **x1)),
        _order(
            "AG-1",
            "object:X-1",
            D(2024, 6, 8),
            _planned("AG-1", "2", D(2024, 6, 8), no_open_day=True, **x1),
        ),
    )
    for order in plan.orders:  # what the attrs __init__ makes of the same fields
        assert attrs.evolve(order) == order
        assert all(attrs.evolve(pl) == pl for pl in order.lines)


@given(st.text(), st.text(), st.dates())
def test_line_key_is_index_key_of_the_three_parts(ag: str, ln: str, day: Any) -> None:
    assert line_key(ag, ln, day) == index_key(ag, ln, day.isoformat())


@given(st.lists(st.text() | st.sampled_from(['"', "\\", 'a"b', '["x","y"]', "\n"])))
def test_fast_index_key_is_index_key(parts: list[str]) -> None:
    assert fast_index_key(*parts) == index_key(*parts)


def test_fast_index_key_refuses_what_index_key_refuses() -> None:
    with pytest.raises(ValidationError):
        fast_index_key("a", 1)  # type: ignore[arg-type]


def test_slot_maker_refuses_a_class_it_cannot_build_like_init() -> None:
    @attrs.frozen
    class Checked:
        a: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen
    class Plain:
        a: int
        b: str

    with pytest.raises(TypeError):
        slot_maker(Checked, ("a",))
    with pytest.raises(TypeError):
        slot_maker(Plain, ("a",))
    with pytest.raises(TypeError):
        slot_maker(Plain, ("a", "a"))
    make = slot_maker(Plain, ("b", "a"))
    assert make("x", 1) == Plain(1, "x")


def test_lines_of_one_order_come_by_line_id_whatever_their_position() -> None:
    ag = agreement(line("B"), line("A"), line("C", interval=Interval.months(2)))
    plan = plan_service_orders([ag], D(2024, 1, 1), D(2024, 2, 29))
    assert [[pl.agreement_line_id for pl in o.lines] for o in plan.orders] == [
        ["A", "B", "C"],
        ["A", "B"],
    ]
