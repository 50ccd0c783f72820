"""Subscription sales prices: 8-level specificity (D365 S4) and indexation (S5, S6)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs
import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Money, Rounding
from servicecore.ports import check_iterable, check_type
from servicecore.recurrence import Interval

__all__ = ["IndexMethod", "SalesPrice", "apply_index", "indexed_price", "resolve_price"]


def _interval_check(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Interval):
        raise ValidationError(
            f"interval must be an Interval, not {value!r}",
            field="interval",
            value=value,
            allowed="an Interval such as Interval.months(1)",
        )


def _valid_from(value: object) -> pendulum.Date:
    return to_date(value, "valid_from")


def _valid_to(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "valid_to")


def _opt_id(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value or value != value.strip()):
        raise ValidationError(
            f"{attribute.name} must be None (any) or a non-empty id, not {value!r}",
            field=attribute.name,
            value=value,
            allowed="None as a wildcard, or an id string",
        )


def _price_check(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Money) or value.is_negative() or not value.is_rounded:
        raise ValidationError(
            f"price must be a non-negative Money rounded to minor units, not {value!r}",
            field="price",
            value=value,
            allowed="Money such as Money.of('99.00', 'EUR')",
        )


@frozen(kw_only=True)
class SalesPrice:
    """A row of the subscription price list (D365 SubscriptionSalesPrice).

    ``category``, ``project_id`` and ``subscription_id`` are wildcards when ``None``; a
    filled one must equal the subscription's value. The row is valid from ``valid_from``
    (inclusive) until ``valid_to`` (exclusive, open when ``None``).
    """

    price: Money = attrs.field(validator=_price_check)
    interval: Interval = attrs.field(validator=_interval_check)
    valid_from: pendulum.Date = attrs.field(converter=_valid_from)
    valid_to: pendulum.Date | None = attrs.field(default=None, converter=_valid_to)
    category: str | None = attrs.field(default=None, validator=_opt_id)
    project_id: str | None = attrs.field(default=None, validator=_opt_id)
    subscription_id: str | None = attrs.field(default=None, validator=_opt_id)

    @property
    def priority(self) -> int:
        """1 (most specific) to 8 (no key filled), the D365 order:
        (cat,proj,sub) > (proj,sub) > (cat,sub) > (sub) > (cat,proj) > (proj) > (cat) > ()."""
        c = self.category is not None
        p = self.project_id is not None
        s = self.subscription_id is not None
        order = {
            (True, True, True): 1,
            (False, True, True): 2,
            (True, False, True): 3,
            (False, False, True): 4,
            (True, True, False): 5,
            (False, True, False): 6,
            (True, False, False): 7,
            (False, False, False): 8,
        }
        return order[(c, p, s)]


def resolve_price(
    prices: Iterable[SalesPrice],
    *,
    subscription_id: str,
    currency: str,
    interval: Interval,
    on: object,
    category: str | None = None,
    project_id: str | None = None,
) -> SalesPrice | None:
    """The most specific valid row for a subscription on date ``on`` (S4), or ``None``.

    Candidates must match currency and period code exactly and be valid on ``on``; each
    filled key must equal the subscription's. Among candidates the best priority wins,
    then the latest ``valid_from``.

    >>> from servicecore.money import Money
    >>> from servicecore.recurrence import Interval
    >>> m = Interval.months(1)
    >>> jan = pendulum.Date(2024, 1, 1)
    >>> rows = [SalesPrice(price=Money.of(500, "EUR"), interval=m, valid_from=jan,
    ...                    project_id="P1"),
    ...         SalesPrice(price=Money.of(550, "EUR"), interval=m, valid_from=jan,
    ...                    project_id="P1", category="SubCat1")]
    >>> def price(cat: str) -> str:
    ...     row = resolve_price(rows, subscription_id="S1", currency="EUR", interval=m,
    ...                         on=pendulum.Date(2024, 3, 1), category=cat, project_id="P1")
    ...     return str(row.price) if row else "none"
    >>> price("SubCat1"), price("SubCat2")
    ('550 EUR', '500 EUR')
    """
    day = to_date(on, "on")
    best: SalesPrice | None = None
    for row in check_iterable(prices, "prices", "a list of SalesPrice"):
        if not isinstance(row, SalesPrice):
            raise ValidationError(
                f"prices must be SalesPrice rows, not {type(row).__name__}",
                field="prices",
                value=row,
                allowed="SalesPrice",
            )
        if row.price.currency.code != currency or row.interval != interval:
            continue
        if row.valid_from > day or (row.valid_to is not None and row.valid_to <= day):
            continue
        if row.category is not None and row.category != category:
            continue
        if row.project_id is not None and row.project_id != project_id:
            continue
        if row.subscription_id is not None and row.subscription_id != subscription_id:
            continue
        if (
            best is None
            or row.priority < best.priority
            or (row.priority == best.priority and row.valid_from > best.valid_from)
        ):
            best = row
    return best


class IndexMethod(enum.Enum):
    """How an index update changes a subscription's price (S6)."""

    INDEX_BY_PCT = "index_by_pct"
    """Raise the index by a percentage of itself: 110 +10 % -> 121."""
    INDEX_TO = "index_to"
    """Set the index to a value."""
    BASE_BY_PCT = "base_by_pct"
    """Raise the base price by a percentage: 120 +10 % -> 132."""
    BASE_TO = "base_to"
    """Set the base price to a value."""


def _check_index(index: object) -> None:
    allowed = "a finite Decimal index such as Decimal(110)"
    if isinstance(index, int) and not isinstance(index, bool):
        return
    if not check_type(index, Decimal, "index", allowed).is_finite():
        raise ValidationError(
            f"index must be a finite number, not {index!r}",
            field="index",
            value=index,
            allowed=allowed,
        )


def indexed_price(base: Money, index: Decimal) -> Money:
    """``base * index / 100`` rounded half-up to minor units (S5): 1000 at 110 -> 1100."""
    check_type(base, Money, "base")
    _check_index(index)
    return base.scaled(index, 100, Rounding.HALF_UP)


def apply_index(
    base: Money, index: Decimal, method: IndexMethod, value: Decimal | int | str
) -> tuple[Money, Decimal]:
    """The new ``(base, index)`` after an index update; negative percentages are allowed.

    >>> from servicecore.money import Money
    >>> apply_index(Money.of(1000, "EUR"), Decimal(110), IndexMethod.INDEX_BY_PCT, 10)
    (Money('1000', 'EUR'), Decimal('121'))
    >>> apply_index(Money.of(120, "EUR"), Decimal(100), IndexMethod.BASE_BY_PCT, 10)[0]
    Money('132.00', 'EUR')
    """
    if not isinstance(method, IndexMethod):
        raise ValidationError(
            f"method must be an IndexMethod, not {method!r}",
            field="method",
            value=method,
            allowed=", ".join(m.name for m in IndexMethod),
        )
    check_type(base, Money, "base")
    _check_index(index)
    amount = Money.of(value, base.currency).amount  # validates the number
    if method is IndexMethod.INDEX_BY_PCT:
        new_index = index * (100 + amount) / 100
        new_base = base
    elif method is IndexMethod.INDEX_TO:
        new_index, new_base = amount, base
    elif method is IndexMethod.BASE_BY_PCT:
        new_index, new_base = index, base.scaled(100 + amount, 100, Rounding.HALF_UP)
    else:
        new_index, new_base = index, Money(amount, base.currency).rounded()
    if new_index < 0 or new_base.is_negative():
        raise ValidationError(
            f"index update {method.name} {value} would make the price negative",
            field="value",
            value=value,
            allowed="a change that keeps base price and index non-negative",
        )
    return new_base, new_index
