"""The report as one self-contained HTML page with charts (matplotlib, drawn as inline SVG).

No script, no stylesheet or font from the network: the page opens offline, in a browser or
an e-mail client. Charts are SVG elements inside ``<figure id="chart-...">``: revenue per
month, SLA compliance per tier, and the dispatch board of one week as a timeline per
technician. matplotlib comes with the optional extra ``servicecore[report]``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from typing import Any

import pendulum

from servicecore.errors import ServiceCoreError
from servicecore.ports import check_type
from servicecore.report.model import Report

__all__ = ["CHART_IDS", "render_html"]

CHART_IDS = ("chart-revenue", "chart-sla", "chart-timeline")
"""The ids of the page's chart figures, in page order."""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
.kpi { display: inline-block; margin-right: 2rem; font-size: 1.2rem; }
"""


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - the dev extra installs matplotlib
        raise ServiceCoreError(
            "the HTML report draws its charts with matplotlib: install the optional extra "
            "servicecore[report]"
        ) from exc
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "servicecore"})
    return plt


def _svg(draw: Callable[[Any, Any], None], width: float, height: float) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        draw(fig, ax)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _revenue_chart(report: Report) -> str:
    months = [r.month.format("YYYY-MM") for r in report.revenue]

    def draw(_fig: Any, ax: Any) -> None:
        series = [
            ("invoiced", [float(r.invoiced.amount) for r in report.revenue], "#4c72b0"),
            ("recognised", [float(r.recognised.amount) for r in report.revenue], "#55a868"),
            ("deferred", [float(r.deferred.amount) for r in report.revenue], "#c44e52"),
        ]
        width = 0.27
        for i, (label, values, colour) in enumerate(series):
            xs = [x + (i - 1) * width for x in range(len(months))]
            ax.bar(xs, values, width, label=label, color=colour)
        ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
        ax.set_ylabel(report.currency)
        ax.set_title("Subscription revenue per month")
        ax.legend()

    return _svg(draw, 8, 3.6)


def _sla_chart(report: Report) -> str:
    tiers = [t for t in report.sla_tiers if t.compliance is not None]

    def draw(_fig: Any, ax: Any) -> None:
        values = [float(t.compliance or 0) for t in tiers]
        bars = ax.bar([t.tier for t in tiers], values, color="#8172b2")
        ax.bar_label(bars, labels=[f"{v:.1f} %" for v in values])
        ax.set_ylim(0, 105)
        ax.set_ylabel("% met")
        ax.set_title("SLA compliance per tier")

    return _svg(draw, 5, 3.2)


def _timeline_chart(report: Report) -> str:
    technicians = sorted({b.technician for b in report.timeline})
    week = report.timeline_week

    def draw(_fig: Any, ax: Any) -> None:
        origin = week if week is not None else min(b.start for b in report.timeline).date()
        for row, technician in enumerate(technicians):
            spans = []
            for bar in report.timeline:
                if bar.technician != technician:
                    continue
                # local wall-clock hours since the week's first midnight, as the board shows
                midnight = pendulum.naive(origin.year, origin.month, origin.day)
                start = (bar.start.naive() - midnight).total_seconds() / 3600
                spans.append((start, (bar.end - bar.start).total_seconds() / 3600))
            ax.broken_barh(spans, (row - 0.35, 0.7), color="#dd8452")
        ax.set_yticks(range(len(technicians)), technicians)
        days = [origin.add(days=d) for d in range(7)]
        ax.set_xticks([24 * d + 12 for d in range(7)], [d.format("ddd D MMM") for d in days])
        for d in range(1, 7):
            ax.axvline(24 * d, color="#ccc", linewidth=0.8)
        ax.set_xlim(0, 24 * 7)
        ax.set_title(f"Dispatch board, week of {origin}")

    return _svg(draw, 9, 0.6 + 0.45 * max(len(technicians), 1))


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(chart_id: str, svg: str | None, empty: str) -> str:
    inner = svg if svg is not None else f"<p>{html.escape(empty)}</p>"
    return f'<figure id="{chart_id}">{inner}</figure>'


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no network access when opened)."""
    check_type(report, Report, "report")
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>servicecore report {esc(report.company_id)} {report.as_of}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>servicecore report: {esc(report.company_id)}, as of {report.as_of}</h1>",
        f'<p><span class="kpi">MRR {esc(str(report.mrr or "-"))}</span>'
        f'<span class="kpi">ARR {esc(str(report.arr or "-"))}</span></p>',
        "<h2>Subscription revenue per month</h2>",
        _figure(
            CHART_IDS[0], _revenue_chart(report) if report.revenue else None, "No revenue yet."
        ),
        _table(
            ["month", "invoiced", "recognised", "deferred"],
            [
                (
                    r.month.format("YYYY-MM"),
                    r.invoiced.amount,
                    r.recognised.amount,
                    r.deferred.amount,
                )
                for r in report.revenue
            ],
        ),
        "<h2>SLA compliance per tier</h2>",
        _figure(
            CHART_IDS[1],
            _sla_chart(report) if any(t.measured for t in report.sla_tiers) else None,
            "No SLA clock has an outcome yet.",
        ),
        _table(
            ["tier", "met", "breached", "compliance %"],
            [(t.tier, t.met, t.breached, t.compliance or "-") for t in report.sla_tiers],
        ),
        _table(
            ["tier", "breach reason", "breaches"],
            [(t.tier, r.reason, r.count) for t in report.sla_tiers for r in t.reasons],
        ),
        "<h2>Dispatch board</h2>",
        _figure(
            CHART_IDS[2],
            _timeline_chart(report) if report.timeline else None,
            "No booking in the week shown.",
        ),
        "<h2>Service orders by stage</h2>",
        _table(["stage", "orders"], [(s.stage, s.orders) for s in report.orders_by_stage]),
        "<h2>Technician utilisation</h2>",
        "" if report.utilisation else "<p>No technician on the dispatch board.</p>",
        _table(
            ["technician", "booked h", "available h", "utilisation %"],
            [
                (u.technician, u.booked_hours, u.available_hours, u.percent or "-")
                for u in report.utilisation
            ],
        ),
        "<h2>Top symptom &rarr; resolution</h2>",
        _table(
            ["symptom", "resolution", "repairs"],
            [(s.symptom, s.resolution, s.repairs) for s in report.symptom_resolutions],
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
