"""Invariants 17 and 19 of the domain notes (section 9) as properties.

17. Return lines have negative quantities; referenced returns never exceed the invoiced
    quantity of the source line, cumulated over every return; a refused line changes nothing.
19. Disposition effects: the net inventory change is +qty for CREDIT and REPLACE_AND_CREDIT,
    0 for SCRAP, REPLACE_AND_SCRAP (received then scrapped), RETURN_TO_CUSTOMER and
    CREDIT_ONLY; a replacement is requested iff the action is a REPLACE one (or up front).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.errors import BusinessRuleError
from servicecore.events import DomainEvent
from servicecore.returns import (
    RETURN_ORDERS,
    RETURNED_QUANTITIES,
    DispositionAction,
    GoodsReceived,
    GoodsScrapped,
    GoodsShippedBack,
    ReplacementRequested,
    ReturnLineStatus,
    add_invoiced_line,
    cancel_return_order,
    create_return_order,
)
from tests.builders.returns import (
    AT,
    CODE_OF,
    LATER,
    clock,
    eur,
    invoiced,
    order,
    order_with_line,
    setup,
    store,
)

# What the host's inventory does for each event (written from the notes, not the code).
INVENTORY_SIGN = {GoodsReceived: 1, GoodsScrapped: -1, GoodsShippedBack: -1}
NET_SHARE = {  # net inventory change per returned unit
    DispositionAction.CREDIT: 1,
    DispositionAction.REPLACE_AND_CREDIT: 1,
    DispositionAction.SCRAP: 0,
    DispositionAction.REPLACE_AND_SCRAP: 0,
    DispositionAction.RETURN_TO_CUSTOMER: 0,
    DispositionAction.CREDIT_ONLY: 0,
}
REPLACING = {DispositionAction.REPLACE_AND_CREDIT, DispositionAction.REPLACE_AND_SCRAP}


def _net_inventory(events: tuple[DomainEvent, ...]) -> Decimal:
    return sum(
        (INVENTORY_SIGN[type(e)] * e.quantity for e in events if type(e) in INVENTORY_SIGN),  # type: ignore[attr-defined]
        Decimal(0),
    )


@settings(max_examples=40)
@given(
    invoiced_qty=st.integers(1, 12),
    attempts=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 8), st.booleans()), min_size=1, max_size=6
    ),
)
def test_returned_quantity_never_exceeds_the_invoiced_quantity(
    invoiced_qty: int, attempts: list[tuple[int, int, bool]]
) -> None:
    """Several return orders take from one sales line; some are cancelled again."""
    s = store()
    source = invoiced(quantity=str(invoiced_qty))
    with s.unit_of_work("ACME") as uow:
        rmas = [
            create_return_order(
                uow,
                customer_id="C-1",
                currency="EUR",
                reason_code="DAMAGED",
                setup_id="default",
                clock=clock(),
            ).id
            for _ in range(3)
        ]
        uow.commit()
    taken = dict.fromkeys(rmas, 0)  # the model: what each live return holds
    cancelled: set[str] = set()
    for n, (which, qty, cancel_after) in enumerate(attempts):
        rma = rmas[which]
        with s.unit_of_work("ACME") as uow:
            before = uow[RETURN_ORDERS].get(rma)
            allowed = rma not in cancelled and sum(taken.values()) + qty <= invoiced_qty
            try:
                add_invoiced_line(
                    uow,
                    rma,
                    source,
                    line_id=f"L{n}",
                    quantity=Decimal(-qty),
                    clock=clock(),
                    setup_id="default",
                )
            except BusinessRuleError:
                assert not allowed
                assert uow[RETURN_ORDERS].get(rma) == before
                assert dict(uow._staged) == {}
                continue
            assert allowed
            taken[rma] += qty
            if cancel_after:
                cancel_return_order(uow, rma, clock=clock())
                cancelled.add(rma)
                taken[rma] = 0
            uow.commit()
        with s.unit_of_work("ACME") as uow:
            ledger = uow[RETURNED_QUANTITIES].get("SL-1")
            assert ledger.returned == sum(taken.values()) <= invoiced_qty
            lines = [ln for o in uow[RETURN_ORDERS].list_all() for ln in o.lines]
            assert all(ln.quantity < 0 for ln in lines)
            live = [ln for ln in lines if ln.status is not ReturnLineStatus.CANCELLED]
            assert -sum((ln.quantity for ln in live), Decimal(0)) == ledger.returned


@settings(max_examples=60)
@given(
    action=st.sampled_from(list(DispositionAction)),
    quantity=st.integers(1, 20),
    arrived=st.integers(1, 20),
    price=st.integers(0, 50_000),
)
def test_disposition_effects_on_inventory_and_replacement(
    action: DispositionAction, quantity: int, arrived: int, price: int
) -> None:
    arrived = min(arrived, quantity)
    events: tuple[DomainEvent, ...] = ()
    if action is DispositionAction.CREDIT_ONLY:
        created, _ = order().add_line(
            setup(),
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-quantity),
            price=eur(str(price)),
            cost_price=eur("50"),
            disposition_code=CODE_OF[action],
            at=AT,
        )
        _, events = created.invoice(at=LATER)
        moved = Decimal(quantity)
    else:
        created = order_with_line(str(-quantity))
        arrival, _ = created.register_arrival(
            setup(), "1", quantity=Decimal(arrived), disposition_code=CODE_OF[action], at=LATER
        )
        slipped, slip_events = arrival.post_packing_slip("1", at=LATER)
        _, note_events = slipped.invoice(at=LATER)
        events = slip_events + note_events
        moved = Decimal(arrived)
    assert _net_inventory(events) == NET_SHARE[action] * moved
    replacements = [e for e in events if isinstance(e, ReplacementRequested)]
    assert bool(replacements) == (action in REPLACING)
    assert all(not e.upfront and e.quantity == moved for e in replacements)


@settings(max_examples=30)
@given(action=st.sampled_from([a for a in DispositionAction if a not in REPLACING]))
def test_an_advance_replacement_is_the_only_replacement_of_its_order(
    action: DispositionAction,
) -> None:
    shipped, upfront = order_with_line("-2").ship_advance_replacement(
        item_id="PUMP", quantity=Decimal(2), at=AT
    )
    assert [e.upfront for e in upfront if isinstance(e, ReplacementRequested)] == [True]
    if action is DispositionAction.CREDIT_ONLY:
        return
    arrival, _ = shipped.register_arrival(
        setup(), "1", quantity=Decimal(2), disposition_code=CODE_OF[action], at=LATER
    )
    _, events = arrival.post_packing_slip("1", at=LATER)
    assert not [e for e in events if isinstance(e, ReplacementRequested)]
    for replacing in REPLACING:
        try:
            shipped.register_arrival(
                setup(), "1", quantity=Decimal(2), disposition_code=CODE_OF[replacing], at=LATER
            )
        except BusinessRuleError:
            continue
        raise AssertionError(f"{replacing.name} accepted after an advance replacement")
