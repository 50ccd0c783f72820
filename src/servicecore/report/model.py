"""What a service manager reads about a running business: the report's values.

A :class:`Report` is plain data: counts, percentages, Money and dates, gathered from the
units of work by :mod:`servicecore.report.collect` and rendered as text
(:func:`servicecore.report.render_text`) or as one self-contained HTML page
(:func:`servicecore.report.render_html`). Keeping it apart from the rendering means a host
can render it its own way, and the renderers can be tested on a report written by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
from attrs import frozen

from servicecore.money import Money

__all__ = [
    "BreachReason",
    "Report",
    "RevenueMonth",
    "SlaTier",
    "StageCount",
    "SymptomResolution",
    "TimelineBar",
    "Utilisation",
]


@frozen
class StageCount:
    """How many service orders stand in one stage."""

    stage: str
    orders: int


@frozen
class BreachReason:
    """A reason given for SLA breaches, and how often it was given."""

    reason: str
    count: int


@frozen
class SlaTier:
    """SLA compliance of one tier (an SLA id such as ``GOLD``): clocks met and breached."""

    tier: str
    met: int
    breached: int
    reasons: tuple[BreachReason, ...] = ()

    @property
    def measured(self) -> int:
        """Clocks with an outcome: met plus breached."""
        return self.met + self.breached

    @property
    def compliance(self) -> Decimal | None:
        """Percentage met, to one decimal; ``None`` when nothing was measured."""
        if not self.measured:
            return None
        return (Decimal(100 * self.met) / self.measured).quantize(Decimal("0.1"))


@frozen
class Utilisation:
    """Booked against available working hours of one technician over the report's span."""

    technician: str
    booked_hours: Decimal
    available_hours: Decimal

    @property
    def percent(self) -> Decimal | None:
        """Booked hours as a percentage of available hours; ``None`` without any."""
        if not self.available_hours:
            return None
        return (100 * self.booked_hours / self.available_hours).quantize(Decimal("0.1"))


@frozen
class SymptomResolution:
    """How often a resolution fixed a symptom in finished repairs."""

    symptom: str
    resolution: str
    repairs: int


@frozen
class RevenueMonth:
    """One month of subscription revenue: invoiced, recognised, and deferred at its end."""

    month: pendulum.Date
    invoiced: Money
    recognised: Money
    deferred: Money


@frozen
class TimelineBar:
    """One booking on the dispatch board: a technician's busy span."""

    technician: str
    start: pendulum.DateTime
    end: pendulum.DateTime
    label: str


@frozen(kw_only=True)
class Report:
    """Everything ``servicecore report`` shows, as of one date, in one currency."""

    company_id: str
    as_of: pendulum.Date
    currency: str
    orders_by_stage: tuple[StageCount, ...] = ()
    sla_tiers: tuple[SlaTier, ...] = ()
    utilisation: tuple[Utilisation, ...] = ()
    symptom_resolutions: tuple[SymptomResolution, ...] = ()
    revenue: tuple[RevenueMonth, ...] = ()
    mrr: Money | None = None
    arr: Money | None = None
    timeline: tuple[TimelineBar, ...] = ()
    timeline_week: pendulum.Date | None = None
    """Monday of the week the timeline shows."""
