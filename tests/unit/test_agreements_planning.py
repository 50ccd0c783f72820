"""plan_service_orders: the D365 examples and the generation rules, expected by hand."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import (
    CombineBy,
    TimeWindow,
    TransactionType,
    make_template,
    plan_service_orders,
    stop_line,
    suspend_agreement,
)
from servicecore.calendars import BusinessCalendar
from servicecore.errors import ValidationError
from servicecore.recurrence import Interval
from tests.builders.agreements import AT, agreement, line

D = pendulum.date


def dates(plan: object) -> list[str]:
    return [str(o.preferred_date) for o in plan.orders]  # type: ignore[attr-defined]


def test_d365_agreement_valid_in_2012_yields_only_november_and_december() -> None:
    ag = agreement(line(interval=Interval.months(1)), start=D(2012, 1, 1), end=D(2012, 12, 31))
    plan = plan_service_orders([ag], D(2012, 11, 1), D(2013, 2, 1))
    assert dates(plan) == ["2012-11-01", "2012-12-01"]


def test_d365_ten_day_interval_over_one_month_gives_days_0_10_20() -> None:
    ag = agreement(line(interval=Interval.days(10)), start=D(2024, 4, 1))
    plan = plan_service_orders([ag], D(2024, 4, 1), D(2024, 4, 30))
    assert dates(plan) == ["2024-04-01", "2024-04-11", "2024-04-21"]


def test_a_line_ending_in_march_yields_nothing_for_october_to_december() -> None:
    ag = agreement(line(end=D(2024, 3, 31)), start=D(2024, 1, 1))
    assert plan_service_orders([ag], D(2024, 10, 1), D(2024, 12, 31)).orders == ()


def _april_2007(
    combine_by: CombineBy, second_start: pendulum.Date | None = None
) -> list[tuple[str, str, tuple[str, ...]]]:
    """The D365 combine example: X-1 weekly (line 1), X-2 biweekly (2) and weekly (3),
    planned over April 2007; ``second_start`` starts X-2's two lines on another day."""
    ag = agreement(
        line("1", service_object_id="X-1", interval=Interval.weeks(1)),
        line("2", service_object_id="X-2", interval=Interval.weeks(2), start=second_start),
        line("3", service_object_id="X-2", interval=Interval.weeks(1), start=second_start),
        start=D(2007, 4, 1),
        objects=("X-1", "X-2"),
        combine_by=combine_by,
    )
    plan = plan_service_orders([ag], D(2007, 4, 1), D(2007, 4, 30))
    return [
        (str(o.preferred_date), o.combine_key, tuple(pl.agreement_line_id for pl in o.lines))
        for o in plan.orders
    ]


def test_d365_combine_by_object_weekly_and_biweekly_april_2007_gives_10_orders() -> None:
    # Domain notes 1.3 step 5: by object, 5 dates x 2 objects = 10 orders; the biweekly
    # line 2 (1, 15, 29 April) joins the weekly line 3 on X-2's orders.
    assert _april_2007(CombineBy.OBJECT) == [
        ("2007-04-01", "object:X-1", ("1",)),
        ("2007-04-01", "object:X-2", ("2", "3")),
        ("2007-04-08", "object:X-1", ("1",)),
        ("2007-04-08", "object:X-2", ("3",)),
        ("2007-04-15", "object:X-1", ("1",)),
        ("2007-04-15", "object:X-2", ("2", "3")),
        ("2007-04-22", "object:X-1", ("1",)),
        ("2007-04-22", "object:X-2", ("3",)),
        ("2007-04-29", "object:X-1", ("1",)),
        ("2007-04-29", "object:X-2", ("2", "3")),
    ]


def test_combined_by_agreement_the_same_lines_give_5_orders() -> None:
    # The biweekly dates (1, 15, 29) are weekly dates too: one order per date.
    assert _april_2007(CombineBy.AGREEMENT) == [
        ("2007-04-01", "agreement:AG-1", ("1", "2", "3")),
        ("2007-04-08", "agreement:AG-1", ("1", "3")),
        ("2007-04-15", "agreement:AG-1", ("1", "2", "3")),
        ("2007-04-22", "agreement:AG-1", ("1", "3")),
        ("2007-04-29", "agreement:AG-1", ("1", "2", "3")),
    ]


def test_combined_by_agreement_series_starting_on_two_days_give_10_orders() -> None:
    # X-1 weekly from Sunday 1 April; X-2 weekly and biweekly from Monday 2 April: the two
    # objects never share a date, so combining by agreement still gives 10 orders.
    assert _april_2007(CombineBy.AGREEMENT, second_start=D(2007, 4, 2)) == [
        ("2007-04-01", "agreement:AG-1", ("1",)),
        ("2007-04-02", "agreement:AG-1", ("2", "3")),
        ("2007-04-08", "agreement:AG-1", ("1",)),
        ("2007-04-09", "agreement:AG-1", ("3",)),
        ("2007-04-15", "agreement:AG-1", ("1",)),
        ("2007-04-16", "agreement:AG-1", ("2", "3")),
        ("2007-04-22", "agreement:AG-1", ("1",)),
        ("2007-04-23", "agreement:AG-1", ("3",)),
        ("2007-04-29", "agreement:AG-1", ("1",)),
        ("2007-04-30", "agreement:AG-1", ("2", "3")),
    ]


def test_combine_by_worker_and_task() -> None:
    ag = agreement(
        line("1", worker_id="W1", service_task_id="T1"),
        line("2", worker_id="W2", service_task_id="T1"),
        tasks=("T1",),
        combine_by=CombineBy.WORKER,
    )
    plan = plan_service_orders([ag], D(2024, 1, 1), D(2024, 1, 31))
    assert [o.combine_key for o in plan.orders] == ["worker:W1", "worker:W2"]
    by_task = plan_service_orders(
        [evolve(ag, combine_by=CombineBy.TASK)], D(2024, 1, 1), D(2024, 1, 31)
    )
    assert [o.combine_key for o in by_task.orders] == ["task:T1"]


def test_suspended_stopped_and_template_give_nothing() -> None:
    ag = agreement(line("1"), line("2"))
    suspended, _ = suspend_agreement(ag, at=AT)
    template, _ = make_template(ag, "TPL", order_count=0, at=AT)
    stopped, _ = stop_line(ag, "1", at=AT)
    jan = (D(2024, 1, 1), D(2024, 1, 31))
    assert plan_service_orders([suspended], *jan).orders == ()
    assert plan_service_orders([template], *jan).orders == ()
    lines = [
        pl.agreement_line_id for o in plan_service_orders([stopped], *jan).orders for pl in o.lines
    ]
    assert lines == ["2"]


def test_transaction_type_filter() -> None:
    ag = agreement(line("1"), line("2", transaction_type=TransactionType.HOUR, worker_id="W"))
    plan = plan_service_orders(
        [ag], D(2024, 1, 1), D(2024, 1, 31), transaction_types=[TransactionType.HOUR]
    )
    assert [pl.agreement_line_id for o in plan.orders for pl in o.lines] == ["2"]


def test_a_line_without_interval_is_due_once_on_its_start() -> None:
    ag = agreement(line(interval=None, start=D(2024, 2, 10)))
    assert dates(plan_service_orders([ag], D(2024, 1, 1), D(2024, 12, 31))) == ["2024-02-10"]
    assert plan_service_orders([ag], D(2024, 3, 1), D(2024, 12, 31)).orders == ()


def test_occurrences_jump_to_the_range_from_the_line_start() -> None:
    ag = agreement(line(interval=Interval.weeks(3)), start=D(2000, 1, 3))  # a Monday
    plan = plan_service_orders([ag], D(2024, 1, 1), D(2024, 1, 31))
    # 2000-01-03 + 418 * 21 days = 8778 days later = 2024-01-15; the next is 2024-02-05
    assert dates(plan) == ["2024-01-15"]


OFFICE = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])


def test_a_week_window_moves_lines_to_one_open_day() -> None:
    # 2024-06-03 is a Monday; line 1 falls on 06-03 and on Saturday 06-08 (closed)
    ag = agreement(
        line("1", interval=Interval.days(5), time_window=TimeWindow.week()),
        line("2", interval=Interval.weeks(1), time_window=TimeWindow.week()),
        start=D(2024, 6, 3),
    )
    plan = plan_service_orders([ag], D(2024, 6, 3), D(2024, 6, 9), calendar=OFFICE)
    assert len(plan.orders) == 1
    order = plan.orders[0]
    assert str(order.preferred_date) == "2024-06-03"
    assert [(pl.agreement_line_id, str(pl.calculated_date)) for pl in order.lines] == [
        ("1", "2024-06-03"),
        ("2", "2024-06-03"),
        ("1", "2024-06-08"),
    ]
    assert not any(pl.no_open_day for pl in order.lines)


def test_without_window_a_closed_day_keeps_its_date_and_is_flagged() -> None:
    ag = agreement(line(interval=None, start=D(2024, 6, 8)))
    plan = plan_service_orders([ag], D(2024, 6, 1), D(2024, 6, 30), calendar=OFFICE)
    assert dates(plan) == ["2024-06-08"]
    assert plan.orders[0].lines[0].no_open_day is True


def test_a_manual_window_with_no_open_day_is_flagged() -> None:
    window = TimeWindow.manual(0, 1)  # Saturday or Sunday
    ag = agreement(line(interval=None, start=D(2024, 6, 8), time_window=window))
    plan = plan_service_orders([ag], D(2024, 6, 1), D(2024, 6, 30), calendar=OFFICE)
    assert dates(plan) == ["2024-06-08"]
    assert plan.orders[0].lines[0].no_open_day


def test_month_window_is_clipped_to_the_agreement() -> None:
    ag = agreement(
        line(interval=None, start=D(2024, 6, 29), time_window=TimeWindow.month()),
        start=D(2024, 6, 29),
    )
    plan = plan_service_orders([ag], D(2024, 6, 1), D(2024, 6, 30), calendar=OFFICE)
    # 29 and 30 June 2024 are a weekend and the window cannot leave the agreement
    assert dates(plan) == ["2024-06-29"]
    assert plan.orders[0].lines[0].no_open_day


def test_without_continuous_dates_up_to_generated_through_are_skipped() -> None:
    ag = agreement(line(generated_through=D(2024, 2, 1)))
    jan_to_apr = (D(2024, 1, 1), D(2024, 4, 30))
    assert dates(plan_service_orders([ag], *jan_to_apr)) == ["2024-03-01", "2024-04-01"]
    assert dates(plan_service_orders([ag], *jan_to_apr, continuous=True)) == [
        "2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01",
    ]  # fmt: skip


def test_relations_and_header_fields_are_copied() -> None:
    ag = agreement(
        line(service_object_id="X-1"),
        objects=("X-1",),
        sla_id="GOLD",
        preferred_technician_id="T",
        service_manager_id="M",
        project_id="P",
    )
    order = plan_service_orders([ag], D(2024, 1, 1), D(2024, 1, 1)).orders[0]
    assert order.lines[0].relation_ids == ("X-1",)
    assert (order.sla_id, order.preferred_technician_id, order.service_manager_id) == (
        "GOLD",
        "T",
        "M",
    )
    assert (order.project_id, order.customer_id, order.currency) == ("P", "C-1", "EUR")


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (D(2024, 2, 1), D(2024, 1, 31), "end"),
        (D(2000, 1, 1), D(2024, 1, 1), "end"),
    ],
)
def test_bad_ranges_are_refused(start: pendulum.Date, end: pendulum.Date, field: str) -> None:
    with pytest.raises(ValidationError) as e:
        plan_service_orders([agreement(line())], start, end)
    assert e.value.field == field


def test_a_zero_interval_is_refused_where_the_line_is_built() -> None:
    with pytest.raises(ValidationError) as e:
        Interval.days(0)
    assert e.value.field == "n" or "n" in str(e.value)
