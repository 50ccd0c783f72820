"""The invoice schedule: planning and generating the fees of a range or of the fees
due, gap filling, the hand-set next invoice date, and cancellation."""

from __future__ import annotations

import datetime as _dt
import enum

import pendulum
from attrs import evolve, frozen

from servicecore.clock import to_date
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.recurrence import Period
from servicecore.subscriptions.billing.ledger import (
    _corrections,
    _ledger,
    _remember,
)
from servicecore.subscriptions.billing.valuation import (
    _FAR,
    _gaps,
    _money,
    _ord,
    _pd,
    _target,
)
from servicecore.subscriptions.model import (
    LIFECYCLE,
    Billing,
    Fee,
    FeeKind,
    Subscription,
    SubscriptionCancelled,
    SubscriptionStatus,
    _check_not_final,
    _clock,
    check_subscription,
)
from servicecore.subscriptions.patterns import is_fast, plan_regular

__all__ = [
    "CancelMode",
    "FeePlan",
    "FeesGenerated",
    "NextInvoiceDateSet",
    "cancel",
    "generate_due_fees",
    "generate_fees",
    "next_invoice_date",
    "plan_due_fees",
    "plan_fees",
    "set_next_invoice_date",
]


class CancelMode(enum.Enum):
    IMMEDIATE = "immediate"
    """Service stops on the cancellation date (``on`` is the first unbilled day)."""
    END_OF_TERM = "end_of_term"
    """Service runs to the end of the billing period containing ``on``."""
    ON_DATE = "on_date"
    """Service stops on a chosen ``effective`` date (exclusive end)."""


@frozen(kw_only=True)
class FeesGenerated(DomainEvent):
    fee_ids: tuple[str, ...]
    total: Money


@frozen(kw_only=True)
class NextInvoiceDateSet(DomainEvent):
    on: pendulum.Date
    boundary: pendulum.Date
    """The period boundary the invoice on ``on`` belongs to (a start in advance, an end
    in arrears)."""


@frozen
class FeePlan:
    """The fees a run would add (a preview until applied with :func:`generate_fees`).

    ``complete`` is False when ``limit`` cut a catch-up short: run again for the rest.
    """

    fees: tuple[Fee, ...]
    complete: bool = True

    def total(self, currency: str) -> Money:
        return Money.sum((f.amount for f in self.fees), currency)


def _check_not_draft(sub: Subscription) -> None:
    check_subscription(sub)
    if sub.status is SubscriptionStatus.DRAFT:
        raise BusinessRuleError(
            f"subscription {sub.id!r} is a draft: activate it before generating fees (S1)",
            rule="S1",
            entity="subscription",
            id=sub.id,
        )


_PLAIN_DATES = (_dt.date, pendulum.Date)


def _day(value: object, param: str) -> int:
    """``to_date(value, param).toordinal()`` without building a ``pendulum.Date``."""
    if type(value) in _PLAIN_DATES and 1 < value.year < 9999:  # type: ignore[attr-defined]
        return value.toordinal()  # type: ignore[attr-defined, no-any-return]
    return to_date(value, param).toordinal()


def plan_fees(
    sub: Subscription,
    start: _dt.date,
    end: _dt.date,
    *,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> FeePlan:
    """Preview the fees a generation run over ``[start, end)`` would add; no side effects.

    * One REGULAR fee per billing period meeting the range, clipped to the billing span
      (leading and trailing partial periods are prorated). Days already covered by a fee
      are never billed twice: a rerun, or an overlapping range, adds nothing, and a
      partly covered period gets a fee for the uncovered days only (S3 gap filling).
    * ``continuous=True`` only extends after the latest existing REGULAR fee: if
      ``start`` precedes its end nothing new is created, otherwise the fees start right
      at that end, so no gap is left (S3).
    * Every issued REGULAR fee whose value changed (price change, suspension,
      cancellation) gets an ADJUSTMENT or CREDIT dated ``as_of`` (issued fees are never
      rewritten).
    * ``limit`` bounds a catch-up to that many new REGULAR fees, earliest first.
    """
    _check_not_draft(sub)
    lo_req = _day(start, "start")
    hi_req = _day(end, "end")
    if hi_req <= lo_req:
        raise ValidationError(
            f"the range [{start}, {end}) is empty", field="end", allowed="end after start"
        )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationError(f"limit {limit!r} must be a positive int", field="limit")
    as_of_o = None if as_of is None else to_date(as_of, "as_of").toordinal()
    if is_fast(sub):  # no fee issued yet: nothing covered, nothing to correct
        fees, complete = plan_regular(sub, lo_req, hi_req, limit)
        return FeePlan(fees, complete)
    ledger = _ledger(sub)
    covered = ledger.covered
    lo = lo_req
    skip = False
    latest = ledger.latest
    if continuous and latest is not None:
        if lo_req < latest:
            skip = True
        else:
            lo = latest
    bstart = _ord(sub.billing_start)
    bend = _ord(sub.end) if sub.end is not None else _FAR
    lo, hi = max(lo, bstart), min(hi_req, bend)
    new: list[Fee] = []
    complete = True
    if not skip and lo < hi:
        b = sub.recurrence.boundaries_ordinal(lo, hi)
        advance = sub.billing is Billing.IN_ADVANCE
        shift = sub.invoice_shift
        manual = sub.manual_invoice_date
        anchor = None if manual is None else _ord(manual) - shift
        for i in range(len(b) - 1):
            ps, pe = b[i], b[i + 1]
            if ps >= hi:
                break
            cs, ce = max(ps, bstart), min(pe, bend)
            if cs >= ce:
                continue
            full = Period.from_ordinals(ps, pe)
            for gs, ge in _gaps(cs, ce, covered, ledger.reach):
                if limit is not None and len(new) >= limit:
                    complete = False
                    break
                amount = _target(sub, (gs, ge), (ps, pe))
                invoice = (gs if advance else ge) + shift
                if anchor is not None and manual is not None and gs < anchor:
                    # Days the hand-set date skipped: caught up on that invoice.
                    invoice = max(invoice, _ord(manual))
                new.append(
                    Fee(
                        id=f"{sub.id}/R/{_pd(gs).isoformat()}",
                        subscription_id=sub.id,
                        kind=FeeKind.REGULAR,
                        period=Period.from_ordinals(gs, ge),
                        full_period=full,
                        amount=_money(amount, sub),
                        invoice_date=_pd(invoice),
                    )
                )
            if not complete:
                break
    corrections = _corrections(sub, as_of_o, sub.fees)
    return FeePlan((*new, *corrections), complete)


def generate_fees(
    sub: Subscription,
    start: _dt.date,
    end: _dt.date,
    *,
    at: _dt.datetime,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply :func:`plan_fees`: the fees join the ledger (idempotent: a rerun adds none)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    plan = plan_fees(sub, start, end, as_of=as_of, continuous=continuous, limit=limit)
    return _generate(sub, plan, at=at)


def _generate(
    sub: Subscription, plan: FeePlan, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply ``plan``, made by :func:`plan_fees` from ``sub`` as it is: the ledger is then
    settled (every REGULAR fee worth what was issued for it)."""
    new, events = _apply_plan(sub, plan, at=at)
    _remember(new)
    return new, events


def plan_due_fees(sub: Subscription, on: _dt.date, *, as_of: _dt.date | None = None) -> FeePlan:
    """Preview the fees invoiced on or before ``on`` that are not issued yet: every
    REGULAR fee of the schedule whose invoice date (with the group's lead time and offset,
    or the hand-set next invoice date) is on or before ``on``, plus the corrections
    :func:`plan_fees` makes, dated ``as_of`` (``on`` by default).

    Run it every day (or every week): a period billed in advance with a lead time of 10
    days is issued 10 days before it starts.
    """
    _check_not_draft(sub)
    o = to_date(on, "on").toordinal()
    lo = _ord(sub.billing_start)
    hi = max(o - sub.invoice_shift + 1, lo + 1)
    day = _pd(o) if as_of is None else as_of
    plan = plan_fees(sub, _pd(lo), _pd(hi), as_of=day)
    due = tuple(f for f in plan.fees if f.kind is not FeeKind.REGULAR or _ord(f.invoice_date) <= o)
    return FeePlan(due, plan.complete)


def generate_due_fees(
    sub: Subscription, on: _dt.date, *, at: _dt.datetime, as_of: _dt.date | None = None
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply :func:`plan_due_fees` (idempotent: a rerun adds none)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    plan = plan_due_fees(sub, on, as_of=as_of)
    return _generate(sub, plan, at=at)


def set_next_invoice_date(
    sub: Subscription, on: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Set the next invoice date by hand; the schedule then follows it.

    The invoice dated ``on`` bills the period that starts (in advance) or ends (in
    arrears) on the boundary ``on`` less the invoice shift (offset, lead time); periods
    follow from that boundary by the invoice interval. Days not billed before it are
    caught up on the same invoice: a fee prorated over the period of the new schedule they
    fall in, dated ``on``. The boundary may not fall inside days already billed, nor before
    the billing start or on or after the end.
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    day = to_date(on, "on")
    _check_not_final(sub, "set the next invoice date of")
    anchor = day.toordinal() - sub.invoice_shift
    regular = [_ord(f.end) for f in sub.fees if f.kind is FeeKind.REGULAR]
    billed = max([_ord(sub.billing_start), *regular])
    if anchor < billed:
        raise BusinessRuleError(
            f"an invoice on {day} bills a period from {_pd(anchor)}, but subscription "
            f"{sub.id!r} is billed through {_pd(billed - 1)}: choose a date whose period "
            f"starts on or after {_pd(billed)}",
            entity="subscription",
            id=sub.id,
        )
    if sub.end is not None and anchor >= _ord(sub.end):
        raise BusinessRuleError(
            f"an invoice on {day} bills a period from {_pd(anchor)}, on or after the end "
            f"{sub.end} of subscription {sub.id!r}",
            entity="subscription",
            id=sub.id,
        )
    event = NextInvoiceDateSet(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        on=day,
        boundary=_pd(anchor),
    )
    return evolve(sub, manual_invoice_date=day), (event,)


def _apply_plan(
    sub: Subscription, plan: FeePlan, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """The planned fees join the ledger (a plan of this ledger, made by :func:`plan_fees`)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    if not plan.fees:
        return sub, ()
    event = FeesGenerated(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_ids=tuple(f.id for f in plan.fees),
        total=plan.total(sub.currency.code),
    )
    return evolve(sub, fees=(*sub.fees, *plan.fees)), (event,)


def cancel(
    sub: Subscription,
    mode: CancelMode,
    on: _dt.date,
    *,
    at: _dt.datetime,
    effective: _dt.date | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Cancel: the end date moves to ``on`` (IMMEDIATE), to the end of the billing period
    containing ``on`` (END_OF_TERM) or to ``effective`` (ON_DATE), never later than an
    existing end. Paid days after the new end are credited at once (CREDIT fees dated
    ``on``), so credit + used == paid for every fee."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    if not isinstance(mode, CancelMode):
        raise ValidationError(
            f"mode must be a CancelMode, not {mode!r}",
            field="mode",
            allowed=", ".join(m.name for m in CancelMode),
        )
    day = to_date(on, "on")
    status = LIFECYCLE.apply(sub.status, "cancel", id=sub.id)
    if mode is CancelMode.IMMEDIATE:
        new_end = day
    elif mode is CancelMode.END_OF_TERM:
        ref = max(day, sub.billing_start)
        new_end = sub.recurrence.period_containing(ref).end
    else:
        if effective is None:
            raise ValidationError(
                "ON_DATE cancellation needs effective=", field="effective", allowed="a date"
            )
        new_end = to_date(effective, "effective")
    new_end = max(new_end, sub.start)
    if sub.end is not None:
        new_end = min(new_end, sub.end)
    changed = evolve(sub, status=status, end=new_end)
    credits = _corrections(changed, day.toordinal(), changed.fees)
    done = evolve(changed, fees=(*changed.fees, *credits))
    _remember(done)
    event = SubscriptionCancelled(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        end=new_end,
        credits=tuple(f.id for f in credits),
    )
    return done, (event,)


def next_invoice_date(sub: Subscription, on: _dt.date) -> pendulum.Date:
    """The first invoice date of ``sub``'s regular schedule on or after ``on``.

    In advance that is the start of the next (clipped) billing period, in arrears the day
    after the current one ends. When the schedule has no invoice left from ``on`` (the
    subscription ended), ``on`` itself: the credit goes on a note of its own.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import SubscriptionGroup, create_subscription
    >>> clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    >>> sub, _ = create_subscription(company_id="ACME", id="S1",
    ...     group=SubscriptionGroup(company_id="ACME", id="M"), customer_id="C1",
    ...     price=Money.of("10.00", "EUR"), start=dt.date(2024, 1, 15), at=clock.now())
    >>> str(next_invoice_date(sub, dt.date(2024, 6, 5)))
    '2024-06-15'
    """
    check_subscription(sub)
    o = to_date(on, "on").toordinal()
    manual = sub.manual_invoice_date
    shift = sub.invoice_shift
    if manual is not None and o <= _ord(manual):
        bound = _ord(manual) - shift
        end = _ord(sub.end) if sub.end is not None else _FAR
        if bound < end or (sub.billing is Billing.IN_ARREARS and bound == end):
            return manual
    base = _next_base(sub, o - shift)
    return _pd(o) if base is None else _pd(base + shift)


def _next_base(sub: Subscription, o: int) -> int | None:
    """The first base date (period start in advance, period end in arrears) on or after
    ordinal ``o``, or ``None`` when the schedule has none left."""
    bstart = _ord(sub.billing_start)
    bend = _ord(sub.end) if sub.end is not None else _FAR
    if sub.billing is Billing.IN_ADVANCE:
        if o <= bstart:
            return bstart
        frm = o
    else:
        frm = max(o, bstart + 1)
    if frm < bend:
        nxt = _ord(sub.recurrence.first_on_or_after(_pd(frm)))
        if nxt < bend:
            return nxt
    if sub.billing is Billing.IN_ARREARS and o <= bend < _FAR:
        return bend
    return None
