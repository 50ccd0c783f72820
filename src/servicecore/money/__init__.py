"""Money: a ``Decimal`` amount that always carries its ``Currency``.

Rules this package enforces (see ``docs/money.md``):

* amounts are ``Decimal``; ``float`` (and ``bool``) is rejected everywhere, because binary
  floating point cannot hold 0.10 exactly;
* arithmetic and comparison between two currencies raise :class:`CurrencyMismatchError`;
* arithmetic is exact; rounding to the currency's minor units happens only when asked for,
  with a named :class:`Rounding` mode (``HALF_UP`` unless a rule says otherwise);
* :func:`allocate` and :func:`split` divide an amount by largest remainder, so the parts
  always add up to the whole, each part is within one minor unit of its exact share, and
  ties go to the earlier part.

>>> from servicecore.money import Money, allocate, split
>>> split(Money.of("100.00", "EUR"), 3)
(Money('33.34', 'EUR'), Money('33.33', 'EUR'), Money('33.33', 'EUR'))
>>> [str(m) for m in allocate(Money.of("10.00", "USD"), [1, 2])]
['3.33 USD', '6.67 USD']

The package's modules: :mod:`~servicecore.money.currency` (``Currency`` and the registry),
:mod:`~servicecore.money.amounts` (``Money``, ``Rounding`` and the magnitude limits) and
:mod:`~servicecore.money.allocation` (``allocate`` and ``split``). Import every name from
``servicecore.money``.
"""

from servicecore.money.allocation import Ratio, allocate, split
from servicecore.money.amounts import MAX_AMOUNT_DIGITS, MAX_DECIMALS, Money, Rounding
from servicecore.money.currency import _REGISTRY as _REGISTRY  # the strategies draw from it
from servicecore.money.currency import Currency, register_currency

__all__ = [
    "MAX_AMOUNT_DIGITS",
    "MAX_DECIMALS",
    "Currency",
    "Money",
    "Ratio",
    "Rounding",
    "allocate",
    "register_currency",
    "split",
]
