"""Bad-input entries of ``servicecore.report`` (found by the sweep's table)."""

from __future__ import annotations

from typing import Any

from servicecore import report
from servicecore.dispatch import Booking, BookingStatus, Worker
from servicecore.orders import ServiceOrder, Stage, StageTree, new_service_order
from servicecore.report import collect
from servicecore.sla_clocks import StoredSlaClock

from . import valid as v
from .engine import Entry, call, fields_call, use_case

MODULES: tuple[Any, ...] = (report, collect)

EXCLUDED: dict[str, str] = {
    "servicecore.report.CHART_IDS": "a constant",
}

_P = "servicecore.report."


def _report() -> report.Report:
    return report.Report(company_id="ACME", as_of=v.DAY, currency="EUR")


def _order() -> ServiceOrder:
    tree = StageTree.define([Stage(id="new"), Stage(id="done", parent="new")])
    return new_service_order(
        company_id="ACME", id="SO-1", customer_id="C-1", currency="EUR", tree=tree, at=v.AT
    )


def _clock() -> StoredSlaClock:
    return StoredSlaClock(company_id="ACME", id="SO-1/resolution", clock=v.sla_clock())


def _worker() -> Worker:
    return Worker(company_id="ACME", id="ANNA", name="Anna", calendar=v.calendar())


def _booking() -> Booking:
    return Booking(
        company_id="ACME", id="B1", order_id="SO-1", line_id="1", worker_id="ANNA",
        start=v.AT, end=v.AT.add(hours=1), status=BookingStatus.DONE,
    )  # fmt: skip


def entries() -> list[Entry]:
    def add(key: str, build: Any) -> Entry:
        return Entry(_P + key, build)

    values: list[Entry] = [
        add(name, lambda name=name: fields_call(getattr(report, name)))
        for name in (
            "BreachReason",
            "Report",
            "RevenueMonth",
            "SlaTier",
            "StageCount",
            "SymptomResolution",
            "TimelineBar",
            "Utilisation",
        )
    ]
    return [
        *values,
        add("render_text", lambda: call(report.render_text, report=_report())),
        add("render_html", lambda: call(report.render_html, report=_report())),
        add(
            "collect_report",
            lambda: use_case(report.collect_report, as_of=v.DAY, currency="EUR"),
        ),
        add(
            "monthly_revenue",
            lambda: call(
                report.monthly_revenue,
                subscriptions=[v.subscription()],
                groups=[v.group()],
                first_month=v.DAY,
                last_month=v.LATER,
                currency="EUR",
            ),
        ),
        add(
            "symptom_resolutions",
            lambda: call(report.symptom_resolutions, repairs=[v.finished_repair()], limit=3),
        ),
        add(
            "orders_by_stage",
            lambda: call(report.orders_by_stage, orders=[_order()], stages=["new", "done"]),
        ),
        add(
            "sla_compliance",
            lambda: call(
                report.sla_compliance, clocks=[_clock()], orders=[_order()], at=v.AT.add(days=1)
            ),
        ),
        add(
            "collect.collect_report",
            lambda: use_case(collect.collect_report, as_of=v.DAY, currency="EUR"),
        ),
        add(
            "collect.monthly_revenue",
            lambda: call(
                collect.monthly_revenue,
                subscriptions=[v.subscription()],
                groups=[v.group()],
                first_month=v.DAY,
                last_month=v.LATER,
                currency="EUR",
            ),
        ),
        add(
            "collect.orders_by_stage",
            lambda: call(collect.orders_by_stage, orders=[_order()], stages=["new", "done"]),
        ),
        add(
            "collect.sla_compliance",
            lambda: call(
                collect.sla_compliance, clocks=[_clock()], orders=[_order()], at=v.AT.add(days=1)
            ),
        ),
        add(
            "collect.symptom_resolutions",
            lambda: call(collect.symptom_resolutions, repairs=[v.finished_repair()], limit=3),
        ),
        add(
            "technician_utilisation",
            lambda: call(
                report.technician_utilisation,
                workers=[_worker()],
                bookings=[_booking()],
                start=v.AT,
                end=v.AT.add(days=7),
            ),
        ),
        add(
            "dispatch_timeline",
            lambda: call(report.dispatch_timeline, bookings=[_booking()], week=v.DAY),
        ),
        add("timeline_week", lambda: call(report.timeline_week, as_of=v.DAY)),
        add(
            "collect.technician_utilisation",
            lambda: call(
                collect.technician_utilisation,
                workers=[_worker()],
                bookings=[_booking()],
                start=v.AT,
                end=v.AT.add(days=7),
            ),
        ),
        add(
            "collect.dispatch_timeline",
            lambda: call(collect.dispatch_timeline, bookings=[_booking()], week=v.DAY),
        ),
        add("collect.timeline_week", lambda: call(collect.timeline_week, as_of=v.DAY)),
    ]
