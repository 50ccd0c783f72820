"""``servicecore report``: what a service manager wants to read, as text or as HTML.

See docs/demo.md. :class:`Report` is plain data; :func:`render_text` prints it for the
terminal, :func:`render_html` writes one self-contained page with charts (optional extra
``servicecore[report]``).
"""

from __future__ import annotations

from servicecore.report.collect import (
    collect_report,
    dispatch_timeline,
    monthly_revenue,
    orders_by_stage,
    sla_compliance,
    symptom_resolutions,
    technician_utilisation,
    timeline_week,
)
from servicecore.report.html import CHART_IDS, render_html
from servicecore.report.model import (
    BreachReason,
    Report,
    RevenueMonth,
    SlaTier,
    StageCount,
    SymptomResolution,
    TimelineBar,
    Utilisation,
)
from servicecore.report.text import render_text

__all__ = [
    "CHART_IDS",
    "BreachReason",
    "Report",
    "RevenueMonth",
    "SlaTier",
    "StageCount",
    "SymptomResolution",
    "TimelineBar",
    "Utilisation",
    "collect_report",
    "dispatch_timeline",
    "monthly_revenue",
    "orders_by_stage",
    "render_html",
    "render_text",
    "sla_compliance",
    "symptom_resolutions",
    "technician_utilisation",
    "timeline_week",
]
