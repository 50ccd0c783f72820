"""BOM versions, explosion, cycles, overlap, where-used, diff (expected values by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from servicecore.bom import (
    BOM_LIFECYCLE,
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    BomVersion,
    Item,
    UnitOfMeasure,
    WhereUsed,
    diff_versions,
    find_cycle,
    naive_explode,
    to_quantity,
)
from servicecore.errors import (
    BusinessRuleError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from tests.builders.bom import AT, JAN, JUL, KG, PCS, line, pump_family, released, with_motor_v2


def test_explosion_with_scrap_on_several_levels_and_a_phantom() -> None:
    x = BomIndex.build(pump_family().values()).explode("PUMP", 3, dt.date(2024, 3, 1))
    rows = [(ln.level, ln.key, ln.component, ln.quantity, ln.rounded_quantity) for ln in x.lines]
    # By hand: HOUSING 3*2*1.10 = 6.6; its GASKET 6.6*0.125*1.02 = 0.8415 kg -> 0.842 kg;
    # MOTOR's SCREW 3*4*1.05 = 12.6 -> 13; the phantom KIT's children sit at level 1.
    assert rows == [
        (1, "10", "MOTOR", D("3"), D("3")),
        (2, "10.10", "ROTOR", D("3"), D("3")),
        (2, "10.20", "SCREW", D("12.6"), D("13")),
        (1, "20", "HOUSING", D("6.6"), D("7")),
        (2, "20.10", "SCREW", D("19.8"), D("20")),
        (2, "20.20", "GASKET", D("0.8415"), D("0.842")),
        (1, "30.10", "ORING", D("6"), D("6")),
        (1, "30.20", "SCREW", D("3"), D("3")),
    ]
    assert [ln.version for ln in x.lines] == [1, None, None, 1, None, None, None, None]
    assert x.version == 1
    assert x.totals == {
        "MOTOR": D("3"),
        "ROTOR": D("3"),
        "SCREW": D("35.4"),
        "HOUSING": D("6.6"),
        "GASKET": D("0.8415"),
        "ORING": D("6"),
    }
    assert x.rounded_totals["SCREW"] == D("36")  # 35.4 rounded up once
    assert x.rounded_totals["GASKET"] == D("0.842")
    assert len(x) == 8


def test_as_of_both_sides_of_a_version_switch() -> None:
    index = BomIndex.build(with_motor_v2(pump_family()).values())
    before = index.explode("MOTOR", 3, dt.date(2024, 6, 30))
    after = index.explode("MOTOR", 3, JUL)
    assert (before.version, after.version) == (1, 2)
    assert [(ln.component, ln.quantity) for ln in before.lines] == [
        ("ROTOR", D("3")),
        ("SCREW", D("12.6")),
    ]
    assert [(ln.component, ln.quantity) for ln in after.lines] == [
        ("ROTOR2", D("3")),
        ("SCREW", D("18")),
        ("BEARING", D("6")),
    ]
    assert index.effective_version("MOTOR", dt.date(2024, 6, 30)) == 1
    assert index.effective_version("MOTOR", JUL) == 2
    assert index.effective_version("MOTOR", dt.date(2023, 12, 31)) is None
    pump = index.explode("PUMP", 1, JUL)
    assert pump.lines[0].version == 2  # the node records the version used beneath it


def test_aggregate_effective_version_bisects() -> None:
    motor = with_motor_v2(pump_family())["MOTOR"]
    assert motor.effective_version(dt.date(2024, 6, 30)) is motor.get_version(1)
    assert motor.effective_version(JUL) is motor.get_version(2)
    assert motor.effective_version(dt.date(2023, 1, 1)) is None


def test_no_effective_version_is_not_found() -> None:
    index = BomIndex.build(pump_family().values())
    with pytest.raises(NotFoundError, match="no active BOM version effective on 2023-12-31"):
        index.explode("PUMP", 1, dt.date(2023, 12, 31))
    with pytest.raises(NotFoundError):
        index.explode("SCREW", 1, JAN)


def test_overlapping_active_versions_are_rejected_naming_both() -> None:
    pump = pump_family()["PUMP"]
    pump, _ = pump.revise(1, at=AT, effective_from=dt.date(2024, 3, 1))
    pump, _ = pump.approve(2, catalog=[], at=AT)
    with pytest.raises(BusinessRuleError, match=r"active versions 1 .* and 2 .* overlap") as err:
        pump.activate(2, at=AT)
    assert err.value.rule == "BOM-OVERLAP"
    closed, _ = pump.close(1, effective_to=dt.date(2024, 3, 1), at=AT)
    done, events = closed.activate(2, at=AT)
    assert [v.status for v in done.versions] == [BomStatus.ACTIVE, BomStatus.ACTIVE]
    assert events[0].event_type == "BomVersionStatusChanged"


def test_a_single_shared_day_is_an_overlap_and_touching_ends_are_not() -> None:
    # effective_to is exclusive: v1 closed to 2024-03-02 is still effective on 2024-03-01,
    # the day v2 starts, so the two share exactly one day and must be refused.
    pump = pump_family()["PUMP"]
    pump, _ = pump.revise(1, at=AT, effective_from=dt.date(2024, 3, 1))
    pump, _ = pump.approve(2, catalog=[], at=AT)
    one_day, _ = pump.close(1, effective_to=dt.date(2024, 3, 2), at=AT)
    with pytest.raises(BusinessRuleError, match=r"active versions 1 .* and 2 .* overlap"):
        one_day.activate(2, at=AT)
    # Ending on the very day v2 starts leaves no shared day: accepted.
    touching, _ = pump.close(1, effective_to=dt.date(2024, 3, 1), at=AT)
    done, _ = touching.activate(2, at=AT)
    assert done.effective_version(dt.date(2024, 2, 29)) is done.get_version(1)
    assert done.effective_version(dt.date(2024, 3, 1)) is done.get_version(2)


def test_cycle_across_versions_rejected_at_approval() -> None:
    a = released("A", [line(10, "B", "1")])
    b = released("B", [line(10, "C", "1")])
    b, _ = b.close(1, effective_to=dt.date(2024, 6, 1), at=AT)
    b, _ = b.add_draft(lines=[line(10, "A", "1")], effective_from=dt.date(2024, 6, 1), at=AT)
    with pytest.raises(
        BusinessRuleError, match=r"cycle A -> B -> A .effective together from 2024-06-01"
    ):
        b.approve(2, catalog=[a, b], at=AT)
    # The same draft is fine when A's version ends before B's new one begins.
    a_ended, _ = a.close(1, effective_to=dt.date(2024, 6, 1), at=AT)
    ok, _ = b.approve(2, catalog=[a_ended, b], at=AT)
    assert ok.get_version(2).status is BomStatus.APPROVED


def test_cycle_through_an_approved_not_yet_active_version() -> None:
    a = released("A", [line(10, "B", "1")])
    b, _ = Bom.create("ACME", "B", lines=[line(10, "A", "1")], effective_from=JAN, at=AT)
    with pytest.raises(BusinessRuleError, match="cycle"):
        b.approve(1, catalog=[a], at=AT)
    assert find_cycle([a]) is None


def test_cycle_through_a_pin() -> None:
    b = released("B", [line(10, "C", "1")], start=dt.date(2030, 1, 1))
    a, _ = Bom.create("ACME", "A", lines=[line(10, "B", "1", pin=1)], effective_from=JAN, at=AT)
    a, _ = a.approve(1, catalog=[b], at=AT)
    c, _ = Bom.create("ACME", "C", lines=[line(10, "A", "1")], effective_from=JAN, at=AT)
    # B#1 is not effective in 2024 but A pins it, so A -> B#1 -> C -> A exists.
    with pytest.raises(BusinessRuleError, match="cycle"):
        c.approve(1, catalog=[a, b], at=AT)


def test_pins_must_point_at_released_versions() -> None:
    b = released("B", [line(10, "C", "1")])
    a, _ = Bom.create("ACME", "A", lines=[line(10, "B", "1", pin=2)], effective_from=JAN, at=AT)
    with pytest.raises(BusinessRuleError, match="pins version 2 of 'B', which does not exist"):
        a.approve(1, catalog=[b], at=AT)
    b2, _ = b.add_draft(lines=[line(10, "D", "1")], effective_from=JUL, at=AT)
    with pytest.raises(BusinessRuleError, match="is draft"):
        a.approve(1, catalog=[b2], at=AT)


def test_pinned_version_is_used_whatever_the_date() -> None:
    boms = with_motor_v2(pump_family())
    pump, _ = Bom.create(
        "ACME", "PUMP2", lines=[line(10, "MOTOR", "1", pin=1)], effective_from=JAN, at=AT
    )
    pump, _ = pump.approve(1, catalog=boms.values(), at=AT)
    pump, _ = pump.activate(1, at=AT)
    index = BomIndex.build([*boms.values(), pump])
    x = index.explode("PUMP2", 1, dt.date(2024, 8, 1))
    assert [(ln.component, ln.version) for ln in x.lines] == [
        ("MOTOR", 1),
        ("ROTOR", None),
        ("SCREW", None),
    ]


def test_self_reference_refused() -> None:
    with pytest.raises(BusinessRuleError, match="its own component"):
        Bom.create("ACME", "A", lines=[line(10, "A", "1")], effective_from=JAN, at=AT)


def test_where_used_as_of_a_date() -> None:
    index = BomIndex.build(with_motor_v2(pump_family()).values())
    assert index.where_used("SCREW", dt.date(2024, 3, 1)) == (
        WhereUsed(1, "HOUSING", 1, 10, D("3")),
        WhereUsed(1, "KIT", 1, 20, D("1")),
        WhereUsed(1, "MOTOR", 1, 20, D("4.20")),
    )
    assert [w.parent for w in index.where_used("ROTOR", JUL)] == []
    assert index.where_used("ROTOR2", JUL) == (WhereUsed(1, "MOTOR", 2, 10, D("1")),)
    deep = index.where_used("ROTOR2", JUL, multi_level=True)
    assert [(w.level, w.parent) for w in deep] == [(1, "MOTOR"), (2, "PUMP")]


def test_where_used_lists_each_line_of_a_parent_once() -> None:
    # P uses C on two lines: two answers, one per line (not one per line per line).
    index = BomIndex.build([released("P", [line(10, "C", "1"), line(20, "C", "2")])])
    assert index.where_used("C", JAN) == (
        WhereUsed(1, "P", 1, 10, D("1")),
        WhereUsed(1, "P", 1, 20, D("2")),
    )


def test_multi_level_where_used_lists_a_parent_only_at_its_nearest_level() -> None:
    # D is used by B and E (level 1) and directly by A; A also uses B, so A is a level-1
    # parent and is not listed again at level 2. Q reaches D through B and through E: both
    # of its lines are listed, once each, at level 2.
    index = BomIndex.build(
        [
            released("B", [line(10, "D", "1")]),
            released("E", [line(10, "D", "2")]),
            released("A", [line(10, "D", "3"), line(20, "B", "1")]),
            released("Q", [line(10, "B", "1"), line(20, "E", "1")]),
        ]
    )
    assert index.where_used("D", JAN, multi_level=True) == (
        WhereUsed(1, "A", 1, 10, D("3")),
        WhereUsed(1, "B", 1, 10, D("1")),
        WhereUsed(1, "E", 1, 10, D("2")),
        WhereUsed(2, "Q", 1, 10, D("1")),
        WhereUsed(2, "Q", 1, 20, D("1")),
    )


def test_a_bom_is_identified_by_its_parent_item() -> None:
    bom, _ = Bom.create("ACME", "PUMP", lines=[line(10, "MOTOR", "1")], effective_from=JAN, at=AT)
    assert (bom.item_id, bom.id) == ("PUMP", "PUMP")


def test_diff_added_removed_changed() -> None:
    motor = with_motor_v2(pump_family())["MOTOR"]
    d = diff_versions(motor.get_version(1), motor.get_version(2))
    assert [(ln.position, ln.component) for ln in d.added] == [(10, "ROTOR2"), (30, "BEARING")]
    assert [(ln.position, ln.component) for ln in d.removed] == [(10, "ROTOR")]
    assert [(c.after.position, c.fields) for c in d.changed] == [(20, ("quantity", "scrap_pct"))]
    assert not d.is_empty
    assert diff_versions(motor.get_version(1), motor.get_version(1)).is_empty


def test_revise_copies_into_a_new_draft_and_only_drafts_are_edited() -> None:
    motor = pump_family()["MOTOR"]
    revised, events = motor.revise(1, at=AT)
    v2 = revised.get_version(2)
    assert (v2.status, v2.revised_from, v2.lines) == (
        BomStatus.DRAFT,
        1,
        motor.get_version(1).lines,
    )
    assert events[0].event_type == "BomVersionDrafted"
    edited, _ = revised.edit_draft(2, lines=[line(10, "ROTOR", "2")], effective_from=JUL)
    assert edited.get_version(2).lines == (line(10, "ROTOR", "2"),)
    assert edited.get_version(2).effective_from == JUL
    cleared, _ = edited.edit_draft(2, effective_to=dt.date(2025, 1, 1))
    assert cleared.get_version(2).effective_to == dt.date(2025, 1, 1)
    assert cleared.edit_draft(2, clear_effective_to=True)[0].get_version(2).effective_to is None
    with pytest.raises(BusinessRuleError, match="only drafts can be edited"):
        revised.edit_draft(1, lines=[])


def test_lifecycle_refuses_skipping_states() -> None:
    bom, _ = Bom.create("ACME", "X", lines=[], effective_from=JAN, at=AT)
    with pytest.raises(InvalidTransitionError, match="cannot activate"):
        bom.activate(1, at=AT)
    approved, _ = bom.approve(1, catalog=[], at=AT)
    archived, _ = approved.archive(1, at=AT)
    assert archived.get_version(1).status is BomStatus.ARCHIVED
    assert BOM_LIFECYCLE.is_final(BomStatus.ARCHIVED)
    with pytest.raises(BusinessRuleError, match="only approved or active"):
        bom.close(1, effective_to=JUL, at=AT)


def test_close_only_shortens() -> None:
    bom = released("X", [line(10, "Y", "1")])
    closed, _ = bom.close(1, effective_to=JUL, at=AT)
    with pytest.raises(BusinessRuleError, match="can only shorten"):
        closed.close(1, effective_to=dt.date(2025, 1, 1), at=AT)


def test_validation_messages() -> None:
    with pytest.raises(ValidationError, match="float"):
        to_quantity(1.5)
    with pytest.raises(ValidationError, match="greater than 0"):
        to_quantity("0")
    with pytest.raises(ValidationError, match="not a number"):
        to_quantity("abc")
    with pytest.raises(ValidationError, match="below 100"):
        BomLine(10, "X", D(1), PCS, D(100))
    with pytest.raises(ValidationError, match="position must be positive"):
        BomLine(0, "X", D(1), PCS)
    with pytest.raises(ValidationError, match="position must be an int"):
        BomLine("10", "X", D(1), PCS)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="pin must be"):
        BomLine(10, "X", D(1), PCS, pin=0)
    with pytest.raises(ValidationError, match="unit must be"):
        BomLine(10, "X", D(1), "pcs")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="phantom must be"):
        BomLine(10, "X", D(1), PCS, phantom="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="used twice"):
        BomVersion(1, BomStatus.DRAFT, JAN, None, (line(10, "X", "1"), line(10, "Y", "1")))
    with pytest.raises(ValidationError, match="must be BomLine"):
        BomVersion(1, BomStatus.DRAFT, JAN, None, ("X",))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be after effective_from"):
        BomVersion(1, BomStatus.DRAFT, JAN, JAN)
    with pytest.raises(ValidationError, match="datetime"):
        BomVersion(1, BomStatus.DRAFT, AT)
    with pytest.raises(ValidationError, match=r"numbered 1\.\.n"):
        Bom(company_id="ACME", id="X", versions=[BomVersion(2, BomStatus.DRAFT, JAN)])
    with pytest.raises(NotFoundError, match="has no version 3"):
        pump_family()["PUMP"].get_version(3)
    with pytest.raises(ValidationError, match="iterable of BomLine"):
        Bom.create("ACME", "X", lines="abc", effective_from=JAN, at=AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="decimals"):
        UnitOfMeasure("pcs", 12)
    with pytest.raises(ValidationError, match="decimals must be an int"):
        UnitOfMeasure("pcs", True)
    with pytest.raises(ValidationError, match="uom must be"):
        Item(company_id="ACME", id="X", uom="pcs")  # type: ignore[arg-type]
    with pytest.raises(BusinessRuleError, match="two BOM aggregates"):
        BomIndex.build([pump_family()["PUMP"], pump_family()["PUMP"]])


def test_unit_round_up() -> None:
    assert PCS.round_up(D("2.1")) == D("3")
    assert PCS.round_up(D("2")) == D("2")
    assert KG.round_up(D("0.0001")) == D("0.001")


def test_index_matches_naive_explosion() -> None:
    boms = with_motor_v2(pump_family())
    index = BomIndex.build(boms.values())
    for day in (dt.date(2024, 3, 1), JUL):
        x = index.explode("PUMP", 7, day)
        assert [(ln.level, ln.component, ln.quantity) for ln in x.lines] == naive_explode(
            boms, "PUMP", D(7), day
        )


def test_missing_pin_in_stored_data_is_reported() -> None:
    # Data that bypassed approval (e.g. loaded from elsewhere) still fails loudly.
    a = Bom(
        company_id="ACME",
        id="A",
        versions=[BomVersion(1, BomStatus.ACTIVE, JAN, None, (line(10, "B", "1", pin=5),))],
    )
    with pytest.raises(BusinessRuleError, match="pins version 5"):
        BomIndex.build([a]).explode("A", 1, JAN)


def test_cycle_in_stored_data_is_reported_by_explosion() -> None:
    a = Bom(
        company_id="ACME",
        id="A",
        versions=[BomVersion(1, BomStatus.ACTIVE, JAN, None, (line(10, "B", "1"),))],
    )
    b = Bom(
        company_id="ACME",
        id="B",
        versions=[BomVersion(1, BomStatus.ACTIVE, JAN, None, (line(10, "A", "1"),))],
    )
    assert find_cycle([a, b]) == ["A", "B", "A"]
    with pytest.raises(BusinessRuleError, match="cycle through 'A'"):
        BomIndex.build([a, b]).explode("A", 1, JAN)


def test_catalogs_must_hold_boms() -> None:
    bom, _ = Bom.create("ACME", "X", lines=[], effective_from=JAN, at=AT)
    with pytest.raises(ValidationError, match="iterable of Bom aggregates"):
        bom.approve(1, catalog=bom, at=AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Bom aggregates only, not str"):
        bom.approve(1, catalog=["PUMP"], at=AT)  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="Bom aggregates only"):
        BomIndex.build([1])  # type: ignore[list-item]


def test_a_component_whose_bom_is_not_effective_yet_or_any_more_is_a_leaf_that_day() -> None:
    boms = {
        "CART": released("CART", [line(10, "WHEEL", "4"), line(20, "FRAME", "1")]),
        "WHEEL": released("WHEEL", [line(10, "TYRE", "1")], start=JUL),  # from July only
        "FRAME": released("FRAME", [line(10, "TUBE", "3")]),
    }
    frame, _ = boms["FRAME"].close(1, effective_to=dt.date(2024, 4, 1), at=AT)  # ends in March
    boms["FRAME"] = frame
    index = BomIndex.build(boms.values())

    def shown(day: dt.date) -> list[tuple[str, str, D, int | None]]:
        return [
            (ln.key, ln.component, ln.quantity, ln.version)
            for ln in index.explode("CART", 2, day).lines
        ]

    assert shown(dt.date(2024, 2, 1)) == [
        ("10", "WHEEL", D(8), None),
        ("20", "FRAME", D(2), 1),
        ("20.10", "TUBE", D(6), None),
    ]
    assert shown(dt.date(2024, 5, 1)) == [("10", "WHEEL", D(8), None), ("20", "FRAME", D(2), None)]
    assert shown(JUL) == [
        ("10", "WHEEL", D(8), 1),
        ("10.10", "TYRE", D(8), None),
        ("20", "FRAME", D(2), None),
    ]
    assert index.explode("CART", 2, JUL).totals == {"WHEEL": D(8), "TYRE": D(8), "FRAME": D(2)}


def test_explosions_from_two_indexes_over_the_same_boms_are_equal() -> None:
    a = BomIndex.build(pump_family().values()).explode("PUMP", 3, JAN)
    b = BomIndex.build(pump_family().values()).explode("PUMP", 3, JAN)
    assert a == b
    assert hash(a) == hash(b)
    c = BomIndex.build(pump_family().values()).explode("PUMP", 2, JAN)
    assert a != c
    other = pump_family()
    other["KIT"] = released("KIT", [line(10, "ORING", "2"), line(25, "SCREW", "1")])
    assert BomIndex.build(other.values()).explode("PUMP", 3, JAN) != a


def test_bom_index_is_a_cache_object_not_a_value() -> None:
    # docs/bom.md, design notes: identity equality, results unchanged by its cache; what it
    # returns are frozen attrs values.
    import attrs

    from servicecore.bom import Explosion

    boms = list(pump_family().values())
    first, second = BomIndex.build(boms), BomIndex.build(boms)
    assert not attrs.has(BomIndex)
    assert first != second  # compared by identity
    assert first == first
    cold = first.explode("PUMP", 3, JAN)
    warm = first.explode("PUMP", 3, JAN)  # served from the cache
    # 3 pumps: motor 3 x 4 x 1.05 = 12.6, housings 3 x 2 x 1.1 x 3 = 19.8, kit 3 x 1 = 3
    assert cold.totals["SCREW"] == warm.totals["SCREW"] == D("35.4")
    assert [(ln.key, ln.quantity) for ln in warm.lines] == [
        (ln.key, ln.quantity) for ln in cold.lines
    ]
    assert attrs.has(Explosion)
    assert attrs.has(type(cold.lines[0]))
