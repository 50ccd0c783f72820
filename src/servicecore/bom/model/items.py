"""Items and their units of measure (the ``Item`` aggregate and ``ITEMS``)."""

from __future__ import annotations

from decimal import Decimal

from attrs import frozen

from servicecore.bom.model.quantities import _round_up
from servicecore.errors import ValidationError
from servicecore.ports import AggregateType, Repository, check_id, check_type

__all__ = ["ITEMS", "Item", "ItemRepository", "UnitOfMeasure"]


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"{name} must be a string, not {type(value).__name__}", field=name, value=value
        )
    return value


@frozen(cache_hash=True)
class UnitOfMeasure:
    """A unit (``code``) and how many ``decimals`` a quantity in it may have.

    ``UnitOfMeasure("pcs", 0)`` is not divisible: explosion rounds its quantities up to
    whole pieces; ``UnitOfMeasure("kg", 3)`` rounds up to grams.
    """

    code: str
    decimals: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.code, "unit code")
        if isinstance(self.decimals, bool) or not isinstance(self.decimals, int):
            raise ValidationError(
                f"unit {self.code!r}: decimals must be an int, not {self.decimals!r}",
                field="decimals",
                value=self.decimals,
                allowed="an integer from 0 to 9",
            )
        if not 0 <= self.decimals <= 9:
            raise ValidationError(
                f"unit {self.code!r}: decimals {self.decimals} out of range",
                field="decimals",
                value=self.decimals,
                allowed="an integer from 0 to 9",
            )

    def round_up(self, quantity: Decimal) -> Decimal:
        """``quantity`` rounded up (towards +infinity) to this unit's decimals.

        >>> UnitOfMeasure("pcs", 0).round_up(Decimal("2.1"))
        Decimal('3')
        >>> UnitOfMeasure("kg", 3).round_up(Decimal("0.12301"))
        Decimal('0.124')
        """
        if not check_type(quantity, Decimal, "quantity", "a finite Decimal").is_finite():
            raise ValidationError(
                f"quantity must be a finite number, not {quantity}",
                field="quantity",
                value=quantity,
                allowed="a finite Decimal",
            )
        return _round_up(quantity, self.decimals)


@frozen(kw_only=True)
class Item:
    """An item (product, part, spare part) and its unit of measure. An aggregate."""

    company_id: str
    id: str
    uom: UnitOfMeasure
    name: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_id(self.id, "item id")
        if not isinstance(self.uom, UnitOfMeasure):
            raise ValidationError(
                f"item {self.id!r}: uom must be a UnitOfMeasure, not {self.uom!r}",
                field="uom",
                value=self.uom,
            )
        _check_str("name", self.name)


class ItemRepository(Repository[Item]):
    """Items (only the generic operations are needed)."""


ITEMS: AggregateType[Item, ItemRepository] = AggregateType(
    kind="item", cls=Item, repository=ItemRepository
)
"""Items in storage: ``uow[ITEMS]``."""
