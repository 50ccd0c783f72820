"""Committing a generation plan: one order line per (agreement, line, date), ever.

Each generated line claims its key as a tiny :class:`GeneratedLineKey` aggregate whose id
is :attr:`PlannedLine.key`. The store guarantees ids are unique (adding a taken id fails
with ``AlreadyExistsError`` at commit), so reruns skip what exists and of two concurrent
runs the second commit fails instead of creating a duplicate; rerun it and it adds only
what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pendulum
from attrs import frozen

from servicecore.agreements.plan import (
    PlannedLine,
    PlannedOrder,
    ServiceOrderPlan,
    fast_index_key,
    slot_maker,
)
from servicecore.clock import Clock, read_clock
from servicecore.errors import NotFoundError, ValidationError
from servicecore.orders.model import (
    SERVICE_ORDERS,
    LineStatus,
    OrderLine,
    ServiceOrder,
    ServiceOrderCreated,
    StageTree,
    new_service_order,
)
from servicecore.orders.model.commands import _check_line_values, _check_modifiable
from servicecore.ports import AggregateType, Index, Repository, UnitOfWork, check_type

__all__ = [
    "GENERATED_LINE_KEYS",
    "GeneratedLineKey",
    "GeneratedLineKeyRepository",
    "generate_service_orders",
]


@frozen(kw_only=True)
class GeneratedLineKey:
    """The claim of one generated order line: ``id`` is the planned line's key."""

    company_id: str
    id: str
    order_id: str
    line_id: str
    version: int = 0


class GeneratedLineKeyRepository(Repository[GeneratedLineKey]):
    """Claimed generation keys, with a finder by order."""

    def list_for_order(self, order_id: str) -> list[GeneratedLineKey]:
        """The keys claimed by the lines of one order."""
        return self.find("order", order_id)


GENERATED_LINE_KEYS: AggregateType[GeneratedLineKey, GeneratedLineKeyRepository] = AggregateType(
    kind="generated_order_line_key",
    cls=GeneratedLineKey,
    repository=GeneratedLineKeyRepository,
    indexes=(Index("order", lambda k: (k.order_id,)),),
)
"""Generation keys in storage: ``uow[GENERATED_LINE_KEYS]``."""


def _claimed(keys: GeneratedLineKeyRepository, key: str) -> bool:
    try:
        keys.get(key)
    except NotFoundError:
        return False
    return True


_LINE_FIELDS = (
    "id",
    "calculated_date",
    "generation_key",
    "transaction_type",
    "quantity",
    "cost_price",
    "sales_price",
    "status",
    "worker_id",
    "agreement_line_id",
    "service_object_id",
    "relation_ids",
    "signed_off",
    "time_band",
)
_make_line: Callable[..., OrderLine] = slot_maker(OrderLine, _LINE_FIELDS)
"""``OrderLine(...)`` positionally in :data:`_LINE_FIELDS` order (a generated line)."""

_ORDER_FIRST = ("id", "lines")
_ORDER_REST = tuple(f.name for f in attrs.fields(ServiceOrder) if f.name not in _ORDER_FIRST)
_make_order: Callable[..., ServiceOrder] = slot_maker(ServiceOrder, _ORDER_FIRST + _ORDER_REST)
"""``ServiceOrder(...)``: id and lines, then the other fields in :data:`_ORDER_REST` order."""

_make_key: Callable[..., GeneratedLineKey] = slot_maker(
    GeneratedLineKey, ("id", "order_id", "line_id", "company_id", "version")
)


def _line(planned: PlannedLine, line_id: str, key: str) -> OrderLine:
    return _make_line(
        line_id,
        planned.calculated_date,
        key,
        planned.transaction_type,
        planned.quantity,
        planned.cost_price,
        planned.sales_price,
        LineStatus.CREATED,
        planned.worker_id,
        planned.agreement_line_id,
        planned.service_object_id,
        planned.relation_ids,
        False,
        planned.time_band,
    )


class _Orders:
    """Builds the generated orders of one run: the checks of ``new_service_order`` and
    ``add_line`` run once per distinct order header and per distinct agreement line
    values (told apart by identity: the orders and lines a plan makes of one agreement
    share their values), not once per order and per line."""

    def __init__(self, company_id: str, tree: StageTree, at: pendulum.DateTime) -> None:
        self.company_id = company_id
        self.tree = tree
        self.at = at
        self.header: tuple[object, ...] = ()
        self.template: ServiceOrder | None = None
        self.rest: tuple[object, ...] = ()
        self.checked: dict[tuple[str, str], tuple[object, ...]] = {}

    def order(
        self, planned: PlannedOrder, sla_id: str | None, order_id: str, lines: list[OrderLine]
    ) -> ServiceOrder:
        header = (
            planned.customer_id,
            planned.currency,
            planned.agreement_id,
            planned.preferred_technician_id,
            planned.service_manager_id,
            sla_id,
            planned.project_id,
        )
        template = self.template
        if template is None or any(a is not b for a, b in zip(header, self.header, strict=True)):
            template = new_service_order(
                company_id=self.company_id,
                id=order_id,
                customer_id=planned.customer_id,
                currency=planned.currency,
                tree=self.tree,
                at=self.at,
                agreement_id=planned.agreement_id,
                preferred_technician_id=planned.preferred_technician_id,
                responsible_id=planned.service_manager_id,
                sla_id=sla_id,
                project_id=planned.project_id,
                source="generated",
            )
            _check_modifiable(template, self.tree, "add a line to")
            self.template, self.header = template, header
            self.rest = tuple(getattr(template, name) for name in _ORDER_REST)
        checked = self.checked
        currency = template.currency
        for line in lines:
            agreement_line = (planned.agreement_id, str(line.agreement_line_id))
            seen = checked.get(agreement_line)
            if (
                seen is None
                or seen[0] is not currency
                or seen[1] is not line.transaction_type
                or seen[2] is not line.quantity
                or seen[3] is not line.cost_price
                or seen[4] is not line.sales_price
                or seen[5] is not line.time_band
            ):
                _check_line_values(template, line)
                checked[agreement_line] = (
                    currency,
                    line.transaction_type,
                    line.quantity,
                    line.cost_price,
                    line.sales_price,
                    line.time_band,
                )
        return _make_order(order_id, tuple(lines), *self.rest)


def generate_service_orders(
    uow: UnitOfWork,
    plan: ServiceOrderPlan,
    *,
    tree: StageTree,
    clock: Clock,
    sla_of: Callable[[PlannedOrder], str | None] | None = None,
) -> tuple[ServiceOrder, ...]:
    """Create the planned orders and lines whose keys are not claimed yet.

    A planned order whose lines all exist is skipped; one with some missing lines becomes
    a new order holding only those (back-fill). Generated orders carry no SLA unless
    ``sla_of`` gives one (e.g. ``lambda p: p.sla_id``). The order id is derived from its
    first new line's key, so two concurrent runs add the same ids and the later commit
    fails. Every order is built and checked (as ``new_service_order`` and ``add_line``
    check) before any is staged, so a refused plan stages nothing. A
    ``ServiceOrderCreated`` event is recorded per order. The caller commits.
    """
    check_type(plan, ServiceOrderPlan, "plan")
    check_type(tree, StageTree, "tree")
    if sla_of is not None and not callable(sla_of):
        raise ValidationError(
            f"sla_of: expected a callable or None, got {type(sla_of).__name__}",
            field="sla_of",
            value=sla_of,
            allowed="a callable (PlannedOrder) -> SLA id or None, or None",
        )
    at = read_clock(clock)
    company = uow.company_id
    keys_repo = uow[GENERATED_LINE_KEYS]
    builder = _Orders(company, tree, at)
    created: list[ServiceOrder] = []
    claims: list[GeneratedLineKey] = []
    claimed_now: set[str] = set()
    for planned in plan.orders:
        check_type(planned, PlannedOrder, "plan.orders")
        missing: list[tuple[PlannedLine, str]] = []
        for pl in planned.lines:
            key = pl.key
            if key not in claimed_now and not _claimed(keys_repo, key):
                missing.append((pl, key))
                claimed_now.add(key)  # a key listed twice in the plan gives one line
        if not missing:
            continue
        order_id = fast_index_key("GEN", missing[0][1])
        lines = [_line(pl, str(number), key) for number, (pl, key) in enumerate(missing, 1)]
        order = builder.order(planned, None if sla_of is None else sla_of(planned), order_id, lines)
        claims.extend(
            _make_key(key, order_id, line.id, company, 0)
            for (_pl, key), line in zip(missing, lines, strict=True)
        )
        created.append(order)
    orders_repo = uow[SERVICE_ORDERS]
    for order in created:
        orders_repo.add(order)
    for claim in claims:
        keys_repo.add(claim)
    uow.record(
        ServiceOrderCreated(
            aggregate_id=o.id,
            company_id=o.company_id,
            occurred_at=at,
            customer_id=o.customer_id,
            agreement_id=o.agreement_id,
            source=o.source,
            line_ids=tuple(ln.id for ln in o.lines),
        )
        for o in created
    )
    return tuple(created)
