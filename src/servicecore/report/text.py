"""The report as text for the terminal: one aligned table per section."""

from __future__ import annotations

from collections.abc import Sequence

from servicecore.ports import check_type
from servicecore.report.model import Report

__all__ = ["render_text"]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  " + "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    return [line(headers), "  " + "  ".join("-" * w for w in widths), *map(line, rows)]


def _pct(value: object) -> str:
    return "-" if value is None else f"{value} %"


def render_text(report: Report) -> str:
    """The whole report as text, sections in the order a service manager reads them."""
    check_type(report, Report, "report")
    out = [f"servicecore report: {report.company_id}, as of {report.as_of}, in {report.currency}"]

    out += ["", "Service orders by stage"]
    out += _table(["stage", "orders"], [(s.stage, str(s.orders)) for s in report.orders_by_stage])

    out += ["", "SLA compliance per tier"]
    out += _table(
        ["tier", "met", "breached", "compliance"],
        [(t.tier, str(t.met), str(t.breached), _pct(t.compliance)) for t in report.sla_tiers],
    )
    reasons = [(t.tier, r.reason, str(r.count)) for t in report.sla_tiers for r in t.reasons]
    if reasons:
        out += ["", "Breach reasons"]
        out += _table(["tier", "reason", "breaches"], reasons)

    out += ["", "Technician utilisation"]
    if not report.utilisation:
        out += ["  (none: no technician on the dispatch board)"]
    out += (
        []
        if not report.utilisation
        else _table(
            ["technician", "booked h", "available h", "utilisation"],
            [
                (u.technician, str(u.booked_hours), str(u.available_hours), _pct(u.percent))
                for u in report.utilisation
            ],
        )
    )

    out += ["", "Top symptom -> resolution"]
    out += _table(
        ["symptom", "resolution", "repairs"],
        [(s.symptom, s.resolution, str(s.repairs)) for s in report.symptom_resolutions],
    )

    out += ["", "Subscription revenue per month"]
    out += _table(
        ["month", "invoiced", "recognised", "deferred"],
        [
            (
                r.month.format("YYYY-MM"),
                str(r.invoiced.amount),
                str(r.recognised.amount),
                str(r.deferred.amount),
            )
            for r in report.revenue
        ],
    )
    mrr = "-" if report.mrr is None else str(report.mrr)
    arr = "-" if report.arr is None else str(report.arr)
    out += ["", f"MRR {mrr}    ARR {arr}"]
    return "\n".join(out) + "\n"
