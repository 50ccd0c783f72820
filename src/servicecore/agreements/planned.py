"""The planned orders of a compact plan, built one agreement at a time when first used.

:func:`~servicecore.agreements.plan_service_orders` returns a
:class:`~servicecore.agreements.plan.ServiceOrderPlan` whose ``orders`` is a
:class:`PlannedOrders` sequence over the integer rows of a
:class:`~servicecore.agreements.planning.CompactPlan`: getting the plan builds no order
object; iterating builds each agreement's orders when reached, indexing only the
agreement that holds the index; once built, they are kept. Building is cheap too: the
fields that do not change from one date to the next are computed once per agreement line,
the values are made by :func:`~servicecore.agreements.plan.slot_maker` constructors, and
every ``pendulum.Date`` is shared per day (:func:`date_of`).
"""

from __future__ import annotations

import datetime as _dt
import operator
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import pendulum

from servicecore.agreements.model import Agreement, AgreementLine, CombineBy
from servicecore.agreements.plan import PlannedOrder, make_planned_line, make_planned_order

if TYPE_CHECKING:
    from servicecore.agreements.planning import CompactPlan, Row, Run

__all__: list[str] = []

_DATES: dict[int, pendulum.Date] = {}
"""Date ordinal -> its ``pendulum.Date``, shared by every plan (dates are immutable)."""

_MAX_DATES = 100_000
"""Past this many distinct days the date cache starts over (it never grows unbounded)."""


def date_of(ordinal: int) -> pendulum.Date:
    """The ``pendulum.Date`` of a date ordinal, one shared object per day."""
    found = _DATES.get(ordinal)
    if found is None:
        if len(_DATES) >= _MAX_DATES:
            _DATES.clear()
        d = _dt.date.fromordinal(ordinal)
        found = _DATES[ordinal] = pendulum.Date(d.year, d.month, d.day)
    return found


def combine_value(agreement: Agreement, line: AgreementLine) -> str:
    """The combine key of ``line``'s planned lines: ``"<rule>:<value>"`` (``-`` for none)."""
    by = agreement.combine_by
    if by is CombineBy.TASK:
        value = line.service_task_id
    elif by is CombineBy.WORKER:
        value = line.worker_id
    elif by is CombineBy.OBJECT:
        value = line.service_object_id
    else:
        value = agreement.id
    return f"{by.value}:{value or '-'}"


def orders_of(
    agreement: Agreement, runs: Sequence[Run], placed: Sequence[Row]
) -> list[PlannedOrder]:
    """The planned orders of one agreement from its runs and placed rows: lines sharing
    combine key and service date form one order; orders by service date, then combine key;
    lines by calculated date, then agreement line id."""
    lines = agreement.lines
    if len(runs) > 1:  # runs in line id order: each order's lines then come sorted
        runs = sorted(runs, key=lambda r: lines[r[1]].id)
    agreement_id = agreement.id
    per_line: dict[int, tuple[str, tuple[Any, ...]]] = {}  # line index -> key, fixed fields

    def of_line(n: int) -> tuple[str, tuple[Any, ...]]:
        ln = lines[n]
        found = per_line[n] = (
            combine_value(agreement, ln),
            (
                agreement_id,
                ln.id,
                ln.transaction_type,
                ln.quantity,
                ln.cost_price,
                ln.sales_price,
                ln.worker_id,
                ln.service_object_id,
                ln.service_task_id,
                (ln.service_object_id,) if ln.service_object_id else (),
                ln.time_band,
            ),
        )
        return found

    # (service date, combine key) -> (calculated date, line id, fields, no open day)
    groups: dict[tuple[int, str], list[tuple[int, str, tuple[Any, ...], bool]]] = {}
    for _a, n, dates in runs:
        key, fields = per_line.get(n) or of_line(n)
        line_id = fields[1]
        for o in dates:
            found = groups.get((o, key))
            if found is None:
                groups[(o, key)] = [(o, line_id, fields, False)]
            else:
                found.append((o, line_id, fields, False))
    if placed:
        for _a, n, calculated, service, flag in placed:
            key, fields = per_line.get(n) or of_line(n)
            groups.setdefault((service, key), []).append((calculated, fields[1], fields, flag))
        for members in groups.values():
            members.sort(key=lambda m: (m[0], m[1]))  # calculated date, then line id
    shared = (
        agreement_id,
        agreement.customer_id,
        agreement.currency.code,
        agreement.project_id,
        agreement.sla_id,
        agreement.preferred_technician_id,
        agreement.service_manager_id,
    )
    make_line, make_order, dates_of = make_planned_line, make_planned_order, _DATES
    out: list[PlannedOrder] = []
    for service, key in sorted(groups):
        planned = tuple(
            [
                make_line(dates_of.get(c) or date_of(c), flag, *fields)
                for c, _id, fields, flag in groups[(service, key)]
            ]
        )
        out.append(make_order(key, dates_of.get(service) or date_of(service), planned, *shared))
    return out


class PlannedOrders(Sequence[PlannedOrder]):
    """The orders of a :class:`CompactPlan`, built per agreement on first use, then kept.

    An immutable sequence equal to (and hashing as) the tuple of its orders. ``len()``
    counts the orders without building them; iteration builds agreement after agreement;
    ``plan.orders[i]`` builds the one agreement holding ``i``.
    """

    __slots__ = ("_blocks", "_built", "_compact", "_counts", "_starts")

    def __init__(self, compact: CompactPlan) -> None:
        self._compact = compact
        self._blocks: list[tuple[int, list[Run], list[Row]]] | None = None
        self._built: dict[int, tuple[PlannedOrder, ...]] = {}
        self._counts: list[int] | None = None
        self._starts: list[int] | None = None

    def _by_agreement(self) -> list[tuple[int, list[Run], list[Row]]]:
        """(agreement index, runs, placed rows) per agreement that has any, in order."""
        blocks = self._blocks
        if blocks is None:
            found: dict[int, tuple[int, list[Run], list[Row]]] = {}
            for run in self._compact.runs:
                block = found.get(run[0])
                if block is None:
                    block = found[run[0]] = (run[0], [], [])
                block[1].append(run)
            for row in self._compact.placed:
                block = found.get(row[0])
                if block is None:
                    block = found[row[0]] = (row[0], [], [])
                block[2].append(row)
            blocks = self._blocks = [found[a] for a in sorted(found)]
        return blocks

    def _block(self, position: int) -> tuple[PlannedOrder, ...]:
        built = self._built.get(position)
        if built is None:
            a, runs, placed = self._by_agreement()[position]
            built = tuple(orders_of(self._compact.agreements[a], runs, placed))
            self._built[position] = built
        return built

    def _count(self, position: int) -> int:
        built = self._built.get(position)
        if built is not None:
            return len(built)
        a, runs, placed = self._by_agreement()[position]
        agreement = self._compact.agreements[a]
        lines = agreement.lines
        pairs = {(o, combine_value(agreement, lines[n])) for _a, n, dates in runs for o in dates}
        pairs.update((s, combine_value(agreement, lines[n])) for _a, n, _c, s, _f in placed)
        return len(pairs)

    def _offsets(self) -> list[int]:
        """Index of each agreement's first order (and the total at the end)."""
        starts = self._starts
        if starts is None:
            starts = [0]
            for position in range(len(self._by_agreement())):
                starts.append(starts[-1] + self._count(position))
            self._starts = starts
        return starts

    def _all(self) -> tuple[PlannedOrder, ...]:
        return tuple(self)

    def __len__(self) -> int:
        return self._offsets()[-1]

    def __iter__(self) -> Iterator[PlannedOrder]:
        for position in range(len(self._by_agreement())):
            yield from self._block(position)

    @overload
    def __getitem__(self, index: int) -> PlannedOrder: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[PlannedOrder, ...]: ...

    def __getitem__(self, index: int | slice) -> PlannedOrder | tuple[PlannedOrder, ...]:
        if isinstance(index, slice):
            return self._all()[index]
        i = operator.index(index)  # TypeError for what a tuple refuses too
        starts = self._offsets()
        size = starts[-1]
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("planned order index out of range")
        position = bisect_right(starts, i) - 1  # the last agreement starting at or before i
        return self._block(position)[i - starts[position]]

    def __reversed__(self) -> Iterator[PlannedOrder]:
        return reversed(self._all())

    def __contains__(self, value: object) -> bool:
        return any(order == value for order in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PlannedOrders):
            return other is self or self._all() == other._all()
        if isinstance(other, tuple):
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())
