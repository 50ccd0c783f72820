"""Service BOM history: append-only, and replaying it gives the current structure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from servicecore.bom import Bom, BomIndex, UnitOfMeasure
from servicecore.service_objects import ServiceObject, replay
from servicecore.testing.strategies import bom_forests

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PCS = UnitOfMeasure("pcs", 0)
BUILT = dt.date(2024, 1, 1)


@given(bom_forests(max_items=5, max_lines=3, max_versions=1), st.data())
def test_history_is_append_only_and_replay_gives_the_structure(
    forest: list[Bom], data: st.DataObject
) -> None:
    index = BomIndex.build(forest)
    obj = ServiceObject(
        company_id="ACME", id="O", item_id="I0", serial="S", customer_id="C", built_on=BUILT
    )
    obj, _ = obj.instantiate_service_bom(index.explode("I0", 1, BUILT), at=AT)
    day = BUILT
    snapshots = []
    for _ in range(data.draw(st.integers(1, 8))):
        sbom = obj.service_bom
        assert sbom is not None
        snapshots.append((day, sbom.structure))
        day += dt.timedelta(days=data.draw(st.integers(0, 30)))
        lines = sbom.structure
        action = data.draw(st.sampled_from(["add", "remove", "replace", "qty"]))
        if action == "add" or not lines:
            ids = [ln.line_id for ln in lines]
            parent = data.draw(st.none() | st.sampled_from(ids)) if ids else None
            new, _ = obj.add_part("NEW", 2, PCS, on=day, at=AT, parent_line_id=parent)
        else:
            target = data.draw(st.sampled_from(lines))
            if action == "remove":
                new, _ = obj.remove_part(target.line_id, on=day, at=AT)
            elif action == "qty":
                step = Decimal(1).scaleb(-target.unit.decimals)
                new, _ = obj.change_quantity(target.line_id, target.quantity + step, on=day, at=AT)
            else:
                new, events = obj.replace_part(target.line_id, new_component="SPARE", on=day, at=AT)
                assert events[-1].event_type == "SparePartRequired"
        old_bom, new_bom = obj.service_bom, new.service_bom
        assert old_bom is not None
        assert new_bom is not None
        # Append-only: the old history is an unchanged prefix; as-built never moves.
        assert new_bom.history[: len(old_bom.history)] == old_bom.history
        assert len(new_bom.history) == len(old_bom.history) + 1
        assert new_bom.as_built == old_bom.as_built
        assert replay(new_bom.as_built, new_bom.history) == new_bom.structure
        obj = new
    final = obj.service_bom
    assert final is not None
    assert final.structure_on(day) == final.structure
    # Every earlier structure is derivable: the first k history lines replay to what the
    # structure was before change k+1, and by date whenever the next change is on a later day.
    for k, (when, structure) in enumerate(snapshots):
        assert replay(final.as_built, final.history[:k]) == structure
        if k == len(final.history) or final.history[k].on > when:
            assert final.structure_on(when) == structure
