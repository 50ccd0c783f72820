"""The return order aggregate and its pure commands.

Every command is a method returning ``(changed order, events)``; it checks everything
before building anything and never mutates. Return lines carry negative quantities.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pendulum
from attrs import evolve, frozen

from servicecore.clock import to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    NotFoundError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.ports import check_id, check_items, check_type
from servicecore.returns.codes import (
    Charge,
    DispositionAction,
    DispositionCode,
    ReturnSetup,
    charge_amount,
)
from servicecore.returns.ledger import check_quantity
from servicecore.returns.model.events import (
    ArrivalRegistered,
    CreditLine,
    CreditNoteIssued,
    GoodsReceived,
    GoodsScrapped,
    GoodsShippedBack,
    InspectionEnded,
    ReplacementRequested,
    ReturnLineAdded,
    ReturnStatusChanged,
    _Head,
)
from servicecore.returns.model.lines import AdvanceReplacement, ReturnLine, _invoiceable
from servicecore.returns.model.status import (
    HEADER_LIFECYCLE,
    LINE_LIFECYCLE,
    ReturnLineStatus,
    ReturnStatus,
)

__all__ = ["ReturnOrder"]


@frozen(kw_only=True)
class ReturnOrder:
    """The return order aggregate (D365 sales order of type "Returned order").

    ``id`` is the RMA number; ``deadline`` = creation date + validity days of the set-up.
    """

    company_id: str
    id: str
    customer_id: str
    currency: Currency
    reason_code: str
    created_at: pendulum.DateTime
    deadline: pendulum.Date
    status: ReturnStatus = ReturnStatus.CREATED
    lines: tuple[ReturnLine, ...] = ()
    charges: tuple[Charge, ...] = ()
    header_charges_invoiced: bool = False
    advance_replacement: AdvanceReplacement | None = None
    version: int = 0

    def line(self, line_id: str) -> ReturnLine:
        """The line ``line_id``; :class:`NotFoundError` when the order has none."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise NotFoundError(
            f"line_id: return order {self.id!r} has no line {line_id!r}",
            entity="return line",
            id=str(line_id),
        )

    @property
    def total_quantity(self) -> Decimal:
        """The sum of the line quantities that are not cancelled (negative or zero)."""
        return sum(
            (ln.quantity for ln in self.lines if ln.status is not ReturnLineStatus.CANCELLED),
            Decimal(0),
        )

    @property
    def awaiting_goods(self) -> bool:
        """Whether goods are still expected (a line awaiting that is not credit only)."""
        return any(
            ln.status is ReturnLineStatus.AWAITING
            and ln.action is not DispositionAction.CREDIT_ONLY
            for ln in self.lines
        )

    # -- commands ------------------------------------------------------------------------
    def add_line(
        self,
        setup: ReturnSetup,
        *,
        line_id: str,
        item_id: str,
        quantity: Decimal,
        price: Money,
        cost_price: Money,
        at: object,
        lot_id: str | None = None,
        sales_line_id: str | None = None,
        disposition_code: str | None = None,
        replacement_item_id: str | None = None,
        service_object_id: str | None = None,
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Add an awaiting line (``quantity`` < 0), while nothing of the order was received.

        A ``disposition_code`` given here must be a credit-only one (goods that never come
        back); the others are given at arrival or when an inspection ends.
        """
        when = to_instant(at, "at")
        check_type(setup, ReturnSetup, "setup")
        check_id(line_id, "line_id")
        check_id(item_id, "item_id")
        q = check_quantity(quantity, "quantity", positive=False)
        for name, money in (("price", price), ("cost_price", cost_price)):
            self._check_money(money, name)
        lot = check_id(lot_id, "lot_id") if lot_id is not None else f"{self.id}/{line_id}"
        for name, value in (
            ("sales_line_id", sales_line_id),
            ("replacement_item_id", replacement_item_id),
            ("service_object_id", service_object_id),
        ):
            if value is not None:
                check_id(value, name)
        action = None
        charges: tuple[Charge, ...] = ()
        if disposition_code is not None:
            code = setup.disposition(check_id(disposition_code, "disposition_code"))
            if code.action is not DispositionAction.CREDIT_ONLY:
                raise ValidationError(
                    f"disposition_code: {code.id!r} is {code.action.name}; only a credit-only "
                    "code is given when a line is added (the others at arrival)",
                    field="disposition_code",
                    value=disposition_code,
                    allowed="a CREDIT_ONLY disposition code, or None",
                )
            action, charges = code.action, code.charges
            for charge in charges:
                self._check_charge_currency(charge)
        if self.status not in (ReturnStatus.CREATED, ReturnStatus.OPEN):
            self._refuse("add a line to", f"it is {self.status.value}")
        if any(
            ln.status in (ReturnLineStatus.RECEIVED, ReturnLineStatus.INVOICED) for ln in self.lines
        ):
            self._refuse("add a line to", "lines of it were already received")
        if any(ln.id == line_id for ln in self.lines):
            raise ValidationError(
                f"line_id: return order {self.id!r} already has a line {line_id!r}",
                field="line_id",
                value=line_id,
                allowed="an id not used on this order",
            )
        line = ReturnLine(
            id=line_id,
            item_id=item_id,
            quantity=q,
            price=price,
            cost_price=cost_price,
            lot_id=lot,
            sales_line_id=sales_line_id,
            ledger_line_id=line_id if sales_line_id is not None else None,
            disposition_code=disposition_code,
            action=action,
            charges=charges,
            replacement_item_id=replacement_item_id,
            service_object_id=service_object_id,
        )
        event = ReturnLineAdded(
            **self._head(when),
            line_id=line_id,
            item_id=item_id,
            quantity=q,
            sales_line_id=sales_line_id,
        )
        return evolve(self, lines=(*self.lines, line)), (event,)

    def register_arrival(
        self,
        setup: ReturnSetup,
        line_id: str,
        *,
        quantity: Decimal,
        at: object,
        disposition_code: str | None = None,
        quarantine: bool = False,
        remainder_line_id: str | None = None,
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Register the arrival of ``quantity`` (positive) of an awaiting line.

        The arrival gets a ``disposition_code`` or goes to ``quarantine`` (exactly one).
        A partial arrival splits the line: the arrived part keeps the line, the rest becomes
        a new awaiting line ``remainder_line_id`` (default ``"<line>.<n>"``) with a new lot
        id; the total quantity is unchanged. The first arrival opens the order.
        """
        when = to_instant(at, "at")
        check_type(setup, ReturnSetup, "setup")
        arrived = check_quantity(quantity, "quantity")
        check_type(quarantine, bool, "quarantine")
        line = self.line(check_id(line_id, "line_id"))
        if quarantine == (disposition_code is not None):
            raise ValidationError(
                "disposition_code: an arrival gets a disposition code or goes to quarantine",
                field="disposition_code",
                value=disposition_code,
                allowed="a disposition code with quarantine=False, or None with quarantine=True",
            )
        code = None
        if disposition_code is not None:
            code = setup.disposition(check_id(disposition_code, "disposition_code"))
            self._check_arrival_code(line, code)
        if self.status not in (ReturnStatus.CREATED, ReturnStatus.OPEN):
            self._refuse("register an arrival on", f"it is {self.status.value}")
        if line.action is DispositionAction.CREDIT_ONLY:
            self._refuse(f"register an arrival of line {line.id!r} on", "the line is credit only")
        LINE_LIFECYCLE.apply(line.status, "quarantine" if quarantine else "register", id=line.id)
        if arrived > -line.quantity:
            raise BusinessRuleError(
                f"quantity: {arrived} arrived but line {line.id!r} expects only {-line.quantity}",
                rule="arrival-at-most-expected",
                entity="return line",
                id=line.id,
            )
        lines = list(self.lines)
        index = lines.index(line)
        remainder = None
        if arrived < -line.quantity:
            rest_id = remainder_line_id or self._free_line_id(line.id)
            check_id(rest_id, "remainder_line_id")
            if any(ln.id == rest_id for ln in self.lines):
                raise ValidationError(
                    f"remainder_line_id: return order {self.id!r} already has a line {rest_id!r}",
                    field="remainder_line_id",
                    value=rest_id,
                    allowed="an id not used on this order",
                )
            remainder = evolve(
                line,
                id=rest_id,
                quantity=line.quantity + arrived,
                lot_id=f"{line.lot_id}/{rest_id}",
            )
        status = ReturnLineStatus.QUARANTINE if quarantine else ReturnLineStatus.REGISTERED
        registered = evolve(
            line,
            quantity=-arrived,
            status=status,
            arrived_at=when,
            disposition_code=code.id if code else None,
            action=code.action if code else None,
            charges=code.charges if code else (),
        )
        lines[index] = registered
        if remainder is not None:
            lines.insert(index + 1, remainder)
        events: list[DomainEvent] = [
            ArrivalRegistered(
                **self._head(when),
                line_id=line.id,
                quantity=arrived,
                disposition_code=registered.disposition_code,
                quarantine=quarantine,
                remainder_line_id=remainder.id if remainder else None,
            )
        ]
        changed = evolve(self, lines=tuple(lines))
        if self.status is ReturnStatus.CREATED:
            changed = evolve(
                changed, status=HEADER_LIFECYCLE.apply(self.status, "open", id=self.id)
            )
            events.append(self._status_event(when, changed.status))
        return changed, tuple(events)

    def end_inspection(
        self, setup: ReturnSetup, line_id: str, *, disposition_code: str, at: object
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """End the quarantine of a line with ``disposition_code``: the line is registered."""
        when = to_instant(at, "at")
        check_type(setup, ReturnSetup, "setup")
        line = self.line(check_id(line_id, "line_id"))
        code = setup.disposition(check_id(disposition_code, "disposition_code"))
        LINE_LIFECYCLE.apply(line.status, "end inspection", id=line.id)
        self._check_arrival_code(line, code)
        done = evolve(
            line,
            status=ReturnLineStatus.REGISTERED,
            disposition_code=code.id,
            action=code.action,
            charges=code.charges,
        )
        event = InspectionEnded(**self._head(when), line_id=line.id, disposition_code=code.id)
        return self._with(done), (event,)

    def post_packing_slip(
        self, line_id: str, *, at: object, quantity: Decimal | None = None
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Post the packing slip of a registered line, for its full quantity (positive).

        Executes the line's disposition and emits what the host must do: goods received
        into inventory, scrapped, shipped back, a replacement order requested. The line is
        then received.
        """
        when = to_instant(at, "at")
        line = self.line(check_id(line_id, "line_id"))
        if quantity is not None:
            q = check_quantity(quantity, "quantity")
            if q != -line.quantity:
                raise BusinessRuleError(
                    f"quantity: a packing slip covers the full quantity {-line.quantity} of line "
                    f"{line.id!r}, not {q}",
                    rule="packing-slip-full-quantity",
                    entity="return line",
                    id=line.id,
                )
        LINE_LIFECYCLE.apply(line.status, "post packing slip", id=line.id)
        action = line.action
        assert action is not None  # registered lines always have one
        q = -line.quantity
        head = self._head(when)
        events: list[DomainEvent] = [
            GoodsReceived(
                **head,
                line_id=line.id,
                item_id=line.item_id,
                quantity=q,
                cost_price=line.cost_price,
                lot_id=line.lot_id,
            )
        ]
        if action.scraps:
            events.append(
                GoodsScrapped(
                    **head,
                    line_id=line.id,
                    item_id=line.item_id,
                    quantity=q,
                    loss=line.cost_price * q,
                )
            )
        if action.replaces:
            assert line.replacement_item_id is not None
            events.append(
                ReplacementRequested(
                    **head,
                    line_id=line.id,
                    item_id=line.replacement_item_id,
                    quantity=q,
                    upfront=False,
                    due=None,
                )
            )
        if action.ships_back:
            events.append(
                GoodsShippedBack(
                    **head,
                    line_id=line.id,
                    item_id=line.item_id,
                    quantity=q,
                    customer_id=self.customer_id,
                )
            )
        received = evolve(
            line, status=ReturnLineStatus.RECEIVED, replacement_requested=action.replaces
        )
        return self._with(received), tuple(events)

    def invoice(
        self, *, at: object, line_ids: Iterable[str] | None = None
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Issue the credit note of received lines and awaiting credit-only lines.

        ``line_ids`` (default: every eligible line) must all be eligible. Each line is
        credited ``-(quantity x price)`` minus its charges (charges only when the goods go
        back to the customer); the reason charges of the header are taken once, on the
        first credit note. Invoiced lines are final; the order closes when all lines are.
        """
        when = to_instant(at, "at")
        eligible = [ln for ln in self.lines if _invoiceable(ln)]
        if line_ids is None:
            chosen = eligible
        else:
            ids = check_items(line_ids, str, "line_ids", "a list of line ids")
            chosen = [self.line(i) for i in dict.fromkeys(ids)]
            for line in chosen:
                if not _invoiceable(line):
                    raise BusinessRuleError(
                        f"line_ids: line {line.id!r} is {line.status.value}; a credit note covers "
                        "received lines and credit-only lines",
                        rule="invoice-received-or-credit-only",
                        entity="return line",
                        id=line.id,
                    )
        if not chosen:
            raise BusinessRuleError(
                f"return order {self.id!r} has no received or credit-only line to invoice",
                rule="invoice-received-or-credit-only",
                entity="return order",
                id=self.id,
            )
        credit_lines = []
        for line in chosen:
            charges = Money.sum(
                (charge_amount(c, line.amount) for c in line.charges), self.currency
            )
            assert line.action is not None
            credited = -line.amount if line.action.credits_price else Money.zero(self.currency)
            credit_lines.append(
                CreditLine(line_id=line.id, amount=(credited - charges).rounded(), charges=charges)
            )
        header = Money.zero(self.currency)
        if not self.header_charges_invoiced:
            base = Money.sum((ln.amount for ln in chosen), self.currency)
            header = Money.sum((charge_amount(c, base) for c in self.charges), self.currency)
        total = Money.sum((c.amount for c in credit_lines), self.currency) - header
        chosen_ids = {ln.id for ln in chosen}
        lines = tuple(
            evolve(ln, status=ReturnLineStatus.INVOICED) if ln.id in chosen_ids else ln
            for ln in self.lines
        )
        events: list[DomainEvent] = [
            CreditNoteIssued(
                **self._head(when),
                lines=tuple(credit_lines),
                header_charges=header,
                total=total.rounded(),
            )
        ]
        changed = evolve(self, lines=lines, header_charges_invoiced=True)
        if all(LINE_LIFECYCLE.is_final(ln.status) for ln in lines):
            changed = evolve(
                changed, status=HEADER_LIFECYCLE.apply(self.status, "close", id=self.id)
            )
            events.append(self._status_event(when, changed.status))
        return changed, tuple(events)

    def cancel(self, *, at: object) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Cancel the order (only while CREATED): every awaiting line is cancelled."""
        when = to_instant(at, "at")
        status = HEADER_LIFECYCLE.apply(self.status, "cancel", id=self.id)
        if any(ln.status is ReturnLineStatus.INVOICED for ln in self.lines):
            self._refuse("cancel", "credit-only lines of it were invoiced")
        lines = tuple(evolve(ln, status=ReturnLineStatus.CANCELLED) for ln in self.lines)
        changed = evolve(self, lines=lines, status=status)
        return changed, (self._status_event(when, status),)

    def change_reason(
        self, setup: ReturnSetup, reason_code: str, *, at: object
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Change the reason code: its charges are added, earlier ones are never removed."""
        when = to_instant(at, "at")
        check_type(setup, ReturnSetup, "setup")
        reason = setup.reason(check_id(reason_code, "reason_code"))
        for charge in reason.charges:
            self._check_charge_currency(charge)
        if HEADER_LIFECYCLE.is_final(self.status):
            self._refuse("change the reason of", f"it is {self.status.value}")
        event = ReturnStatusChanged(
            **self._head(when),
            from_status=self.status,
            to_status=self.status,
            reason_code=reason.id,
        )
        changed = evolve(self, reason_code=reason.id, charges=(*self.charges, *reason.charges))
        return changed, (event,)

    def ship_advance_replacement(
        self, *, item_id: str, quantity: Decimal, at: object
    ) -> tuple[ReturnOrder, tuple[DomainEvent, ...]]:
        """Ship a replacement before the return arrives (only while nothing arrived).

        The replacement is due back by the order's deadline (see :func:`overdue_returns`);
        replace-type disposition codes are refused on this order afterwards.
        """
        when = to_instant(at, "at")
        check_id(item_id, "item_id")
        q = check_quantity(quantity, "quantity")
        if self.status is not ReturnStatus.CREATED:
            self._refuse("ship an advance replacement for", f"it is {self.status.value}")
        if self.advance_replacement is not None:
            self._refuse("ship an advance replacement for", "one was already shipped")
        if not self.awaiting_goods:
            self._refuse("ship an advance replacement for", "no goods are awaited on it")
        advance = AdvanceReplacement(
            item_id=item_id, quantity=q, shipped_at=when, due=self.deadline
        )
        event = ReplacementRequested(
            **self._head(when),
            line_id=None,
            item_id=item_id,
            quantity=q,
            upfront=True,
            due=self.deadline,
        )
        return evolve(self, advance_replacement=advance), (event,)

    # -- helpers -------------------------------------------------------------------------
    def _head(self, when: pendulum.DateTime) -> _Head:
        return {"aggregate_id": self.id, "company_id": self.company_id, "occurred_at": when}

    def _status_event(self, when: pendulum.DateTime, to: ReturnStatus) -> ReturnStatusChanged:
        return ReturnStatusChanged(
            **self._head(when), from_status=self.status, to_status=to, reason_code=self.reason_code
        )

    def _with(self, line: ReturnLine) -> ReturnOrder:
        return evolve(self, lines=tuple(line if ln.id == line.id else ln for ln in self.lines))

    def _free_line_id(self, base: str) -> str:
        taken = {ln.id for ln in self.lines}
        n = 2
        while f"{base}.{n}" in taken:
            n += 1
        return f"{base}.{n}"

    def _refuse(self, action: str, why: str) -> None:
        raise BusinessRuleError(
            f"cannot {action} return order {self.id!r}: {why}",
            rule="return-order-state",
            entity="return order",
            id=self.id,
        )

    def _check_money(self, money: object, field: str) -> None:
        check_type(money, Money, field)
        assert isinstance(money, Money)
        if money.currency != self.currency:
            raise CurrencyMismatchError(
                f"{field}: {money} on a return order in {self.currency} (allowed: {self.currency})",
                expected=str(self.currency),
                actual=str(money.currency),
            )
        if money.is_negative():
            raise ValidationError(
                f"{field}: a price is never negative, got {money}",
                field=field,
                value=money,
                allowed="zero or more",
            )

    def _check_charge_currency(self, charge: Charge) -> None:
        if charge.amount is not None and charge.amount.currency != self.currency:
            raise CurrencyMismatchError(
                f"charge {charge.code!r} is in {charge.amount.currency}, the return order in "
                f"{self.currency}",
                expected=str(self.currency),
                actual=str(charge.amount.currency),
            )

    def _check_arrival_code(self, line: ReturnLine, code: DispositionCode) -> None:
        for charge in code.charges:
            self._check_charge_currency(charge)
        action = code.action
        if action is DispositionAction.CREDIT_ONLY:
            raise ValidationError(
                "disposition_code: a credit-only code is for goods that never arrive",
                field="disposition_code",
                value=action.name,
                allowed="a code of another action, or add the line as credit only",
            )
        if action.replaces and self.advance_replacement is not None:
            raise BusinessRuleError(
                f"disposition_code: return order {self.id!r} had an advance replacement; "
                f"{action.name} would replace twice",
                rule="no-replace-after-advance-replacement",
                entity="return order",
                id=self.id,
            )
        if action.replaces and line.replacement_item_id is None:
            raise ValidationError(
                f"disposition_code: {action.name} needs a replacement item on line {line.id!r}",
                field="disposition_code",
                value=action.name,
                allowed="a line with replacement_item_id, or another action",
            )
