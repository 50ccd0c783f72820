"""Bad-input entries for BOM output quantities, by-products, cost roll-up and kit
availability (found by tests/bad_input/entries.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum

import servicecore.bom.costing as costing
from servicecore import bom
from servicecore.money import Currency, Money
from tests.bad_input.engine import Entry, call, method

MODULES: tuple[Any, ...] = (costing,)

AT = pendulum.datetime(2024, 3, 1, 9)
DAY = dt.date(2024, 3, 1)
PCS, KG = bom.UnitOfMeasure("pcs", 0), bom.UnitOfMeasure("kg", 3)

EXCLUDED: dict[str, str] = {
    "servicecore.bom.MAX_EXPLOSION_LINES": "a constant",
    "servicecore.bom.MAX_STOCK": "a constant",
    "servicecore.bom.costing.MAX_STOCK": "a constant",
}


def _index() -> bom.BomIndex:
    def released(item: str, lines: list[bom.BomLine], output: int = 1) -> bom.Bom:
        made, _ = bom.Bom.create(
            "ACME", item, lines=lines, effective_from=DAY, at=AT, output=output
        )
        return made.approve(1, catalog=[], at=AT)[0].activate(1, at=AT)[0]

    kit = released(
        "KIT",
        [
            bom.BomLine(10, "BOLT", 2, PCS),
            bom.BomLine(20, "SUB", 1, PCS),
            bom.BomLine(30, "SWARF", "0.2", KG, byproduct=True),
        ],
        output=4,
    )
    sub = released("SUB", [bom.BomLine(10, "OIL", "0.5", KG)])
    return bom.BomIndex.build([kit, sub])


def _prices() -> dict[str, Money]:
    return {"BOLT": Money.of("0.25", "EUR"), "OIL": Money.of("4", "EUR")}


def _version() -> bom.BomVersion:
    return bom.BomVersion(
        1, bom.BomStatus.DRAFT, DAY, None, [bom.BomLine(10, "BOLT", 2, PCS)], output=4
    )


def entries() -> list[Entry]:
    b, c = "servicecore.bom.", "servicecore.bom.costing."

    def rollup() -> Any:
        x = _index().explode("KIT", 8, DAY)
        return call(costing.roll_up_cost, explosion=x, prices=_prices(), currency="EUR")

    def kits() -> Any:
        return call(
            costing.kits_available,
            index=_index(),
            item="KIT",
            as_of=DAY,
            stock={"BOLT": 10, "OIL": "1.5"},
        )

    def built() -> Any:
        eur = Currency.of("EUR")
        return call(
            costing.CostRollup,
            currency=eur,
            by_level=(Money.of("1", "EUR"),),
            by_component={"BOLT": Money.of("1", "EUR")},
            materials=Money.of("1", "EUR"),
            byproduct_credit=Money.zero(eur),
            total=Money.of("1", "EUR"),
        )

    out: list[Entry] = []
    for prefix in (b, c):
        out += [
            Entry(prefix + "roll_up_cost", rollup),
            Entry(prefix + "kits_available", kits),
            Entry(prefix + "CostRollup", built),
        ]
    out += [
        Entry(
            b + "BomVersion.per_unit",
            lambda: method(_version(), "per_unit", line=bom.BomLine(10, "BOLT", 2, PCS)),
        ),
        Entry(
            b + "BomVersion",
            lambda: call(
                bom.BomVersion,
                number=1,
                status=bom.BomStatus.DRAFT,
                effective_from=DAY,
                effective_to=None,
                lines=[bom.BomLine(10, "BOLT", 2, PCS)],
                revised_from=None,
                output=Decimal(4),
            ),
        ),
        Entry(
            b + "BomLine",
            lambda: call(
                bom.BomLine,
                position=10,
                component="SWARF",
                quantity=Decimal("0.2"),
                unit=KG,
                scrap_pct=Decimal(0),
                phantom=False,
                pin=None,
                byproduct=True,
            ),
        ),
        Entry(
            b + "Bom.create",
            lambda: call(
                bom.Bom.create,
                company_id="ACME",
                item_id="KIT",
                lines=[bom.BomLine(10, "BOLT", 2, PCS)],
                effective_from=DAY,
                effective_to=None,
                at=AT,
                output=4,
            ),
        ),
    ]
    return out
