"""Guards on service order lines: what a stage allows, what a new line must be, moving
lines between orders, posting all or nothing, and refused order ids.

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from servicecore.agreements import TransactionType
from servicecore.clock import FixedClock
from servicecore.errors import (
    AlreadyExistsError,
    BusinessRuleError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    ServiceOrder,
    Stage,
    StageTree,
    add_line,
    cancel_line,
    change_stage,
    create_order_from_sales_order,
    move_line,
    new_service_order,
    post_order,
    sign_off_line,
)
from servicecore.storage.memory import InMemoryStore

AT = pendulum.datetime(2024, 3, 1, 9)

TREE = StageTree.define(
    [
        Stage(id="new"),
        Stage(id="work", parent="new"),
        Stage(id="done", parent="work", can_post=True),
        Stage(id="locked", parent="done", can_modify=False, can_cancel=False),
    ]
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def line(id: str, **kw: object) -> OrderLine:
    """2 hours of worker W1 at 50.00 (cost 30.00)."""
    fields: dict[str, object] = {
        "transaction_type": TransactionType.HOUR,
        "quantity": Decimal(2),
        "cost_price": eur("30"),
        "sales_price": eur("50"),
        "worker_id": "W1",
    }
    fields.update(kw)
    return OrderLine(id=id, **fields)  # type: ignore[arg-type]


def order(*lines: OrderLine, id: str = "SO-1", agreement: str | None = "AG-1") -> ServiceOrder:
    o = new_service_order(
        company_id="ACME",
        id=id,
        customer_id="C-1",
        currency="EUR",
        tree=TREE,
        at=AT,
        agreement_id=agreement,
    )
    for ln in lines:
        o, _ = add_line(o, ln, tree=TREE, at=AT)
    return o


def moved(o: ServiceOrder, *stages: str) -> ServiceOrder:
    for stage in stages:
        o, _ = change_stage(o, stage, tree=TREE, at=AT)
    return o


# -- what a stage allows -------------------------------------------------------------------
def test_no_line_is_added_in_a_stage_that_cannot_modify() -> None:
    locked = moved(order(line("1")), "work", "done", "locked")
    with pytest.raises(InvalidTransitionError) as e:
        add_line(locked, line("2"), tree=TREE, at=AT)
    assert (e.value.state, e.value.action) == ("locked", "add a line to")
    assert [ln.id for ln in locked.lines] == ["1"]


def test_no_line_is_cancelled_in_a_stage_that_cannot_cancel() -> None:
    locked = moved(order(line("1")), "work", "done", "locked")
    with pytest.raises(InvalidTransitionError) as e:
        cancel_line(locked, "1", tree=TREE, at=AT)
    assert (e.value.state, e.value.action) == ("locked", "cancel a line of")
    assert locked.line("1").status is LineStatus.CREATED
    done = moved(order(line("1")), "work", "done")  # one stage back it is allowed
    cancelled, _ = cancel_line(done, "1", tree=TREE, at=AT)
    assert cancelled.line("1").status is LineStatus.CANCELLED


# -- what a new line must be ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["cost_price", "sales_price"])
def test_an_order_line_price_is_never_negative(name: str) -> None:
    o = order()
    with pytest.raises(ValidationError) as e:
        add_line(o, line("1", **{name: eur("-0.01")}), tree=TREE, at=AT)
    assert e.value.field == f"line.{name}"
    assert o.lines == ()


@pytest.mark.parametrize("quantity", [Decimal("NaN"), Decimal("Infinity"), 2, 2.0])
def test_an_order_line_quantity_is_a_finite_decimal(quantity: object) -> None:
    o = order()
    with pytest.raises(ValidationError) as e:
        add_line(o, line("1", quantity=quantity), tree=TREE, at=AT)
    assert e.value.field == "line.quantity"
    assert o.lines == ()


@pytest.mark.parametrize("status", [LineStatus.POSTED, LineStatus.CANCELLED])
def test_a_new_order_line_starts_created(status: LineStatus) -> None:
    o = order()
    with pytest.raises(ValidationError) as e:
        add_line(o, line("1", status=status), tree=TREE, at=AT)
    assert (e.value.field, e.value.allowed) == ("line.status", "created")
    assert o.lines == ()


def test_order_line_ids_are_unique_on_the_order() -> None:
    o = order(line("1"))
    with pytest.raises(ValidationError) as e:
        add_line(o, line("1", quantity=Decimal(5)), tree=TREE, at=AT)
    assert (e.value.field, e.value.value) == ("line.id", "1")
    assert o.line("1").quantity == Decimal(2)


# -- moving lines --------------------------------------------------------------------------
def test_a_line_is_moved_to_another_order_only() -> None:
    o = order(line("1"))
    with pytest.raises(ValidationError) as e:
        move_line(o, o, "1", tree=TREE, at=AT)
    assert e.value.field == "target"
    assert [ln.id for ln in o.lines] == ["1"]


def test_a_cancelled_line_does_not_move() -> None:
    source, _ = cancel_line(order(line("1"), line("2")), "1", tree=TREE, at=AT)
    target = order(id="SO-2")
    with pytest.raises(InvalidTransitionError) as e:
        move_line(source, target, "1", tree=TREE, at=AT)
    assert e.value.action == "move line '1' (cancelled) of"
    assert target.lines == ()
    new_source, new_target = move_line(source, target, "2", tree=TREE, at=AT)
    assert [ln.id for ln in new_source.lines] == ["1"]
    assert [ln.id for ln in new_target.lines] == ["2"]


def test_a_moved_line_keeps_its_id_so_the_target_must_not_use_it() -> None:
    source = order(line("1"))
    target = order(line("1", quantity=Decimal(7)), id="SO-2")
    with pytest.raises(ValidationError) as e:
        move_line(source, target, "1", tree=TREE, at=AT)
    assert (e.value.field, e.value.value) == ("line_id", "1")
    assert [ln.quantity for ln in target.lines] == [Decimal(7)]
    assert [ln.id for ln in source.lines] == ["1"]


# -- posting ---------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-1)])
def test_posting_refuses_every_line_when_one_has_no_positive_quantity(quantity: Decimal) -> None:
    o = moved(order(line("1"), line("2", quantity=quantity)), "work", "done")
    for line_id in ("1", "2"):
        o, _ = sign_off_line(o, line_id, at=AT)
    with pytest.raises(BusinessRuleError) as e:
        post_order(o, tree=TREE, at=AT)
    assert e.value.rule == "post-all-or-nothing"
    assert f"line '2': quantity must be positive, got {quantity}" in str(e.value)
    assert [ln.status for ln in o.lines] == [LineStatus.CREATED, LineStatus.CREATED]
    fixed, _ = cancel_line(o, "2", tree=TREE, at=AT)  # without it, line 1 posts alone
    posted, _ = post_order(fixed, tree=TREE, at=AT)
    assert [ln.status for ln in posted.lines] == [LineStatus.POSTED, LineStatus.CANCELLED]


# -- order ids -------------------------------------------------------------------------------
def test_an_order_from_a_new_sales_order_may_not_reuse_a_stored_order_id() -> None:
    store = InMemoryStore(publish=lambda events: None)
    clock = FixedClock(AT)
    kw: dict[str, object] = {"customer_id": "C-1", "currency": "EUR", "tree": TREE}
    with store.unit_of_work("ACME") as uow:
        create_order_from_sales_order(uow, "SALES-1", order_id="SO-1", clock=clock, **kw)  # type: ignore[arg-type]
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(AlreadyExistsError) as e:
            create_order_from_sales_order(
                uow,
                "SALES-2",
                order_id="SO-1",
                clock=clock,
                lines=[line("1")],
                **kw,  # type: ignore[arg-type]
            )
        assert (e.value.entity, e.value.id) == ("service order", "SO-1")
        stored = uow[SERVICE_ORDERS].get("SO-1")
        assert (stored.source_reference, stored.lines) == ("SALES-1", ())
        assert uow[SERVICE_ORDERS].list_for_source_reference("sales_order", "SALES-2") == []
