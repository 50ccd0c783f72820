"""Cost roll-up of an explosion from component prices, and kit availability from stock
(re-exported by :mod:`servicecore.bom`).

Both work on the *leaf* components of an explosion (:attr:`Explosion.leaf_totals`): the
lines with no BOM exploded beneath them on the date, i.e. what is bought or taken from
stock. A sub-assembly is costed from its own lines (as ERPNext rolls BOM costs up), never
from a price given for it; a phantom is flattened.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

from attrs import field, frozen

from servicecore.bom.explosion import BomIndex, Explosion
from servicecore.bom.model import _EXACT, _EXACT_ROUND, _QUANTA, to_quantity
from servicecore.errors import BusinessRuleError, CurrencyMismatchError, ValidationError
from servicecore.money import Currency, Money
from servicecore.ports import check_id, check_items, check_type

__all__ = ["MAX_STOCK", "CostRollup", "kits_available", "roll_up_cost"]

MAX_STOCK = Decimal(10) ** 15
"""Stock quantities given to :func:`kits_available` are below this."""


def _money_map(value: Mapping[str, Money]) -> Mapping[str, Money]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"by_component must be a mapping of component id to Money, not {value!r}",
            field="by_component",
            value=value,
            allowed="a dict {component id: Money}",
        )
    return dict(value)


def _money_tuple(value: object) -> tuple[Money, ...]:
    return check_items(value, Money, "by_level", "a tuple of Money, level 1 first")


@frozen(kw_only=True)
class CostRollup:
    """The exact cost of an explosion in one currency (round with ``Money.rounded()``).

    ``by_level[n - 1]`` is what the leaf components entering at level ``n`` cost;
    ``by_component`` the same per leaf component; ``materials`` their sum;
    ``byproduct_credit`` the value of the by-products made (those with a price: a
    by-product without one is credited nothing); ``total = materials - byproduct_credit``.
    """

    currency: Currency
    by_level: tuple[Money, ...] = field(converter=_money_tuple)
    by_component: Mapping[str, Money] = field(converter=_money_map)
    materials: Money
    byproduct_credit: Money
    total: Money

    def __attrs_post_init__(self) -> None:
        cur = check_type(self.currency, Currency, "currency")
        named = [(f"by_level[{n}]", m) for n, m in enumerate(self.by_level)]
        named += [
            (f"by_component[{check_id(c, 'component')!r}]", m) for c, m in self.by_component.items()
        ]
        named += [
            ("materials", self.materials),
            ("byproduct_credit", self.byproduct_credit),
            ("total", self.total),
        ]
        for name, money in named:
            check_type(money, Money, name, f"Money in {cur.code}")
            if money.currency != cur:
                raise CurrencyMismatchError(
                    f"{name} is in {money.currency.code}, the roll-up in {cur.code}",
                    expected=cur.code,
                    actual=money.currency.code,
                )


def _price_list(prices: object, currency: Currency) -> dict[str, Money]:
    if not isinstance(prices, Mapping):
        raise ValidationError(
            f"prices must be a mapping of component id to Money, not {type(prices).__name__}",
            field="prices",
            value=prices,
            allowed="a dict {component id: Money per unit of the component}",
        )
    out: dict[str, Money] = {}
    for comp, price in prices.items():
        check_id(comp, "prices key")
        if not isinstance(price, Money):
            raise ValidationError(
                f"price of {comp!r} must be Money, not {type(price).__name__}",
                field="prices",
                value=price,
                allowed=f"Money in {currency.code}",
            )
        if price.currency != currency:
            raise CurrencyMismatchError(
                f"price of {comp!r} is in {price.currency.code}, the roll-up in "
                f"{currency.code}: servicecore never mixes currencies",
                expected=currency.code,
                actual=price.currency.code,
            )
        if price.is_negative():
            raise ValidationError(
                f"price of {comp!r} is negative ({price})",
                field="prices",
                value=price,
                allowed="a price >= 0",
            )
        out[comp] = price
    return out


def roll_up_cost(
    explosion: Explosion, prices: Mapping[str, Money], currency: str | Currency
) -> CostRollup:
    """Roll the cost of ``explosion`` up from ``prices`` (per unit of each component).

    Every leaf component needs a price in ``currency`` (``ValidationError`` naming the
    missing ones; ``CurrencyMismatchError`` for a price in another currency); prices of
    sub-assemblies and unknown components are ignored. Amounts are exact (quantity x
    price, no rounding), so the roll-up of ``k`` units is ``k`` times the roll-up of one.

    >>> import datetime as dt
    >>> from servicecore.bom import Bom, BomIndex, BomLine, UnitOfMeasure
    >>> pcs, at = UnitOfMeasure("pcs", 0), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    >>> bom, _ = Bom.create("ACME", "KIT", effective_from=dt.date(2024, 1, 1), at=at,
    ...     lines=[BomLine(10, "BOLT", 4, pcs), BomLine(20, "NUT", 4, pcs)])
    >>> bom = bom.approve(1, catalog=[], at=at)[0].activate(1, at=at)[0]
    >>> x = BomIndex.build([bom]).explode("KIT", 2, dt.date(2024, 2, 1))
    >>> cost = roll_up_cost(x, {"BOLT": Money.of("0.25", "EUR"),
    ...                         "NUT": Money.of("0.10", "EUR")}, "EUR")
    >>> str(cost.total)
    '2.80 EUR'
    """
    check_type(explosion, Explosion, "explosion")
    cur = Currency.of(currency)
    price_of = _price_list(prices, cur)
    missing = sorted(c for c in explosion.leaf_totals if c not in price_of)
    if missing:
        raise ValidationError(
            f"no price for the leaf components {missing} of {explosion.item!r}",
            field="prices",
            value=missing,
            allowed="a price for every component of Explosion.leaf_totals",
        )
    by_level = tuple(
        Money.sum((price_of[c] * q for c, q in level.items()), cur)
        for level in explosion.leaf_totals_by_level
    )
    by_component = {c: price_of[c] * q for c, q in explosion.leaf_totals.items()}
    materials = Money.sum(by_level, cur)
    credit = Money.sum(
        (price_of[c] * q for c, q in explosion.byproducts.items() if c in price_of), cur
    )
    return CostRollup(
        currency=cur,
        by_level=by_level,
        by_component=by_component,
        materials=materials,
        byproduct_credit=credit,
        total=materials - credit,
    )


def kits_available(
    index: BomIndex, item: str, as_of: _dt.date, stock: Mapping[str, Decimal | int | str]
) -> int:
    """How many units of ``item`` (kits) the ``stock`` of its leaf components allows as of
    ``as_of``: the largest ``n`` such that, for every leaf component, the requirement of
    ``n`` units (:attr:`Explosion.leaf_totals`, rounded up once to the component's unit
    decimals, as :attr:`Explosion.rounded_totals` does) fits its stock. Exact.

    A component missing from ``stock`` has none; stock beyond a unit's decimals cannot be
    issued (2.5 pieces allow what 2 allow); by-products are not needed. Stock quantities
    are >= 0 and below :data:`MAX_STOCK`. ``BusinessRuleError`` when the item needs no
    leaf component (any number would do). A version making several units per batch
    counts proportionally (as the explosion does), not in whole batches.
    """
    check_type(index, BomIndex, "index")
    if not isinstance(stock, Mapping):
        raise ValidationError(
            f"stock must be a mapping of component id to quantity, not {type(stock).__name__}",
            field="stock",
            value=stock,
            allowed="a dict {component id: quantity on hand}",
        )
    have: dict[str, Decimal] = {}
    for comp, qty in stock.items():
        check_id(comp, "stock key")
        q = to_quantity(qty, f"stock[{comp!r}]", positive=False)
        if q >= MAX_STOCK:
            raise ValidationError(
                f"stock of {comp!r} ({q}) is beyond the quantities handled",
                field="stock",
                value=q,
                allowed="a quantity >= 0 and below 10**15",
            )
        have[comp] = q
    explosion = index.explode(item, 1, as_of)
    need = explosion.leaf_totals
    if not need:
        raise BusinessRuleError(
            f"{item!r} needs no leaf component as of {explosion.as_of}: the number of kits "
            "is not limited by stock",
            rule="BOM-KIT-EMPTY",
            entity="bom",
            id=item,
        )
    best: int | None = None
    with decimal.localcontext(_EXACT):
        for comp, per_kit in need.items():
            decimals = explosion.leaf_unit(comp).decimals
            on_hand = have.get(comp, Decimal(0)).quantize(
                _QUANTA[decimals], ROUND_FLOOR, context=_EXACT_ROUND
            )
            # round_up(n * per_kit) <= on_hand  <=>  n * per_kit <= on_hand (on the grid)
            n = int(on_hand // per_kit)
            best = n if best is None else min(best, n)
    assert best is not None
    return best
