"""Orders created from a sales-order reference and from a web request."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements.plan import TransactionType
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, CurrencyMismatchError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrderCreated,
    create_order_from_sales_order,
    create_order_from_web_request,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE

CLOCK = FixedClock(pendulum.datetime(2024, 5, 6, 8))


def _line(id: str = "1", currency: str = "EUR") -> OrderLine:
    return OrderLine(
        id=id,
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(2),
        cost_price=Money.of("30", currency),
        sales_price=Money.of("50", currency),
        worker_id="W1",
    )


def test_sales_order_creates_an_order_keeping_the_reference_and_records_the_event() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        order = create_order_from_sales_order(
            uow,
            "SALES-7",
            order_id="SO-1",
            customer_id="C1",
            currency="EUR",
            tree=TREE,
            clock=CLOCK,
            lines=[_line()],
            priority="high",
        )
        uow.commit()
    assert order.source == "sales_order"
    assert order.source_reference == "SALES-7"
    assert order.stage == "new"
    assert order.agreement_id is None
    assert order.created_at == pendulum.datetime(2024, 5, 6, 8)
    assert [ln.id for ln in order.lines] == ["1"]
    assert order.margin == Money.of("40", "EUR")
    with store.unit_of_work("ACME") as uow:
        assert evolve(uow[SERVICE_ORDERS].get("SO-1"), version=0) == order
        found = uow[SERVICE_ORDERS].list_for_source_reference("sales_order", "SALES-7")
        assert [o.id for o in found] == ["SO-1"]
        assert uow[SERVICE_ORDERS].list_for_source_reference("web_request", "SALES-7") == []


def test_created_event_names_the_source() -> None:
    recorded: list[DomainEvent] = []
    store = InMemoryStore(publish=recorded.extend)
    with store.unit_of_work("ACME") as uow:
        create_order_from_web_request(
            uow, "WEB-1", order_id="SO-9", customer_id="C2", currency="USD", tree=TREE, clock=CLOCK
        )
        uow.commit()
    assert [evolve(e, event_id="E") for e in recorded] == [
        ServiceOrderCreated(
            event_id="E",
            aggregate_id="SO-9",
            company_id="ACME",
            occurred_at=pendulum.datetime(2024, 5, 6, 8),
            customer_id="C2",
            agreement_id=None,
            source="web_request",
            line_ids=(),
        )
    ]


def test_rerun_with_the_same_reference_is_refused_and_stores_nothing() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_order_from_web_request(
            uow, "WEB-1", order_id="SO-1", customer_id="C", currency="EUR", tree=TREE, clock=CLOCK
        )
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match=r"web_request_id: .*'WEB-1'.*'SO-1'"):
            create_order_from_web_request(
                uow,
                "WEB-1",
                order_id="SO-2",
                customer_id="C",
                currency="EUR",
                tree=TREE,
                clock=CLOCK,
            )
        # the same id as a sales-order reference is another reference
        create_order_from_sales_order(
            uow, "WEB-1", order_id="SO-3", customer_id="C", currency="EUR", tree=TREE, clock=CLOCK
        )
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert sorted(o.id for o in uow[SERVICE_ORDERS].list_all()) == ["SO-1", "SO-3"]


def test_two_calls_in_one_unit_of_work_are_refused_too() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_order_from_sales_order(
            uow, "S-1", order_id="SO-1", customer_id="C", currency="EUR", tree=TREE, clock=CLOCK
        )
        with pytest.raises(BusinessRuleError, match="sales_order_id"):
            create_order_from_sales_order(
                uow, "S-1", order_id="SO-2", customer_id="C", currency="EUR", tree=TREE, clock=CLOCK
            )


def test_bad_lines_are_refused_before_anything_is_stored() -> None:
    recorded: list[object] = []
    store = InMemoryStore(publish=recorded.extend)
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(CurrencyMismatchError, match=r"line\.cost_price"):
            create_order_from_sales_order(
                uow,
                "S-1",
                order_id="SO-1",
                customer_id="C",
                currency="EUR",
                tree=TREE,
                clock=CLOCK,
                lines=[_line("1"), _line("2", "USD")],
            )
        with pytest.raises(ValidationError, match="sales_order_id"):
            create_order_from_sales_order(
                uow, "", order_id="SO-1", customer_id="C", currency="EUR", tree=TREE, clock=CLOCK
            )
        assert uow[SERVICE_ORDERS].list_all() == []
        uow.commit()
    assert recorded == []
