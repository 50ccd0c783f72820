"""Return orders through the use cases: numbering, deadline, invoiced quantity, arrival,
inspection, packing slip and invoice guards, charges, cancel and the three flows."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from attrs import evolve

from servicecore.errors import (
    BusinessRuleError,
    ConcurrencyError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.orders import SERVICE_ORDERS
from servicecore.returns import (
    NUMBER_SEQUENCES,
    RETURN_ORDERS,
    RETURNED_QUANTITIES,
    Charge,
    DispositionAction,
    DispositionCode,
    NumberSequence,
    ReplacementRequested,
    ReturnLineStatus,
    ReturnOrder,
    ReturnStatus,
    add_free_line,
    add_invoiced_line,
    advance_replacement,
    cancel_return_order,
    change_return_reason,
    charge_amount,
    create_return_order,
    end_inspection,
    invoice_return,
    list_overdue_returns,
    post_packing_slip,
    refund_without_return,
    register_arrival,
    repair_and_return,
)
from servicecore.storage.memory import InMemoryStore
from tests.builders.returns import (
    LATER,
    clock,
    eur,
    invoiced,
    order_with_line,
    registered,
    setup,
    store,
    tree,
)

S = "default"


def _new(s: InMemoryStore, reason: str = "DAMAGED") -> str:
    with s.unit_of_work("ACME") as uow:
        order = create_return_order(
            uow, customer_id="C-1", currency="EUR", reason_code=reason, setup_id=S, clock=clock()
        )
        uow.commit()
    return order.id


def _get(s: InMemoryStore, rma: str) -> ReturnOrder:
    with s.unit_of_work("ACME") as uow:
        return uow[RETURN_ORDERS].get(rma)


# -- header -------------------------------------------------------------------------------
def test_rma_numbers_come_from_the_sequence_and_the_deadline_is_creation_plus_validity() -> None:
    s = store()
    first, second = _new(s), _new(s)
    assert (first, second) == ("RMA-0001", "RMA-0002")
    order = _get(s, first)
    # 90 validity days from May 1 is July 30 (domain notes R1)
    assert order.deadline == pendulum.date(2024, 7, 30)
    assert order.status is ReturnStatus.CREATED


def test_a_host_numbering_replaces_the_sequence() -> None:
    s = store()
    with s.unit_of_work("ACME") as uow:
        order = create_return_order(
            uow,
            customer_id="C-1",
            currency="EUR",
            reason_code="DAMAGED",
            setup_id=S,
            clock=clock(),
            numbering=lambda _uow: "HOST-7",
        )
        assert order.id == "HOST-7"
        assert uow[NUMBER_SEQUENCES].get("RMA").next_number == 1


def test_two_concurrent_allocations_never_commit_the_same_number() -> None:
    s = store()
    a, b = s.unit_of_work("ACME"), s.unit_of_work("ACME")
    with a, b:
        first = create_return_order(
            a, customer_id="C-1", currency="EUR", reason_code="DAMAGED", setup_id=S, clock=clock()
        )
        second = create_return_order(
            b, customer_id="C-1", currency="EUR", reason_code="DAMAGED", setup_id=S, clock=clock()
        )
        assert first.id == second.id == "RMA-0001"  # both read the same counter
        a.commit()
        with pytest.raises(ConcurrencyError):
            b.commit()


def test_an_exhausted_sequence_refuses_instead_of_wrapping() -> None:
    seq = NumberSequence(company_id="ACME", id="RMA", width=2, next_number=99)
    seq, number = seq.allocate()
    assert number == "99"
    with pytest.raises(BusinessRuleError):
        seq.allocate()


def test_reason_charges_are_added_and_never_removed_by_a_reason_change() -> None:
    s = store()
    rma = _new(s, reason="LATE")
    assert [c.code for c in _get(s, rma).charges] == ["ADMIN"]
    with s.unit_of_work("ACME") as uow:
        changed = change_return_reason(uow, rma, reason_code="DAMAGED", clock=clock(), setup_id=S)
        uow.commit()
    assert changed.reason_code == "DAMAGED"
    assert [c.code for c in changed.charges] == ["ADMIN"]


def test_reason_groups_list_their_codes() -> None:
    assert setup().reasons_in_group("DELIVERY") == ("LATE",)


def test_percentage_charges_on_negative_lines_are_negative_unless_the_percentage_is() -> None:
    line_amount = eur("-200")
    assert charge_amount(Charge(code="P", percent=Decimal(10)), line_amount) == eur("-20.00")
    assert charge_amount(Charge(code="P", percent=Decimal(-10)), line_amount) == eur("20.00")


def test_header_charges_are_taken_once_on_the_first_credit_note() -> None:
    s = store()
    rma = _new(s, reason="LATE")  # 5 EUR admin charge
    with s.unit_of_work("ACME") as uow:
        for n in ("1", "2"):
            add_free_line(
                uow,
                rma,
                line_id=n,
                item_id="PUMP",
                quantity=Decimal(-1),
                price=eur("80"),
                cost_price=eur("50"),
                clock=clock(),
                setup_id=S,
                disposition_code="KEEP",
            )
        first = invoice_return(uow, rma, clock=clock(), line_ids=["1"])
        second = invoice_return(uow, rma, clock=clock())
        uow.commit()
    assert (first.total, first.header_charges) == (eur("75.00"), eur("5.00"))
    assert (second.total, second.header_charges) == (eur("80.00"), eur("0.00"))


def test_cancel_only_while_created_and_it_releases_the_returned_quantity() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_invoiced_line(
            uow, rma, invoiced(), line_id="1", quantity=Decimal(-5), clock=clock(), setup_id=S
        )
        cancelled = cancel_return_order(uow, rma, clock=clock())
        assert uow[RETURNED_QUANTITIES].get("SL-1").returned == 0
        uow.commit()
    assert cancelled.status is ReturnStatus.CANCELLED
    assert cancelled.line("1").status is ReturnLineStatus.CANCELLED
    opened, _ = order_with_line().register_arrival(
        setup(), "1", quantity=Decimal(1), disposition_code="RESTOCK", at=LATER
    )
    with pytest.raises(InvalidTransitionError):
        opened.cancel(at=LATER)


# -- invoiced quantity --------------------------------------------------------------------
def test_a_line_copies_item_price_cost_and_lot_from_the_invoiced_line() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        order = add_invoiced_line(
            uow, rma, invoiced(), line_id="1", quantity=Decimal(-2), clock=clock(), setup_id=S
        )
    line = order.line("1")
    assert (line.item_id, line.price, line.cost_price, line.lot_id, line.sales_line_id) == (
        "PUMP",
        eur("80"),
        eur("50"),
        "LOT-SL-1",
        "SL-1",
    )


def test_returning_more_than_invoiced_in_one_line_is_refused_and_changes_nothing() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match="exceed the invoiced quantity 5"):
            add_invoiced_line(
                uow, rma, invoiced(), line_id="1", quantity=Decimal(-6), clock=clock(), setup_id=S
            )
        assert uow[RETURN_ORDERS].get(rma).lines == ()
        assert uow[RETURNED_QUANTITIES].list_all() == []
        assert uow._staged == {}


def test_returning_more_than_invoiced_over_several_returns_is_refused() -> None:
    s = store()
    first, second = _new(s), _new(s)
    with s.unit_of_work("ACME") as uow:
        add_invoiced_line(
            uow, first, invoiced(), line_id="1", quantity=Decimal(-3), clock=clock(), setup_id=S
        )
        uow.commit()
    with s.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match=r"3 already returned, 2 left"):
            add_invoiced_line(
                uow,
                second,
                invoiced(),
                line_id="1",
                quantity=Decimal(-3),
                clock=clock(),
                setup_id=S,
            )
        assert uow._staged == {}
        add_invoiced_line(
            uow, second, invoiced(), line_id="1", quantity=Decimal(-2), clock=clock(), setup_id=S
        )
        uow.commit()
    with s.unit_of_work("ACME") as uow:
        assert uow[RETURNED_QUANTITIES].get("SL-1").returned == 5


def test_concurrent_returns_of_one_sales_line_cannot_both_commit() -> None:
    s = store()
    first, second = _new(s), _new(s)
    a, b = s.unit_of_work("ACME"), s.unit_of_work("ACME")
    with a, b:
        add_invoiced_line(
            a, first, invoiced(), line_id="1", quantity=Decimal(-3), clock=clock(), setup_id=S
        )
        add_invoiced_line(
            b, second, invoiced(), line_id="1", quantity=Decimal(-3), clock=clock(), setup_id=S
        )
        a.commit()
        with pytest.raises(Exception) as refused:
            b.commit()
    assert type(refused.value).__name__ in ("ConcurrencyError", "AlreadyExistsError")


def test_a_line_for_another_customer_is_refused() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow, pytest.raises(BusinessRuleError):
        add_invoiced_line(
            uow,
            rma,
            invoiced(customer_id="C-2"),
            line_id="1",
            quantity=Decimal(-1),
            clock=clock(),
            setup_id=S,
        )


def test_positive_quantities_are_refused() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        order_with_line(quantity="3")


# -- arrival, inspection, packing slip, invoice -------------------------------------------
def test_a_partial_arrival_splits_the_line_and_keeps_the_total() -> None:
    order = order_with_line("-5")
    arrived, events = order.register_arrival(
        setup(), "1", quantity=Decimal(2), disposition_code="RESTOCK", at=LATER
    )
    assert [(ln.id, ln.quantity, ln.status) for ln in arrived.lines] == [
        ("1", Decimal(-2), ReturnLineStatus.REGISTERED),
        ("1.2", Decimal(-3), ReturnLineStatus.AWAITING),
    ]
    assert arrived.total_quantity == Decimal(-5)
    assert arrived.line("1.2").lot_id != arrived.line("1").lot_id
    assert arrived.line("1.2").disposition_code is None
    assert arrived.status is ReturnStatus.OPEN
    assert [type(e).__name__ for e in events] == ["ArrivalRegistered", "ReturnStatusChanged"]


def test_more_arriving_than_expected_is_refused() -> None:
    with pytest.raises(BusinessRuleError):
        order_with_line("-2").register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="RESTOCK", at=LATER
        )


def test_an_arrival_needs_a_code_or_quarantine_but_not_both() -> None:
    order = order_with_line()
    with pytest.raises(ValidationError):
        order.register_arrival(setup(), "1", quantity=Decimal(3), at=LATER)
    with pytest.raises(ValidationError):
        order.register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="RESTOCK", quarantine=True, at=LATER
        )


def test_quarantine_ends_with_a_disposition_then_the_line_is_registered() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_free_line(
            uow,
            rma,
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-2),
            price=eur("80"),
            cost_price=eur("50"),
            clock=clock(),
            setup_id=S,
        )
        register_arrival(
            uow, rma, "1", quantity=Decimal(2), quarantine=True, clock=clock(), setup_id=S
        )
        with pytest.raises(InvalidTransitionError):  # no packing slip while in quarantine
            post_packing_slip(uow, rma, "1", clock=clock())
        end_inspection(uow, rma, "1", disposition_code="SCRAP", clock=clock(), setup_id=S)
        done = post_packing_slip(uow, rma, "1", clock=clock())
        uow.commit()
    assert done.line("1").action is DispositionAction.SCRAP
    assert done.line("1").status is ReturnLineStatus.RECEIVED


def test_packing_slip_only_from_registered_and_for_the_full_quantity() -> None:
    with pytest.raises(InvalidTransitionError):
        order_with_line().post_packing_slip("1", at=LATER)
    order = registered(DispositionAction.CREDIT)
    with pytest.raises(BusinessRuleError, match="full quantity"):
        order.post_packing_slip("1", quantity=Decimal(2), at=LATER)
    done, _ = order.post_packing_slip("1", quantity=Decimal(3), at=LATER)
    assert done.line("1").status is ReturnLineStatus.RECEIVED


def test_invoice_only_from_received_or_credit_only() -> None:
    order = registered(DispositionAction.CREDIT)
    with pytest.raises(BusinessRuleError):
        order.invoice(at=LATER)
    with pytest.raises(BusinessRuleError):
        order.invoice(line_ids=["1"], at=LATER)
    with pytest.raises(BusinessRuleError):
        order_with_line().invoice(at=LATER)


def test_a_credit_only_code_is_refused_at_arrival_and_replace_needs_an_item() -> None:
    with pytest.raises(ValidationError):
        order_with_line().register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="KEEP", at=LATER
        )
    with pytest.raises(ValidationError, match="replacement item"):
        order_with_line(replacement=None).register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="SWAP", at=LATER
        )


def test_lines_cannot_be_added_once_something_was_received() -> None:
    done, _ = registered(DispositionAction.CREDIT).post_packing_slip("1", at=LATER)
    with pytest.raises(BusinessRuleError):
        done.add_line(
            setup(),
            line_id="2",
            item_id="PUMP",
            quantity=Decimal(-1),
            price=eur("1"),
            cost_price=eur("1"),
            at=LATER,
        )


# -- flows --------------------------------------------------------------------------------
def test_refund_without_return_credits_at_once_and_closes_the_order() -> None:
    s = store()
    with s.unit_of_work("ACME") as uow:
        note = refund_without_return(
            uow,
            invoiced(),
            quantity=Decimal(-2),
            reason_code="DAMAGED",
            disposition_code="KEEP",
            clock=clock(),
            setup_id=S,
        )
        uow.commit()
    assert note.total == eur("160.00")
    order = _get(s, "RMA-0001")
    assert order.status is ReturnStatus.CLOSED
    with s.unit_of_work("ACME") as uow:
        assert uow[RETURNED_QUANTITIES].get("SL-1").returned == 2


def test_refund_without_return_refuses_more_than_invoiced_before_taking_a_number() -> None:
    s = store()
    with s.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError):
            refund_without_return(
                uow,
                invoiced(),
                quantity=Decimal(-9),
                reason_code="DAMAGED",
                disposition_code="KEEP",
                clock=clock(),
                setup_id=S,
            )
        assert uow._staged == {}
    with s.unit_of_work("ACME") as uow, pytest.raises(BusinessRuleError):
        refund_without_return(
            uow,
            invoiced(),
            quantity=Decimal(-1),
            reason_code="DAMAGED",
            disposition_code="RESTOCK",
            clock=clock(),
            setup_id=S,
        )


def test_advance_replacement_is_tracked_against_the_deadline_and_blocks_replace_codes() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_free_line(
            uow,
            rma,
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-1),
            price=eur("80"),
            cost_price=eur("50"),
            clock=clock(),
            setup_id=S,
            replacement_item_id="PUMP-NEW",
        )
        order = advance_replacement(
            uow, rma, item_id="PUMP-NEW", quantity=Decimal(1), clock=clock()
        )
        uow.commit()
    assert order.advance_replacement is not None
    assert order.advance_replacement.due == pendulum.date(2024, 7, 30)
    with s.unit_of_work("ACME") as uow:
        assert (
            list_overdue_returns(uow, clock=clock(pendulum.datetime(2024, 7, 30, 23, tz="UTC")))
            == ()
        )
        late = list_overdue_returns(uow, clock=clock(pendulum.datetime(2024, 7, 31, tz="UTC")))
        assert [o.id for o in late] == [rma]
        with pytest.raises(BusinessRuleError, match="advance replacement"):
            register_arrival(
                uow,
                rma,
                "1",
                quantity=Decimal(1),
                disposition_code="SWAP",
                clock=clock(),
                setup_id=S,
            )
        register_arrival(
            uow,
            rma,
            "1",
            quantity=Decimal(1),
            disposition_code="RESTOCK",
            clock=clock(),
            setup_id=S,
        )
        assert list_overdue_returns(uow, clock=clock(pendulum.datetime(2024, 8, 1, tz="UTC"))) == ()


def test_advance_replacement_only_before_anything_arrived() -> None:
    order = registered(DispositionAction.CREDIT)
    with pytest.raises(BusinessRuleError):
        order.ship_advance_replacement(item_id="PUMP", quantity=Decimal(1), at=LATER)
    shipped, events = order_with_line().ship_advance_replacement(
        item_id="PUMP", quantity=Decimal(1), at=LATER
    )
    assert [(type(e), e.upfront) for e in events if isinstance(e, ReplacementRequested)] == [
        (ReplacementRequested, True)
    ]
    assert shipped.advance_replacement is not None
    assert shipped.advance_replacement.due == pendulum.date(2024, 7, 30)


def test_repair_and_return_opens_a_service_order_with_a_repair_line() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_free_line(
            uow,
            rma,
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-1),
            price=eur("80"),
            cost_price=eur("50"),
            clock=clock(),
            setup_id=S,
            service_object_id="OBJ-9",
        )
        register_arrival(
            uow,
            rma,
            "1",
            quantity=Decimal(1),
            disposition_code="SEND-BACK",
            clock=clock(),
            setup_id=S,
        )
        order = repair_and_return(
            uow, rma, "1", service_order_id="SO-R1", tree=tree(), clock=clock()
        )
        service_order = uow[SERVICE_ORDERS].get("SO-R1")
        with pytest.raises(BusinessRuleError):
            repair_and_return(uow, rma, "1", service_order_id="SO-R2", tree=tree(), clock=clock())
        post_packing_slip(uow, rma, "1", clock=clock())
        uow.commit()
    assert order.line("1").repair_order_id == "SO-R1"
    assert (service_order.customer_id, service_order.source_reference) == ("C-1", rma)
    [line] = service_order.lines
    assert (line.quantity, line.service_object_id, line.cost_price) == (
        Decimal(1),
        "OBJ-9",
        eur("50"),
    )


def test_repair_and_return_needs_a_registered_return_to_customer_line() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_free_line(
            uow,
            rma,
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-1),
            price=eur("80"),
            cost_price=eur("50"),
            clock=clock(),
            setup_id=S,
        )
        register_arrival(
            uow,
            rma,
            "1",
            quantity=Decimal(1),
            disposition_code="RESTOCK",
            clock=clock(),
            setup_id=S,
        )
        with pytest.raises(BusinessRuleError):
            repair_and_return(uow, rma, "1", service_order_id="SO-R1", tree=tree(), clock=clock())


def test_a_disposition_charge_in_another_currency_is_refused_at_arrival() -> None:
    usd = setup()
    foreign = evolve(
        usd,
        dispositions=(
            DispositionCode(
                id="RESTOCK",
                action=DispositionAction.CREDIT,
                charges=(Charge(code="FEE", amount=Money.of("5", "USD")),),
            ),
        ),
    )
    with pytest.raises(CurrencyMismatchError):
        order_with_line().register_arrival(
            foreign, "1", quantity=Decimal(3), disposition_code="RESTOCK", at=LATER
        )


def test_a_sales_line_keeps_the_invoiced_quantity_of_its_first_return() -> None:
    s = store()
    rma = _new(s)
    with s.unit_of_work("ACME") as uow:
        add_invoiced_line(
            uow, rma, invoiced(), line_id="1", quantity=Decimal(-1), clock=clock(), setup_id=S
        )
        with pytest.raises(BusinessRuleError, match="recorded as invoiced 5"):
            add_invoiced_line(
                uow,
                rma,
                invoiced(quantity="9"),
                line_id="2",
                quantity=Decimal(-6),
                clock=clock(),
                setup_id=S,
            )
