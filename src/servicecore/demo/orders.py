"""Service-order area of the simulation: customers call in, an order is created by hand
with its SLA clocks, and a technician walks it through the stages to posting.

Each order's course is drawn when it comes in (response time, a wait for parts, work
hours, sometimes a delay with its reason) and happens as timed actions, each one unit of
work at its instant of simulated time. A breached SLA clock gets the delay's reason when
the order moves on, as the tiers require.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from decimal import Decimal

import pendulum

from servicecore.agreements.plan import TransactionType
from servicecore.demo.repairs import PART_PRICES, RepairPlan, finish_repair, start_repair
from servicecore.demo.sla import OFFICE
from servicecore.demo.world import Customer, World
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrder,
    ServiceOrderCreated,
    Stage,
    StageTree,
    add_line,
    change_stage,
    new_service_order,
    post_order,
    sign_off_line,
    sign_off_order,
)
from servicecore.ports import UnitOfWork
from servicecore.sla import ClockState, StatusChange
from servicecore.sla_clocks import SLA_CLOCKS, record_sla_change, start_sla_clocks

__all__ = ["STAGES", "STAGE_ORDER", "TECHNICIANS", "OrderPlan", "ServiceOrderStep"]

STAGES = StageTree.define(
    [
        Stage(id="new"),
        Stage(id="in_progress", parent="new"),
        Stage(id="on_hold", parent="in_progress", requires_reason=True, stops_sla_clock=True),
        Stage(id="done", parent="in_progress", can_post=True, can_delete=False),
        Stage(id="closed", parent="done", can_modify=False, can_cancel=False, can_delete=False),
    ]
)
"""The company's stage tree; the stage ids are also the statuses its SLA clocks see."""

STAGE_ORDER = ("new", "in_progress", "on_hold", "done", "closed")
"""The stages in the order an order walks them (for the report)."""

TECHNICIANS = ("TECH-ANNA", "TECH-BORIS", "TECH-CARLA", "TECH-DAVID")

LATE_REASONS = ("part out of stock", "customer not on site", "second visit needed")
_HOUR = ("45.00", "95.00")  # cost and sales price of a technician hour


def _bt(start: pendulum.DateTime, minutes: int) -> pendulum.DateTime:
    return OFFICE.add_business_time(start, dt.timedelta(minutes=minutes))


class OrderPlan:
    """One order's course, drawn when the customer calls."""

    def __init__(self, world: World, day: pendulum.Date, customer: Customer) -> None:
        rng = world.rng
        self.customer = customer
        self.order_id = world.next_id("SO")
        self.priority = "high" if rng.random() < 0.3 else "normal"
        self.technician = rng.choice(TECHNICIANS)
        self.created = world.at(day, rng.randint(8, 15), rng.choice((0, 15, 30, 45)))
        response = rng.randint(15, 150)
        self.response_reason = "no technician free"
        if rng.random() < 0.05:
            response += rng.randint(180, 420)
        self.started = _bt(self.created, response)
        self.hold: tuple[pendulum.DateTime, pendulum.DateTime] | None = None
        work = 60 * rng.randint(1, 6)
        if rng.random() < 0.25:
            held = _bt(self.started, 60)
            back = OFFICE.next_open(held.add(hours=rng.randint(4, 48)))
            self.hold = (held, back)
            work -= 60
        self.late_reason = rng.choice(LATE_REASONS)
        if rng.random() < 0.12:
            work += 60 * rng.randint(10, 24)
        work = max(work, 30)
        self.hours = Decimal(work) / 60
        self.done = _bt(self.hold[1] if self.hold else self.started, work)
        self.posted = _bt(self.done, 180)
        self.repair = RepairPlan(world)


Action = Callable[[UnitOfWork, World, OrderPlan], None]


def _breach_reason(
    uow: UnitOfWork, order_id: str, at: pendulum.DateTime, reason: str
) -> str | None:
    """``reason`` when a running clock of the order stands breached at ``at``, else None."""
    for stored in uow[SLA_CLOCKS].list_for_subject(order_id):
        if stored.running and stored.clock.status_at(at).state is ClockState.BREACHED:
            return reason
    return None


def _move(
    uow: UnitOfWork, world: World, plan: OrderPlan, stage: str, reason: str | None = None
) -> ServiceOrder:
    """Move the order to ``stage`` and tell its SLA clocks (the stage is their status)."""
    now = world.clock.now()
    order = uow[SERVICE_ORDERS].get(plan.order_id)
    if reason is None and stage in ("in_progress", "done"):
        late = plan.response_reason if stage == "in_progress" else plan.late_reason
        reason = _breach_reason(uow, plan.order_id, now, late)
    changed, events = change_stage(order, stage, tree=STAGES, at=now, reason=reason)
    uow[SERVICE_ORDERS].save(changed)
    uow.record(events)
    record_sla_change(uow, plan.order_id, StatusChange(now, stage, reason))
    return changed


def _create(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    now = world.clock.now()
    customer = plan.customer
    order = new_service_order(
        company_id=world.company_id,
        id=plan.order_id,
        customer_id=customer.id,
        currency=world.settings.currency,
        tree=STAGES,
        at=now,
        priority=plan.priority,
        sla_id=customer.tier,
        preferred_technician_id=plan.technician,
        address=f"site of {customer.id}",
    )
    uow[SERVICE_ORDERS].add(order)
    uow.record(
        [
            ServiceOrderCreated(
                aggregate_id=order.id,
                company_id=order.company_id,
                occurred_at=now,
                customer_id=order.customer_id,
                agreement_id=None,
                source=order.source,
                line_ids=(),
            )
        ]
    )
    start_sla_clocks(
        uow, customer.tier, subject_id=order.id, priority=plan.priority, status="new",
        clock=world.clock,
    )  # fmt: skip
    world.sla_subjects.add(order.id)
    world.order_customers[order.id] = customer


def _start(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    _move(uow, world, plan, "in_progress")
    start_repair(
        uow,
        world,
        order_id=plan.order_id,
        customer=plan.customer,
        plan=plan.repair,
        technician=plan.technician,
    )


def _hold(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    _move(uow, world, plan, "on_hold", "waiting for parts")


def _resume(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    _move(uow, world, plan, "in_progress", "parts arrived")


def _line(n: int, kind: TransactionType, qty: Decimal, prices: tuple[str, str], world: World,
          worker: str | None = None) -> OrderLine:  # fmt: skip
    currency = world.settings.currency
    return OrderLine(
        id=str(n),
        transaction_type=kind,
        quantity=qty,
        cost_price=Money.of(prices[0], currency),
        sales_price=Money.of(prices[1], currency),
        worker_id=worker,
    )


def _done(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    now = world.clock.now()
    finish_repair(uow, world, order_id=plan.order_id, customer=plan.customer, plan=plan.repair)
    order = uow[SERVICE_ORDERS].get(plan.order_id)
    lines = [_line(1, TransactionType.HOUR, plan.hours, _HOUR, world, plan.technician)]
    if plan.repair.part is not None:
        lines.append(
            _line(2, TransactionType.ITEM, Decimal(1), PART_PRICES[plan.repair.part], world)
        )
    events: list[DomainEvent] = []
    for line in lines:
        order, more = add_line(order, line, tree=STAGES, at=now)
        events.extend(more)
    uow[SERVICE_ORDERS].save(order)
    uow.record(events)
    _move(uow, world, plan, "done")


def _post(uow: UnitOfWork, world: World, plan: OrderPlan) -> None:
    now = world.clock.now()
    order = uow[SERVICE_ORDERS].get(plan.order_id)
    # The customer signs the work off first: only signed-off lines can be posted (O6).
    all_events: list[DomainEvent] = []
    for line in order.lines:
        order, more = sign_off_line(order, line.id, at=now)
        all_events.extend(more)
    order, more = sign_off_order(order, at=now)
    all_events.extend(more)
    order, events = post_order(order, tree=STAGES, at=now)
    all_events.extend(events)
    uow[SERVICE_ORDERS].save(order)
    uow.record(all_events)
    _move(uow, world, plan, "closed")


class ServiceOrderStep:
    """Customers call on working days; their orders walk new -> in progress (-> on hold ->
    in progress) -> done -> posted and closed."""

    name = "orders"

    def __init__(self) -> None:
        self._queue: list[tuple[pendulum.DateTime, int, str, Action, OrderPlan]] = []
        self._seq = 0

    def setup(self, world: World) -> None:
        """Orders need no master data beyond the stage tree (a value of this module)."""

    def _at(self, when: pendulum.DateTime, action: Action, plan: OrderPlan) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, plan.order_id, action, plan))

    def run_day(self, world: World, day: pendulum.Date) -> None:
        if day.isoweekday() <= 5:
            active = [c for c in world.customers if c.joins <= day]
            for _ in range(world.rng.choice((1, 2, 2, 3))):
                plan = OrderPlan(world, day, world.rng.choice(active))
                self._at(plan.created, _create, plan)
                self._at(plan.started, _start, plan)
                if plan.hold is not None:
                    self._at(plan.hold[0], _hold, plan)
                    self._at(plan.hold[1], _resume, plan)
                self._at(plan.done, _done, plan)
                self._at(plan.posted, _post, plan)
        end = world.at(day, 0).add(days=1)
        while self._queue and self._queue[0][0] < end:
            when, _seq, _id, action, plan = heapq.heappop(self._queue)
            world.clock.set(when)  # actions come in time order
            with world.uow() as uow:
                action(uow, world, plan)
                uow.commit()

    def finish(self, world: World) -> None:
        """Orders still under way stay in their stages: the report shows them there."""
