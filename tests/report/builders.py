"""A report written by hand, so the renderers are tested on known values."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from servicecore.money import Money
from servicecore.report import (
    BreachReason,
    Report,
    RevenueMonth,
    SlaTier,
    StageCount,
    SymptomResolution,
    TimelineBar,
    Utilisation,
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def at(day: int, hour: int) -> pendulum.DateTime:
    return pendulum.datetime(2024, 3, day, hour, tz="Europe/Stockholm")


def sample_report() -> Report:
    return Report(
        company_id="ACME",
        as_of=pendulum.date(2024, 3, 31),
        currency="EUR",
        orders_by_stage=(StageCount("Created", 4), StageCount("Posted", 11)),
        sla_tiers=(
            SlaTier("GOLD", met=9, breached=1, reasons=(BreachReason("waiting for parts", 1),)),
            SlaTier("SILVER", met=3, breached=1),
        ),
        utilisation=(Utilisation("TECH-ANNA", Decimal("30"), Decimal("40")),),
        symptom_resolutions=(SymptomResolution("pump leaks", "replace seal", 3),),
        revenue=(
            RevenueMonth(pendulum.date(2024, 1, 1), eur("300.00"), eur("100.00"), eur("200.00")),
            RevenueMonth(pendulum.date(2024, 2, 1), eur("0.00"), eur("100.00"), eur("100.00")),
        ),
        mrr=eur("100.00"),
        arr=eur("1200.00"),
        timeline=(
            TimelineBar("TECH-ANNA", at(4, 8), at(4, 12), "SO-1/1"),
            TimelineBar("TECH-BO", at(5, 13), at(5, 17), "SO-2/1"),
        ),
        timeline_week=pendulum.date(2024, 3, 4),
    )
