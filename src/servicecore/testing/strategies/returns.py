"""Strategies for return management: set-ups, sequences, ledgers, return orders, lines."""

from __future__ import annotations

from decimal import Decimal

from attrs import evolve
from hypothesis import strategies as st

from servicecore.money import Currency, Money
from servicecore.returns import (
    AdvanceReplacement,
    Charge,
    CreditLine,
    DispositionAction,
    DispositionCode,
    InvoicedLine,
    NumberSequence,
    ReasonCode,
    ReturnedEntry,
    ReturnedQuantity,
    ReturnLine,
    ReturnLineStatus,
    ReturnOrder,
    ReturnSetup,
    ReturnStatus,
    StoredSequence,
)
from servicecore.testing.strategies.kernel import dates, ids, instants

__all__ = [
    "charges",
    "disposition_codes",
    "invoiced_lines",
    "number_sequences",
    "reason_codes",
    "return_lines",
    "return_orders",
    "return_setups",
    "returned_quantities",
]


def _money(currency: str, low: int = 0, high: int = 100_000) -> st.SearchStrategy[Money]:
    return st.integers(low, high).map(lambda units: Money.from_minor(units, currency))


def charges(currency: str = "EUR") -> st.SearchStrategy[Charge]:
    """Fixed charges in ``currency`` or percentages between -100 and 100."""
    return st.one_of(
        st.builds(Charge, code=ids("CH"), amount=_money(currency, -5_000, 5_000)),
        st.builds(Charge, code=ids("CH"), percent=st.integers(-100, 100).map(Decimal)),
    )


def reason_codes(currency: str = "EUR") -> st.SearchStrategy[ReasonCode]:
    return st.builds(
        ReasonCode,
        id=ids("R"),
        group=st.none() | st.sampled_from(["QUALITY", "DELIVERY"]),
        charges=st.lists(charges(currency), max_size=2).map(tuple),
    )


def disposition_codes(currency: str = "EUR") -> st.SearchStrategy[DispositionCode]:
    return st.builds(
        DispositionCode,
        id=ids("D"),
        action=st.sampled_from(list(DispositionAction)),
        charges=st.lists(charges(currency), max_size=2).map(tuple),
    )


@st.composite
def return_setups(draw: st.DrawFn, *, company_id: str = "ACME") -> ReturnSetup:
    """Set-ups with unique reason and disposition codes."""
    reasons = draw(st.lists(reason_codes(), max_size=3, unique_by=lambda r: r.id))
    dispositions = draw(st.lists(disposition_codes(), max_size=6, unique_by=lambda d: d.id))
    return ReturnSetup(
        company_id=company_id,
        id=draw(ids("SET")),
        validity_days=draw(st.integers(0, 365)),
        reasons=tuple(reasons),
        dispositions=tuple(dispositions),
    )


def number_sequences(company_id: str = "ACME") -> st.SearchStrategy[NumberSequence]:
    return st.builds(
        NumberSequence,
        company_id=st.just(company_id),
        id=ids("SEQ"),
        prefix=st.sampled_from(["", "RMA-", "R/"]),
        width=st.integers(1, 8),
        next_number=st.integers(1, 10_000),
    )


def _quantities() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 50).map(Decimal)


@st.composite
def returned_quantities(draw: st.DrawFn, *, company_id: str = "ACME") -> ReturnedQuantity:
    """Ledgers whose entries never exceed the invoiced quantity."""
    taken = draw(st.lists(st.integers(1, 10), max_size=4))
    entries = tuple(
        ReturnedEntry(return_id=f"RMA-{n}", line_id="1", quantity=Decimal(q))
        for n, q in enumerate(taken, start=1)
    )
    return ReturnedQuantity(
        company_id=company_id,
        id=draw(ids("SL")),
        invoiced=Decimal(sum(taken) + draw(st.integers(1, 10))),
        entries=entries,
    )


def invoiced_lines(currency: str = "EUR") -> st.SearchStrategy[InvoicedLine]:
    return st.builds(
        InvoicedLine,
        sales_line_id=ids("SL"),
        customer_id=ids("C"),
        item_id=ids("I"),
        quantity=_quantities(),
        price=_money(currency),
        cost_price=_money(currency),
        lot_id=ids("LOT"),
    )


@st.composite
def return_lines(draw: st.DrawFn, currency: str = "EUR") -> ReturnLine:
    """Lines with negative quantities; a status past arrival carries an action."""
    status = draw(st.sampled_from(list(ReturnLineStatus)))
    action = draw(st.sampled_from(list(DispositionAction)))
    arrived = status in (
        ReturnLineStatus.REGISTERED,
        ReturnLineStatus.RECEIVED,
        ReturnLineStatus.INVOICED,
    )
    line_id = draw(ids("L"))
    return ReturnLine(
        id=line_id,
        item_id=draw(ids("I")),
        quantity=-draw(_quantities()),
        price=draw(_money(currency)),
        cost_price=draw(_money(currency)),
        lot_id=draw(ids("LOT")),
        status=status,
        disposition_code=f"D-{action.value}" if arrived else None,
        action=action if arrived else None,
        replacement_item_id=draw(st.none() | ids("I")),
        arrived_at=draw(instants()) if arrived else None,
    )


@st.composite
def return_orders(draw: st.DrawFn, *, company_id: str = "ACME") -> ReturnOrder:
    """Return orders with uniquely numbered lines."""
    currency = draw(st.sampled_from(["EUR", "USD"]))
    lines = draw(st.lists(return_lines(currency), max_size=4))
    created = draw(instants())
    advance = draw(st.booleans())
    deadline = created.date().add(days=draw(st.integers(0, 365)))
    return ReturnOrder(
        company_id=company_id,
        id=draw(ids("RMA")),
        customer_id=draw(ids("C")),
        currency=Currency.of(currency),
        reason_code=draw(ids("R")),
        created_at=created,
        deadline=deadline,
        status=draw(st.sampled_from(list(ReturnStatus))),
        lines=tuple(evolve(line, id=str(n)) for n, line in enumerate(lines, start=1)),
        charges=tuple(draw(st.lists(charges(currency), max_size=2))),
        advance_replacement=AdvanceReplacement(
            item_id=draw(ids("I")), quantity=Decimal(1), shipped_at=created, due=deadline
        )
        if advance
        else None,
    )


def register() -> None:
    """Register every public attrs type of :mod:`servicecore.returns`."""
    st.register_type_strategy(Charge, charges())
    st.register_type_strategy(ReasonCode, reason_codes())
    st.register_type_strategy(DispositionCode, disposition_codes())
    st.register_type_strategy(ReturnSetup, return_setups())
    st.register_type_strategy(NumberSequence, number_sequences())
    st.register_type_strategy(StoredSequence, st.builds(StoredSequence, ids("SEQ")))
    st.register_type_strategy(
        ReturnedEntry,
        st.builds(ReturnedEntry, return_id=ids("RMA"), line_id=ids("L"), quantity=_quantities()),
    )
    st.register_type_strategy(ReturnedQuantity, returned_quantities())
    st.register_type_strategy(InvoicedLine, invoiced_lines())
    st.register_type_strategy(ReturnLine, return_lines())
    st.register_type_strategy(ReturnOrder, return_orders())
    st.register_type_strategy(
        AdvanceReplacement,
        st.builds(
            AdvanceReplacement,
            item_id=ids("I"),
            quantity=_quantities(),
            shipped_at=instants(),
            due=dates(),
        ),
    )
    st.register_type_strategy(
        CreditLine,
        st.builds(CreditLine, line_id=ids("L"), amount=_money("EUR"), charges=_money("EUR")),
    )
