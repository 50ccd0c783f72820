"""The lazily built orders of a plan equal orders built directly from its rows.

The reference below groups ``CompactPlan.rows()`` the way the domain notes say (one order
per agreement, combine value and service date; orders by service date, then combine key;
lines by calculated date, then line id) with the attrs constructors and plain
``pendulum.date`` values: nothing of the lazy builder is reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pendulum
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.agreements import (
    Agreement,
    CombineBy,
    CompactPlan,
    PlannedLine,
    PlannedOrder,
    plan_service_orders,
    plan_service_orders_compact,
)
from servicecore.calendars import BusinessCalendar
from servicecore.testing.strategies.agreements import agreements

OFFICE = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])


def _date(ordinal: int) -> pendulum.Date:
    d = dt.date.fromordinal(ordinal)
    return pendulum.date(d.year, d.month, d.day)


def _combine(agreement: Agreement, line_index: int) -> str:
    line = agreement.lines[line_index]
    value = {
        CombineBy.AGREEMENT: agreement.id,
        CombineBy.TASK: line.service_task_id,
        CombineBy.WORKER: line.worker_id,
        CombineBy.OBJECT: line.service_object_id,
    }[agreement.combine_by]
    return f"{agreement.combine_by.value}:{value or '-'}"


def reference(compact: CompactPlan) -> tuple[PlannedOrder, ...]:
    out: list[PlannedOrder] = []
    for a, agreement in enumerate(compact.agreements):
        rows = [r for r in compact.rows() if r[0] == a]
        groups: dict[tuple[int, str], list[tuple[int, int, int, int, bool]]] = {}
        for row in rows:
            groups.setdefault((row[3], _combine(agreement, row[1])), []).append(row)
        for service, key in sorted(groups):
            members = sorted(groups[(service, key)], key=lambda r: (r[2], agreement.lines[r[1]].id))
            lines = []
            for _a, n, calculated, _s, flag in members:
                ln = agreement.lines[n]
                lines.append(
                    PlannedLine(
                        agreement_id=agreement.id,
                        agreement_line_id=ln.id,
                        calculated_date=_date(calculated),
                        transaction_type=ln.transaction_type,
                        quantity=ln.quantity,
                        cost_price=ln.cost_price,
                        sales_price=ln.sales_price,
                        worker_id=ln.worker_id,
                        service_object_id=ln.service_object_id,
                        service_task_id=ln.service_task_id,
                        no_open_day=flag,
                        relation_ids=(ln.service_object_id,) if ln.service_object_id else (),
                        time_band=ln.time_band,
                    )
                )
            out.append(
                PlannedOrder(
                    agreement_id=agreement.id,
                    customer_id=agreement.customer_id,
                    combine_key=key,
                    preferred_date=_date(service),
                    currency=agreement.currency.code,
                    lines=tuple(lines),
                    project_id=agreement.project_id,
                    sla_id=agreement.sla_id,
                    preferred_technician_id=agreement.preferred_technician_id,
                    service_manager_id=agreement.service_manager_id,
                )
            )
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(
    ags=st.lists(agreements(), min_size=1, max_size=3, unique_by=lambda a: a.id),
    start=st.dates(dt.date(2023, 6, 1), dt.date(2024, 6, 30)),
    days=st.integers(0, 200),
    calendar=st.sampled_from([None, OFFICE]),
    position=st.integers(-50, 50),
    data=st.data(),
)
def test_lazy_orders_equal_the_reference_by_any_access(
    ags: list[Agreement],
    start: dt.date,
    days: int,
    calendar: BusinessCalendar | None,
    position: int,
    data: st.DataObject,
) -> None:
    # line ids out of line order, so that ordering by id is not ordering by position
    ags = [
        evolve(
            ag,
            lines=tuple(
                evolve(ln, id=new)
                for ln, new in zip(
                    ag.lines,
                    data.draw(st.permutations([f"L{n}" for n in range(len(ag.lines))])),
                    strict=True,
                )
            ),
        )
        for ag in ags
    ]
    first = pendulum.date(start.year, start.month, start.day)
    last = first.add(days=days)
    expected = reference(plan_service_orders_compact(ags, first, last, calendar=calendar))
    # each access path on a fresh plan, so that it is the first to build anything

    def fresh() -> Sequence[PlannedOrder]:
        return plan_service_orders(ags, first, last, calendar=calendar).orders

    assert len(fresh()) == len(expected)
    if -len(expected) <= position < len(expected):
        assert fresh()[position] == expected[position]
    assert tuple(fresh()) == expected
    assert fresh() == expected
    assert fresh()[position:] == expected[position:]
