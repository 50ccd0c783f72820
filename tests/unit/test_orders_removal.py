"""Cancelling and deleting whole service orders with D365's guards (O3, O4)."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import AgreementGroup, create_agreement, create_agreement_group
from servicecore.agreements.plan import TransactionType
from servicecore.clock import FixedClock
from servicecore.errors import InvalidTransitionError, NotFoundError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    OrderProgress,
    ServiceOrder,
    ServiceOrderCancelled,
    ServiceOrderDeleted,
    add_line,
    cancel_order,
    cancel_service_order,
    change_stage,
    delete_service_order,
    generate_orders_from_agreements,
    new_service_order,
    post_order,
    sign_off_line,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

AT = pendulum.datetime(2024, 3, 1, 9)
CLOCK = FixedClock(AT)


def _line(id: str, worker: str | None = "W") -> OrderLine:
    return OrderLine(
        id=id,
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(1),
        cost_price=Money.of("10", "EUR"),
        sales_price=Money.of("20", "EUR"),
        worker_id=worker,
    )


def _order(*line_ids: str, id: str = "SO-1") -> ServiceOrder:
    order = new_service_order(
        company_id="ACME", id=id, customer_id="C", currency="EUR", tree=TREE, at=AT
    )
    for n in line_ids:
        order, _ = add_line(order, _line(n), tree=TREE, at=AT)
    return order


def _to(order: ServiceOrder, *stages: str) -> ServiceOrder:
    for stage in stages:
        order, _ = change_stage(order, stage, tree=TREE, at=AT, reason="because")
    return order


def _partly_posted() -> ServiceOrder:
    """Lines 1 (posted) and 2 (created), in stage done."""
    order = _to(_order("1", "2"), "in_progress", "done")
    order, _ = sign_off_line(order, "1", at=AT)
    order, _ = post_order(order, tree=TREE, at=AT)
    return order


def test_cancel_order_cancels_created_lines_and_leaves_posted_ones() -> None:
    order, events = cancel_order(_partly_posted(), tree=TREE, at=AT)
    assert [(ln.id, ln.status) for ln in order.lines] == [
        ("1", LineStatus.POSTED),
        ("2", LineStatus.CANCELLED),
    ]
    assert order.state is OrderProgress.POSTED
    assert [evolve(e, event_id="E") for e in events] == [
        ServiceOrderCancelled(
            event_id="E", aggregate_id="SO-1", company_id="ACME", occurred_at=AT, line_ids=("2",)
        )
    ]


def test_cancel_order_of_created_lines_makes_it_cancelled() -> None:
    order, _ = cancel_order(_order("1", "2"), tree=TREE, at=AT)
    assert order.state is OrderProgress.CANCELLED


def test_cancel_order_is_refused_by_the_stage_when_posted_and_when_nothing_is_created() -> None:
    closed = _to(_order("1"), "in_progress", "done", "closed")  # closed: can_cancel=False
    with pytest.raises(InvalidTransitionError) as e:
        cancel_order(closed, tree=TREE, at=AT)
    assert e.value.state == "closed"
    posted, _ = cancel_order(_partly_posted(), tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError, match="it is posted"):
        cancel_order(posted, tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError, match="no created line"):
        cancel_order(_order(), tree=TREE, at=AT)
    cancelled, _ = cancel_order(_order("1"), tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError, match="no created line"):
        cancel_order(cancelled, tree=TREE, at=AT)


def _stored(*orders: ServiceOrder) -> tuple[InMemoryStore, list[DomainEvent]]:
    seen: list[DomainEvent] = []
    store = InMemoryStore(publish=seen.extend)
    with store.unit_of_work("ACME") as uow:
        for order in orders:
            uow[SERVICE_ORDERS].add(order)
        uow.commit()
    return store, seen


def test_cancel_service_order_saves_and_publishes() -> None:
    store, seen = _stored(_order("1", "2"))
    with store.unit_of_work("ACME") as uow:
        cancel_service_order(uow, "SO-1", tree=TREE, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        statuses = [ln.status for ln in uow[SERVICE_ORDERS].get("SO-1").lines]
    assert statuses == [LineStatus.CANCELLED, LineStatus.CANCELLED]
    assert [type(e).__name__ for e in seen] == ["ServiceOrderCancelled"]


def test_delete_service_order_removes_it_and_publishes() -> None:
    store, seen = _stored(_order("1"), _order("1", id="SO-2"))
    with store.unit_of_work("ACME") as uow:
        deleted = delete_service_order(uow, "SO-1", tree=TREE, clock=CLOCK)
        uow.commit()
    assert deleted.id == "SO-1"
    with store.unit_of_work("ACME") as uow:
        assert [o.id for o in uow[SERVICE_ORDERS].list_all()] == ["SO-2"]
        with pytest.raises(NotFoundError):
            uow[SERVICE_ORDERS].get("SO-1")
    assert [evolve(e, event_id="E") for e in seen] == [
        ServiceOrderDeleted(
            event_id="E", aggregate_id="SO-1", company_id="ACME", occurred_at=AT, line_ids=("1",)
        )
    ]


def test_delete_is_refused_by_the_stage_and_by_posted_lines_leaving_storage_unchanged() -> None:
    in_done = _to(_order("1"), "in_progress", "done")  # done: can_delete=False
    store, seen = _stored(in_done, evolve(_partly_posted(), id="SO-P"))
    tree_deleting_done = TREE.define(
        [evolve(s, can_delete=True) if s.id == "done" else s for s in TREE.stages.values()]
    )
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(InvalidTransitionError, match="does not allow deleting") as e:
            delete_service_order(uow, "SO-1", tree=TREE, clock=CLOCK)
        assert e.value.state == "done"
        with pytest.raises(InvalidTransitionError, match="lines 1 are posted"):
            delete_service_order(uow, "SO-P", tree=tree_deleting_done, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert sorted(o.id for o in uow[SERVICE_ORDERS].list_all()) == ["SO-1", "SO-P"]
    assert seen == []


def test_deleting_a_generated_order_releases_its_keys_for_a_continuous_back_fill() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=CLOCK)
        create_agreement(uow, agreement(line("1")), clock=CLOCK)
        jan, mar = pendulum.date(2024, 1, 1), pendulum.date(2024, 3, 31)
        created = generate_orders_from_agreements(uow, jan, mar, tree=TREE, clock=CLOCK)
        uow.commit()
    assert len(created) == 3  # 1 Jan, 1 Feb, 1 Mar
    february = next(o for o in created if o.lines[0].calculated_date == pendulum.date(2024, 2, 1))
    with store.unit_of_work("ACME") as uow:
        delete_service_order(uow, february.id, tree=TREE, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert len(uow[GENERATED_LINE_KEYS].list_all()) == 2
        again = generate_orders_from_agreements(
            uow, jan, mar, tree=TREE, clock=CLOCK, continuous=True
        )
        uow.commit()
    assert [ln.calculated_date for o in again for ln in o.lines] == [pendulum.date(2024, 2, 1)]
