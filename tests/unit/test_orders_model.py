"""Service orders: stage tree, line guards, posting, sign-off, generation."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest

from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan, TransactionType
from servicecore.clock import FixedClock
from servicecore.errors import (
    AlreadyExistsError,
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    OrderLinesPosted,
    OrderProgress,
    ServiceOrder,
    Stage,
    StageTree,
    add_line,
    cancel_line,
    change_stage,
    delete_line,
    generate_service_orders,
    move_line,
    new_service_order,
    post_order,
    revoke_line,
    sign_off_line,
    sign_off_order,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE

AT = pendulum.datetime(2024, 3, 1, 9)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def line(id: str, kind: TransactionType = TransactionType.HOUR, **kw: object) -> OrderLine:
    fields: dict[str, object] = {
        "quantity": Decimal(2),
        "cost_price": eur("30"),
        "sales_price": eur("50"),
        "worker_id": "W1",
    }
    fields.update(kw)
    return OrderLine(id=id, transaction_type=kind, **fields)  # type: ignore[arg-type]


def order(agreement: str | None = "AG-1", id: str = "SO-1") -> ServiceOrder:
    return new_service_order(
        company_id="ACME",
        id=id,
        customer_id="C-1",
        currency="EUR",
        tree=TREE,
        at=AT,
        agreement_id=agreement,
    )


def with_lines(o: ServiceOrder, *lines: OrderLine) -> ServiceOrder:
    for ln in lines:
        o, _ = add_line(o, ln, tree=TREE, at=AT)
    return o


def signed(o: ServiceOrder) -> ServiceOrder:
    for ln in o.lines:
        if ln.status is LineStatus.CREATED:
            o, _ = sign_off_line(o, ln.id, at=AT)
    return o


def test_tree_refuses_unknown_parent_cycle_and_duplicates() -> None:
    with pytest.raises(ValidationError, match="unknown parent 'x'"):
        StageTree.define([Stage(id="a"), Stage(id="b", parent="x")])
    with pytest.raises(ValidationError, match="cycle"):
        StageTree.define([Stage(id="r"), Stage(id="a", parent="b"), Stage(id="b", parent="a")])
    with pytest.raises(ValidationError, match="twice"):
        StageTree.define([Stage(id="r"), Stage(id="r", parent="r")])


def test_next_and_previous_stage() -> None:
    assert TREE.next_stages("in_progress") == ("done", "on_hold")
    assert TREE.previous_stage("done") == "in_progress"
    assert TREE.previous_stage("new") is None


def test_unknown_stage_is_a_validation_error_naming_stage() -> None:
    with pytest.raises(ValidationError) as info:
        change_stage(order(), "nowhere", tree=TREE, at=AT)
    assert info.value.field == "stage"


def test_stage_moves_only_along_the_tree_and_logs_reasons() -> None:
    o = order()
    with pytest.raises(InvalidTransitionError):
        change_stage(o, "done", tree=TREE, at=AT)
    o, events = change_stage(o, "in_progress", tree=TREE, at=AT)
    with pytest.raises(ValidationError, match="requires a reason"):
        change_stage(o, "on_hold", tree=TREE, at=AT)
    o, _ = change_stage(o, "on_hold", tree=TREE, at=AT, reason="waiting for parts")
    assert [(c.from_stage, c.to_stage, c.reason) for c in o.stage_log] == [
        ("new", "in_progress", None),
        ("in_progress", "on_hold", "waiting for parts"),
    ]
    assert events[0].to_stage == "in_progress"  # type: ignore[attr-defined]


def test_a_stage_move_dated_before_the_last_one_is_refused() -> None:
    o, _ = change_stage(order(), "in_progress", tree=TREE, at=AT.add(hours=2))  # 11:00
    with pytest.raises(ValidationError, match="precedes the order's last stage change") as e:
        change_stage(o, "on_hold", tree=TREE, at=AT.add(hours=1), reason="parts")  # 10:00
    assert e.value.field == "at"
    assert o.stage == "in_progress"
    same, _ = change_stage(o, "on_hold", tree=TREE, at=AT.add(hours=2), reason="parts")
    assert [c.at for c in same.stage_log] == [AT.add(hours=2), AT.add(hours=2)]


def test_line_in_another_currency_is_refused_naming_the_field() -> None:
    o = order()
    with pytest.raises(CurrencyMismatchError, match=r"line\.sales_price"):
        add_line(o, line("1", sales_price=Money.of("5", "USD")), tree=TREE, at=AT)
    assert o.lines == ()


def test_progress_and_margin() -> None:
    o = with_lines(order(), line("1"), line("2", TransactionType.ITEM), line("3"))
    o, _ = cancel_line(o, "3", tree=TREE, at=AT)
    # two live lines, each 2 x (50 - 30) = 40
    assert o.margin == eur("80")
    assert o.progress == Decimal(0)
    o, _ = change_stage(o, "in_progress", tree=TREE, at=AT)
    o, _ = change_stage(o, "done", tree=TREE, at=AT)
    o, _ = post_order(signed(o), tree=TREE, at=AT)
    assert o.progress == Decimal(1)


def test_posting_emits_one_journal_record_per_type_and_locks_lines() -> None:
    o = with_lines(
        order(),
        line("1"),
        line("2"),
        line("3", TransactionType.ITEM, quantity=Decimal(1), worker_id=None),
    )
    o, _ = change_stage(o, "in_progress", tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError):
        post_order(signed(o), tree=TREE, at=AT)
    o, _ = change_stage(o, "done", tree=TREE, at=AT)
    posted, events = post_order(signed(o), tree=TREE, at=AT)
    assert isinstance(events[0], OrderLinesPosted)
    journal = {r.transaction_type: r for r in events[0].journal}
    assert set(journal) == {TransactionType.HOUR, TransactionType.ITEM}
    assert journal[TransactionType.HOUR].line_ids == ("1", "2")
    assert journal[TransactionType.HOUR].sales_amount == eur("200")
    assert journal[TransactionType.HOUR].cost_amount == eur("120")
    assert journal[TransactionType.ITEM].quantity == Decimal(1)
    assert {ln.status for ln in posted.lines} == {LineStatus.POSTED}
    with pytest.raises(InvalidTransitionError, match="read-only"):
        cancel_line(posted, "1", tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError, match="read-only"):
        delete_line(posted, "1", tree=TREE, at=AT)


def test_posting_is_all_or_nothing() -> None:
    o = with_lines(order(), line("1"), line("2", worker_id=None))
    o, _ = change_stage(o, "in_progress", tree=TREE, at=AT)
    o, _ = change_stage(o, "done", tree=TREE, at=AT)
    with pytest.raises(BusinessRuleError, match="needs a worker"):
        post_order(signed(o), tree=TREE, at=AT)
    assert {ln.status for ln in o.lines} == {LineStatus.CREATED}


def test_cancel_revoke_delete_guards() -> None:
    o = with_lines(order(), line("1"))
    o, _ = cancel_line(o, "1", tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError):
        cancel_line(o, "1", tree=TREE, at=AT)
    o, _ = revoke_line(o, "1", tree=TREE, at=AT)
    assert o.line("1").status is LineStatus.CREATED
    with pytest.raises(InvalidTransitionError):
        revoke_line(o, "1", tree=TREE, at=AT)
    o, _ = change_stage(o, "in_progress", tree=TREE, at=AT)
    o, _ = change_stage(o, "done", tree=TREE, at=AT)
    with pytest.raises(InvalidTransitionError):  # "done" cannot delete
        delete_line(o, "1", tree=TREE, at=AT)


def test_move_between_orders_of_different_agreements_is_refused() -> None:
    a = with_lines(order("AG-1", "SO-1"), line("1"))
    b = order("AG-2", "SO-2")
    with pytest.raises(BusinessRuleError, match="target: lines move only"):
        move_line(a, b, "1", tree=TREE, at=AT)
    c = order("AG-1", "SO-3")
    a2, c2 = move_line(a, c, "1", tree=TREE, at=AT)
    assert a2.lines == ()
    assert [ln.id for ln in c2.lines] == ["1"]


def test_sign_off_needs_every_live_line_signed() -> None:
    o = with_lines(order(), line("1"), line("2"))
    with pytest.raises(BusinessRuleError):
        sign_off_order(o, at=AT)
    o, _ = sign_off_line(o, "1", at=AT)
    o, _ = cancel_line(o, "2", tree=TREE, at=AT)
    o, _ = sign_off_order(o, at=AT)
    assert o.signed_off


def planned(day: int, line_id: str = "L1") -> PlannedLine:
    return PlannedLine(
        agreement_id="AG-1",
        agreement_line_id=line_id,
        calculated_date=pendulum.date(2024, 4, day),
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(1),
        cost_price=eur("10"),
        sales_price=eur("20"),
        worker_id="W1",
    )


def plan_of(*days: int) -> ServiceOrderPlan:
    orders = tuple(
        PlannedOrder(
            agreement_id="AG-1",
            customer_id="C-1",
            combine_key=str(d),
            preferred_date=pendulum.date(2024, 4, d),
            currency="EUR",
            lines=(planned(d), planned(d, "L2")),
            sla_id="GOLD",
        )
        for d in days
    )
    return ServiceOrderPlan(
        start=pendulum.date(2024, 4, 1), end=pendulum.date(2024, 4, 30), orders=orders
    )


def keys_in(store: InMemoryStore) -> list[str]:
    with store.unit_of_work("ACME") as uow:
        orders = uow[SERVICE_ORDERS].list_all()
    return [ln.generation_key for o in orders for ln in o.lines if ln.generation_key]


def test_generation_reruns_and_overlaps_add_only_what_is_missing() -> None:
    store = InMemoryStore()
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        created = generate_service_orders(uow, plan_of(1, 8), tree=TREE, clock=clock)
        uow.commit()
    assert len(created) == 2
    assert all(o.sla_id is None for o in created)
    with store.unit_of_work("ACME") as uow:
        again = generate_service_orders(uow, plan_of(1, 8, 15), tree=TREE, clock=clock)
        uow.commit()
    assert [o.lines[0].calculated_date for o in again] == [pendulum.date(2024, 4, 15)]
    keys = keys_in(store)
    assert len(keys) == 6 == len(set(keys))
    with store.unit_of_work("ACME") as uow:
        assert len(uow[GENERATED_LINE_KEYS].list_all()) == 6
        assert len(uow[SERVICE_ORDERS].list_for_agreement("AG-1")) == 3


def test_generation_publishes_one_created_event_per_order() -> None:
    seen: list[str] = []
    store = InMemoryStore(publish=lambda events: seen.extend(e.aggregate_id for e in events))
    with store.unit_of_work("ACME") as uow:
        created = generate_service_orders(uow, plan_of(1, 8), tree=TREE, clock=FixedClock(AT))
        uow.commit()
    assert seen == [o.id for o in created]
    assert len(seen) == 2


def test_generation_keeps_the_plan_sla_only_when_configured() -> None:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        created = generate_service_orders(
            uow, plan_of(1), tree=TREE, clock=FixedClock(AT), sla_of=lambda p: p.sla_id
        )
    assert created[0].sla_id == "GOLD"


def test_a_second_concurrent_run_fails_at_commit_instead_of_duplicating() -> None:
    store = InMemoryStore()
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as first, store.unit_of_work("ACME") as second:
        generate_service_orders(first, plan_of(1), tree=TREE, clock=clock)
        generate_service_orders(second, plan_of(1), tree=TREE, clock=clock)
        first.commit()
        with pytest.raises(AlreadyExistsError):
            second.commit()
    assert len(keys_in(store)) == 2


def test_only_signed_off_lines_of_selected_types_are_posted() -> None:
    o = with_lines(order(), line("1"), line("2"), line("3", TransactionType.ITEM, worker_id=None))
    o, _ = change_stage(o, "in_progress", tree=TREE, at=AT)
    o, _ = change_stage(o, "done", tree=TREE, at=AT)
    with pytest.raises(BusinessRuleError, match="signed-off"):
        post_order(o, tree=TREE, at=AT)
    o, _ = sign_off_line(o, "1", at=AT)
    o, _ = sign_off_line(o, "3", at=AT)
    posted, _ = post_order(o, tree=TREE, at=AT, transaction_types=[TransactionType.HOUR])
    assert [ln.status for ln in posted.lines] == [
        LineStatus.POSTED,
        LineStatus.CREATED,
        LineStatus.CREATED,
    ]
    assert posted.state is OrderProgress.IN_PROCESS
    o, _ = sign_off_line(posted, "2", at=AT)
    o, _ = sign_off_order(o, at=AT)
    done, _ = post_order(o, tree=TREE, at=AT)  # the order's sign-off covers every line
    assert {ln.status for ln in done.lines} == {LineStatus.POSTED}
    assert done.state is OrderProgress.POSTED
