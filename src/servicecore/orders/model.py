"""Service orders: the stage tree, the order aggregate, its lines and their commands.

Every command is pure: ``command(order, ..., *, at) -> (order, events)``; it validates
everything before building anything and never mutates.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pendulum
from attrs import evolve, frozen

from servicecore.agreements.plan import TimeBand, TransactionType
from servicecore.clock import to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    check_id,
    check_items,
    check_iterable,
    check_type,
    index_key,
)

__all__ = [
    "SERVICE_ORDERS",
    "JournalRecord",
    "LineStatus",
    "OrderLine",
    "OrderLinesPosted",
    "OrderProgress",
    "OrderStageChanged",
    "ServiceOrder",
    "ServiceOrderCancelled",
    "ServiceOrderCreated",
    "ServiceOrderDeleted",
    "ServiceOrderRepository",
    "Stage",
    "StageChange",
    "StageTree",
    "add_line",
    "cancel_line",
    "cancel_order",
    "change_stage",
    "delete_line",
    "move_line",
    "new_service_order",
    "post_order",
    "revoke_line",
    "sign_off_line",
    "sign_off_order",
]


# -- stage tree ---------------------------------------------------------------------------
@frozen(kw_only=True)
class Stage:
    """One stage of a host's stage tree and what it allows (D365 SMAStageTable flags)."""

    id: str
    parent: str | None = None
    can_modify: bool = True
    can_cancel: bool = True
    can_delete: bool = True
    can_post: bool = False
    requires_reason: bool = False
    stops_sla_clock: bool = False


@frozen
class StageTree:
    """A validated stage tree: one root, every parent known, no cycle.

    Build one with :meth:`define`; a malformed tree is refused when built:

    >>> tree = StageTree.define([Stage(id="new"), Stage(id="done", parent="new")])
    >>> tree.root, tree.next_stages("new"), tree.previous_stage("done")
    ('new', ('done',), 'new')
    >>> try:
    ...     StageTree.define([Stage(id="a"), Stage(id="b")])
    ... except ValidationError as e:
    ...     print(e.field, "|", e)
    stages | stages: a stage tree has exactly one root, got 2: 'a', 'b' (allowed: ...)
    """

    stages: Mapping[str, Stage]
    root: str

    @classmethod
    def define(cls, stages: Iterable[Stage]) -> StageTree:
        """Validate ``stages`` into a tree (one root, known parents, no cycle, unique ids)."""
        items = check_iterable(stages, "stages", "an iterable of Stage")
        if not items:
            raise ValidationError(
                "stages: a stage tree needs at least one stage",
                field="stages",
                value=stages,
                allowed="an iterable of Stage",
            )
        by_id: dict[str, Stage] = {}
        for stage in items:
            check_type(stage, Stage, "stages")
            check_id(stage.id, "stages.id")
            if stage.id in by_id:
                raise ValidationError(
                    f"stages: stage {stage.id!r} is defined twice",
                    field="stages",
                    value=stage.id,
                    allowed="unique stage ids",
                )
            by_id[stage.id] = stage
        roots = [s.id for s in items if s.parent is None]
        if len(roots) != 1:
            names = ", ".join(repr(r) for r in roots)
            raise ValidationError(
                f"stages: a stage tree has exactly one root, got {len(roots)}: {names}",
                field="stages",
                value=roots,
                allowed="one stage without a parent",
            )
        for stage in items:
            if stage.parent is not None and stage.parent not in by_id:
                raise ValidationError(
                    f"stages: stage {stage.id!r} has unknown parent {stage.parent!r}",
                    field="stages",
                    value=stage.parent,
                    allowed=", ".join(sorted(by_id)),
                )
        for stage in items:  # every stage must reach the root (no cycle)
            seen: set[str] = set()
            current: Stage | None = stage
            while current is not None and current.parent is not None:
                if current.id in seen:
                    raise ValidationError(
                        f"stages: stage {stage.id!r} is in a cycle",
                        field="stages",
                        value=stage.id,
                        allowed="a tree (every stage reaches the root)",
                    )
                seen.add(current.id)
                current = by_id[current.parent]
        return cls(by_id, roots[0])

    def stage(self, stage_id: str) -> Stage:
        """The stage ``stage_id``; an unknown id raises :class:`ValidationError`."""
        found = self.stages.get(stage_id) if isinstance(stage_id, str) else None
        if found is None:
            raise ValidationError(
                f"stage: unknown stage {stage_id!r}",
                field="stage",
                value=stage_id,
                allowed=", ".join(sorted(self.stages)),
            )
        return found

    def next_stages(self, stage_id: str) -> tuple[str, ...]:
        """The child stages of ``stage_id`` (where an order can move forward), sorted."""
        self.stage(stage_id)
        return tuple(sorted(s.id for s in self.stages.values() if s.parent == stage_id))

    def previous_stage(self, stage_id: str) -> str | None:
        """The parent of ``stage_id`` (``None`` for the root)."""
        return self.stage(stage_id).parent


# -- lines and orders ---------------------------------------------------------------------
class LineStatus(enum.Enum):
    """Status of an order line."""

    CREATED = "created"
    CANCELLED = "cancelled"
    POSTED = "posted"


class OrderProgress(enum.Enum):
    """An order's progress, derived from its line statuses (D365 O1)."""

    IN_PROCESS = "in_process"
    POSTED = "posted"
    CANCELLED = "cancelled"


@frozen(kw_only=True)
class OrderLine:
    """One service order line: what is charged, by whom, and from which agreement line."""

    id: str
    transaction_type: TransactionType
    quantity: Decimal
    cost_price: Money
    sales_price: Money
    status: LineStatus = LineStatus.CREATED
    worker_id: str | None = None
    agreement_line_id: str | None = None
    calculated_date: pendulum.Date | None = None
    service_object_id: str | None = None
    relation_ids: tuple[str, ...] = ()
    signed_off: bool = False
    generation_key: str | None = None
    time_band: TimeBand | None = None
    """Time of day the work is done in (from the agreement line, or set by hand)."""

    @property
    def cost_amount(self) -> Money:
        return self.cost_price * self.quantity

    @property
    def sales_amount(self) -> Money:
        return self.sales_price * self.quantity


@frozen(kw_only=True)
class StageChange:
    """One logged stage change: from, to, the reason given and when."""

    from_stage: str
    to_stage: str
    reason: str | None
    at: pendulum.DateTime


@frozen(kw_only=True)
class ServiceOrder:
    """The service order aggregate (D365 SMAServiceOrderTable)."""

    company_id: str
    id: str
    customer_id: str
    currency: Currency
    stage: str
    agreement_id: str | None = None
    priority: str | None = None
    preferred_service_time: pendulum.DateTime | None = None
    address: str | None = None
    responsible_id: str | None = None
    preferred_technician_id: str | None = None
    sla_id: str | None = None
    project_id: str | None = None
    source: str = "manual"
    source_reference: str | None = None
    signed_off: bool = False
    lines: tuple[OrderLine, ...] = ()
    stage_log: tuple[StageChange, ...] = ()
    created_at: pendulum.DateTime | None = None
    version: int = 0

    def line(self, line_id: str) -> OrderLine:
        """The line ``line_id``; unknown raises :class:`NotFoundError`."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise NotFoundError(
            f"line_id: order {self.id!r} has no line {line_id!r}",
            entity="service order line",
            id=str(line_id),
        )

    @property
    def progress(self) -> Decimal:
        """Posted share of the lines that are not cancelled (0..1; 1 when none remain)."""
        live = [ln for ln in self.lines if ln.status is not LineStatus.CANCELLED]
        if not live:
            return Decimal(1) if self.lines else Decimal(0)
        posted = sum(1 for ln in live if ln.status is LineStatus.POSTED)
        return Decimal(posted) / Decimal(len(live))

    @property
    def state(self) -> OrderProgress:
        """D365 progress from the line statuses (O1): any created line: in process; else
        any posted: posted; else (all cancelled): cancelled. No lines: in process."""
        statuses = {ln.status for ln in self.lines}
        if not statuses or LineStatus.CREATED in statuses:
            return OrderProgress.IN_PROCESS
        if LineStatus.POSTED in statuses:
            return OrderProgress.POSTED
        return OrderProgress.CANCELLED

    @property
    def margin(self) -> Money:
        """Sales minus cost over the lines that are not cancelled, in the order currency."""
        live = [ln for ln in self.lines if ln.status is not LineStatus.CANCELLED]
        sales = Money.sum((ln.sales_amount for ln in live), self.currency)
        cost = Money.sum((ln.cost_amount for ln in live), self.currency)
        return sales - cost


# -- events -------------------------------------------------------------------------------
@frozen(kw_only=True)
class ServiceOrderCreated(DomainEvent):
    """An order was created (``source``: manual, generated...) with its first lines."""

    customer_id: str
    agreement_id: str | None
    source: str
    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class OrderStageChanged(DomainEvent):
    """An order moved between stages."""

    from_stage: str
    to_stage: str
    reason: str | None = None


@frozen(kw_only=True)
class ServiceOrderCancelled(DomainEvent):
    """A whole order was cancelled: ``line_ids`` are the lines it cancelled."""

    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class ServiceOrderDeleted(DomainEvent):
    """An order was deleted with its lines (``line_ids``); none of them was posted."""

    line_ids: tuple[str, ...]


@frozen(kw_only=True)
class JournalRecord:
    """What the host books for one transaction type of one posting."""

    order_id: str
    transaction_type: TransactionType
    line_ids: tuple[str, ...]
    quantity: Decimal
    cost_amount: Money
    sales_amount: Money


@frozen(kw_only=True)
class OrderLinesPosted(DomainEvent):
    """Lines were posted together: one journal record per transaction type."""

    journal: tuple[JournalRecord, ...]


# -- repository ---------------------------------------------------------------------------
class ServiceOrderRepository(Repository[ServiceOrder]):
    """:class:`ServiceOrder` aggregates with customer, agreement and stage finders."""

    def list_for_customer(self, customer_id: str) -> list[ServiceOrder]:
        """Orders of one customer."""
        return self.find("customer", check_id(customer_id, "customer_id"))

    def list_for_agreement(self, agreement_id: str) -> list[ServiceOrder]:
        """Orders of one agreement."""
        return self.find("agreement", check_id(agreement_id, "agreement_id"))

    def list_in_stage(self, stage: str) -> list[ServiceOrder]:
        """Orders currently in ``stage``."""
        return self.find("stage", check_id(stage, "stage"))

    def list_for_source_reference(self, source: str, reference: str) -> list[ServiceOrder]:
        """Orders created from one outside reference (e.g. ``"sales_order"``, ``"SO-1"``)."""
        return self.find(
            "source_reference",
            index_key(check_id(source, "source"), check_id(reference, "reference")),
        )


SERVICE_ORDERS: AggregateType[ServiceOrder, ServiceOrderRepository] = AggregateType(
    kind="service_order",
    cls=ServiceOrder,
    repository=ServiceOrderRepository,
    indexes=(
        Index("customer", lambda o: (o.customer_id,)),
        Index("agreement", lambda o: (o.agreement_id,) if o.agreement_id else ()),
        Index("stage", lambda o: (o.stage,)),
        Index(
            "source_reference",
            lambda o: (index_key(o.source, o.source_reference),) if o.source_reference else (),
        ),
    ),
)
"""Service orders in storage: ``uow[SERVICE_ORDERS]``."""


# -- commands -----------------------------------------------------------------------------
def _opt_id(value: object, field: str) -> str | None:
    return None if value is None else check_id(value, field)


def new_service_order(
    *,
    company_id: str,
    id: str,
    customer_id: str,
    currency: str | Currency,
    tree: StageTree,
    at: object,
    agreement_id: str | None = None,
    priority: str | None = None,
    preferred_service_time: object = None,
    address: str | None = None,
    responsible_id: str | None = None,
    preferred_technician_id: str | None = None,
    sla_id: str | None = None,
    project_id: str | None = None,
    source: str = "manual",
    source_reference: str | None = None,
) -> ServiceOrder:
    """A new order in the root stage of ``tree``, without lines."""
    check_type(tree, StageTree, "tree")
    when = to_instant(at, "at")
    preferred = (
        None
        if preferred_service_time is None
        else to_instant(preferred_service_time, "preferred_service_time")
    )
    if source not in ("manual", "agreement", "sales_order", "web_request", "generated"):
        raise ValidationError(
            f"source: unknown source {source!r}",
            field="source",
            value=source,
            allowed="manual, agreement, sales_order, web_request, generated",
        )
    return ServiceOrder(
        company_id=check_id(company_id, "company_id"),
        id=check_id(id, "id"),
        customer_id=check_id(customer_id, "customer_id"),
        currency=Currency.of(currency),
        stage=tree.root,
        agreement_id=_opt_id(agreement_id, "agreement_id"),
        priority=_opt_id(priority, "priority"),
        preferred_service_time=preferred,
        address=None if address is None else check_type(address, str, "address"),
        responsible_id=_opt_id(responsible_id, "responsible_id"),
        preferred_technician_id=_opt_id(preferred_technician_id, "preferred_technician_id"),
        sla_id=_opt_id(sla_id, "sla_id"),
        project_id=_opt_id(project_id, "project_id"),
        source=source,
        source_reference=_opt_id(source_reference, "source_reference"),
        created_at=when,
    )


def _refuse(order: ServiceOrder, action: str, stage: str, allowed: Iterable[str] = ()) -> None:
    raise InvalidTransitionError(
        entity="service order", id=order.id, state=stage, action=action, allowed=allowed
    )


def _check_modifiable(order: ServiceOrder, tree: StageTree, action: str) -> Stage:
    check_type(tree, StageTree, "tree")
    stage = tree.stage(order.stage)
    if not stage.can_modify:
        _refuse(order, action, order.stage)
    return stage


def _check_line_money(order: ServiceOrder, line: OrderLine) -> None:
    for field in ("cost_price", "sales_price"):
        price = getattr(line, field)
        check_type(price, Money, f"line.{field}")
        if price.currency != order.currency:
            raise CurrencyMismatchError(
                f"line.{field}: price in {price.currency} on an order in {order.currency}"
                f" (allowed: {order.currency})",
                expected=str(order.currency),
                actual=str(price.currency),
            )
        if price.is_negative():
            raise ValidationError(
                f"line.{field}: a price is never negative, got {price}",
                field=f"line.{field}",
                value=price,
                allowed="zero or more",
            )
    if not isinstance(line.quantity, Decimal) or not line.quantity.is_finite():
        raise ValidationError(
            f"line.quantity: expected a finite Decimal, got {line.quantity!r}",
            field="line.quantity",
            value=line.quantity,
            allowed="a finite Decimal",
        )


def _check_band(value: object) -> None:
    if value is None:
        return
    band = check_type(value, TimeBand, "line.time_band")
    for name in ("start_after", "end_before"):
        value = getattr(band, name)
        if not isinstance(value, _dt.time) or value.tzinfo is not None:
            raise ValidationError(
                f"line.time_band.{name}: expected a local datetime.time, got {value!r}",
                field=f"line.time_band.{name}",
                value=value,
                allowed="a datetime.time without time zone",
            )
    if not band.start_after < band.end_before:
        raise ValidationError(
            f"line.time_band: start_after {band.start_after} is not before "
            f"end_before {band.end_before}",
            field="line.time_band",
            value=band,
            allowed="start_after < end_before",
        )


def add_line(
    order: ServiceOrder, line: OrderLine, *, tree: StageTree, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Add ``line`` (status created, prices in the order currency) to ``order``."""
    check_type(order, ServiceOrder, "order")
    check_type(line, OrderLine, "line")
    to_instant(at, "at")
    _check_modifiable(order, tree, "add a line to")
    check_id(line.id, "line.id")
    check_type(line.transaction_type, TransactionType, "line.transaction_type")
    if line.status is not LineStatus.CREATED:
        raise ValidationError(
            f"line.status: a new line is created, got {line.status.value}",
            field="line.status",
            value=line.status,
            allowed="created",
        )
    if any(existing.id == line.id for existing in order.lines):
        raise ValidationError(
            f"line.id: order {order.id!r} already has a line {line.id!r}",
            field="line.id",
            value=line.id,
            allowed="an id not used on this order",
        )
    _check_line_money(order, line)
    _check_band(line.time_band)
    return evolve(order, lines=(*order.lines, line)), ()


def _replace_line(order: ServiceOrder, line: OrderLine) -> ServiceOrder:
    return evolve(order, lines=tuple(line if ln.id == line.id else ln for ln in order.lines))


def _not_posted(order: ServiceOrder, line: OrderLine, action: str) -> None:
    if line.status is LineStatus.POSTED:
        raise InvalidTransitionError(
            f"cannot {action} line {line.id!r} of order {order.id!r}: it is posted and read-only",
            entity="service order line",
            id=line.id,
            state=line.status.value,
            action=action,
        )


def change_stage(
    order: ServiceOrder,
    to_stage: str,
    *,
    tree: StageTree,
    at: object,
    reason: str | None = None,
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Move ``order`` to ``to_stage`` (a child or the parent of its stage), logging why.

    A target stage that ``requires_reason`` needs a non-empty ``reason``.
    """
    check_type(order, ServiceOrder, "order")
    check_type(tree, StageTree, "tree")
    when = to_instant(at, "at")
    target = tree.stage(to_stage)
    current = tree.stage(order.stage)
    allowed = (*tree.next_stages(current.id), *((current.parent,) if current.parent else ()))
    if target.id not in allowed:
        _refuse(order, f"move to stage {target.id!r}", current.id, allowed)
    if reason is not None:
        check_type(reason, str, "reason")
    if target.requires_reason and not (reason and reason.strip()):
        raise ValidationError(
            f"reason: stage {target.id!r} requires a reason",
            field="reason",
            value=reason,
            allowed="a non-empty text",
        )
    log = StageChange(from_stage=current.id, to_stage=target.id, reason=reason, at=when)
    changed = evolve(order, stage=target.id, stage_log=(*order.stage_log, log))
    event = OrderStageChanged(
        aggregate_id=order.id,
        company_id=order.company_id,
        occurred_at=when,
        from_stage=current.id,
        to_stage=target.id,
        reason=reason,
    )
    return changed, (event,)


def cancel_line(
    order: ServiceOrder, line_id: str, *, tree: StageTree, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Cancel a created line (the stage must allow cancelling)."""
    check_type(order, ServiceOrder, "order")
    to_instant(at, "at")
    check_type(tree, StageTree, "tree")
    stage = tree.stage(order.stage)
    line = order.line(line_id)
    _not_posted(order, line, "cancel")
    if not stage.can_cancel:
        _refuse(order, "cancel a line of", order.stage)
    if line.status is LineStatus.CANCELLED:
        _refuse(order, f"cancel line {line.id!r} (already cancelled) of", order.stage)
    return _replace_line(order, evolve(line, status=LineStatus.CANCELLED)), ()


def cancel_order(
    order: ServiceOrder, *, tree: StageTree, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Cancel the whole order: every created line becomes cancelled (D365 O3).

    Refused when the stage does not allow cancelling, when the order is already posted
    (every line posted or cancelled, at least one posted) and when no line is created (an
    empty or already cancelled order). Posted lines stay posted.
    """
    check_type(order, ServiceOrder, "order")
    when = to_instant(at, "at")
    check_type(tree, StageTree, "tree")
    stage = tree.stage(order.stage)
    if not stage.can_cancel:
        _refuse(order, "cancel", order.stage)
    if order.lines and order.state is OrderProgress.POSTED:
        raise InvalidTransitionError(
            f"order: cannot cancel service order {order.id!r}: it is posted",
            entity="service order",
            id=order.id,
            state=order.state.value,
            action="cancel",
        )
    created = tuple(ln.id for ln in order.lines if ln.status is LineStatus.CREATED)
    if not created:
        raise InvalidTransitionError(
            f"order: cannot cancel service order {order.id!r}: it has no created line"
            " (allowed: an order with at least one created line)",
            entity="service order",
            id=order.id,
            state=order.state.value,
            action="cancel",
        )
    lines = tuple(
        evolve(ln, status=LineStatus.CANCELLED) if ln.status is LineStatus.CREATED else ln
        for ln in order.lines
    )
    event = ServiceOrderCancelled(
        aggregate_id=order.id, company_id=order.company_id, occurred_at=when, line_ids=created
    )
    return evolve(order, lines=lines), (event,)


def revoke_line(
    order: ServiceOrder, line_id: str, *, tree: StageTree, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Revoke a cancellation: a cancelled line is created again."""
    check_type(order, ServiceOrder, "order")
    to_instant(at, "at")
    _check_modifiable(order, tree, "revoke a line of")
    line = order.line(line_id)
    if line.status is not LineStatus.CANCELLED:
        _refuse(order, f"revoke line {line.id!r} ({line.status.value}) of", order.stage)
    return _replace_line(order, evolve(line, status=LineStatus.CREATED)), ()


def delete_line(
    order: ServiceOrder, line_id: str, *, tree: StageTree, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Delete a line that is not posted (the stage must allow deleting)."""
    check_type(order, ServiceOrder, "order")
    check_type(tree, StageTree, "tree")
    to_instant(at, "at")
    line = order.line(line_id)
    _not_posted(order, line, "delete")
    if not tree.stage(order.stage).can_delete:
        _refuse(order, "delete a line of", order.stage)
    return evolve(order, lines=tuple(ln for ln in order.lines if ln.id != line.id)), ()


def move_line(
    source: ServiceOrder,
    target: ServiceOrder,
    line_id: str,
    *,
    tree: StageTree,
    at: object,
) -> tuple[ServiceOrder, ServiceOrder]:
    """Move a created line from ``source`` to ``target`` (same agreement, same currency,
    both orders in stages that can modify). Returns both changed orders."""
    check_type(source, ServiceOrder, "source")
    check_type(target, ServiceOrder, "target")
    to_instant(at, "at")
    if source.id == target.id:
        raise ValidationError(
            "target: a line is moved to another order",
            field="target",
            value=target.id,
            allowed="an order other than the source",
        )
    if source.agreement_id != target.agreement_id:
        raise BusinessRuleError(
            f"target: lines move only between orders of the same agreement; "
            f"source {source.id!r} has {source.agreement_id!r}, "
            f"target {target.id!r} has {target.agreement_id!r}",
            rule="move-same-agreement",
            entity="service order",
            id=target.id,
        )
    _check_modifiable(source, tree, "move a line from")
    _check_modifiable(target, tree, "move a line to")
    line = source.line(line_id)
    _not_posted(source, line, "move")
    if line.status is not LineStatus.CREATED:
        _refuse(source, f"move line {line.id!r} ({line.status.value}) of", source.stage)
    if any(ln.id == line.id for ln in target.lines):
        raise ValidationError(
            f"line_id: order {target.id!r} already has a line {line.id!r}",
            field="line_id",
            value=line.id,
            allowed="a line id not used on the target order",
        )
    _check_line_money(target, line)
    moved_from = evolve(source, lines=tuple(ln for ln in source.lines if ln.id != line.id))
    moved_to = evolve(target, lines=(*target.lines, line))
    return moved_from, moved_to


def sign_off_line(
    order: ServiceOrder, line_id: str, *, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Sign off one line that is not cancelled."""
    check_type(order, ServiceOrder, "order")
    to_instant(at, "at")
    line = order.line(line_id)
    if line.status is LineStatus.CANCELLED:
        _refuse(order, f"sign off cancelled line {line.id!r} of", order.stage)
    return _replace_line(order, evolve(line, signed_off=True)), ()


def sign_off_order(
    order: ServiceOrder, *, at: object
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Sign off the order: every line that is not cancelled must be signed off first."""
    check_type(order, ServiceOrder, "order")
    to_instant(at, "at")
    pending = [
        ln.id for ln in order.lines if ln.status is not LineStatus.CANCELLED and not ln.signed_off
    ]
    if pending:
        raise BusinessRuleError(
            f"order {order.id!r} cannot be signed off: lines {', '.join(pending)} are not",
            rule="sign-off-lines-first",
            entity="service order",
            id=order.id,
        )
    return evolve(order, signed_off=True), ()


def _line_problem(line: OrderLine) -> str | None:
    if line.quantity <= 0:
        return f"line {line.id!r}: quantity must be positive, got {line.quantity}"
    if line.transaction_type is TransactionType.HOUR and line.worker_id is None:
        return f"line {line.id!r}: an hour line needs a worker"
    return None


def post_order(
    order: ServiceOrder,
    *,
    tree: StageTree,
    at: object,
    transaction_types: Iterable[TransactionType] | None = None,
) -> tuple[ServiceOrder, tuple[DomainEvent, ...]]:
    """Post every eligible line at once: one journal record per transaction type.

    A line is eligible when it is created, signed off (or the whole order is) and of a
    selected transaction type (``None``: all); the stage must allow posting (O6, O7).
    Other lines are left as they are. Nothing is posted when any eligible line fails
    (quantity not positive, an hour line without a worker). Posted lines are read-only.
    """
    check_type(order, ServiceOrder, "order")
    check_type(tree, StageTree, "tree")
    when = to_instant(at, "at")
    if transaction_types is None:
        types = frozenset(TransactionType)
    else:
        types = frozenset(check_items(transaction_types, TransactionType, "transaction_types"))
    if not tree.stage(order.stage).can_post:
        _refuse(order, "post", order.stage)
    eligible = [
        ln
        for ln in order.lines
        if ln.status is LineStatus.CREATED
        and (ln.signed_off or order.signed_off)
        and ln.transaction_type in types
    ]
    if not eligible:
        raise BusinessRuleError(
            f"order {order.id!r} has no created, signed-off line of a selected type to post",
            rule="post-needs-lines",
            entity="service order",
            id=order.id,
        )
    problems = [p for p in (_line_problem(ln) for ln in eligible) if p is not None]
    if problems:
        raise BusinessRuleError(
            f"order {order.id!r} was not posted: " + "; ".join(problems),
            rule="post-all-or-nothing",
            entity="service order",
            id=order.id,
        )
    journal = []
    for kind in TransactionType:
        group = [ln for ln in eligible if ln.transaction_type is kind]
        if group:
            journal.append(
                JournalRecord(
                    order_id=order.id,
                    transaction_type=kind,
                    line_ids=tuple(ln.id for ln in group),
                    quantity=sum((ln.quantity for ln in group), Decimal(0)),
                    cost_amount=Money.sum((ln.cost_amount for ln in group), order.currency),
                    sales_amount=Money.sum((ln.sales_amount for ln in group), order.currency),
                )
            )
    posted_ids = {ln.id for ln in eligible}
    lines = tuple(
        evolve(ln, status=LineStatus.POSTED) if ln.id in posted_ids else ln for ln in order.lines
    )
    event = OrderLinesPosted(
        aggregate_id=order.id, company_id=order.company_id, occurred_at=when, journal=tuple(journal)
    )
    return evolve(order, lines=lines), (event,)
