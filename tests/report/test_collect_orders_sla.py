"""Orders by stage and SLA compliance per tier with breach reasons, worked out by hand."""

from __future__ import annotations

import pendulum

from servicecore.orders import ServiceOrder, Stage, StageTree, change_stage, new_service_order
from servicecore.report import BreachReason, SlaTier, StageCount
from servicecore.report.collect import orders_by_stage, sla_compliance
from servicecore.sla import (
    ClockKind,
    ClockRules,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
    Target,
)
from servicecore.sla_clocks import StoredSlaClock

TREE = StageTree.define(
    [Stage(id="new"), Stage(id="working", parent="new"), Stage(id="done", parent="working")]
)
T0 = pendulum.datetime(2024, 6, 3, 9, tz="UTC")


def _order(order_id: str, *moves: tuple[int, str, str | None]) -> ServiceOrder:
    order = new_service_order(
        company_id="ACME", id=order_id, customer_id="C-1", currency="EUR", tree=TREE, at=T0
    )
    for hours, stage, reason in moves:
        order, _ = change_stage(order, stage, tree=TREE, at=T0.add(hours=hours), reason=reason)
    return order


def _sla(sla_id: str) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        company_id="ACME",
        id=sla_id,
        name=sla_id,
        targets={"high": (None, Target.calendar_hours(4))},
        resolution=ClockRules(fulfil_statuses=["done"]),
    )


def _clock(
    sla_id: str, order: str, done_after: int | None = None, start: int = 0
) -> StoredSlaClock:
    clock = SlaClock.start(
        _sla(sla_id),
        ClockKind.RESOLUTION,
        subject_id=order,
        at=T0.add(hours=start),
        priority="high",
        status="new",
    )
    if done_after is not None:
        clock, _ = clock.record(StatusChange(T0.add(hours=done_after), "done"))
    return StoredSlaClock(company_id="ACME", id=f"{order}-clock", clock=clock)


def test_orders_by_stage_lists_the_given_stages_first_then_the_others_by_name() -> None:
    orders = [
        _order("SO-1"),
        _order("SO-2", (1, "working", None)),
        _order("SO-3", (1, "working", None)),
        _order("SO-4", (1, "working", None), (2, "done", None)),
    ]
    assert orders_by_stage(orders, ["done", "archived"]) == (
        StageCount("done", 1),
        StageCount("archived", 0),
        StageCount("new", 1),
        StageCount("working", 2),
    )
    assert orders_by_stage([]) == ()


def test_sla_compliance_counts_met_and_breached_with_the_reasons_given() -> None:
    orders = [
        _order("SO-1", (1, "working", None), (2, "done", None)),  # met after 2 h
        _order("SO-2", (1, "working", None), (6, "done", "part out of stock")),
        _order("SO-3", (1, "working", None), (7, "done", "part out of stock")),
        _order("SO-4", (1, "working", None), (9, "done", None)),  # late, no reason
        _order("SO-5"),  # still running at T0 + 10 h: breached at T0 + 4 h
        _order("SO-6"),  # still running, not breached (started at T0 + 8 h)
    ]
    clocks = [
        _clock("GOLD", "SO-1", done_after=2),
        _clock("GOLD", "SO-2", done_after=6),
        _clock("GOLD", "SO-3", done_after=7),
        _clock("GOLD", "SO-4", done_after=9),
        _clock("SILVER", "SO-5"),
        _clock("SILVER", "SO-6", start=8),
        _clock("SILVER", "SO-7", start=11),  # starts after the report's instant
    ]
    assert sla_compliance(clocks, orders, T0.add(hours=10)) == (
        SlaTier(
            "GOLD",
            met=1,
            breached=3,
            reasons=(BreachReason("part out of stock", 2), BreachReason("no reason given", 1)),
        ),
        SlaTier("SILVER", met=0, breached=1, reasons=(BreachReason("still open", 1),)),
    )
    # A clock whose order is not among the orders read has no reason to show.
    assert sla_compliance(clocks[1:2], [], T0.add(hours=10))[0].reasons == (
        BreachReason("no reason given", 1),
    )
