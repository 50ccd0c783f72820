"""``plan_service_orders``: what order generation would create, computed without storage.

The algorithm (domain notes 1.3, made deterministic):

1. Suspended, cancelled and template agreements give nothing; neither do stopped lines and
   lines whose transaction type is not selected.
2. A line's effective period is the request ``[start, end]`` intersected with the
   agreement's and the line's validity (open ends do not restrict).
3. Its calculated dates are ``line start + k * interval`` (``k >= 0``; the agreement start
   when the line has none) inside the effective period, found by jumping straight to the
   period with :class:`~servicecore.recurrence.Recurrence` (never by walking from the
   start). A line without interval is due once, on its start.
4. Without ``continuous``, dates up to the line's ``generated_through`` are skipped; with
   it, they are planned again (the commit skips those that exist: back-fill).
5. Each date gives one :class:`PlannedLine`. Lines of one agreement sharing the combine
   value (agreement, task, worker or object) and the service date form one order. Without a
   time window the service date is the calculated date. With one, a line may move to any
   day of its window (clipped to the effective period) that is open in ``calendar``; the
   lines of a combine group are placed greedily, earliest window end first, on the allowed
   day that the most still-unplaced lines allow (ties: the calculated date, then the
   earliest day), so that the most lines share the fewest orders.
6. A line whose window holds no open day stays on its calculated date with
   ``no_open_day=True`` (the order is still created). Without a calendar every day is open.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import pendulum

from servicecore.agreements.model import Agreement, AgreementLine, CombineBy
from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan, TransactionType
from servicecore.calendars import BusinessCalendar
from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.ports import check_items, check_type
from servicecore.recurrence import Recurrence

__all__ = ["MAX_PLAN_DAYS", "plan_service_orders"]

MAX_PLAN_DAYS = 3660
"""The longest range one plan may cover (about ten years); split longer ones."""

_MAX_ORDINAL = _dt.date.max.toordinal()


class _OpenDays:
    """Which dates are open in a calendar (a date with any working time), cached."""

    def __init__(self, calendar: BusinessCalendar | None) -> None:
        self.calendar = calendar
        self.cache: dict[int, bool] = {}

    def is_open(self, ordinal: int) -> bool:
        if self.calendar is None:
            return True
        found = self.cache.get(ordinal)
        if found is None:
            day = _dt.date.fromordinal(ordinal)
            zone = pendulum.timezone(self.calendar.timezone)
            lo = pendulum.datetime(day.year, day.month, day.day, tz=zone)
            found = bool(self.calendar.open_intervals(lo, lo.add(days=1)))
            self.cache[ordinal] = found
        return found


def _combine_value(agreement: Agreement, line: AgreementLine) -> str:
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


def _window(line: AgreementLine, ordinal: int, lo: int, hi: int) -> tuple[int, int]:
    if line.time_window is None:
        return ordinal, ordinal
    a, b = line.time_window.range_for(_pdate(ordinal))
    return max(a.toordinal(), lo), min(b.toordinal(), hi)


def _pdate(ordinal: int) -> pendulum.Date:
    d = _dt.date.fromordinal(ordinal)
    return pendulum.Date(d.year, d.month, d.day)


def _occurrences(line: AgreementLine, anchor: pendulum.Date, lo: int, hi: int) -> list[int]:
    if line.interval is None:
        a = anchor.toordinal()
        return [a] if lo <= a <= hi else []
    rec = Recurrence(line.interval, anchor)
    k = rec.index_on_or_before_ordinal(lo)
    occ = rec.occurrence_ordinal
    o = occ(k)
    if o < lo:
        k += 1
        o = occ(k)
    out = []
    while o <= hi:
        out.append(o)
        k += 1
        if o >= _MAX_ORDINAL - 400 * 366:  # next occurrence may leave the calendar
            try:
                o = occ(k)
            except ValidationError:
                break
        else:
            o = occ(k)
    return out


def _check_range(start: object, end: object) -> tuple[pendulum.Date, pendulum.Date]:
    first = to_date(start, "start")
    last = to_date(end, "end")
    if last < first:
        raise ValidationError(
            f"end: the range ends on {last}, before its start {first}",
            field="end",
            value=last,
            allowed=f"a date on or after {first}",
        )
    days = (last - first).in_days() + 1
    if days > MAX_PLAN_DAYS:
        raise ValidationError(
            f"end: a plan covers at most {MAX_PLAN_DAYS} days, got {days}",
            field="end",
            value=last,
            allowed=f"at most {MAX_PLAN_DAYS} days from the start (MAX_PLAN_DAYS)",
        )
    return first, last


def plan_service_orders(
    agreements: Iterable[Agreement],
    start: object,
    end: object,
    *,
    transaction_types: Iterable[TransactionType] | None = None,
    calendar: BusinessCalendar | None = None,
    continuous: bool = False,
) -> ServiceOrderPlan:
    """The orders generation would create for ``agreements`` over ``[start, end]``
    (inclusive dates); pure, nothing is stored. See the module text for the rules."""
    items = check_items(agreements, Agreement, "agreements", "a list of Agreement")
    first, last = _check_range(start, end)
    if transaction_types is None:
        types = frozenset(TransactionType)
    else:
        types = frozenset(check_items(transaction_types, TransactionType, "transaction_types"))
        if not types:
            raise ValidationError(
                "transaction_types: select at least one transaction type",
                field="transaction_types",
                value=transaction_types,
                allowed="None (all) or a non-empty list of TransactionType",
            )
    if calendar is not None:
        check_type(calendar, BusinessCalendar, "calendar", "a BusinessCalendar or None")
    if not isinstance(continuous, bool):
        raise ValidationError(
            f"continuous: expected True or False, got {continuous!r}",
            field="continuous",
            value=continuous,
            allowed="True or False",
        )
    seen: set[str] = set()
    for agreement in items:
        if agreement.id in seen:
            raise ValidationError(
                f"agreements: agreement {agreement.id!r} is listed twice",
                field="agreements",
                value=agreement.id,
                allowed="each agreement once",
            )
        seen.add(agreement.id)
    open_days = _OpenDays(calendar)
    orders: list[PlannedOrder] = []
    req_lo, req_hi = first.toordinal(), last.toordinal()
    for agreement in items:
        orders.extend(_plan_agreement(agreement, req_lo, req_hi, types, continuous, open_days))
    return ServiceOrderPlan(start=first, end=last, orders=tuple(orders))


_Occ = tuple[AgreementLine, int, int, int, str]  # line, calculated, window lo, hi, combine


def _plan_agreement(
    agreement: Agreement,
    req_lo: int,
    req_hi: int,
    types: frozenset[TransactionType],
    continuous: bool,
    open_days: _OpenDays,
) -> list[PlannedOrder]:
    if agreement.suspended or agreement.cancelled or agreement.template_group_id is not None:
        return []
    lo = max(req_lo, agreement.start.toordinal())
    hi = req_hi if agreement.end is None else min(req_hi, agreement.end.toordinal())
    if hi < lo:
        return []
    occs: list[_Occ] = []
    windowed = False
    for line in agreement.lines:
        if line.stopped or line.transaction_type not in types:
            continue
        line_lo = lo if line.start is None else max(lo, line.start.toordinal())
        line_hi = hi if line.end is None else min(hi, line.end.toordinal())
        if line_hi < line_lo:
            continue
        from_lo = line_lo
        if not continuous and line.generated_through is not None:
            from_lo = max(line_lo, line.generated_through.toordinal() + 1)
        anchor = line.start if line.start is not None else agreement.start
        key = _combine_value(agreement, line)
        if line.time_window is not None:
            windowed = True
        for o in _occurrences(line, anchor, from_lo, line_hi):
            w_lo, w_hi = _window(line, o, line_lo, line_hi)
            occs.append((line, o, w_lo, w_hi, key))
    if not occs:
        return []
    placed = _place(occs, open_days) if windowed or open_days.calendar else _on_date(occs)
    return _orders(agreement, placed)


def _on_date(occs: list[_Occ]) -> dict[tuple[str, int], list[tuple[_Occ, bool]]]:
    groups: dict[tuple[str, int], list[tuple[_Occ, bool]]] = {}
    for occ in occs:
        groups.setdefault((occ[4], occ[1]), []).append((occ, False))
    return groups


def _place(
    occs: list[_Occ], open_days: _OpenDays
) -> dict[tuple[str, int], list[tuple[_Occ, bool]]]:
    groups: dict[tuple[str, int], list[tuple[_Occ, bool]]] = {}
    by_key: dict[str, list[tuple[_Occ, tuple[int, ...]]]] = {}
    for occ in occs:
        allowed = tuple(d for d in range(occ[2], occ[3] + 1) if open_days.is_open(d))
        if not allowed:  # no open day in the window: stay on the calculated date, flagged
            groups.setdefault((occ[4], occ[1]), []).append((occ, True))
            continue
        by_key.setdefault(occ[4], []).append((occ, allowed))
    for key, pending in by_key.items():
        pending.sort(key=lambda p: (p[0][3], p[0][1], p[0][0].id))
        done = [False] * len(pending)
        for i, (occ, allowed) in enumerate(pending):
            if done[i]:
                continue
            best: tuple[int, int, int] | None = None
            best_day = allowed[0]
            for day in allowed:
                count = 0
                exact = 0
                for j in range(i, len(pending)):
                    if done[j]:
                        continue
                    other, other_allowed = pending[j]
                    if other[2] > occ[3]:
                        continue
                    if other[2] <= day <= other[3] and day in other_allowed:
                        count += 1
                        exact += other[1] == day
                score = (count, exact, -day)
                if best is None or score > best:
                    best, best_day = score, day
            for j in range(i, len(pending)):
                other, other_allowed = pending[j]
                if not done[j] and other[2] <= best_day <= other[3] and best_day in other_allowed:
                    done[j] = True
                    groups.setdefault((key, best_day), []).append((other, False))
    return groups


def _orders(
    agreement: Agreement, groups: dict[tuple[str, int], list[tuple[_Occ, bool]]]
) -> list[PlannedOrder]:
    orders = []
    currency = agreement.currency.code
    for (key, day), members in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0])):
        members.sort(key=lambda m: (m[0][1], m[0][0].id))
        lines = tuple(
            PlannedLine(
                agreement_id=agreement.id,
                agreement_line_id=line.id,
                calculated_date=_pdate(calculated),
                transaction_type=line.transaction_type,
                quantity=line.quantity,
                cost_price=line.cost_price,
                sales_price=line.sales_price,
                worker_id=line.worker_id,
                service_object_id=line.service_object_id,
                service_task_id=line.service_task_id,
                no_open_day=flag,
                relation_ids=(line.service_object_id,) if line.service_object_id else (),
            )
            for (line, calculated, _lo, _hi, _key), flag in members
        )
        orders.append(
            PlannedOrder(
                agreement_id=agreement.id,
                customer_id=agreement.customer_id,
                combine_key=key,
                preferred_date=_pdate(day),
                currency=currency,
                lines=lines,
                project_id=agreement.project_id,
                sla_id=agreement.sla_id,
                preferred_technician_id=agreement.preferred_technician_id,
                service_manager_id=agreement.service_manager_id,
            )
        )
    return orders
