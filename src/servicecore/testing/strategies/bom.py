"""Strategies for items, BOMs, service objects and repairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from servicecore import bom as _bom
from servicecore import repairs as _rep
from servicecore import service_objects as _so
from servicecore.money import Money
from servicecore.testing.strategies.kernel import (
    ids,
)

__all__ = [
    "bom_dates",
    "bom_forests",
    "bom_lines",
    "bom_outputs",
    "bom_quantities",
    "bom_versions",
    "byproduct_lines",
    "component_prices",
    "cost_rollups",
    "items",
    "object_relations",
    "repair_codes",
    "repair_stages",
    "repairs",
    "scrap_percentages",
    "service_boms",
    "service_objects",
    "stock_levels",
    "units_of_measure",
]

# -- BOM, service objects and repairs (issue 5) -------------------------------------------


UNITS = (_bom.UnitOfMeasure("pcs", 0), _bom.UnitOfMeasure("kg", 3), _bom.UnitOfMeasure("m", 2))


def units_of_measure() -> st.SearchStrategy[_bom.UnitOfMeasure]:
    """Divisible and indivisible units."""
    return st.sampled_from(UNITS)


def bom_quantities() -> st.SearchStrategy[Decimal]:
    """Positive quantities with up to 3 decimals (0.001 .. 50)."""
    return st.integers(1, 50_000).map(lambda n: Decimal(n).scaleb(-3))


def scrap_percentages() -> st.SearchStrategy[Decimal]:
    """Scrap percentages, often 0, up to 25.5 %."""
    return st.one_of(st.just(Decimal(0)), st.integers(1, 255).map(lambda n: Decimal(n).scaleb(-1)))


@st.composite
def bom_forests(
    draw: st.DrawFn,
    *,
    company_id: str = "ACME",
    max_items: int = 8,
    max_versions: int = 3,
    max_lines: int = 4,
    pins: bool = True,
    phantoms: bool = True,
    outputs: bool = False,
    byproducts: bool = False,
) -> list[_bom.Bom]:
    """Random BOM forests, acyclic by construction, every version active.

    Items are ``I0..In``; a line of item ``i`` only uses items ``j > i`` (leaves ``P0..``
    too), so no date can combine versions into a cycle. Each BOM has 1..``max_versions``
    versions with consecutive effectivity from 2024-01-01 (the last open-ended); lines may
    be phantoms or pin a version of their component. With ``outputs`` a version makes
    :func:`bom_outputs` units; with ``byproducts`` it may end with a by-product line
    (``BP0..BP2``, position 100).
    """
    n = draw(st.integers(1, max_items))
    version_counts = [draw(st.integers(1, max_versions)) for _ in range(n)]
    boms: list[_bom.Bom] = []
    for i in range(n):
        count = version_counts[i]
        gaps = draw(st.lists(st.integers(1, 200), min_size=count, max_size=count))
        starts = [dt.date(2024, 1, 1) + dt.timedelta(days=sum(gaps[:k])) for k in range(count)]
        versions = []
        for k in range(count):
            lines = []
            positions = draw(
                st.lists(
                    st.integers(1, 99),
                    min_size=0 if i == n - 1 else 1,
                    max_size=max_lines,
                    unique=True,
                )
            )
            for position in positions:
                sub = draw(st.one_of(st.none(), st.integers(i + 1, n - 1))) if i < n - 1 else None
                component = f"P{draw(st.integers(0, 5))}" if sub is None else f"I{sub}"
                pin = (
                    draw(st.one_of(st.none(), st.integers(1, version_counts[sub])))
                    if pins and sub is not None
                    else None
                )
                lines.append(
                    _bom.BomLine(
                        position,
                        component,
                        draw(bom_quantities()),
                        draw(units_of_measure()),
                        draw(scrap_percentages()),
                        draw(st.booleans()) if phantoms and sub is not None else False,
                        pin,
                    )
                )
            if byproducts and draw(st.booleans()):
                lines.append(draw(byproduct_lines(position=100)))
            versions.append(
                _bom.BomVersion(
                    k + 1,
                    _bom.BomStatus.ACTIVE,
                    starts[k],
                    starts[k + 1] if k + 1 < count else None,
                    tuple(lines),
                    output=draw(bom_outputs()) if outputs else Decimal(1),
                )
            )
        boms.append(_bom.Bom(company_id=company_id, id=f"I{i}", versions=tuple(versions)))
    return boms


def bom_outputs() -> st.SearchStrategy[Decimal]:
    """Output quantities of a version that every :func:`bom_quantities` value divides by
    exactly (powers of 2 and 5 only), 1 often."""
    return st.sampled_from([Decimal(v) for v in ("1", "1", "2", "4", "5", "8", "10", "0.5")])


def byproduct_lines(*, position: int | None = None) -> st.SearchStrategy[_bom.BomLine]:
    """By-product lines ``BP0..BP2`` (no scrap, phantom or pin)."""
    return st.builds(
        lambda pos, comp, qty, unit: _bom.BomLine(pos, comp, qty, unit, byproduct=True),
        st.just(position) if position is not None else st.integers(1, 99),
        st.integers(0, 2).map("BP{}".format),
        bom_quantities(),
        units_of_measure(),
    )


def component_prices(
    components: list[str], currency: str = "EUR"
) -> st.SearchStrategy[dict[str, Money]]:
    """A price (0 .. 999.99, cents) for each of ``components``."""
    return st.fixed_dictionaries(
        {c: st.integers(0, 99_999).map(lambda n: Money.from_minor(n, currency)) for c in components}
    )


def stock_levels(components: list[str]) -> st.SearchStrategy[dict[str, Decimal]]:
    """Stock on hand (0 .. 500, up to 4 decimals) for some of ``components``."""
    return st.dictionaries(
        st.sampled_from(components) if components else st.nothing(),
        st.integers(0, 5_000_000).map(lambda n: Decimal(n).scaleb(-4)),
    )


@st.composite
def cost_rollups(draw: st.DrawFn, currency: str = "EUR") -> _bom.CostRollup:
    """Roll-ups of explosions of :func:`bom_forests` (with outputs and by-products)."""
    forest = draw(bom_forests(outputs=True, byproducts=True, max_items=4, max_lines=3))
    index = _bom.BomIndex.build(forest)
    x = index.explode(forest[0].id, draw(bom_quantities()), forest[0].versions[0].effective_from)
    prices = draw(component_prices(sorted({*x.leaf_totals, *x.byproducts}), currency))
    return _bom.roll_up_cost(x, prices, currency)


def bom_dates() -> st.SearchStrategy[dt.date]:
    """Dates around the effectivity of :func:`bom_forests` (2023-12 .. 2026)."""
    return st.dates(min_value=dt.date(2023, 12, 1), max_value=dt.date(2026, 12, 31))


@st.composite
def repair_codes(draw: st.DrawFn, *, company_id: str = "ACME") -> _rep.RepairCodes:
    """Code sets with 1..3 areas per kind, 1..3 codes per area and 2..4 stages."""
    names = st.sampled_from(["A", "B", "C", "D", "E"])

    def areas(prefix: str) -> dict[str, list[str]]:
        keys = draw(st.lists(names, min_size=1, max_size=3, unique=True))
        return {
            f"{prefix}{k}": [
                f"{prefix}{k}-{c}"
                for c in draw(st.lists(names, min_size=1, max_size=3, unique=True))
            ]
            for k in keys
        }

    stage_count = draw(st.integers(2, 4))
    finished = draw(st.lists(st.booleans(), min_size=stage_count, max_size=stage_count))
    finished[-1] = True
    return _rep.RepairCodes.of(
        company_id,
        "CODES",
        conditions=[f"C{k}" for k in draw(st.lists(names, max_size=3, unique=True))],
        symptoms=areas("S"),
        diagnoses=areas("D"),
        resolutions=[f"R{k}" for k in draw(st.lists(names, min_size=1, max_size=3, unique=True))],
        stages=[_rep.RepairStage(f"ST{k}", finished=f) for k, f in enumerate(finished)],
    )


def _register_bom_types() -> None:
    st.register_type_strategy(_bom.UnitOfMeasure, units_of_measure())
    st.register_type_strategy(_bom.Bom, bom_forests().map(lambda forest: forest[0]))
    st.register_type_strategy(_rep.RepairCodes, repair_codes())
    st.register_type_strategy(_bom.Item, items())
    st.register_type_strategy(_bom.BomLine, bom_lines())
    st.register_type_strategy(_bom.BomVersion, bom_versions())
    st.register_type_strategy(_bom.BomIndex, bom_forests().map(_bom.BomIndex.build))
    st.register_type_strategy(_bom.CostRollup, cost_rollups())
    st.register_type_strategy(_so.ServiceObject, service_objects())
    st.register_type_strategy(_so.ServiceBom, service_boms())
    st.register_type_strategy(_so.ObjectRelation, object_relations())
    st.register_type_strategy(_rep.RepairStage, repair_stages())
    st.register_type_strategy(_rep.Repair, repairs())


# -- more BOM, service-object and repair types (registered for st.from_type) ---------------


def items(company_id: str = "ACME") -> st.SearchStrategy[_bom.Item]:
    """Items ``I0..I9`` and leaves ``P0..P5`` with a unit and an optional name."""
    return st.builds(
        lambda ident, uom, name: _bom.Item(company_id=company_id, id=ident, uom=uom, name=name),
        st.one_of(st.integers(0, 9).map("I{}".format), st.integers(0, 5).map("P{}".format)),
        units_of_measure(),
        st.sampled_from(["", "pump", "screw"]),
    )


def bom_lines(max_position: int = 99) -> st.SearchStrategy[_bom.BomLine]:
    """Valid lines of any shape: scrap, phantom flag and pin included."""
    return st.builds(
        _bom.BomLine,
        st.integers(1, max_position),
        st.one_of(st.integers(0, 9).map("I{}".format), st.integers(0, 5).map("P{}".format)),
        bom_quantities(),
        units_of_measure(),
        scrap_percentages(),
        st.booleans(),
        st.one_of(st.none(), st.integers(1, 3)),
    )


@st.composite
def bom_versions(draw: st.DrawFn, *, number: int = 1) -> _bom.BomVersion:
    """A version of any status with 0..4 lines (unique positions) and a valid effectivity."""
    lines = draw(st.lists(bom_lines(), max_size=4, unique_by=lambda ln: ln.position))
    start = draw(bom_dates())
    end = draw(st.one_of(st.none(), st.integers(1, 400).map(lambda n: start + dt.timedelta(n))))
    return _bom.BomVersion(number, draw(st.sampled_from(_bom.BomStatus)), start, end, lines)


@st.composite
def service_objects(
    draw: st.DrawFn, *, company_id: str = "ACME", with_service_bom: bool | None = None
) -> _so.ServiceObject:
    """Objects of item ``I0`` of a random :func:`bom_forests` forest, built on a date its
    version 1 is effective (installed the same day or later, or not at all); with a service
    BOM instantiated from that explosion when ``with_service_bom`` (default: either)."""
    forest = draw(bom_forests(company_id=company_id, max_items=4, max_lines=3))
    built = forest[0].versions[0].effective_from
    installed = draw(st.one_of(st.none(), st.integers(0, 90).map(lambda n: built.add(days=n))))
    obj = _so.ServiceObject(
        company_id=company_id,
        id=draw(ids("OBJ")),
        item_id=forest[0].id,
        serial=draw(ids("SN")),
        customer_id=draw(ids("CUST")),
        built_on=draw(st.one_of(st.just(built), st.none())) if installed else built,
        installed_on=installed,
    )
    if with_service_bom is None:
        with_service_bom = draw(st.booleans())
    if with_service_bom:
        date = obj.bom_date
        assert date is not None
        explosion = _bom.BomIndex.build(forest).explode(obj.item_id, 1, date)
        obj, _ = obj.instantiate_service_bom(explosion, at=_STRATEGY_AT)
    return obj


_STRATEGY_AT = pendulum.datetime(2024, 1, 1, 8, tz="UTC")


def service_boms() -> st.SearchStrategy[_so.ServiceBom]:
    """As-built service BOMs (no history yet) of :func:`service_objects`."""
    return service_objects(with_service_bom=True).map(_service_bom_of)


def _service_bom_of(obj: _so.ServiceObject) -> _so.ServiceBom:
    assert obj.service_bom is not None
    return obj.service_bom


def object_relations(
    company_id: str = "ACME", *, object_id: str | None = None
) -> st.SearchStrategy[_so.ObjectRelation]:
    """Relations of an object to an agreement or a service order."""
    return st.builds(
        lambda ident, obj, kind, owner: _so.ObjectRelation(
            company_id=company_id, id=ident, object_id=obj, owner_kind=kind, owner_id=owner
        ),
        ids("REL"),
        st.just(object_id) if object_id is not None else ids("OBJ"),
        st.sampled_from(_so.OwnerKind),
        ids("SO"),
    )


def repair_stages() -> st.SearchStrategy[_rep.RepairStage]:
    return st.builds(
        _rep.RepairStage,
        st.sampled_from(["OPEN", "DIAG", "WAIT", "DONE"]),
        st.sampled_from(["", "in the workshop"]),
        st.booleans(),
    )


@st.composite
def repairs(draw: st.DrawFn, *, company_id: str = "ACME") -> _rep.Repair:
    """Repairs opened through :meth:`Repair.open` on a service order's relation (codes
    drawn from :func:`repair_codes`, so they always belong to their areas), then possibly
    diagnosed, resolved and moved to another stage."""
    codes = draw(repair_codes(company_id=company_id))
    obj = draw(service_objects(company_id=company_id))
    order = draw(ids("SO"))
    relation = _so.ObjectRelation(
        company_id=company_id,
        id=draw(ids("REL")),
        object_id=obj.id,
        owner_kind=_so.OwnerKind.SERVICE_ORDER,
        owner_id=order,
    )
    opened_at = _STRATEGY_AT.add(minutes=draw(st.integers(0, 60 * 24 * 365)))

    def area_code(areas: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        area = draw(st.one_of(st.none(), st.sampled_from(sorted(areas))))
        return {} if area is None else {"area": area, "code": draw(st.sampled_from(areas[area]))}

    symptom = area_code(codes.symptom_areas)
    repair, _ = _rep.Repair.open(
        codes,
        relation,
        obj,
        repair_id=draw(ids("R")),
        order_id=order,
        at=opened_at,
        technician=draw(st.one_of(st.none(), ids("TECH"))),
        condition=draw(
            st.one_of(st.none(), st.sampled_from(codes.conditions))
            if codes.conditions
            else st.none()
        ),
        symptom_area=symptom.get("area"),
        symptom_code=symptom.get("code"),
    )
    later = opened_at.add(minutes=draw(st.integers(0, 60 * 24 * 30)))
    if draw(st.booleans()):
        diagnosis = area_code(codes.diagnosis_areas)
        repair, _ = repair.record_codes(
            codes,
            at=later,
            diagnosis_area=diagnosis.get("area"),
            diagnosis_code=diagnosis.get("code"),
            resolution=draw(st.sampled_from(codes.resolutions)),
        )
    stage = draw(st.sampled_from(codes.stages))
    if stage.id != repair.stage_id:
        repair, _ = repair.move_to_stage(codes, stage.id, at=later)
    return repair


def register() -> None:
    """Register BOM, service-object and repair types for ``st.from_type``."""
    _register_bom_types()
