"""Invariants of service orders and generation (domain notes section 9)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan, TransactionType
from servicecore.clock import FixedClock
from servicecore.errors import (
    AlreadyExistsError,
    BusinessRuleError,
    ConcurrencyError,
    InvalidTransitionError,
    ServiceCoreError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    ServiceOrder,
    add_line,
    cancel_line,
    change_stage,
    delete_line,
    generate_service_orders,
    new_service_order,
    post_order,
    revoke_line,
    sign_off_line,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE

AT = pendulum.datetime(2024, 1, 1, 8)


def _plan(days: list[int], lines: int) -> ServiceOrderPlan:
    orders = tuple(
        PlannedOrder(
            agreement_id="AG",
            customer_id="C",
            combine_key=str(d),
            preferred_date=pendulum.date(2024, 1, 1).add(days=d),
            currency="EUR",
            lines=tuple(
                PlannedLine(
                    agreement_id="AG",
                    agreement_line_id=f"L{n}",
                    calculated_date=pendulum.date(2024, 1, 1).add(days=d),
                    transaction_type=TransactionType.FEE,
                    quantity=Decimal(1),
                    cost_price=Money.of("1", "EUR"),
                    sales_price=Money.of("2", "EUR"),
                )
                for n in range(lines)
            ),
        )
        for d in sorted(set(days))
    )
    return ServiceOrderPlan(
        start=pendulum.date(2024, 1, 1), end=pendulum.date(2024, 12, 31), orders=orders
    )


def _run(store: InMemoryStore, plan: ServiceOrderPlan) -> None:
    for _ in range(10):  # the loser of a concurrent commit reruns and adds what is missing
        try:
            with store.unit_of_work("ACME") as uow:
                generate_service_orders(uow, plan, tree=TREE, clock=FixedClock(AT))
                uow.commit()
            return
        except (AlreadyExistsError, ConcurrencyError):
            continue
    raise AssertionError("generation never committed")


def _keys(store: InMemoryStore) -> list[str]:
    with store.unit_of_work("ACME") as uow:
        orders = uow[SERVICE_ORDERS].list_all()
    return [ln.generation_key for o in orders for ln in o.lines if ln.generation_key]


@settings(max_examples=15, deadline=None)
@given(
    a=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    b=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    lines=st.integers(1, 3),
)
def test_two_concurrent_generation_jobs_never_duplicate_a_line(
    a: list[int], b: list[int], lines: int
) -> None:
    store = InMemoryStore()
    plans = [_plan(a, lines), _plan(b, lines)]
    threads = [threading.Thread(target=_run, args=(store, p)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = _keys(store)
    expected = {pl.key for plan in plans for order in plan.orders for pl in order.lines}
    assert len(keys) == len(set(keys))
    assert set(keys) == expected


@settings(max_examples=15, deadline=None)
@given(
    first=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    second=st.lists(st.integers(0, 30), min_size=1, max_size=8),
)
def test_reruns_over_earlier_ranges_back_fill_only_missing_dates(
    first: list[int], second: list[int]
) -> None:
    store = InMemoryStore()
    _run(store, _plan(first, 2))
    before = set(_keys(store))
    _run(store, _plan(second, 2))
    _run(store, _plan(first + second, 2))
    after = _keys(store)
    assert len(after) == len(set(after))
    assert before <= set(after)
    assert len(after) == 2 * len(set(first) | set(second))


ACTIONS = ("cancel", "revoke", "delete")


class OrderLifecycle(RuleBasedStateMachine):
    """Any walk through stages and line commands keeps the order's invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.order: ServiceOrder = new_service_order(
            company_id="ACME", id="SO", customer_id="C", currency="EUR", tree=TREE, at=AT
        )
        self.next_line = 1
        self.posted: dict[str, OrderLine] = {}

    @rule(quantity=st.integers(0, 5), worker=st.booleans())
    def add(self, quantity: int, worker: bool) -> None:
        ln = OrderLine(
            id=str(self.next_line),
            transaction_type=TransactionType.HOUR,
            quantity=Decimal(quantity),
            cost_price=Money.of("3", "EUR"),
            sales_price=Money.of("5", "EUR"),
            worker_id="W" if worker else None,
        )
        try:
            self.order, _ = add_line(self.order, ln, tree=TREE, at=AT)
            self.next_line += 1
        except InvalidTransitionError:
            assert not TREE.stage(self.order.stage).can_modify

    @rule(target_stage=st.sampled_from(sorted(TREE.stages)), reason=st.none() | st.just("why"))
    def move(self, target_stage: str, reason: str | None) -> None:
        before = self.order
        try:
            self.order, _ = change_stage(self.order, target_stage, tree=TREE, at=AT, reason=reason)
        except (InvalidTransitionError, ValidationError):
            assert self.order is before
            return
        assert target_stage in (
            *TREE.next_stages(before.stage),
            TREE.previous_stage(before.stage),
        )
        assert reason or not TREE.stage(target_stage).requires_reason

    @precondition(lambda self: bool(self.order.lines))
    @rule(data=st.data(), action=st.sampled_from(ACTIONS))
    def line_command(self, data: st.DataObject, action: str) -> None:
        line_id = data.draw(st.sampled_from([ln.id for ln in self.order.lines]))
        command = {"cancel": cancel_line, "revoke": revoke_line, "delete": delete_line}[action]
        before = self.order
        try:
            self.order, _ = command(self.order, line_id, tree=TREE, at=AT)
        except ServiceCoreError:
            assert self.order is before

    @precondition(lambda self: bool(self.order.lines))
    @rule(data=st.data())
    def sign_off(self, data: st.DataObject) -> None:
        line_id = data.draw(st.sampled_from([ln.id for ln in self.order.lines]))
        try:
            self.order, _ = sign_off_line(self.order, line_id, at=AT)
        except InvalidTransitionError:
            assert self.order.line(line_id).status is LineStatus.CANCELLED

    @rule()
    def post(self) -> None:
        before = self.order
        try:
            self.order, events = post_order(self.order, tree=TREE, at=AT)
        except (InvalidTransitionError, BusinessRuleError):
            assert self.order is before
            return
        newly = [
            ln
            for ln in self.order.lines
            if ln.status is LineStatus.POSTED and ln.id not in self.posted
        ]
        assert newly
        assert TREE.stage(before.stage).can_post
        for ln in newly:  # invariant 8: only signed-off created lines are posted
            assert before.line(ln.id).status is LineStatus.CREATED
            assert before.line(ln.id).signed_off or before.signed_off
        for ln in self.order.lines:  # the others are untouched
            if ln.id not in {n.id for n in newly}:
                assert ln == before.line(ln.id)
        journal = events[0].journal  # type: ignore[attr-defined]
        assert sorted(i for r in journal for i in r.line_ids) == sorted(ln.id for ln in newly)
        total = Money.sum((r.sales_amount for r in journal), "EUR")
        assert total == Money.sum((ln.sales_amount for ln in newly), "EUR")
        self.posted.update({ln.id: ln for ln in newly})

    @invariant()
    def posted_lines_never_change(self) -> None:
        current = {ln.id: ln for ln in self.order.lines}
        for line_id, ln in self.posted.items():
            assert current.get(line_id) == ln

    @invariant()
    def stage_is_known_and_progress_in_range(self) -> None:
        TREE.stage(self.order.stage)
        assert Decimal(0) <= self.order.progress <= Decimal(1)
        assert len({ln.id for ln in self.order.lines}) == len(self.order.lines)


TestOrderLifecycle = OrderLifecycle.TestCase
TestOrderLifecycle.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
