"""Return use cases over a unit of work, and the composed flows hosts asked for.

Each use case loads what it needs, runs the pure command, saves, records the events on
the unit of work and leaves the commit to the caller. Everything is checked before
anything is staged, so a refused call changes nothing.

Flows beyond the D365 sequence (peers' most requested, see the domain notes):

* :func:`refund_without_return`: a credit-only return of an invoiced line, credited at once;
* :func:`advance_replacement`: the replacement ships first, the return is tracked against
  its deadline (:func:`servicecore.returns.overdue_returns`);
* :func:`repair_and_return`: a registered return-to-customer line opens a service order with
  a repair line for the returned object; its packing slip ships the object back.
"""

from __future__ import annotations

from decimal import Decimal

from attrs import evolve, frozen

from servicecore.agreements import TransactionType
from servicecore.clock import Clock, read_clock
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.money import Currency, Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrderCreated,
    StageTree,
    add_line,
    new_service_order,
)
from servicecore.ports import UnitOfWork, check_id, check_type, run_command
from servicecore.returns.codes import RETURN_SETUPS, DispositionAction
from servicecore.returns.ledger import RETURNED_QUANTITIES, ReturnedQuantity, check_quantity
from servicecore.returns.model import (
    RETURN_ORDERS,
    CreditNoteIssued,
    RepairOrderRequested,
    ReturnLineStatus,
    ReturnOrder,
    ReturnStatus,
    new_return_order,
    overdue_returns,
)
from servicecore.returns.sequence import Numbering, StoredSequence, _check_numbering

__all__ = [
    "InvoicedLine",
    "add_free_line",
    "add_invoiced_line",
    "advance_replacement",
    "cancel_return_order",
    "change_return_reason",
    "create_return_order",
    "end_inspection",
    "invoice_return",
    "list_overdue_returns",
    "post_packing_slip",
    "refund_without_return",
    "register_arrival",
    "repair_and_return",
]

DEFAULT_NUMBERING = StoredSequence("RMA")


@frozen(kw_only=True)
class InvoicedLine:
    """An invoiced sales line as the host knows it: what a return line copies from it.

    ``quantity`` is the invoiced quantity (positive); ``price`` and ``cost_price`` are unit
    prices; the return line takes the original cost as its return cost price and the lot id.
    """

    sales_line_id: str
    customer_id: str
    item_id: str
    quantity: Decimal
    price: Money
    cost_price: Money
    lot_id: str


def _ledger_of(uow: UnitOfWork, invoiced: InvoicedLine) -> tuple[ReturnedQuantity, bool]:
    """The returned quantity of the sales line and whether it exists, or a fresh one.

    A sales line's invoiced quantity is recorded at its first return; a later return that
    states another one is refused rather than silently believed or ignored.
    """
    sales_line_id = check_id(invoiced.sales_line_id, "invoiced.sales_line_id")
    quantity = check_quantity(invoiced.quantity, "invoiced.quantity")
    try:
        ledger = uow[RETURNED_QUANTITIES].get(sales_line_id)
    except NotFoundError:
        fresh = ReturnedQuantity(company_id=uow.company_id, id=sales_line_id, invoiced=quantity)
        return fresh, False
    if ledger.invoiced != quantity:
        raise BusinessRuleError(
            f"invoiced.quantity: sales line {sales_line_id!r} was recorded as invoiced "
            f"{ledger.invoiced} at its first return, not {quantity}",
            rule="invoiced-quantity-fixed",
            entity="sales line",
            id=sales_line_id,
        )
    return ledger, True


def create_return_order(
    uow: UnitOfWork,
    *,
    customer_id: str,
    currency: str | Currency,
    reason_code: str,
    setup_id: str,
    clock: Clock,
    numbering: Numbering = DEFAULT_NUMBERING,
) -> ReturnOrder:
    """A new return order numbered by ``numbering`` (default: the stored sequence ``RMA``)."""
    at = read_clock(clock)
    number_of = _check_numbering(numbering)
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    new_return_order(  # check every input before a number is taken
        setup,
        id="check",
        customer_id=customer_id,
        currency=currency,
        reason_code=reason_code,
        at=at,
    )
    number = check_id(number_of(uow), "numbering result")
    order, events = new_return_order(
        setup,
        id=number,
        customer_id=customer_id,
        currency=currency,
        reason_code=reason_code,
        at=at,
    )
    uow[RETURN_ORDERS].add(order)
    uow.record(events)
    return order


def add_invoiced_line(
    uow: UnitOfWork,
    return_id: str,
    invoiced: InvoicedLine,
    *,
    line_id: str,
    quantity: Decimal,
    clock: Clock,
    setup_id: str,
    disposition_code: str | None = None,
    replacement_item_id: str | None = None,
    service_object_id: str | None = None,
) -> ReturnOrder:
    """Return part of an invoiced sales line (``quantity`` < 0): item, price, cost and lot
    are copied from it. The cumulative returned quantity of the sales line, over every
    return order, never exceeds its invoiced quantity (``BusinessRuleError``)."""
    at = read_clock(clock)
    check_type(invoiced, InvoicedLine, "invoiced")
    check_id(invoiced.sales_line_id, "invoiced.sales_line_id")
    check_quantity(invoiced.quantity, "invoiced.quantity")
    q = check_quantity(quantity, "quantity", positive=False)
    orders = uow[RETURN_ORDERS]
    order = orders.get(check_id(return_id, "return_id"))
    if invoiced.customer_id != order.customer_id:
        raise BusinessRuleError(
            f"invoiced: sales line {invoiced.sales_line_id!r} was invoiced to "
            f"{invoiced.customer_id!r}, the return is for {order.customer_id!r}",
            rule="return-same-customer",
            entity="return order",
            id=order.id,
        )
    changed, events = order.add_line(
        uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id")),
        line_id=line_id,
        item_id=invoiced.item_id,
        quantity=q,
        price=invoiced.price,
        cost_price=invoiced.cost_price,
        lot_id=invoiced.lot_id,
        sales_line_id=invoiced.sales_line_id,
        disposition_code=disposition_code,
        replacement_item_id=replacement_item_id,
        service_object_id=service_object_id,
        at=at,
    )
    ledgers = uow[RETURNED_QUANTITIES]
    ledger, stored = _ledger_of(uow, invoiced)
    ledger = ledger.reserve(order.id, line_id, -q)
    (ledgers.save if stored else ledgers.add)(ledger)
    orders.save(changed)
    uow.record(events)
    return changed


def add_free_line(
    uow: UnitOfWork,
    return_id: str,
    *,
    line_id: str,
    item_id: str,
    quantity: Decimal,
    price: Money,
    cost_price: Money,
    clock: Clock,
    setup_id: str,
    disposition_code: str | None = None,
    replacement_item_id: str | None = None,
    service_object_id: str | None = None,
) -> ReturnOrder:
    """Add a line not referencing a sales line (cost defaults to the caller's current cost)."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    return run_command(
        uow,
        RETURN_ORDERS,
        rid,
        lambda order: order.add_line(
            setup,
            line_id=line_id,
            item_id=item_id,
            quantity=quantity,
            price=price,
            cost_price=cost_price,
            disposition_code=disposition_code,
            replacement_item_id=replacement_item_id,
            service_object_id=service_object_id,
            at=at,
        ),
    )


def register_arrival(
    uow: UnitOfWork,
    return_id: str,
    line_id: str,
    *,
    quantity: Decimal,
    clock: Clock,
    setup_id: str,
    disposition_code: str | None = None,
    quarantine: bool = False,
    remainder_line_id: str | None = None,
) -> ReturnOrder:
    """:meth:`ReturnOrder.register_arrival` on a stored order."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    return run_command(
        uow,
        RETURN_ORDERS,
        rid,
        lambda order: order.register_arrival(
            setup,
            line_id,
            quantity=quantity,
            disposition_code=disposition_code,
            quarantine=quarantine,
            remainder_line_id=remainder_line_id,
            at=at,
        ),
    )


def end_inspection(
    uow: UnitOfWork,
    return_id: str,
    line_id: str,
    *,
    disposition_code: str,
    clock: Clock,
    setup_id: str,
) -> ReturnOrder:
    """:meth:`ReturnOrder.end_inspection` on a stored order."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    return run_command(
        uow,
        RETURN_ORDERS,
        rid,
        lambda order: order.end_inspection(
            setup, line_id, disposition_code=disposition_code, at=at
        ),
    )


def post_packing_slip(
    uow: UnitOfWork,
    return_id: str,
    line_id: str,
    *,
    clock: Clock,
    quantity: Decimal | None = None,
) -> ReturnOrder:
    """:meth:`ReturnOrder.post_packing_slip` on a stored order."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    return run_command(
        uow,
        RETURN_ORDERS,
        rid,
        lambda order: order.post_packing_slip(line_id, quantity=quantity, at=at),
    )


def invoice_return(
    uow: UnitOfWork,
    return_id: str,
    *,
    clock: Clock,
    line_ids: list[str] | None = None,
) -> CreditNoteIssued:
    """:meth:`ReturnOrder.invoice` on a stored order; returns the credit note event."""
    at = read_clock(clock)
    orders = uow[RETURN_ORDERS]
    order = orders.get(check_id(return_id, "return_id"))
    changed, events = order.invoice(line_ids=line_ids, at=at)
    orders.save(changed)
    uow.record(events)
    note = events[0]
    assert isinstance(note, CreditNoteIssued)
    return note


def cancel_return_order(uow: UnitOfWork, return_id: str, *, clock: Clock) -> ReturnOrder:
    """Cancel a created return order and give its quantities back to the sales lines."""
    at = read_clock(clock)
    orders = uow[RETURN_ORDERS]
    order = orders.get(check_id(return_id, "return_id"))
    changed, events = order.cancel(at=at)
    ledgers = uow[RETURNED_QUANTITIES]
    for ledger in ledgers.list_for_return(order.id):
        for entry in [e for e in ledger.entries if e.return_id == order.id]:
            ledger = ledger.release(entry.return_id, entry.line_id, entry.quantity)
        ledgers.save(ledger)
    orders.save(changed)
    uow.record(events)
    return changed


def change_return_reason(
    uow: UnitOfWork, return_id: str, *, reason_code: str, clock: Clock, setup_id: str
) -> ReturnOrder:
    """:meth:`ReturnOrder.change_reason` on a stored order (charges are only ever added)."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    return run_command(
        uow, RETURN_ORDERS, rid, lambda order: order.change_reason(setup, reason_code, at=at)
    )


def refund_without_return(
    uow: UnitOfWork,
    invoiced: InvoicedLine,
    *,
    quantity: Decimal,
    reason_code: str,
    disposition_code: str,
    clock: Clock,
    setup_id: str,
    numbering: Numbering = DEFAULT_NUMBERING,
) -> CreditNoteIssued:
    """Credit part of an invoiced line without the goods coming back.

    Creates a return order with one credit-only line (``disposition_code`` must map to
    CREDIT_ONLY) and issues its credit note at once; the order is closed.
    """
    at = read_clock(clock)
    check_type(invoiced, InvoicedLine, "invoiced")
    check_type(invoiced.price, Money, "invoiced.price")
    setup = uow[RETURN_SETUPS].get(check_id(setup_id, "setup_id"))
    action = setup.disposition(check_id(disposition_code, "disposition_code")).action
    if action is not DispositionAction.CREDIT_ONLY:
        raise BusinessRuleError(
            f"disposition_code: {disposition_code!r} is {action.name}; a refund without return "
            "needs a CREDIT_ONLY code",
            rule="refund-credit-only",
            entity="disposition code",
            id=disposition_code,
        )
    # a dry run on a scratch order checks every input before anything is staged
    scratch, _ = new_return_order(
        setup,
        id="check",
        customer_id=invoiced.customer_id,
        currency=invoiced.price.currency,
        reason_code=reason_code,
        at=at,
    )
    scratch.add_line(
        setup,
        line_id="1",
        item_id=invoiced.item_id,
        quantity=quantity,
        price=invoiced.price,
        cost_price=invoiced.cost_price,
        lot_id=invoiced.lot_id,
        sales_line_id=invoiced.sales_line_id,
        disposition_code=disposition_code,
        at=at,
    )
    ledger, _ = _ledger_of(uow, invoiced)
    ledger.reserve("check", "1", -check_quantity(quantity, "quantity", positive=False))
    order = create_return_order(
        uow,
        customer_id=invoiced.customer_id,
        currency=invoiced.price.currency,
        reason_code=reason_code,
        setup_id=setup_id,
        clock=clock,
        numbering=numbering,
    )
    add_invoiced_line(
        uow,
        order.id,
        invoiced,
        line_id="1",
        quantity=quantity,
        clock=clock,
        setup_id=setup_id,
        disposition_code=disposition_code,
    )
    return invoice_return(uow, order.id, clock=clock)


def advance_replacement(
    uow: UnitOfWork, return_id: str, *, item_id: str, quantity: Decimal, clock: Clock
) -> ReturnOrder:
    """Ship a replacement before the return arrives; the return is due by its deadline."""
    at = read_clock(clock)
    rid = check_id(return_id, "return_id")
    return run_command(
        uow,
        RETURN_ORDERS,
        rid,
        lambda order: order.ship_advance_replacement(item_id=item_id, quantity=quantity, at=at),
    )


def list_overdue_returns(uow: UnitOfWork, *, clock: Clock) -> tuple[ReturnOrder, ...]:
    """The stored orders still awaiting goods after their deadline (advance replacements
    first); see :func:`servicecore.returns.overdue_returns`."""
    at = read_clock(clock)
    orders = uow[RETURN_ORDERS]
    live = [
        *orders.list_in_status(ReturnStatus.CREATED),
        *orders.list_in_status(ReturnStatus.OPEN),
    ]
    return overdue_returns(live, at=at)


def repair_and_return(
    uow: UnitOfWork,
    return_id: str,
    line_id: str,
    *,
    service_order_id: str,
    tree: StageTree,
    clock: Clock,
) -> ReturnOrder:
    """Open a service order with a repair line for the object of a registered
    return-to-customer line; the line's packing slip later ships the repaired object back.

    The service order (source ``sales_order``, referencing the RMA number) has one item
    line: the returned quantity at the return cost price, sold at zero.
    """
    at = read_clock(clock)
    check_id(service_order_id, "service_order_id")
    check_type(tree, StageTree, "tree")
    orders = uow[RETURN_ORDERS]
    order = orders.get(check_id(return_id, "return_id"))
    line = order.line(check_id(line_id, "line_id"))
    if line.status is not ReturnLineStatus.REGISTERED or (
        line.action is not DispositionAction.RETURN_TO_CUSTOMER
    ):
        raise BusinessRuleError(
            f"line_id: line {line.id!r} is {line.status.value} with action "
            f"{line.action.name if line.action else 'none'}; repair and return needs a "
            "registered RETURN_TO_CUSTOMER line",
            rule="repair-registered-return-to-customer",
            entity="return line",
            id=line.id,
        )
    if line.repair_order_id is not None:
        raise BusinessRuleError(
            f"line_id: line {line.id!r} already has repair order {line.repair_order_id!r}",
            rule="one-repair-order-per-line",
            entity="return line",
            id=line.id,
        )
    service_order = new_service_order(
        company_id=order.company_id,
        id=service_order_id,
        customer_id=order.customer_id,
        currency=order.currency,
        tree=tree,
        at=at,
        source="sales_order",
        source_reference=order.id,
    )
    repair_line = OrderLine(
        id="1",
        transaction_type=TransactionType.ITEM,
        quantity=-line.quantity,
        cost_price=line.cost_price,
        sales_price=Money.zero(order.currency),
        service_object_id=line.service_object_id,
    )
    service_order, _ = add_line(service_order, repair_line, tree=tree, at=at)
    changed = order._with(evolve(line, repair_order_id=service_order_id))
    uow[SERVICE_ORDERS].add(service_order)
    orders.save(changed)
    head = order._head(at)
    uow.record(
        (
            ServiceOrderCreated(
                aggregate_id=service_order_id,
                company_id=order.company_id,
                occurred_at=at,
                customer_id=order.customer_id,
                agreement_id=None,
                source="sales_order",
                line_ids=("1",),
            ),
            RepairOrderRequested(
                **head,
                line_id=line.id,
                service_order_id=service_order_id,
                service_object_id=line.service_object_id,
            ),
        )
    )
    return changed
