"""Output quantities, by-products, cost roll-up and kit availability (issue 17 item 4), and
the lazily built ``Explosion.lines`` (issue 16 row 6). Expected values are hand-computed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from servicecore.bom import (
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    BomVersion,
    CostRollup,
    UnitOfMeasure,
    diff_versions,
    kits_available,
    naive_explode,
    roll_up_cost,
)
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    NotFoundError,
    ValidationError,
)
from servicecore.money import Money

PCS, KG = UnitOfMeasure("pcs", 0), UnitOfMeasure("kg", 3)
AT = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
JAN = dt.date(2024, 1, 1)
DAY = dt.date(2024, 3, 1)


def released(item: str, lines: list[BomLine], output: int | str = 1) -> Bom:
    bom, _ = Bom.create("ACME", item, lines=lines, effective_from=JAN, at=AT, output=output)
    return bom.approve(1, catalog=[], at=AT)[0].activate(1, at=AT)[0]


def pump_index() -> BomIndex:
    return BomIndex.build(pump_boms())


PRICES = {
    "SCREW": Money.of("0.10", "EUR"),
    "OIL": Money.of("3.50", "EUR"),
    "ROTOR": Money.of("12.00", "EUR"),
    "WASHER": Money.of("0.05", "EUR"),
    "SWARF": Money.of("0.20", "EUR"),
}


# -- output quantity ------------------------------------------------------------------------


def test_explosion_divides_by_the_output_quantity() -> None:
    x = pump_index().explode("PUMP", 8, DAY)  # 8 pumps = 2 batches of 4
    rows = [(ln.level, ln.key, ln.component, ln.quantity, ln.rounded_quantity) for ln in x.lines]
    assert rows == [
        (1, "10", "MOTOR", Decimal(2), Decimal(2)),
        (2, "10.10", "ROTOR", Decimal(2), Decimal(2)),
        (2, "10.20", "SCREW", Decimal(8), Decimal(8)),
        (2, "10.30.10", "WASHER", Decimal(4), Decimal(4)),
        (1, "20", "SCREW", Decimal(16), Decimal(16)),
        (1, "30", "OIL", Decimal(2), Decimal("2.000")),
    ]
    assert dict(x.totals) == {
        "MOTOR": Decimal(2),
        "ROTOR": Decimal(2),
        "SCREW": Decimal(24),
        "WASHER": Decimal(4),
        "OIL": Decimal(2),
    }


def test_output_quantity_gives_fractions_of_a_line_per_unit() -> None:
    x = pump_index().explode("PUMP", 1, DAY)
    assert dict(x.totals)["OIL"] == Decimal("0.25")
    assert dict(x.rounded_totals)["MOTOR"] == Decimal(1)  # 0.25 motor rounds up to 1 piece
    assert dict(x.totals)["MOTOR"] == Decimal("0.25")


def test_naive_explode_divides_by_the_output_too() -> None:
    index = pump_index()
    boms = {
        "PUMP": released(
            "PUMP",
            [BomLine(10, "SCREW", 8, PCS), BomLine(20, "SWARF", 1, KG, byproduct=True)],
            output=4,
        )
    }
    assert naive_explode(boms, "PUMP", Decimal(3), DAY) == [(1, "SCREW", Decimal(6))]
    x = index.explode("PUMP", 8, DAY)
    assert [(ln.level, ln.component, ln.quantity) for ln in x.lines] == naive_explode(
        {b.id: b for b in pump_boms()}, "PUMP", Decimal(8), DAY
    )


def pump_boms() -> list[Bom]:
    """PUMP makes 4 per batch (MOTOR 1, SCREW 8, OIL 1 kg, by-product SWARF 0.4 kg);
    MOTOR: ROTOR 1, SCREW 4, phantom KIT 1; KIT: WASHER 2, by-product COPPER 0.05 kg."""
    return [
        released(
            "PUMP",
            [
                BomLine(10, "MOTOR", 1, PCS),
                BomLine(20, "SCREW", 8, PCS),
                BomLine(30, "OIL", 1, KG),
                BomLine(40, "SWARF", "0.4", KG, byproduct=True),
            ],
            output=4,
        ),
        released(
            "MOTOR",
            [
                BomLine(10, "ROTOR", 1, PCS),
                BomLine(20, "SCREW", 4, PCS),
                BomLine(30, "KIT", 1, PCS, phantom=True),
            ],
        ),
        released(
            "KIT",
            [BomLine(10, "WASHER", 2, PCS), BomLine(20, "COPPER", "0.05", KG, byproduct=True)],
        ),
    ]


def test_an_output_that_does_not_divide_a_line_exactly_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"line 10.*not a terminating decimal"):
        BomVersion(1, BomStatus.DRAFT, JAN, None, [BomLine(10, "SCREW", 1, PCS)], output=3)
    ok = BomVersion(1, BomStatus.DRAFT, JAN, None, [BomLine(10, "SCREW", 6, PCS)], output=3)
    assert ok.per_unit(ok.lines[0]) == Decimal(2)
    scrap = BomLine(10, "SCREW", 4, PCS, scrap_pct=Decimal(5))  # 4.2 per batch of 8
    assert BomVersion(1, BomStatus.DRAFT, JAN, None, [scrap], output=8).per_unit(scrap) == (
        Decimal("0.525")
    )


def test_per_unit_refuses_a_line_the_output_does_not_divide() -> None:
    version = BomVersion(1, BomStatus.DRAFT, JAN, None, [BomLine(10, "SCREW", 6, PCS)], output=3)
    stray = BomLine(20, "NUT", 1, PCS)  # not a line of the version: 1 per 3 units = 0.333...
    with pytest.raises(ValidationError, match="does not terminate") as err:
        version.per_unit(stray)
    assert (err.value.field, err.value.value) == ("line", stray)


@pytest.mark.parametrize("bad", [0, -2, "1e9", "0.0000001", 1.5, None, "x"])
def test_a_bad_output_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="output"):
        BomVersion(1, BomStatus.DRAFT, JAN, None, (), output=bad)


def test_revise_keeps_the_output_and_edit_draft_changes_it() -> None:
    bom = released("PUMP", [BomLine(10, "SCREW", 8, PCS)], output=4)
    assert bom.versions[0].output == Decimal(4)
    bom, _ = bom.revise(1, at=AT)
    assert bom.versions[1].output == Decimal(4)
    bom, _ = bom.edit_draft(2, output=2)
    assert bom.versions[1].output == Decimal(2)
    assert bom.versions[1].per_unit(bom.versions[1].lines[0]) == Decimal(4)
    bom, _ = bom.add_draft(lines=[], effective_from=JAN, at=AT)
    assert bom.versions[2].output == Decimal(1)
    diff = diff_versions(bom.versions[0], bom.versions[1])
    assert diff.output == (Decimal(4), Decimal(2))
    assert not diff.is_empty
    assert diff_versions(bom.versions[0], bom.versions[0]).is_empty


# -- by-products ------------------------------------------------------------------------------


def test_byproducts_are_made_not_consumed() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    assert "SWARF" not in x.totals
    assert "COPPER" not in x.totals
    assert all(ln.component not in ("SWARF", "COPPER") for ln in x.lines)
    # SWARF: 0.4 per 4 pumps x 8; COPPER: 0.05 per kit x 1 kit per motor x 2 motors
    assert dict(x.byproducts) == {"SWARF": Decimal("0.8"), "COPPER": Decimal("0.1")}
    assert pump_index().where_used("SWARF", DAY) == ()


def test_a_byproduct_line_cannot_be_phantom_pinned_or_scrapped() -> None:
    for kwargs in ({"phantom": True}, {"pin": 1}, {"scrap_pct": Decimal(5)}):
        with pytest.raises(ValidationError, match="by-product"):
            BomLine(10, "SWARF", 1, KG, byproduct=True, **kwargs)
    with pytest.raises(ValidationError, match="byproduct must be a bool"):
        BomLine(10, "SWARF", 1, KG, byproduct=1)  # type: ignore[arg-type]


def test_a_byproduct_whose_bom_uses_the_parent_is_no_cycle() -> None:
    a = released("A", [BomLine(10, "P", 1, PCS), BomLine(20, "B", 1, PCS, byproduct=True)])
    b, _ = Bom.create("ACME", "B", lines=[BomLine(10, "A", 1, PCS)], effective_from=JAN, at=AT)
    b, _ = b.approve(1, catalog=[a], at=AT)  # B consumes A, A only produces B
    b, _ = b.activate(1, at=AT)
    x = BomIndex.build([a, b]).explode("B", 1, DAY)
    assert [ln.component for ln in x.lines] == ["A", "P"]
    assert dict(x.byproducts) == {"B": Decimal(1)}


# -- leaf totals and cost roll-up -------------------------------------------------------------


def test_leaf_totals_by_level() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    assert dict(x.leaf_totals) == {
        "ROTOR": Decimal(2),
        "SCREW": Decimal(24),
        "WASHER": Decimal(4),
        "OIL": Decimal(2),
    }
    assert [dict(level) for level in x.leaf_totals_by_level] == [
        {"SCREW": Decimal(16), "OIL": Decimal(2)},
        {"ROTOR": Decimal(2), "SCREW": Decimal(8), "WASHER": Decimal(4)},
    ]
    assert x.leaf_unit("OIL") == KG
    assert x.leaf_unit("SWARF") == KG


def test_leaf_unit_is_refused_for_what_is_neither_a_leaf_nor_a_byproduct() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    for component in ("MOTOR", "KIT", "NOPE"):  # a sub-assembly, a phantom, not in the BOM
        with pytest.raises(NotFoundError, match="neither a leaf component nor a by-product") as err:
            x.leaf_unit(component)
        assert (err.value.entity, err.value.id) == ("component", component)


def test_an_item_whose_bom_is_not_in_effect_on_the_date_is_a_leaf() -> None:
    # KIT has a BOM from 1 July only: in March a kit is bought or taken from stock whole
    # (and costed at its own price); from July on its lines are.
    jul = dt.date(2024, 7, 1)
    kit, _ = Bom.create(
        "ACME", "KIT", lines=[BomLine(10, "WASHER", 3, PCS)], effective_from=jul, at=AT
    )
    kit = kit.approve(1, catalog=[], at=AT)[0].activate(1, at=AT)[0]
    root = released("R", [BomLine(10, "KIT", 2, PCS), BomLine(20, "OIL", "0.5", KG)])
    index = BomIndex.build([root, kit])
    prices = {
        "KIT": Money.of("5.00", "EUR"),
        "OIL": Money.of("3.50", "EUR"),
        "WASHER": Money.of("0.05", "EUR"),
    }
    march = index.explode("R", 4, DAY)
    assert [dict(level) for level in march.leaf_totals_by_level] == [
        {"KIT": Decimal(8), "OIL": Decimal(2)}
    ]
    assert march.leaf_unit("KIT") == PCS
    # 8 kits x 5.00 + 2 kg x 3.50
    assert roll_up_cost(march, prices, "EUR").total == Money.of("47.00", "EUR")
    july = index.explode("R", 4, jul)
    assert [dict(level) for level in july.leaf_totals_by_level] == [
        {"OIL": Decimal(2)},
        {"WASHER": Decimal(24)},
    ]
    # 2 kg x 3.50 + 24 washers x 0.05; the kit's own price no longer counts
    assert roll_up_cost(july, prices, "EUR").total == Money.of("8.20", "EUR")


def test_a_cost_roll_up_holds_amounts_of_its_own_currency_only() -> None:
    eur, usd = Money.of("1", "EUR"), Money.of("1", "USD")
    ok = CostRollup(
        currency=eur.currency,
        by_level=(eur,),
        by_component={"SCREW": eur},
        materials=eur,
        byproduct_credit=Money.of("0", "EUR"),
        total=eur,
    )
    changes: list[tuple[str, dict[str, Any]]] = [
        ("by_level[0]", {"by_level": (usd,)}),
        ("by_component['SCREW']", {"by_component": {"SCREW": usd}}),
        ("materials", {"materials": usd}),
        ("byproduct_credit", {"byproduct_credit": Money.of("0", "USD")}),
        ("total", {"total": usd}),
    ]
    for name, change in changes:
        with pytest.raises(CurrencyMismatchError) as err:
            attrs.evolve(ok, **change)
        assert str(err.value) == f"{name} is in USD, the roll-up in EUR"
        assert (err.value.expected, err.value.actual) == ("EUR", "USD")


def test_cost_roll_up_by_level_with_byproduct_credit() -> None:
    cost = roll_up_cost(pump_index().explode("PUMP", 8, DAY), PRICES, "EUR")
    # level 1: 16 x 0.10 + 2 x 3.50 = 8.60; level 2: 2 x 12 + 8 x 0.10 + 4 x 0.05 = 25.00
    assert cost.by_level == (Money.of("8.60", "EUR"), Money.of("25.00", "EUR"))
    assert cost.materials == Money.of("33.60", "EUR")
    assert cost.by_component == {
        "ROTOR": Money.of("24", "EUR"),
        "SCREW": Money.of("2.40", "EUR"),
        "WASHER": Money.of("0.20", "EUR"),
        "OIL": Money.of("7", "EUR"),
    }
    # SWARF 0.8 kg x 0.20 credited; COPPER has no price: credited nothing
    assert cost.byproduct_credit == Money.of("0.16", "EUR")
    assert cost.total == Money.of("33.44", "EUR")
    assert isinstance(cost, CostRollup)


def test_cost_is_exact_and_rounded_by_the_host() -> None:
    index = BomIndex.build([released("KIT", [BomLine(10, "OIL", "0.125", KG)])])
    cost = roll_up_cost(index.explode("KIT", 1, DAY), {"OIL": Money.of("0.99", "EUR")}, "EUR")
    assert cost.total.amount == Decimal("0.12375")
    assert cost.total.rounded() == Money.of("0.12", "EUR")


def test_cost_refuses_mixed_currencies_and_missing_prices() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    with pytest.raises(CurrencyMismatchError, match=r"ROTOR.*USD"):
        roll_up_cost(x, {**PRICES, "ROTOR": Money.of("12", "USD")}, "EUR")
    with pytest.raises(ValidationError, match=r"no price.*\['OIL', 'WASHER'\]"):
        roll_up_cost(x, {"SCREW": PRICES["SCREW"], "ROTOR": PRICES["ROTOR"]}, "EUR")
    with pytest.raises(ValidationError, match="negative"):
        roll_up_cost(x, {**PRICES, "OIL": Money.of("-1", "EUR")}, "EUR")
    with pytest.raises(ValidationError, match="must be Money"):
        roll_up_cost(x, {**PRICES, "OIL": Decimal(1)}, "EUR")  # type: ignore[dict-item]


def test_a_price_given_for_a_sub_assembly_is_ignored() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    with_motor = roll_up_cost(x, {**PRICES, "MOTOR": Money.of("999", "EUR")}, "EUR")
    assert with_motor.total == Money.of("33.44", "EUR")


# -- kit availability -------------------------------------------------------------------------


def test_kits_available_is_the_largest_count_the_stock_allows() -> None:
    # per pump: SCREW 3, OIL 0.25 kg, ROTOR 0.25, WASHER 0.5
    stock: dict[str, Decimal | int | str] = {
        "SCREW": 100,
        "OIL": "2.9999",
        "ROTOR": 5,
        "WASHER": "9.5",
        "SWARF": 0,
    }
    # SCREW 33; OIL 2.999 kg usable (grams) -> 11; ROTOR 20; WASHER 9 pieces -> 18
    assert kits_available(pump_index(), "PUMP", DAY, stock) == 11
    assert kits_available(pump_index(), "PUMP", DAY, {**stock, "OIL": 3}) == 12


def test_kits_available_rounds_each_requirement_up_to_the_unit() -> None:
    index = BomIndex.build([released("KIT", [BomLine(10, "PIN", "0.3", PCS)])])
    # n kits need ceil(0.3 n) pins: 3 pins allow 10 kits (exactly 3), 2 pins allow 6 (1.8 -> 2)
    assert kits_available(index, "KIT", DAY, {"PIN": 3}) == 10
    assert kits_available(index, "KIT", DAY, {"PIN": 2}) == 6
    assert kits_available(index, "KIT", DAY, {"PIN": 0}) == 0


def test_kits_available_with_a_component_out_of_stock_is_zero() -> None:
    assert kits_available(pump_index(), "PUMP", DAY, {"SCREW": 100}) == 0


def test_kits_available_refuses_bad_stock_and_an_empty_bom() -> None:
    with pytest.raises(ValidationError, match="stock"):
        kits_available(pump_index(), "PUMP", DAY, {"SCREW": -1})
    with pytest.raises(ValidationError, match="stock"):
        kits_available(pump_index(), "PUMP", DAY, {"SCREW": "1e15"})
    with pytest.raises(ValidationError, match="stock"):
        kits_available(pump_index(), "PUMP", DAY, [("SCREW", 1)])  # type: ignore[arg-type]
    empty = BomIndex.build([released("E", [BomLine(10, "X", 1, PCS, byproduct=True)])])
    with pytest.raises(BusinessRuleError, match="needs no leaf component"):
        kits_available(empty, "E", DAY, {})


# -- lazily built lines (issue 16 row 6) ------------------------------------------------------


def test_lines_behave_as_the_tuple_of_their_values() -> None:
    x = pump_index().explode("PUMP", 8, DAY)
    lines = x.lines
    as_tuple = tuple(lines)
    assert len(lines) == 6 == len(x)
    assert lines == as_tuple
    assert as_tuple == lines
    assert hash(lines) == hash(as_tuple)
    assert repr(lines) == repr(as_tuple)
    assert lines[1:3] == as_tuple[1:3]
    assert isinstance(lines[1:3], tuple)
    assert lines[-1].component == "OIL"
    assert as_tuple[0] in lines
    assert list(reversed(lines)) == list(reversed(as_tuple))
    other: object = list(as_tuple)
    assert lines != other
    assert x.lines is lines  # kept
    assert pump_index().explode("PUMP", 8, DAY).lines == lines


def test_output_and_byproducts_survive_serialization_and_old_records_load() -> None:
    from servicecore import serialization

    bom = released(
        "A", [BomLine(10, "X", 2, PCS), BomLine(20, "Y", 1, PCS, byproduct=True)], output=4
    )
    data = serialization.unstructure(bom)
    assert serialization.structure(data, Bom) == bom
    version = data["versions"][0]
    del version["output"], version["lines"][1]["byproduct"]  # stored before this change
    old = serialization.structure(data, Bom)
    assert old.versions[0].output == Decimal(1)
    assert old.versions[0].lines[1].byproduct is False


def test_lines_are_ordinary_explosion_line_values() -> None:
    from servicecore.bom import ExplosionLine

    x = pump_index().explode("PUMP", 8, DAY)
    first = x.lines[0]
    assert type(first) is ExplosionLine
    assert first == ExplosionLine(1, (10,), "PUMP", "MOTOR", Decimal(2), Decimal(2), PCS, 1)
    assert hash(first) == hash(
        ExplosionLine(1, (10,), "PUMP", "MOTOR", Decimal(2), Decimal(2), PCS, 1)
    )
    assert first.key == "10"
    with pytest.raises(AttributeError):
        first.level = 3  # type: ignore[misc]
