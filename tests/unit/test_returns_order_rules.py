"""Return order rules at the edges: what adding a line, an arrival, a cancel, a reason change
and an advance replacement refuse, and which id a remainder line gets by default.

Every refusal is checked for its error class and the field or rule it names; refusals of the
use cases are also checked to stage nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from attrs import evolve

from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    NotFoundError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.returns import (
    RETURN_ORDERS,
    Charge,
    DispositionAction,
    DispositionCode,
    ReturnLineStatus,
    ReturnOrder,
    ReturnSetup,
    ReturnStatus,
    add_free_line,
    cancel_return_order,
    create_return_order,
    invoice_return,
)
from servicecore.storage.memory import InMemoryStore
from tests.builders.returns import AT, LATER, clock, eur, order, order_with_line, setup, store


def _add(
    base: ReturnOrder,
    line_id: str,
    *,
    quantity: str = "-1",
    price: Money | None = None,
    cost_price: Money | None = None,
    code: str | None = None,
    with_setup: ReturnSetup | None = None,
) -> ReturnOrder:
    changed, _ = base.add_line(
        with_setup or setup(),
        line_id=line_id,
        item_id="PUMP",
        quantity=Decimal(quantity),
        price=eur("80") if price is None else price,
        cost_price=eur("50") if cost_price is None else cost_price,
        disposition_code=code,
        replacement_item_id="PUMP-NEW",
        at=AT,
    )
    return changed


# -- unknown codes and lines ---------------------------------------------------------------
def test_unknown_lines_reasons_and_disposition_codes_are_named_in_the_error() -> None:
    with pytest.raises(NotFoundError) as line:
        order_with_line().line("9")
    assert (line.value.entity, line.value.id) == ("return line", "9")
    with pytest.raises(NotFoundError) as reason:
        order().change_reason(setup(), "BROKEN", at=LATER)
    assert (reason.value.entity, reason.value.id) == ("return reason code", "BROKEN")
    assert "known: DAMAGED, LATE" in str(reason.value)
    with pytest.raises(NotFoundError) as code:
        order_with_line().register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="DONATE", at=LATER
        )
    assert (code.value.entity, code.value.id) == ("disposition code", "DONATE")
    assert "known: RESTOCK, KEEP, SCRAP, SWAP, SWAP-SCRAP, SEND-BACK" in str(code.value)


# -- adding a line ------------------------------------------------------------------------
def test_only_a_credit_only_code_is_given_when_a_line_is_added() -> None:
    with pytest.raises(ValidationError) as err:
        _add(order(), "1", code="RESTOCK")
    assert err.value.field == "disposition_code"
    assert "only a credit-only code" in str(err.value)
    kept = _add(order(), "1", code="KEEP")
    assert kept.line("1").action is DispositionAction.CREDIT_ONLY


def test_a_credit_only_code_charging_in_another_currency_is_refused_when_the_line_is_added() -> (
    None
):
    foreign = evolve(
        setup(),
        dispositions=(
            DispositionCode(
                id="KEEP",
                action=DispositionAction.CREDIT_ONLY,
                charges=(Charge(code="FEE", amount=Money.of("5", "USD")),),
            ),
        ),
    )
    with pytest.raises(CurrencyMismatchError) as err:
        _add(order(), "1", code="KEEP", with_setup=foreign)
    assert (err.value.expected, err.value.actual) == ("EUR", "USD")


def test_prices_are_in_the_order_currency_and_never_negative() -> None:
    with pytest.raises(CurrencyMismatchError) as mismatch:
        _add(order(), "1", price=Money.of("80", "USD"))
    assert (mismatch.value.expected, mismatch.value.actual) == ("EUR", "USD")
    with pytest.raises(ValidationError) as negative:
        _add(order(), "1", cost_price=eur("-1"))
    assert negative.value.field == "cost_price"
    free = _add(order(), "1", price=eur("0"), cost_price=eur("0"))  # zero is a price
    assert free.line("1").amount == eur("0")


def test_no_line_is_added_to_a_cancelled_or_closed_order() -> None:
    cancelled, _ = order_with_line().cancel(at=AT)
    closed, _ = _add(order(), "K", code="KEEP").invoice(at=AT)
    for final in (cancelled, closed):
        with pytest.raises(BusinessRuleError) as err:
            _add(final, "2")
        assert err.value.rule == "return-order-state"
        assert f"it is {final.status.value}" in str(err.value)


def test_a_line_id_is_used_once_per_order_and_a_refused_add_stages_nothing() -> None:
    s = store()
    with s.unit_of_work("ACME") as uow:
        rma = create_return_order(
            uow,
            customer_id="C-1",
            currency="EUR",
            reason_code="DAMAGED",
            setup_id="default",
            clock=clock(),
        ).id
        add_free_line(
            uow,
            rma,
            line_id="1",
            item_id="PUMP",
            quantity=Decimal(-1),
            price=eur("80"),
            cost_price=eur("50"),
            clock=clock(),
            setup_id="default",
        )
        uow.commit()
    with s.unit_of_work("ACME") as uow:
        before = uow[RETURN_ORDERS].get(rma)
        with pytest.raises(ValidationError) as err:
            add_free_line(
                uow,
                rma,
                line_id="1",
                item_id="VALVE",
                quantity=Decimal(-2),
                price=eur("9"),
                cost_price=eur("5"),
                clock=clock(),
                setup_id="default",
            )
        assert err.value.field == "line_id"
        assert uow[RETURN_ORDERS].get(rma) == before
        assert [ln.item_id for ln in before.lines] == ["PUMP"]


# -- arrival ------------------------------------------------------------------------------
def test_nothing_arrives_on_a_cancelled_order() -> None:
    cancelled, _ = order_with_line().cancel(at=AT)
    with pytest.raises(BusinessRuleError) as err:
        cancelled.register_arrival(
            setup(), "1", quantity=Decimal(3), disposition_code="RESTOCK", at=LATER
        )
    assert err.value.rule == "return-order-state"
    assert "it is cancelled" in str(err.value)


def test_goods_never_arrive_on_a_credit_only_line() -> None:
    kept = _add(order(), "K", code="KEEP")
    for arrival in ({"disposition_code": "RESTOCK"}, {"quarantine": True}):
        with pytest.raises(BusinessRuleError) as err:
            kept.register_arrival(setup(), "K", quantity=Decimal(1), at=LATER, **arrival)
        assert err.value.rule == "return-order-state"
        assert "the line is credit only" in str(err.value)


def test_only_the_first_arrival_opens_the_order() -> None:
    two = _add(order_with_line("-3"), "2")
    opened, first = two.register_arrival(
        setup(), "1", quantity=Decimal(3), disposition_code="RESTOCK", at=LATER
    )
    assert opened.status is ReturnStatus.OPEN
    assert [type(e).__name__ for e in first] == ["ArrivalRegistered", "ReturnStatusChanged"]
    again, second = opened.register_arrival(
        setup(), "2", quantity=Decimal(1), disposition_code="RESTOCK", at=LATER
    )
    assert again.status is ReturnStatus.OPEN
    assert [type(e).__name__ for e in second] == ["ArrivalRegistered"]


def test_a_remainder_line_gets_the_first_free_numbered_id_by_default() -> None:
    base = _add(order_with_line("-3"), "1.2")  # "1.2" is taken by another line
    split, events = base.register_arrival(
        setup(), "1", quantity=Decimal(1), disposition_code="RESTOCK", at=LATER
    )
    assert [(ln.id, ln.quantity, ln.status) for ln in split.lines] == [
        ("1", Decimal(-1), ReturnLineStatus.REGISTERED),
        ("1.3", Decimal(-2), ReturnLineStatus.AWAITING),
        ("1.2", Decimal(-1), ReturnLineStatus.AWAITING),
    ]
    assert split.line("1.3").lot_id == "RMA-1/1/1.3"
    assert events[0].remainder_line_id == "1.3"  # type: ignore[attr-defined]


def test_a_remainder_line_id_given_by_the_caller_must_be_free() -> None:
    base = _add(order_with_line("-3"), "2")
    with pytest.raises(ValidationError) as err:
        base.register_arrival(
            setup(),
            "1",
            quantity=Decimal(1),
            disposition_code="RESTOCK",
            remainder_line_id="2",
            at=LATER,
        )
    assert err.value.field == "remainder_line_id"


# -- cancel, reason, advance replacement --------------------------------------------------
def _stored_order_with_an_invoiced_credit_only_line() -> tuple[InMemoryStore, str]:
    s = store()
    with s.unit_of_work("ACME") as uow:
        rma = create_return_order(
            uow,
            customer_id="C-1",
            currency="EUR",
            reason_code="DAMAGED",
            setup_id="default",
            clock=clock(),
        ).id
        for line_id, code in (("K", "KEEP"), ("1", None)):
            add_free_line(
                uow,
                rma,
                line_id=line_id,
                item_id="PUMP",
                quantity=Decimal(-1),
                price=eur("80"),
                cost_price=eur("50"),
                disposition_code=code,
                clock=clock(),
                setup_id="default",
            )
        note = invoice_return(uow, rma, line_ids=["K"], clock=clock(LATER))
        assert note.total == eur("80.00")
        uow.commit()
    return s, rma


def test_an_order_whose_credit_only_lines_were_invoiced_cannot_be_cancelled() -> None:
    s, rma = _stored_order_with_an_invoiced_credit_only_line()
    with s.unit_of_work("ACME") as uow:
        before = uow[RETURN_ORDERS].get(rma)
        assert before.status is ReturnStatus.CREATED  # line 1 still awaits its goods
        with pytest.raises(BusinessRuleError) as err:
            cancel_return_order(uow, rma, clock=clock(LATER))
        assert err.value.rule == "return-order-state"
        assert "credit-only lines of it were invoiced" in str(err.value)
        assert uow[RETURN_ORDERS].get(rma) == before


def test_the_reason_of_a_cancelled_or_closed_order_cannot_change() -> None:
    cancelled, _ = order_with_line().cancel(at=AT)
    closed, _ = _add(order(), "K", code="KEEP").invoice(at=AT)
    assert closed.status is ReturnStatus.CLOSED
    for final in (cancelled, closed):
        with pytest.raises(BusinessRuleError) as err:
            final.change_reason(setup(), "LATE", at=LATER)
        assert err.value.rule == "return-order-state"
        assert f"it is {final.status.value}" in str(err.value)


def test_one_advance_replacement_per_order_and_only_while_goods_are_awaited() -> None:
    shipped, _ = order_with_line().ship_advance_replacement(
        item_id="PUMP", quantity=Decimal(1), at=AT
    )
    with pytest.raises(BusinessRuleError, match="one was already shipped") as twice:
        shipped.ship_advance_replacement(item_id="PUMP", quantity=Decimal(1), at=LATER)
    assert twice.value.rule == "return-order-state"
    for nothing_awaited in (order(), _add(order(), "K", code="KEEP")):
        with pytest.raises(BusinessRuleError, match="no goods are awaited") as err:
            nothing_awaited.ship_advance_replacement(item_id="PUMP", quantity=Decimal(1), at=AT)
        assert err.value.rule == "return-order-state"
