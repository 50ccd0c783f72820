"""Bad-input entries for return management (found by tests/bad_input/entries.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import servicecore.returns.codes as codes
import servicecore.returns.flows as flows
import servicecore.returns.ledger as ledger
import servicecore.returns.model as model
import servicecore.returns.sequence as sequence
from servicecore.returns import (
    NUMBER_SEQUENCES,
    RETURN_ORDERS,
    RETURN_SETUPS,
    RETURNED_QUANTITIES,
    DispositionAction,
    NumberSequence,
    ReturnedQuantity,
    ReturnOrder,
)
from servicecore.storage.memory import InMemoryStore
from tests.bad_input.engine import Entry, call, fields_call, method, use_case
from tests.builders.returns import (
    AT,
    LATER,
    clock,
    eur,
    invoiced,
    order_with_line,
    registered,
    setup,
    tree,
)

MODULES: tuple[Any, ...] = (codes, sequence, ledger, model, flows)

_M = "servicecore.returns.model."
EXCLUDED: dict[str, str] = {
    "servicecore.returns.codes.MAX_VALIDITY_DAYS": "a constant",
    "servicecore.returns.codes.RETURN_SETUPS": "an AggregateType constant",
    "servicecore.returns.codes.DispositionAction": "an enum",
    "servicecore.returns.sequence.MAX_SEQUENCE_WIDTH": "a constant",
    "servicecore.returns.sequence.NUMBER_SEQUENCES": "an AggregateType constant",
    "servicecore.returns.sequence.Numbering": "a type alias",
    "servicecore.returns.ledger.MAX_QUANTITY": "a constant",
    "servicecore.returns.ledger.RETURNED_QUANTITIES": "an AggregateType constant",
    _M + "HEADER_LIFECYCLE": "a Lifecycle constant (swept with servicecore.lifecycle)",
    _M + "LINE_LIFECYCLE": "a Lifecycle constant (swept with servicecore.lifecycle)",
    _M + "RETURN_ORDERS": "an AggregateType constant",
    _M + "ReturnStatus": "an enum",
    _M + "ReturnLineStatus": "an enum",
    _M + "CreditLine": "an event payload built only by ReturnOrder.invoice",
    **{
        _M + name: "an event built only by the return commands"
        for name in (
            "ArrivalRegistered",
            "CreditNoteIssued",
            "GoodsReceived",
            "GoodsScrapped",
            "GoodsShippedBack",
            "InspectionEnded",
            "RepairOrderRequested",
            "ReplacementRequested",
            "ReturnLineAdded",
            "ReturnOrderCreated",
            "ReturnStatusChanged",
        )
    },
}


def _quarantined() -> ReturnOrder:
    order, _ = order_with_line().register_arrival(
        setup(), "1", quantity=Decimal(3), quarantine=True, at=LATER
    )
    return order


def _received() -> ReturnOrder:
    order, _ = registered(DispositionAction.CREDIT).post_packing_slip("1", at=LATER)
    return order


def _ledger() -> ReturnedQuantity:
    return ReturnedQuantity(company_id="ACME", id="SL-1", invoiced=Decimal(5)).reserve(
        "RMA-1", "1", Decimal(3)
    )


def store() -> InMemoryStore:
    """Set-up ``default``, sequence ``RMA`` and one return order per stage:
    RMA-1 awaiting (3 of sales line SL-1's 5), RMA-2 registered as return to customer,
    RMA-3 in quarantine, RMA-4 registered for credit, RMA-5 received."""
    s = InMemoryStore(publish=lambda events: None)
    with s.unit_of_work("ACME") as uow:
        uow[RETURN_SETUPS].add(setup())
        uow[NUMBER_SEQUENCES].add(NumberSequence(company_id="ACME", id="RMA", prefix="RMA-"))
        uow[RETURNED_QUANTITIES].add(_ledger())
        orders = uow[RETURN_ORDERS]
        orders.add(order_with_line(sales_line_id="SL-1"))
        for rma, order in (
            ("RMA-2", registered(DispositionAction.RETURN_TO_CUSTOMER)),
            ("RMA-3", _quarantined()),
            ("RMA-4", registered(DispositionAction.CREDIT)),
            ("RMA-5", _received()),
        ):
            orders.add(ReturnOrder(**{**_fields(order), "id": rma}))
        uow.commit()
    return s


def _fields(obj: Any) -> dict[str, Any]:
    import attrs

    return {a.name: getattr(obj, a.name) for a in attrs.fields(type(obj)) if a.init}


def entries() -> list[Entry]:
    c = "servicecore.returns.codes."
    q = "servicecore.returns.sequence."
    lg = "servicecore.returns.ledger."
    m = _M
    f = "servicecore.returns.flows."
    s = setup()
    return [
        # codes
        Entry(c + "Charge", lambda: call(codes.Charge, code="FEE", amount=eur("5"))),
        Entry(c + "ReasonCode", lambda: fields_call(codes.ReasonCode)),
        Entry(c + "DispositionCode", lambda: fields_call(codes.DispositionCode)),
        Entry(
            c + "ReturnSetup",
            lambda: call(
                codes.ReturnSetup,
                company_id="ACME",
                id="S",
                validity_days=30,
                reasons=s.reasons,
                dispositions=s.dispositions,
            ),
        ),
        Entry(c + "ReturnSetup.reason", lambda: method(s, "reason", code="LATE")),
        Entry(c + "ReturnSetup.disposition", lambda: method(s, "disposition", code="SCRAP")),
        Entry(
            c + "ReturnSetup.reasons_in_group",
            lambda: method(s, "reasons_in_group", group="QUALITY"),
        ),
        Entry(
            c + "charge_amount",
            lambda: call(
                codes.charge_amount,
                charge=codes.Charge(code="P", percent=Decimal(-10)),
                line_amount=eur("-80"),
            ),
        ),
        # sequence
        Entry(
            q + "NumberSequence",
            lambda: call(
                sequence.NumberSequence,
                company_id="ACME",
                id="RMA",
                prefix="RMA-",
                width=4,
                next_number=7,
                version=0,
            ),
        ),
        Entry(
            q + "NumberSequence.allocate",
            lambda: method(NumberSequence(company_id="ACME", id="RMA"), "allocate"),
        ),
        Entry(q + "StoredSequence", lambda: call(sequence.StoredSequence, sequence_id="RMA")),
        # ledger
        Entry(lg + "ReturnedEntry", lambda: fields_call(ledger.ReturnedEntry)),
        Entry(
            lg + "ReturnedQuantity",
            lambda: call(
                ledger.ReturnedQuantity,
                company_id="ACME",
                id="SL-1",
                invoiced=Decimal(5),
                entries=(),
                version=0,
            ),
        ),
        Entry(
            lg + "ReturnedQuantity.reserve",
            lambda: method(
                _ledger(), "reserve", return_id="RMA-2", line_id="1", quantity=Decimal(2)
            ),
        ),
        Entry(
            lg + "ReturnedQuantity.release",
            lambda: method(
                _ledger(), "release", return_id="RMA-1", line_id="1", quantity=Decimal(1)
            ),
        ),
        Entry(
            lg + "check_quantity",
            lambda: call(ledger.check_quantity, value=Decimal(2), field="quantity", positive=True),
        ),
        # model
        Entry(m + "AdvanceReplacement", lambda: fields_call(model.AdvanceReplacement)),
        Entry(m + "ReturnLine", lambda: fields_call(model.ReturnLine)),
        Entry(m + "ReturnOrder", lambda: fields_call(model.ReturnOrder)),
        Entry(m + "ReturnOrder.line", lambda: method(order_with_line(), "line", line_id="1")),
        Entry(
            m + "ReturnOrder.add_line",
            lambda: method(
                order_with_line(),
                "add_line",
                setup=s,
                line_id="2",
                item_id="PUMP",
                quantity=Decimal(-1),
                price=eur("80"),
                cost_price=eur("50"),
                at=AT,
                lot_id="LOT-2",
                sales_line_id="SL-2",
                disposition_code="KEEP",
                replacement_item_id="PUMP-NEW",
                service_object_id="OBJ-1",
            ),
        ),
        Entry(
            m + "ReturnOrder.register_arrival",
            lambda: method(
                order_with_line(),
                "register_arrival",
                setup=s,
                line_id="1",
                quantity=Decimal(2),
                at=LATER,
                disposition_code="SWAP",
                quarantine=False,
                remainder_line_id="1b",
            ),
        ),
        Entry(
            m + "ReturnOrder.end_inspection",
            lambda: method(
                _quarantined(),
                "end_inspection",
                setup=s,
                line_id="1",
                disposition_code="SCRAP",
                at=LATER,
            ),
        ),
        Entry(
            m + "ReturnOrder.post_packing_slip",
            lambda: method(
                registered(DispositionAction.REPLACE_AND_SCRAP),
                "post_packing_slip",
                line_id="1",
                at=LATER,
                quantity=Decimal(3),
            ),
        ),
        Entry(
            m + "ReturnOrder.invoice",
            lambda: method(_received(), "invoice", at=LATER, line_ids=["1"]),
        ),
        Entry(m + "ReturnOrder.cancel", lambda: method(order_with_line(), "cancel", at=LATER)),
        Entry(
            m + "ReturnOrder.change_reason",
            lambda: method(
                order_with_line(), "change_reason", setup=s, reason_code="LATE", at=LATER
            ),
        ),
        Entry(
            m + "ReturnOrder.ship_advance_replacement",
            lambda: method(
                order_with_line(),
                "ship_advance_replacement",
                item_id="PUMP",
                quantity=Decimal(1),
                at=LATER,
            ),
        ),
        Entry(
            m + "new_return_order",
            lambda: call(
                model.new_return_order,
                setup=s,
                id="RMA-9",
                customer_id="C-1",
                currency="EUR",
                reason_code="LATE",
                at=AT,
            ),
        ),
        Entry(
            m + "overdue_returns",
            lambda: call(model.overdue_returns, orders=[order_with_line()], at=AT.add(years=1)),
        ),
        # flows (use cases)
        Entry(f + "InvoicedLine", lambda: fields_call(flows.InvoicedLine)),
        Entry(
            f + "create_return_order",
            lambda: use_case(
                flows.create_return_order,
                store=store(),
                customer_id="C-1",
                currency="EUR",
                reason_code="LATE",
                setup_id="default",
                clock=clock(),
                numbering=sequence.StoredSequence("RMA"),
            ),
        ),
        Entry(
            f + "add_invoiced_line",
            lambda: use_case(
                flows.add_invoiced_line,
                store=store(),
                return_id="RMA-1",
                invoiced=invoiced(),
                line_id="2",
                quantity=Decimal(-2),
                clock=clock(),
                setup_id="default",
                disposition_code="KEEP",
                replacement_item_id="PUMP-NEW",
                service_object_id="OBJ-1",
            ),
        ),
        Entry(
            f + "add_free_line",
            lambda: use_case(
                flows.add_free_line,
                store=store(),
                return_id="RMA-1",
                line_id="2",
                item_id="PUMP",
                quantity=Decimal(-2),
                price=eur("80"),
                cost_price=eur("50"),
                clock=clock(),
                setup_id="default",
                disposition_code=None,
                replacement_item_id="PUMP-NEW",
                service_object_id="OBJ-1",
            ),
        ),
        Entry(
            f + "register_arrival",
            lambda: use_case(
                flows.register_arrival,
                store=store(),
                return_id="RMA-1",
                line_id="1",
                quantity=Decimal(1),
                clock=clock(),
                setup_id="default",
                disposition_code="SWAP",
                quarantine=False,
                remainder_line_id="1b",
            ),
        ),
        Entry(
            f + "end_inspection",
            lambda: use_case(
                flows.end_inspection,
                store=store(),
                return_id="RMA-3",
                line_id="1",
                disposition_code="SCRAP",
                clock=clock(),
                setup_id="default",
            ),
        ),
        Entry(
            f + "post_packing_slip",
            lambda: use_case(
                flows.post_packing_slip,
                store=store(),
                return_id="RMA-4",
                line_id="1",
                clock=clock(),
                quantity=Decimal(3),
            ),
        ),
        Entry(
            f + "invoice_return",
            lambda: use_case(
                flows.invoice_return,
                store=store(),
                return_id="RMA-5",
                clock=clock(),
                line_ids=["1"],
            ),
        ),
        Entry(
            f + "cancel_return_order",
            lambda: use_case(
                flows.cancel_return_order, store=store(), return_id="RMA-1", clock=clock()
            ),
        ),
        Entry(
            f + "change_return_reason",
            lambda: use_case(
                flows.change_return_reason,
                store=store(),
                return_id="RMA-1",
                reason_code="LATE",
                clock=clock(),
                setup_id="default",
            ),
        ),
        Entry(
            f + "refund_without_return",
            lambda: use_case(
                flows.refund_without_return,
                store=store(),
                invoiced=invoiced("SL-9"),
                quantity=Decimal(-1),
                reason_code="LATE",
                disposition_code="KEEP",
                clock=clock(),
                setup_id="default",
                numbering=sequence.StoredSequence("RMA"),
            ),
        ),
        Entry(
            f + "advance_replacement",
            lambda: use_case(
                flows.advance_replacement,
                store=store(),
                return_id="RMA-1",
                item_id="PUMP",
                quantity=Decimal(1),
                clock=clock(),
            ),
        ),
        Entry(
            f + "list_overdue_returns",
            lambda: use_case(flows.list_overdue_returns, store=store(), clock=clock()),
        ),
        Entry(
            f + "repair_and_return",
            lambda: use_case(
                flows.repair_and_return,
                store=store(),
                return_id="RMA-2",
                line_id="1",
                service_order_id="SO-R1",
                tree=tree(),
                clock=clock(),
            ),
        ),
    ]
