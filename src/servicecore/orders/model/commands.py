"""Order commands: create, add, cancel, revoke, delete, move lines, stages, sign-off."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal

from attrs import evolve

from servicecore.agreements.plan import TimeBand, TransactionType
from servicecore.clock import to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.orders.model.order import (
    LineStatus,
    OrderLine,
    OrderProgress,
    OrderStageChanged,
    ServiceOrder,
    ServiceOrderCancelled,
    StageChange,
)
from servicecore.orders.model.stages import Stage, StageTree
from servicecore.ports import (
    check_id,
    check_type,
)

__all__ = [
    "add_line",
    "cancel_line",
    "cancel_order",
    "change_stage",
    "delete_line",
    "move_line",
    "new_service_order",
    "revoke_line",
    "sign_off_line",
    "sign_off_order",
]


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
    _check_line_values(order, line)
    return evolve(order, lines=(*order.lines, line)), ()


def _check_line_values(order: ServiceOrder, line: OrderLine) -> None:
    """What a new line's values must be on ``order``: a transaction type, prices in the
    order's currency and not negative, a finite quantity, a valid time band (or none)."""
    check_type(line.transaction_type, TransactionType, "line.transaction_type")
    _check_line_money(order, line)
    _check_band(line.time_band)


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

    A target stage that ``requires_reason`` needs a non-empty ``reason``. The stage log is
    in time order: a move dated before the order's last one is refused.
    """
    check_type(order, ServiceOrder, "order")
    check_type(tree, StageTree, "tree")
    when = to_instant(at, "at")
    if order.stage_log and when < order.stage_log[-1].at:
        last = order.stage_log[-1]
        raise ValidationError(
            f"at {when} precedes the order's last stage change ({last.to_stage!r} at {last.at})",
            field="at",
            value=when,
            allowed=f"an instant on or after {last.at}",
        )
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
