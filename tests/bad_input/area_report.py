"""Bad-input entries of ``servicecore.report`` (found by the sweep's table)."""

from __future__ import annotations

from typing import Any

from servicecore import report
from servicecore.report import collect

from . import valid as v
from .engine import Entry, call, fields_call, use_case

MODULES: tuple[Any, ...] = (report, collect)

EXCLUDED: dict[str, str] = {
    "servicecore.report.CHART_IDS": "a constant",
}

_P = "servicecore.report."


def _report() -> report.Report:
    return report.Report(company_id="ACME", as_of=v.DAY, currency="EUR")


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
            "collect.symptom_resolutions",
            lambda: call(collect.symptom_resolutions, repairs=[v.finished_repair()], limit=3),
        ),
    ]
