"""Per invoiced sales line, how much has been returned: the "never more than invoiced" rule.

A :class:`ReturnedQuantity` is one small aggregate per invoiced sales line (its id is the
sales line id). Every return line made from that sales line reserves its quantity here;
cancelling the return line releases it. Because the aggregate is saved at the version it
was read, two returns of the same sales line committed concurrently cannot both pass the
check on stale figures: the second commit gets a ``ConcurrencyError``.

>>> from decimal import Decimal
>>> ledger = ReturnedQuantity(company_id="ACME", id="SL-1", invoiced=Decimal(5))
>>> ledger = ledger.reserve("RMA-1", "1", Decimal(3))
>>> ledger.returned, ledger.remaining
(Decimal('3'), Decimal('2'))
>>> ledger.reserve("RMA-2", "1", Decimal(3))
Traceback (most recent call last):
...
servicecore.errors.BusinessRuleError: sales line 'SL-1': returning 3 more would exceed ...
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from attrs import evolve, frozen

from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.ports import AggregateType, Index, Repository, check_id, check_type

__all__ = [
    "MAX_QUANTITY",
    "RETURNED_QUANTITIES",
    "ReturnedEntry",
    "ReturnedQuantity",
    "ReturnedQuantityRepository",
    "check_quantity",
]

MAX_QUANTITY = Decimal(10) ** 12
"""The largest quantity a return line may carry (in absolute value)."""


def check_quantity(value: object, field: str, *, positive: bool = True) -> Decimal:
    """``value`` as a Decimal quantity: finite, at most 6 decimals, 0 < |q| < 10**12.

    ``positive`` asks for q > 0, otherwise q < 0 (return lines carry negative quantities).
    """
    sign = "positive" if positive else "negative"
    allowed = f"a {sign} Decimal or int below 10**12 with at most 6 decimals"
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(
            f"{field} must be a Decimal quantity, not {value!r}",
            field=field,
            value=value,
            allowed=allowed,
        )
    q = Decimal(value)
    if (
        not q.is_finite()
        or abs(q) >= MAX_QUANTITY
        or (q and q.as_tuple().exponent < -6)  # type: ignore[operator]
        or (q <= 0 if positive else q >= 0)
    ):
        raise ValidationError(f"{field} got {value!r}", field=field, value=value, allowed=allowed)
    return q


@frozen(kw_only=True)
class ReturnedEntry:
    """One return line's share of a sales line: ``quantity`` is positive (the amount taken)."""

    return_id: str
    line_id: str
    quantity: Decimal


def _check(inst: ReturnedQuantity, _a: object, _v: str) -> None:
    check_id(inst.company_id, "company_id")
    check_id(inst.id, "id")
    check_quantity(inst.invoiced, "invoiced")
    check_type(inst.entries, tuple, "entries", "a tuple of ReturnedEntry")
    for entry in inst.entries:
        check_type(entry, ReturnedEntry, "entries")


@frozen(kw_only=True)
class ReturnedQuantity:
    """The returned quantity of one invoiced sales line (``id`` = the sales line id)."""

    company_id: str = attrs.field(validator=_check)
    id: str
    invoiced: Decimal
    entries: tuple[ReturnedEntry, ...] = ()
    version: int = 0

    @property
    def returned(self) -> Decimal:
        """The quantity returned so far, over every return (positive)."""
        return sum((e.quantity for e in self.entries), Decimal(0))

    @property
    def remaining(self) -> Decimal:
        """What may still be returned."""
        return self.invoiced - self.returned

    def reserve(self, return_id: str, line_id: str, quantity: Decimal) -> ReturnedQuantity:
        """Take ``quantity`` (positive) for a return line; refused beyond the invoiced quantity."""
        check_id(return_id, "return_id")
        check_id(line_id, "line_id")
        q = check_quantity(quantity, "quantity")
        if q > self.remaining:
            raise BusinessRuleError(
                f"sales line {self.id!r}: returning {q} more would exceed the invoiced "
                f"quantity {self.invoiced} ({self.returned} already returned, "
                f"{self.remaining} left)",
                rule="return-at-most-invoiced",
                entity="sales line",
                id=self.id,
            )
        entry = ReturnedEntry(return_id=return_id, line_id=line_id, quantity=q)
        return evolve(self, entries=(*self.entries, entry))

    def release(self, return_id: str, line_id: str, quantity: Decimal) -> ReturnedQuantity:
        """Give back ``quantity`` (positive) of what line ``line_id`` of ``return_id`` took."""
        check_id(return_id, "return_id")
        check_id(line_id, "line_id")
        q = check_quantity(quantity, "quantity")
        key = (return_id, line_id)
        taken = sum(
            (e.quantity for e in self.entries if (e.return_id, e.line_id) == key), Decimal(0)
        )
        if q > taken:
            raise BusinessRuleError(
                f"sales line {self.id!r}: cannot release {q} for line {line_id!r} of "
                f"{return_id!r}, which took {taken}",
                rule="release-at-most-taken",
                entity="sales line",
                id=self.id,
            )
        kept = tuple(e for e in self.entries if (e.return_id, e.line_id) != key)
        if q < taken:
            kept = (*kept, ReturnedEntry(return_id=return_id, line_id=line_id, quantity=taken - q))
        return evolve(self, entries=kept)


class ReturnedQuantityRepository(Repository[ReturnedQuantity]):
    """Returned quantities, found by the return orders that took some."""

    def list_for_return(self, return_id: str) -> list[ReturnedQuantity]:
        """The sales lines return order ``return_id`` takes quantity from."""
        return self.find("return", check_id(return_id, "return_id"))


RETURNED_QUANTITIES: AggregateType[ReturnedQuantity, ReturnedQuantityRepository] = AggregateType(
    kind="returned_quantity",
    cls=ReturnedQuantity,
    repository=ReturnedQuantityRepository,
    indexes=(Index("return", lambda r: sorted({e.return_id for e in r.entries})),),
)
"""Returned quantities in storage: ``uow[RETURNED_QUANTITIES]``."""
