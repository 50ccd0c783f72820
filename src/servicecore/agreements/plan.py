"""What order generation would create: the plan, a pure value shared by agreements and orders.

``plan_service_orders`` (in this package) computes a :class:`ServiceOrderPlan` without
touching storage; ``servicecore.orders`` commits one idempotently, keyed by
:attr:`PlannedLine.key` (agreement, agreement line, calculated date).

Plans of whole portfolios build many of these values, so the planner constructs them with
:func:`slot_maker` (the same values as the attrs ``__init__``, set through the slots) and
:attr:`PlannedLine.key` avoids ``json.dumps`` when it can (:func:`fast_index_key`).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs
import pendulum
from attrs import frozen

from servicecore.money import Money
from servicecore.ports import index_key

__all__ = ["PlannedLine", "PlannedOrder", "ServiceOrderPlan", "TransactionType"]


class TransactionType(enum.Enum):
    """What an agreement line or an order line charges: D365's transaction types."""

    HOUR = "hour"
    EXPENSE = "expense"
    ITEM = "item"
    FEE = "fee"


@frozen(kw_only=True)
class TimeBand:
    """A time-of-day band: the work starts after ``start_after`` and ends before
    ``end_before`` (local times, ``start_after < end_before``; agreement lines check it).

    Carried from an agreement line onto its planned lines and the order lines made of them.
    """

    start_after: _dt.time
    end_before: _dt.time


@frozen(kw_only=True)
class PlannedLine:
    """One order line generation would create for one occurrence of one agreement line."""

    agreement_id: str
    agreement_line_id: str
    calculated_date: pendulum.Date
    transaction_type: TransactionType
    quantity: Decimal
    cost_price: Money
    sales_price: Money
    worker_id: str | None = None
    service_object_id: str | None = None
    service_task_id: str | None = None
    no_open_day: bool = False
    """True when the line's time window held no open day of the business calendar."""
    relation_ids: tuple[str, ...] = ()
    """Object relations of the agreement line, copied onto the generated order."""
    time_band: TimeBand | None = None
    """The agreement line's time-of-day band, copied onto the generated order line."""

    @property
    def key(self) -> str:
        """The idempotency key: one generated order line per (agreement, line, date)."""
        return line_key(self.agreement_id, self.agreement_line_id, self.calculated_date)


def fast_index_key(*parts: str) -> str:
    """``index_key(*parts)``, the same text, without ``json.dumps`` when no part holds a
    backslash or a character that is not printable: JSON (``ensure_ascii=False``) then only
    escapes quotes. Generation makes one key per planned line and per order."""
    if not parts:
        return index_key()
    quoted = []
    for part in parts:
        if not isinstance(part, str) or not part.isprintable() or "\\" in part:
            return index_key(*parts)
        quoted.append(part.replace('"', '\\"') if '"' in part else part)
    return '["' + '","'.join(quoted) + '"]'


def line_key(agreement_id: str, agreement_line_id: str, day: _dt.date) -> str:
    """The key of a planned line: ``index_key(agreement_id, agreement_line_id,
    day.isoformat())``."""
    iso = day.isoformat()
    if (  # the usual ids: written as they are (what fast_index_key finds, sooner)
        type(agreement_id) is str
        and type(agreement_line_id) is str
        and agreement_id.isprintable()
        and agreement_line_id.isprintable()
        and '"' not in agreement_id
        and '"' not in agreement_line_id
        and "\\" not in agreement_id
        and "\\" not in agreement_line_id
    ):
        return f'["{agreement_id}","{agreement_line_id}","{iso}"]'
    return fast_index_key(agreement_id, agreement_line_id, iso)


@frozen(kw_only=True)
class PlannedOrder:
    """One service order generation would create: lines sharing a combine key."""

    agreement_id: str
    customer_id: str
    combine_key: str
    preferred_date: pendulum.Date
    currency: str
    lines: tuple[PlannedLine, ...]
    project_id: str | None = None
    sla_id: str | None = None
    preferred_technician_id: str | None = None
    service_manager_id: str | None = None


@frozen(kw_only=True)
class ServiceOrderPlan:
    """The orders to generate for a set of agreements over ``[start, end]`` (dates)."""

    start: pendulum.Date
    end: pendulum.Date
    orders: Sequence[PlannedOrder] = ()
    """The planned orders, by agreement, then service date and combine key. A plan made by
    :func:`~servicecore.agreements.plan_service_orders` builds them lazily, one agreement at
    a time when first used (iteration, indexing); the sequence equals (and hashes as) the
    tuple of its orders."""


def slot_maker(cls: type[Any], names: tuple[str, ...]) -> Callable[..., Any]:
    """A constructor of the frozen slotted attrs class ``cls`` taking every field
    positionally, in the order of ``names`` (any order of all the fields), and setting the
    slots through their descriptors: values equal to ``cls(...)``'s at about half the cost
    (the generated ``__init__`` goes through ``object.__setattr__`` by name). Refused (at
    import) unless ``names`` are exactly the class's fields, none with a validator or a
    converter, and the class has no post-init hook, so that it cannot drift from the attrs
    ``__init__``. Used where plans build values by the hundred thousand; the function is
    generated the way attrs generates ``__init__``."""
    fields = attrs.fields(cls)
    plain = all(f.validator is None and f.converter is None for f in fields)
    same = sorted(f.name for f in fields) == sorted(names) and len(set(names)) == len(names)
    if not same or not plain or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__}: its fields changed, update its maker")
    if any(name.startswith("_") for name in names):  # the generated code's own names
        raise TypeError(f"{cls.__name__}: a field name starts with '_'")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = ["    _obj = _new(_cls)\n"]
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
        body.append(f"    _set{i}(_obj, {name})\n")
    source = f"def make({', '.join(names)}):\n{''.join(body)}    return _obj\n"
    exec(compile(source, f"<slot maker of {cls.__qualname__}>", "exec"), namespace)
    make: Callable[..., Any] = namespace["make"]
    return make


_PLANNED_LINE_FIELDS = (
    "calculated_date",
    "no_open_day",
    "agreement_id",
    "agreement_line_id",
    "transaction_type",
    "quantity",
    "cost_price",
    "sales_price",
    "worker_id",
    "service_object_id",
    "service_task_id",
    "relation_ids",
    "time_band",
)
_PLANNED_ORDER_FIELDS = (
    "combine_key",
    "preferred_date",
    "lines",
    "agreement_id",
    "customer_id",
    "currency",
    "project_id",
    "sla_id",
    "preferred_technician_id",
    "service_manager_id",
)
make_planned_line: Callable[..., PlannedLine] = slot_maker(PlannedLine, _PLANNED_LINE_FIELDS)
"""``PlannedLine(...)`` with every field positionally, in :data:`_PLANNED_LINE_FIELDS` order:
what changes per date first, then what an agreement line fixes."""
make_planned_order: Callable[..., PlannedOrder] = slot_maker(PlannedOrder, _PLANNED_ORDER_FIELDS)
"""``PlannedOrder(...)`` with every field positionally, in :data:`_PLANNED_ORDER_FIELDS`
order: what changes per order first, then what the agreement fixes."""
