"""Changes to issued fees made by hand: reduction days, price reductions, SLA service
credits and one-off NON_REGULAR fees."""

from __future__ import annotations

import datetime as _dt

from attrs import evolve, frozen

from servicecore.clock import to_date
from servicecore.errors import BusinessRuleError, CurrencyMismatchError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.recurrence import Period
from servicecore.subscriptions.billing.schedule import (
    FeesGenerated,
    _check_not_draft,
)
from servicecore.subscriptions.billing.valuation import (
    _NOT_LOWERED,
    _billable,
    _lowered,
    _money,
    _ord,
    _value,
    _worth,
)
from servicecore.subscriptions.model import (
    Fee,
    FeeKind,
    Proration,
    ServiceCreditLike,
    Subscription,
    _clock,
    check_subscription,
)
from servicecore.subscriptions.patterns import round_half_up

__all__ = [
    "DaysReduced",
    "PriceReduced",
    "ServiceCreditAdded",
    "add_non_regular_fee",
    "add_service_credit",
    "reduce_days",
    "reduce_price",
]


@frozen(kw_only=True)
class DaysReduced(DomainEvent):
    fee_id: str
    reduction: Period
    amount: Money


@frozen(kw_only=True)
class PriceReduced(DomainEvent):
    fee_id: str
    reduced_fee_id: str
    amount: Money


@frozen(kw_only=True)
class ServiceCreditAdded(DomainEvent):
    fee_id: str
    amount: Money
    reference: str


def reduce_days(
    sub: Subscription,
    fee_id: str,
    first_day: _dt.date,
    last_day: _dt.date,
    *,
    at: _dt.datetime,
    on: _dt.date | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """S7: a REDUCTION_DAYS fee ``-price * days / days_in_period`` (currency-rounded) for
    the inclusive days ``first_day..last_day``, clipped to the fee's period.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import (SubscriptionGroup, activate,
    ...     create_subscription, generate_fees)
    >>> clock = FixedClock(dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    >>> group = SubscriptionGroup(company_id="ACME", id="MONTHLY")
    >>> sub, _ = create_subscription(company_id="ACME", id="S1", group=group,
    ...     customer_id="C1", price=Money.of("200.00", "EUR"), start=dt.date(2024, 3, 1),
    ...     at=clock.now())
    >>> sub, _ = activate(sub, at=clock.now())
    >>> sub, _ = generate_fees(sub, dt.date(2024, 3, 1), dt.date(2024, 4, 1), at=clock.now())
    >>> sub, _ = reduce_days(sub, sub.fees[0].id, dt.date(2024, 3, 10), dt.date(2024, 3, 11),
    ...                      at=clock.now())
    >>> [str(f.amount) for f in sub.fees]
    ['200.00 EUR', '-12.90 EUR']
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    fee = sub.fee(fee_id)
    if fee.kind is not FeeKind.REGULAR:
        raise BusinessRuleError(
            f"reduction days apply to REGULAR fees, {fee_id!r} is {fee.kind.value}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    reduced = Period.inclusive(first_day, last_day).intersection(fee.period)
    if reduced is None:
        raise BusinessRuleError(
            f"days {first_day}..{last_day} are outside fee {fee_id!r} {fee.period}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    if any(r.overlaps(reduced) for r in sub.reductions):
        raise BusinessRuleError(
            f"days {reduced} overlap an earlier reduction", rule="S7", entity="fee", id=fee_id
        )
    full = (_ord(fee.full_period.start), _ord(fee.full_period.end))
    segs = _billable(sub, _ord(reduced.start), _ord(reduced.end))
    if sub.proration is Proration.WHOLE_PERIODS:
        units = 0
    else:
        # Rounded cumulatively: this reduction is what all of the fee's reduced days are
        # worth minus what the earlier reductions already took, so reductions covering the
        # whole period net the fee to exactly zero and never take more than its price.
        earlier = [
            seg
            for f in sub.fees
            if f.kind is FeeKind.REDUCTION_DAYS and f.reference == fee.id
            for seg in _billable(
                sub, _ord(f.period.start), _ord(f.period.end), with_reductions=False
            )
        ]
        _total, rnum, rden = _lowered(sub.fees).get(fee.id, _NOT_LOWERED)

        def worth(parts: list[tuple[int, int]]) -> int:
            num, den = _value(sub, parts, full) if parts else (0, 1)
            return round_half_up(num * rnum, den * rden)  # at the lowered price, if any

        units = -(worth([*earlier, *segs]) - worth(earlier))
    day = fee.invoice_date if on is None else max(fee.invoice_date, to_date(on, "on"))
    n = sum(1 for f in sub.fees if f.reference == fee.id)
    new_fee = Fee(
        id=f"{fee.id}/D{n + 1}",
        subscription_id=sub.id,
        kind=FeeKind.REDUCTION_DAYS,
        period=reduced,
        full_period=fee.full_period,
        amount=_money(units, sub),
        invoice_date=day,
        reference=fee.id,
        reason="reduction days",
    )
    event = DaysReduced(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=new_fee.id,
        reduction=reduced,
        amount=new_fee.amount,
    )
    changed = evolve(sub, reductions=(*sub.reductions, reduced), fees=(*sub.fees, new_fee))
    return changed, (event,)


def _check_positive_amount(sub: Subscription, amount: Money, field: str, what: str) -> None:
    """A credit-like amount: in the subscription's currency, positive, rounded to minor units."""
    if amount.currency != sub.currency:
        raise CurrencyMismatchError(
            f"{what} is in {amount.currency.code}, subscription {sub.id!r} bills in "
            f"{sub.currency.code}: convert the amount first",
            expected=sub.currency.code,
            actual=amount.currency.code,
        )
    if not amount.is_positive() or not amount.is_rounded:
        raise ValidationError(
            f"{what} must be positive and rounded to minor units, not {amount}",
            field=field,
            value=amount,
            allowed=f"a positive Money in {sub.currency.code}, e.g. 10.00",
        )


def reduce_price(
    sub: Subscription,
    fee_id: str,
    by: Money,
    *,
    at: _dt.datetime,
    on: _dt.date | None = None,
    reason: str = "price reduction",
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """S7: lower the price of an issued REGULAR or NON_REGULAR fee by ``by``.

    The issued fee is never rewritten: a PRICE_REDUCTION fee of ``-by`` references it, over
    the same service period (so its revenue reverses pro rata over that period), invoiced
    on ``on`` (not before the fee). ``by`` may not exceed what the fee is worth now (its
    amount with every correction and earlier reduction): ``BusinessRuleError`` otherwise,
    and nothing changes. Later changes to the fee's days are priced at the lowered ratio.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import (SubscriptionGroup, activate,
    ...     create_subscription, generate_fees)
    >>> clock = FixedClock(dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    >>> sub, _ = create_subscription(company_id="ACME", id="S1",
    ...     group=SubscriptionGroup(company_id="ACME", id="MONTHLY"), customer_id="C1",
    ...     price=Money.of("200.00", "EUR"), start=dt.date(2024, 3, 1), at=clock.now())
    >>> sub, _ = activate(sub, at=clock.now())
    >>> sub, _ = generate_fees(sub, dt.date(2024, 3, 1), dt.date(2024, 4, 1), at=clock.now())
    >>> sub, _ = reduce_price(sub, sub.fees[0].id, Money.of("50.00", "EUR"), at=clock.now())
    >>> [(f.kind.value, str(f.amount)) for f in sub.fees]
    [('regular', '200.00 EUR'), ('price_reduction', '-50.00 EUR')]
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    fee = sub.fee(fee_id)
    if fee.kind not in (FeeKind.REGULAR, FeeKind.NON_REGULAR):
        raise BusinessRuleError(
            f"a price reduction lowers a REGULAR or NON_REGULAR fee, {fee_id!r} is "
            f"{fee.kind.value}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    if not isinstance(by, Money):
        raise ValidationError(
            f"by must be a Money, not {by!r}",
            field="by",
            value=by,
            allowed=f"a positive Money in {sub.currency.code}",
        )
    _check_positive_amount(sub, by, "by", f"price reduction of fee {fee_id!r}")
    if not isinstance(reason, str):
        raise ValidationError(f"reason must be a string, not {reason!r}", field="reason")
    refs = [f for f in sub.fees if f.reference == fee.id and f.kind is not FeeKind.SERVICE_CREDIT]
    issued = fee.amount.minor_units + sum(f.amount.minor_units for f in refs)
    if fee.kind is FeeKind.REGULAR:
        worth = _worth(sub, fee, _lowered(sub.fees).get(fee.id, _NOT_LOWERED))
    else:
        worth = issued
    limit = min(worth, issued)
    if by.minor_units > limit:
        raise BusinessRuleError(
            f"a price reduction of {by} exceeds what fee {fee_id!r} is worth now "
            f"({_money(max(limit, 0), sub)}); a reduction never exceeds the fee",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    day = fee.invoice_date if on is None else max(fee.invoice_date, to_date(on, "on"))
    new_fee = Fee(
        id=f"{fee.id}/P{len(refs) + 1}",
        subscription_id=sub.id,
        kind=FeeKind.PRICE_REDUCTION,
        period=fee.period,
        full_period=fee.full_period,
        amount=-by,
        invoice_date=day,
        reference=fee.id,
        reason=reason,
        reduced_from=_money(worth, sub),
    )
    event = PriceReduced(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=new_fee.id,
        reduced_fee_id=fee.id,
        amount=new_fee.amount,
    )
    return evolve(sub, fees=(*sub.fees, new_fee)), (event,)


def add_service_credit(
    sub: Subscription, credit: ServiceCreditLike, on: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Put an SLA service credit on the next invoice (dated ``on``) as a negative fee.

    ``credit`` is any object with ``amount`` (positive Money in the subscription's
    currency), ``reason`` and ``reference`` (``servicecore.sla.ServiceCredit`` has that
    shape); the same reference twice adds nothing, whatever its date or amount. A credit in
    another currency raises ``CurrencyMismatchError``; one that carries a ``company_id``
    must belong to the subscription's company. Use :func:`next_invoice_date` for ``on``.
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    amount = getattr(credit, "amount", None)
    reason = getattr(credit, "reason", None)
    reference = getattr(credit, "reference", None)
    if not isinstance(amount, Money) or not isinstance(reason, str):
        raise ValidationError(
            "a service credit needs amount (Money), reason (str) and reference (str)",
            field="credit",
            value=credit,
            allowed="an InvoiceCredit, a servicecore.sla.ServiceCredit, or the same shape",
        )
    if not isinstance(reference, str) or not reference:
        raise ValidationError("service credit reference must be a non-empty string")
    company = getattr(credit, "company_id", None)
    if company is not None and company != sub.company_id:
        raise ValidationError(
            f"service credit {reference!r} belongs to company {company!r}, subscription "
            f"{sub.id!r} to {sub.company_id!r}",
            field="credit",
            value=company,
            allowed=f"a credit of company {sub.company_id!r}",
        )
    _check_positive_amount(sub, amount, "amount", f"service credit {reference!r}")
    day = to_date(on, "on")
    fee_id = f"{sub.id}/S/{reference}"
    if any(f.id == fee_id for f in sub.fees):
        return sub, ()
    period = Period.from_ordinals(day.toordinal(), day.toordinal() + 1)
    fee = Fee(
        id=fee_id,
        subscription_id=sub.id,
        kind=FeeKind.SERVICE_CREDIT,
        period=period,
        full_period=period,
        amount=-amount,
        invoice_date=day,
        reference=reference,
        reason=reason,
    )
    event = ServiceCreditAdded(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=fee_id,
        amount=fee.amount,
        reference=reference,
    )
    return evolve(sub, fees=(*sub.fees, fee)), (event,)


def add_non_regular_fee(
    sub: Subscription,
    period: Period,
    amount: Money,
    *,
    at: _dt.datetime,
    invoice_date: _dt.date | None = None,
    reason: str = "",
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """A one-off NON_REGULAR fee over any interval (S2); its days count as covered."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    _check_not_draft(sub)
    if not isinstance(period, Period):
        raise ValidationError("period must be a Period", field="period", value=period)
    if not isinstance(amount, Money) or amount.currency != sub.currency or not amount.is_rounded:
        raise ValidationError(
            f"amount must be a rounded Money in {sub.currency.code}", field="amount"
        )
    covering = [f for f in sub.fees if f.kind in (FeeKind.REGULAR, FeeKind.NON_REGULAR)]
    if any(f.period.overlaps(period) for f in covering):
        raise BusinessRuleError(
            f"{period} overlaps an existing fee; fees never overlap (S3)",
            rule="S3",
            entity="subscription",
            id=sub.id,
        )
    day = period.start if invoice_date is None else to_date(invoice_date, "invoice_date")
    fee = Fee(
        id=f"{sub.id}/N/{period.start.isoformat()}",
        subscription_id=sub.id,
        kind=FeeKind.NON_REGULAR,
        period=period,
        full_period=period,
        amount=amount,
        invoice_date=day,
        reason=reason,
    )
    event = FeesGenerated(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_ids=(fee.id,),
        total=amount,
    )
    return evolve(sub, fees=(*sub.fees, fee)), (event,)
