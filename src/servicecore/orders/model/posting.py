"""Posting an order: every eligible line at once, one journal record per type."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from attrs import evolve

from servicecore.agreements.plan import TransactionType
from servicecore.clock import to_instant
from servicecore.errors import (
    BusinessRuleError,
)
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders.model.commands import _refuse
from servicecore.orders.model.order import (
    JournalRecord,
    LineStatus,
    OrderLine,
    OrderLinesPosted,
    ServiceOrder,
)
from servicecore.orders.model.stages import StageTree
from servicecore.ports import (
    check_items,
    check_type,
)

__all__ = [
    "post_order",
]


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
