"""Invariants of agreements and generation (domain notes section 9: 1-7, 9, 10, 20).

Invariant 8 (posting) lives in the order machine of ``test_orders_properties.py``; the
concurrency of the plan commit alone is there too. Here two whole generation use cases run
concurrently against stored agreements.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from decimal import Decimal

import pendulum
import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from servicecore.agreements import (
    AGREEMENTS,
    Agreement,
    AgreementGroup,
    CombineBy,
    TransactionType,
    create_agreement,
    create_agreement_group,
    plan_service_orders,
    plan_service_orders_compact,
    resume_agreement,
    suspend_agreement,
)
from servicecore.calendars import BusinessCalendar
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
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    OrderProgress,
    ServiceOrder,
    Stage,
    StageTree,
    add_line,
    cancel_line,
    change_order_stage,
    change_stage,
    create_order_for_agreement,
    generate_orders_from_agreements,
    move_line,
    new_service_order,
    revoke_line,
)
from servicecore.recurrence import Interval, Recurrence
from servicecore.sla import SLAS, ClockKind, ServiceLevelAgreement, SlaStatus, Target
from servicecore.sla_clocks import SLA_CLOCKS
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.agreements import agreements
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

AT = pendulum.datetime(2024, 1, 1, 8)
OFFICE = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(17))])
ranges = st.tuples(st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 31)), st.integers(0, 200)).map(
    lambda p: (
        pendulum.Date(p[0].year, p[0].month, p[0].day),
        pendulum.Date(p[0].year, p[0].month, p[0].day).add(days=p[1]),
    )
)


def _combine_value(ag: Agreement, line_id: str) -> str | None:
    ln = ag.line(line_id)
    return {
        CombineBy.AGREEMENT: ag.id,
        CombineBy.TASK: ln.service_task_id,
        CombineBy.WORKER: ln.worker_id,
        CombineBy.OBJECT: ln.service_object_id,
    }[ag.combine_by]


# -- invariants 2, 4, 5, 6: the plan ----------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(ag=agreements(), window=ranges, calendar=st.sampled_from([None, OFFICE]))
def test_plan_respects_validity_windows_combine_keys_and_exclusions(
    ag: Agreement, window: tuple[pendulum.Date, pendulum.Date], calendar: object
) -> None:
    start, end = window
    plan = plan_service_orders([ag], start, end, calendar=calendar, continuous=True)  # type: ignore[arg-type]
    if ag.suspended or ag.is_template:  # invariant 6
        assert plan.orders == ()
        return
    keys = [pl.key for o in plan.orders for pl in o.lines]
    assert len(keys) == len(set(keys))
    for order in plan.orders:
        combine = {_combine_value(ag, pl.agreement_line_id) for pl in order.lines}
        assert len(combine) == 1  # invariant 5: one combine value and one service date
        service = order.preferred_date
        for pl in order.lines:
            ln = ag.line(pl.agreement_line_id)
            assert not ln.stopped  # invariant 6
            day = pl.calculated_date
            # invariant 2: inside request, agreement and line periods (open ends ignored)
            assert start <= day <= end
            assert ag.start <= day
            assert ag.end is None or day <= ag.end
            assert ln.start is None or ln.start <= day
            assert ln.end is None or day <= ln.end
            # invariant 4: the service date stays in the window, on an open day if any
            if ln.time_window is None or pl.no_open_day:
                assert service == day
            else:
                lo, hi = ln.time_window.range_for(day)
                assert lo <= service <= hi
                if calendar is not None:
                    assert service.weekday() < 5


# -- invariant 3: idempotent generation, continuous back-fill, concurrency --------------------
def _store(*ags: Agreement) -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(
            uow, AgreementGroup(company_id="ACME", id="STD"), clock=FixedClock(AT)
        )
        for ag in ags:
            create_agreement(uow, ag, clock=FixedClock(AT))
        uow.commit()
    return store


def _run(store: InMemoryStore, start: pendulum.Date, end: pendulum.Date, continuous: bool) -> None:
    for _ in range(20):  # the loser of a concurrent commit reruns and adds what is missing
        try:
            with store.unit_of_work("ACME") as uow:
                generate_orders_from_agreements(
                    uow, start, end, tree=TREE, clock=FixedClock(AT), continuous=continuous
                )
                uow.commit()
            return
        except (AlreadyExistsError, ConcurrencyError):
            continue
    raise AssertionError("generation never committed")


def _keys(store: InMemoryStore) -> list[str]:
    with store.unit_of_work("ACME") as uow:
        orders = uow[SERVICE_ORDERS].list_all()
    return [ln.generation_key for o in orders for ln in o.lines if ln.generation_key]


def _series_agreements() -> tuple[Agreement, Agreement]:
    first = agreement(
        line("1", interval=Interval.days(3)), line("2", interval=Interval.weeks(1)), id="AG-1"
    )
    second = agreement(
        line("1", interval=Interval.days(5)), id="AG-2", start=pendulum.date(2024, 1, 10)
    )
    return first, second


day_ranges = st.tuples(st.integers(0, 60), st.integers(0, 30)).map(
    lambda p: (
        pendulum.date(2024, 1, 1).add(days=p[0]),
        pendulum.date(2024, 1, 1).add(days=p[0] + p[1]),
    )
)


@settings(max_examples=25, deadline=None)
@given(runs=st.lists(st.tuples(day_ranges, st.booleans()), min_size=1, max_size=4))
def test_reruns_and_overlaps_never_duplicate_and_continuous_fills_the_series(
    runs: list[tuple[tuple[pendulum.Date, pendulum.Date], bool]],
) -> None:
    ags = _series_agreements()
    store = _store(*ags)
    for (start, end), continuous in runs:
        _run(store, start, end, continuous)
    keys = _keys(store)
    assert len(keys) == len(set(keys))
    full = {
        pl.key
        for (start, end), _c in runs
        for o in plan_service_orders(ags, start, end).orders
        for pl in o.lines
    }
    assert set(keys) <= full
    for (start, end), _c in runs:  # a final continuous run over everything fills the series
        _run(store, start, end, True)
    keys = _keys(store)
    assert len(keys) == len(set(keys))
    assert set(keys) == full


@settings(max_examples=10, deadline=None)
@given(a=day_ranges, b=day_ranges, continuous=st.booleans())
def test_two_concurrent_generation_use_cases_never_duplicate(
    a: tuple[pendulum.Date, pendulum.Date],
    b: tuple[pendulum.Date, pendulum.Date],
    continuous: bool,
) -> None:
    store = _store(*_series_agreements())
    threads = [threading.Thread(target=_run, args=(store, *r, continuous)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = _keys(store)
    assert len(keys) == len(set(keys))
    with store.unit_of_work("ACME") as uow:
        for ag in uow[AGREEMENTS].list_all():
            assert all(o.sla_id is None for o in uow[SERVICE_ORDERS].list_for_agreement(ag.id))


# -- invariant 1: progress from line statuses -------------------------------------------------
def _order_with(statuses: list[LineStatus]) -> ServiceOrder:
    order = new_service_order(
        company_id="ACME", id="SO", customer_id="C", currency="EUR", tree=TREE, at=AT
    )
    lines = tuple(
        OrderLine(
            id=str(n),
            transaction_type=TransactionType.FEE,
            quantity=Decimal(1),
            cost_price=Money.of("1", "EUR"),
            sales_price=Money.of("2", "EUR"),
            status=status,
        )
        for n, status in enumerate(statuses)
    )
    return evolve(order, lines=lines)


@given(st.lists(st.sampled_from(list(LineStatus)), max_size=6))
def test_progress_is_a_function_of_line_statuses(statuses: list[LineStatus]) -> None:
    state = _order_with(statuses).state
    if not statuses or LineStatus.CREATED in statuses:
        assert state is OrderProgress.IN_PROCESS
    elif LineStatus.POSTED in statuses:
        assert state is OrderProgress.POSTED
    else:
        assert state is OrderProgress.CANCELLED
    assert _order_with(list(reversed(statuses))).state is state


# -- invariant 7: stage trees -----------------------------------------------------------------
@given(parents=st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=1, max_size=7))
def test_stage_trees_have_one_root_and_reach_every_stage(parents: list[int | None]) -> None:
    stages = [
        Stage(id=f"s{i}", parent=None if p is None else f"s{p}") for i, p in enumerate(parents)
    ]
    try:
        tree = StageTree.define(stages)
    except ValidationError:
        return
    roots = [s for s in tree.stages.values() if s.parent is None]
    assert [r.id for r in roots] == [tree.root]
    reached = {tree.root}
    frontier = [tree.root]
    while frontier:
        current = frontier.pop()
        for child in tree.next_stages(current):
            assert tree.stage(child).parent == current  # next targets are children
            reached.add(child)
            frontier.append(child)
    assert reached == set(tree.stages)


def test_a_stage_requiring_a_reason_refuses_a_move_without_one() -> None:
    order = new_service_order(
        company_id="ACME", id="SO", customer_id="C", currency="EUR", tree=TREE, at=AT
    )
    order, _ = change_stage(order, "in_progress", tree=TREE, at=AT)
    for reason in (None, "", "   "):
        with pytest.raises(ValidationError) as e:
            change_stage(order, "on_hold", tree=TREE, at=AT, reason=reason)
        assert e.value.field == "reason"
    assert order.stage == "in_progress"


# -- invariants 9 and 10: cancel/revoke and move ----------------------------------------------
@given(
    statuses=st.lists(
        st.sampled_from([LineStatus.CREATED, LineStatus.CANCELLED]), min_size=1, max_size=5
    ),
    data=st.data(),
)
def test_cancel_then_revoke_restores_created_lines(
    statuses: list[LineStatus], data: st.DataObject
) -> None:
    order = _order_with(statuses)
    created = [ln.id for ln in order.lines if ln.status is LineStatus.CREATED]
    chosen = data.draw(st.lists(st.sampled_from(created), unique=True)) if created else []
    changed = order
    for line_id in chosen:
        changed, _ = cancel_line(changed, line_id, tree=TREE, at=AT)
    for line_id in chosen:
        changed, _ = revoke_line(changed, line_id, tree=TREE, at=AT)
    assert [ln.status for ln in changed.lines] == statuses


def test_cancel_is_refused_for_posted_lines() -> None:
    order = _order_with([LineStatus.POSTED])
    with pytest.raises(InvalidTransitionError):
        cancel_line(order, "0", tree=TREE, at=AT)


@given(
    n=st.integers(1, 4),
    m=st.integers(0, 3),
    same=st.booleans(),
    data=st.data(),
)
def test_moving_lines_preserves_the_multiset_and_needs_one_agreement(
    n: int, m: int, same: bool, data: st.DataObject
) -> None:
    def order(id: str, agreement_id: str, count: int, first: int) -> ServiceOrder:
        o = new_service_order(
            company_id="ACME",
            id=id,
            customer_id="C",
            currency="EUR",
            tree=TREE,
            at=AT,
            agreement_id=agreement_id,
        )
        for k in range(first, first + count):
            o, _ = add_line(
                o,
                OrderLine(
                    id=str(k),
                    transaction_type=TransactionType.FEE,
                    quantity=Decimal(k + 1),
                    cost_price=Money.of("1", "EUR"),
                    sales_price=Money.of("2", "EUR"),
                ),
                tree=TREE,
                at=AT,
            )
        return o

    source = order("SO-1", "AG-1", n, 0)
    target = order("SO-2", "AG-1" if same else "AG-2", m, 100)
    line_id = data.draw(st.sampled_from([ln.id for ln in source.lines]))
    before = Counter(ln for o in (source, target) for ln in o.lines)
    try:
        new_source, new_target = move_line(source, target, line_id, tree=TREE, at=AT)
    except BusinessRuleError:
        assert not same
        return
    assert same
    assert Counter(ln for o in (new_source, new_target) for ln in o.lines) == before
    assert new_target.line(line_id) == source.line(line_id)


# -- invariant 20: SLA clocks driven by stages ------------------------------------------------
HOLD_TREE = StageTree.define(
    [
        Stage(id="new"),
        Stage(id="work", parent="new"),
        Stage(id="hold", parent="work", stops_sla_clock=True),
        Stage(id="done", parent="work"),
    ]
)


class SlaByStages(RuleBasedStateMachine):
    """Compliance never falls while the clock runs, a stopping stage freezes it, and the due
    instant moves later by exactly the stopped span."""

    def __init__(self) -> None:
        super().__init__()
        self.now = AT
        self.clock = FixedClock(AT)
        self.store = InMemoryStore()
        with self.store.unit_of_work("ACME") as uow:
            uow[SLAS].add(
                ServiceLevelAgreement(
                    company_id="ACME",
                    id="GOLD",
                    name="Gold",
                    targets={"high": (Target.calendar_hours(2), Target.calendar_hours(8))},
                )
            )
            create_agreement_group(
                uow, AgreementGroup(company_id="ACME", id="STD", sla_id="GOLD"), clock=self.clock
            )
            create_agreement(
                uow, agreement(line(), start=pendulum.date(2023, 1, 1)), clock=self.clock
            )
            create_order_for_agreement(
                uow, "AG-1", order_id="SO-1", tree=HOLD_TREE, clock=self.clock, priority="high"
            )
            uow.commit()
        self.stopped = dt.timedelta(0)
        self.last_used = dt.timedelta(0)
        due = self._status().due_at
        assert due is not None
        self.first_due: pendulum.DateTime = due

    def _status(self) -> SlaStatus:
        with self.store.unit_of_work("ACME") as uow:
            (stored,) = [
                c
                for c in uow[SLA_CLOCKS].list_for_subject("SO-1")
                if c.clock.kind is ClockKind.RESOLUTION
            ]
        return stored.clock.status_at(self.now)

    def _stage(self) -> str:
        with self.store.unit_of_work("ACME") as uow:
            return uow[SERVICE_ORDERS].get("SO-1").stage

    @rule(minutes=st.integers(1, 300))
    def wait(self, minutes: int) -> None:
        before = self._status()
        self.now = self.now.add(minutes=minutes)
        self.clock.set(self.now)
        after = self._status()
        if HOLD_TREE.stage(self._stage()).stops_sla_clock:
            assert after.used == before.used  # frozen
            self.stopped += dt.timedelta(minutes=minutes)
        else:
            assert after.used >= before.used  # never falls while running

    @rule(to=st.sampled_from(["new", "work", "hold", "done"]))
    def move(self, to: str) -> None:
        with self.store.unit_of_work("ACME") as uow:
            try:
                change_order_stage(uow, "SO-1", to, tree=HOLD_TREE, clock=self.clock, reason="r")
            except ServiceCoreError:
                return
            uow.commit()

    @invariant()
    def due_moves_by_the_stopped_span(self) -> None:
        status = self._status()
        assert status.used >= self.last_used
        self.last_used = status.used
        if status.due_at is not None and status.used <= status.allowed:
            assert status.due_at == self.first_due + self.stopped


TestSlaByStages = SlaByStages.TestCase
TestSlaByStages.settings = settings(max_examples=15, stateful_step_count=15, deadline=None)


# -- occurrences jump to the range: the same dates as Recurrence -----------------------------
@settings(max_examples=80, deadline=None)
@given(
    interval=st.one_of(
        st.integers(1, 30).map(Interval.days),
        st.integers(1, 6).map(Interval.weeks),
        st.integers(1, 18).map(Interval.months),
        st.integers(1, 3).map(Interval.years),
    ),
    anchor=st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    offset=st.integers(0, 4000),
    days=st.integers(0, 800),
)
def test_planned_dates_are_the_recurrence_occurrences(
    interval: Interval, anchor: dt.date, offset: int, days: int
) -> None:
    start = pendulum.Date(anchor.year, anchor.month, anchor.day)
    lo = start.add(days=offset)
    hi = lo.add(days=days)
    ag = agreement(line(interval=interval), start=start)
    compact = plan_service_orders_compact([ag], lo, hi)
    expected = Recurrence(interval, start).occurrences(lo, hi.add(days=1))
    assert [pendulum.Date.fromordinal(r[2]) for r in compact.rows()] == expected
    assert compact.keys() == [
        pl.key for o in plan_service_orders([ag], lo, hi).orders for pl in o.lines
    ]


# -- invariants 3 and 6, stateful: runs, deletions, suspensions and stops in any order -------
class GenerationMachine(RuleBasedStateMachine):
    """Generation runs interleaved with deleting orders, suspending agreements and stopping
    lines never duplicate a line, and never add one for a suspended agreement or a stopped
    line; a continuous run over a range leaves no date of it missing."""

    def __init__(self) -> None:
        super().__init__()
        self.store = _store(*_series_agreements())
        self.frozen: dict[str, set[str]] = {}  # agreement or line -> its keys when frozen

    def _lines_of(self, owner: str) -> set[str]:
        return {k for k in _keys(self.store) if k.startswith(owner)}

    @rule(window=day_ranges, continuous=st.booleans())
    def generate(self, window: tuple[pendulum.Date, pendulum.Date], continuous: bool) -> None:
        _run(self.store, *window, continuous)
        if continuous:
            with self.store.unit_of_work("ACME") as uow:
                live = [a for a in uow[AGREEMENTS].list_all() if not a.suspended]
            expected = set(plan_service_orders_compact(live, *window, continuous=True).keys())
            assert expected <= set(_keys(self.store))

    @rule(data=st.data())
    def delete_an_order(self, data: st.DataObject) -> None:
        with self.store.unit_of_work("ACME") as uow:
            orders = sorted(uow[SERVICE_ORDERS].list_all(), key=lambda o: o.id)
            if not orders:
                return
            order = data.draw(st.sampled_from(orders))
            uow[SERVICE_ORDERS].delete(order)
            for key in uow[GENERATED_LINE_KEYS].list_for_order(order.id):
                uow[GENERATED_LINE_KEYS].delete(key)
            uow.commit()
        for owner, keys in self.frozen.items():
            keys.intersection_update(self._lines_of(owner))

    @rule(agreement_id=st.sampled_from(["AG-1", "AG-2"]))
    def toggle_suspension(self, agreement_id: str) -> None:
        with self.store.unit_of_work("ACME") as uow:
            ag = uow[AGREEMENTS].get(agreement_id)
            if ag.suspended:
                changed, _ = resume_agreement(ag, at=AT)
            else:
                changed, _ = suspend_agreement(ag, at=AT)
            uow[AGREEMENTS].save(changed)
            uow.commit()
        if changed.suspended:
            self.frozen[changed.id] = self._lines_of(changed.id)
        else:
            self.frozen.pop(changed.id, None)

    @invariant()
    def no_duplicates_and_nothing_from_suspended(self) -> None:
        keys = _keys(self.store)
        assert len(keys) == len(set(keys))
        for owner, frozen in self.frozen.items():
            assert self._lines_of(owner) == frozen


TestGenerationMachine = GenerationMachine.TestCase
TestGenerationMachine.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
