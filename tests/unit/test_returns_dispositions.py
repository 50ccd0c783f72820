"""Each disposition action does exactly its documented effects (domain notes 4.2), no more.

A line of 3 pumps (price 80 EUR, cost 50 EUR) is registered with one action's code, its
packing slip posted and its credit note issued; the host-facing events of both steps are
compared whole with the hand-written list of that action.
"""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import servicecore.returns as returns
import servicecore.returns.model as model
from servicecore.events import DomainEvent
from servicecore.returns import (
    CreditNoteIssued,
    DispositionAction,
    GoodsReceived,
    GoodsScrapped,
    GoodsShippedBack,
    ReplacementRequested,
    ReturnLineStatus,
    ReturnOrder,
    ReturnStatus,
    ReturnStatusChanged,
)
from tests.builders.returns import AT, LATER, eur, order, registered, setup


def _effects(events: tuple[DomainEvent, ...]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for e in events:
        if isinstance(e, GoodsReceived):
            out.append(("received", e.item_id, e.quantity, e.cost_price))
        elif isinstance(e, GoodsScrapped):
            out.append(("scrapped", e.item_id, e.quantity, e.loss))
        elif isinstance(e, GoodsShippedBack):
            out.append(("shipped back", e.item_id, e.quantity, e.customer_id))
        elif isinstance(e, ReplacementRequested):
            out.append(("replacement", e.item_id, e.quantity, e.upfront))
        elif isinstance(e, CreditNoteIssued):
            out.append(("credit", e.total, tuple((c.line_id, c.amount) for c in e.lines)))
        else:  # the only other event allowed is the header closing
            assert isinstance(e, ReturnStatusChanged), f"unexpected effect {e!r}"
            assert e.to_status is ReturnStatus.CLOSED
    return out


def _run(action: DispositionAction) -> tuple[ReturnOrder, list[tuple[Any, ...]]]:
    order = registered(action)
    slipped, slip_events = order.post_packing_slip("1", at=LATER)
    assert slipped.line("1").status is ReturnLineStatus.RECEIVED
    invoiced, note_events = slipped.invoice(at=LATER)
    assert invoiced.line("1").status is ReturnLineStatus.INVOICED
    assert invoiced.status is ReturnStatus.CLOSED
    return invoiced, _effects(slip_events + note_events)


THREE = Decimal(3)


def test_credit_receives_into_inventory_and_credits_the_price() -> None:
    _, effects = _run(DispositionAction.CREDIT)
    assert effects == [
        ("received", "PUMP", THREE, eur("50")),
        ("credit", eur("240.00"), (("1", eur("240.00")),)),
    ]


def test_scrap_receives_scraps_at_cost_and_credits() -> None:
    _, effects = _run(DispositionAction.SCRAP)
    assert effects == [
        ("received", "PUMP", THREE, eur("50")),
        ("scrapped", "PUMP", THREE, eur("150")),
        ("credit", eur("240.00"), (("1", eur("240.00")),)),
    ]


def test_replace_and_credit_receives_requests_a_replacement_and_credits() -> None:
    done, effects = _run(DispositionAction.REPLACE_AND_CREDIT)
    assert effects == [
        ("received", "PUMP", THREE, eur("50")),
        ("replacement", "PUMP-NEW", THREE, False),
        ("credit", eur("240.00"), (("1", eur("240.00")),)),
    ]
    assert done.line("1").replacement_requested


def test_replace_and_scrap_receives_scraps_requests_a_replacement_and_credits() -> None:
    done, effects = _run(DispositionAction.REPLACE_AND_SCRAP)
    assert effects == [
        ("received", "PUMP", THREE, eur("50")),
        ("scrapped", "PUMP", THREE, eur("150")),
        ("replacement", "PUMP-NEW", THREE, False),
        ("credit", eur("240.00"), (("1", eur("240.00")),)),
    ]
    assert done.line("1").replacement_requested


def test_return_to_customer_ships_back_and_charges_only_the_charges() -> None:
    done, effects = _run(DispositionAction.RETURN_TO_CUSTOMER)
    assert effects == [
        ("received", "PUMP", THREE, eur("50")),
        ("shipped back", "PUMP", THREE, "C-1"),
        ("credit", eur("-10.00"), (("1", eur("-10.00")),)),
    ]
    assert not done.line("1").replacement_requested


def test_credit_only_moves_no_goods_and_credits_without_arrival() -> None:
    created, _ = order().add_line(
        setup(),
        line_id="1",
        item_id="PUMP",
        quantity=Decimal(-3),
        price=eur("80"),
        cost_price=eur("50"),
        disposition_code="KEEP",
        at=AT,
    )
    done, events = created.invoice(at=LATER)
    assert _effects(events) == [("credit", eur("240.00"), (("1", eur("240.00")),))]
    assert done.line("1").status is ReturnLineStatus.INVOICED
    assert done.status is ReturnStatus.CLOSED


MODEL_NAMES = [
    "HEADER_LIFECYCLE",
    "LINE_LIFECYCLE",
    "RETURN_ORDERS",
    "AdvanceReplacement",
    "ArrivalRegistered",
    "CreditLine",
    "CreditNoteIssued",
    "GoodsReceived",
    "GoodsScrapped",
    "GoodsShippedBack",
    "InspectionEnded",
    "RepairOrderRequested",
    "ReplacementRequested",
    "ReturnLine",
    "ReturnLineAdded",
    "ReturnLineStatus",
    "ReturnOrder",
    "ReturnOrderCreated",
    "ReturnOrderRepository",
    "ReturnStatus",
    "ReturnStatusChanged",
    "new_return_order",
    "overdue_returns",
]
"""The public names of ``servicecore.returns.model`` when it was one module."""


def test_returns_model_keeps_its_import_path_and_pickles_after_becoming_a_package() -> None:
    assert sorted(model.__all__) == sorted(MODEL_NAMES)
    for name in MODEL_NAMES:
        assert getattr(model, name) is getattr(returns, name), name
    # written by pickle.dumps(ReturnStatus.OPEN, 0) while model was a single module
    before_the_split = b"cservicecore.returns.model\nReturnStatus\np0\n(Vopen\np1\ntp2\nRp3\n."
    assert pickle.loads(before_the_split) is ReturnStatus.OPEN
    order = registered(DispositionAction.CREDIT)
    assert pickle.loads(pickle.dumps(order)) == order
