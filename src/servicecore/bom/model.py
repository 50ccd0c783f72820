"""The BOM model: items, units, lines, versions, the ``Bom`` aggregate, its lifecycle,
cycle detection, diff and use cases (re-exported by :mod:`servicecore.bom`)."""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import functools
import itertools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal

import attrs
import pendulum
from attrs import evolve, field, frozen

from servicecore.clock import Clock, read_clock, to_date, to_instant
from servicecore.errors import (
    BusinessRuleError,
    NotFoundError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.lifecycle import Lifecycle
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_items,
    check_iterable,
    check_type,
)

__all__ = [
    "BOMS",
    "BOM_LIFECYCLE",
    "ITEMS",
    "Bom",
    "BomDiff",
    "BomLine",
    "BomRepository",
    "BomStatus",
    "BomVersion",
    "BomVersionDrafted",
    "BomVersionStatusChanged",
    "Item",
    "ItemRepository",
    "LineChange",
    "UnitOfMeasure",
    "activate_bom_version",
    "approve_bom_version",
    "create_bom",
    "diff_versions",
    "find_cycle",
    "to_quantity",
]

_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
"""Unlimited precision: products and sums of quantities are exact (no division is ever used)."""

_ONE = Decimal(1)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_OPEN_END = _dt.date.max.toordinal() + 1


def to_quantity(value: object, param: str = "quantity", *, positive: bool = True) -> Decimal:
    """Coerce an ``int``, ``Decimal`` or numeric string to a finite ``Decimal``.

    Floats and booleans are refused (binary floats cannot hold 0.1 exactly).

    >>> to_quantity("2.50")
    Decimal('2.50')
    >>> to_quantity(0.5)
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: quantity must be a Decimal, int or numeric string...
    """
    allowed = "a Decimal, int or numeric string" + (" greater than 0" if positive else "")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(
            f"{param} must be a Decimal, int or numeric string, not {type(value).__name__} "
            f"({value!r})",
            field=param,
            value=value,
            allowed=allowed,
        )
    try:
        result = Decimal(value)
    except decimal.InvalidOperation:
        raise ValidationError(
            f"{param} {value!r} is not a number", field=param, value=value, allowed=allowed
        ) from None
    if not result.is_finite() or (positive and result <= 0) or result < 0:
        raise ValidationError(
            f"{param} must be a finite number{' greater than 0' if positive else ' >= 0'}, "
            f"not {value!r}",
            field=param,
            value=value,
            allowed=allowed,
        )
    return result


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"{name} must be a string, not {type(value).__name__}", field=name, value=value
        )
    return value


# ---------------------------------------------------------------------------------------
# Items and units
# ---------------------------------------------------------------------------------------


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


def _trim(value: Decimal) -> Decimal:
    """The same number without trailing fractional zeros (12.60 -> 12.6, 3.00 -> 3)."""
    if value == value.to_integral_value():
        return value.quantize(_ONE, context=_EXACT_ROUND)
    return value.normalize(_EXACT_ROUND)


def _round_up(quantity: Decimal, decimals: int) -> Decimal:
    return quantity.quantize(_QUANTA[decimals], rounding=ROUND_CEILING, context=_EXACT_ROUND)


_QUANTA = tuple(Decimal(1).scaleb(-d) for d in range(10))
_EXACT_ROUND = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


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


# ---------------------------------------------------------------------------------------
# Lines, versions, lifecycle
# ---------------------------------------------------------------------------------------


def _line_quantity(value: object) -> Decimal:
    return to_quantity(value, "quantity")


def _scrap(value: object) -> Decimal:
    return to_quantity(value, "scrap_pct", positive=False)


@frozen
class BomLine:
    """One line of a BOM version.

    ``quantity`` is per one unit of the parent; ``scrap_pct`` (0 <= s < 100) adds
    ``quantity * s / 100``; ``position`` is unique within the version; a ``phantom``
    component is not stocked: its own BOM is flattened into the parent; ``pin`` fixes the
    component's BOM version number instead of resolving it by date.

    A ``byproduct`` line *produces* ``quantity`` of its component instead of consuming it
    (per the version's ``output``, like any line): it is never exploded, never appears in
    the explosion's lines or totals, and is reported in :attr:`Explosion.byproducts`
    (credited in a cost roll-up). It has no scrap, no phantom flag and no pin.
    """

    position: int
    component: str
    quantity: Decimal = field(converter=_line_quantity)
    unit: UnitOfMeasure
    scrap_pct: Decimal = field(default=Decimal(0), converter=_scrap)
    phantom: bool = False
    pin: int | None = None
    byproduct: bool = False

    def __attrs_post_init__(self) -> None:
        if isinstance(self.position, bool) or not isinstance(self.position, int):
            raise ValidationError(
                f"line position must be an int, not {self.position!r}",
                field="position",
                value=self.position,
                allowed="a positive integer",
            )
        if self.position <= 0:
            raise ValidationError(
                f"line position must be positive, not {self.position}",
                field="position",
                value=self.position,
                allowed="a positive integer",
            )
        check_id(self.component, "component")
        if not isinstance(self.unit, UnitOfMeasure):
            raise ValidationError(
                f"line {self.position}: unit must be a UnitOfMeasure, not {self.unit!r}",
                field="unit",
                value=self.unit,
            )
        if self.scrap_pct >= _HUNDRED:
            raise ValidationError(
                f"line {self.position}: scrap_pct {self.scrap_pct} must be below 100",
                field="scrap_pct",
                value=self.scrap_pct,
                allowed="0 <= scrap_pct < 100",
            )
        if not isinstance(self.phantom, bool):
            raise ValidationError(
                f"line {self.position}: phantom must be a bool", field="phantom", value=self.phantom
            )
        if self.pin is not None and (
            isinstance(self.pin, bool) or not isinstance(self.pin, int) or self.pin <= 0
        ):
            raise ValidationError(
                f"line {self.position}: pin must be a version number (int >= 1) or None",
                field="pin",
                value=self.pin,
                allowed="None or a positive integer",
            )
        if not isinstance(self.byproduct, bool):
            raise ValidationError(
                f"line {self.position}: byproduct must be a bool",
                field="byproduct",
                value=self.byproduct,
            )
        if self.byproduct and (self.phantom or self.pin is not None or self.scrap_pct):
            raise ValidationError(
                f"line {self.position}: a by-product line is produced, not consumed: it "
                "cannot be a phantom, pin a version or have scrap",
                field="byproduct",
                value=self.byproduct,
                allowed="byproduct=True with phantom=False, pin=None and scrap_pct=0",
            )

    @property
    def factor(self) -> Decimal:
        """Quantity per parent unit with scrap applied: ``quantity * (1 + scrap_pct/100)``."""
        if not self.scrap_pct:
            return self.quantity
        exact = _EXACT
        return _trim(
            exact.multiply(self.quantity, exact.add(_ONE, exact.scaleb(self.scrap_pct, -2)))
        )


class BomStatus(enum.Enum):
    """Status of a BOM version."""

    DRAFT = "draft"
    APPROVED = "approved"
    ACTIVE = "active"
    ARCHIVED = "archived"


BOM_LIFECYCLE: Lifecycle[BomStatus] = Lifecycle.define(
    "bom version",
    BomStatus,
    initial=BomStatus.DRAFT,
    final=[BomStatus.ARCHIVED],
    transitions=[
        (BomStatus.DRAFT, "approve", BomStatus.APPROVED),
        (BomStatus.APPROVED, "activate", BomStatus.ACTIVE),
        (BomStatus.APPROVED, "archive", BomStatus.ARCHIVED),
        (BomStatus.ACTIVE, "archive", BomStatus.ARCHIVED),
    ],
)
"""``draft -approve-> approved -activate-> active -archive-> archived`` (an approved version
that is never used may be archived directly)."""


def _from_date(value: object) -> pendulum.Date:
    return to_date(value, "effective_from")


def _to_date_opt(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "effective_to")


def _lines_tuple(value: Iterable[BomLine]) -> tuple[BomLine, ...]:
    return check_iterable(value, "lines", "a list of BomLine")


_MAX_OUTPUT = Decimal(10) ** 9


def _output(value: object) -> Decimal:
    out = to_quantity(value, "output")
    if out >= _MAX_OUTPUT or out != out.quantize(_QUANTA[6], context=_EXACT_ROUND):
        raise ValidationError(
            f"output {value!r} is out of range",
            field="output",
            value=value,
            allowed="a quantity greater than 0, below 10**9, with at most 6 decimals",
        )
    return out


def _exact_quotient(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b`` as an exact (terminating, trimmed) Decimal, or None when it does not
    terminate (``1 / 3``). ``b`` is an output (< 10**9, at most 6 decimals), so an exact
    quotient needs at most about 60 digits more than ``a`` has."""
    ctx = decimal.Context(
        prec=len(a.as_tuple().digits) + 80,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero],
    )
    try:
        return _trim(ctx.divide(a, b))
    except decimal.Inexact:
        return None


def _versions_tuple(value: Iterable[BomVersion]) -> tuple[BomVersion, ...]:
    return check_items(value, BomVersion, "versions", "a list of BomVersion")


@frozen
class BomVersion:
    """One version of a BOM: number, status, effectivity ``[effective_from, effective_to)``,
    lines, the version it was revised from (if any), and its ``output``: how many units
    of the parent item the lines make (default 1).

    Line quantities are per ``output`` units: a version that makes 4 units with a line of
    2 screws needs 0.5 screw per unit, and the explosion divides by ``output`` exactly
    (proportionally, not in whole batches). Each line's quantity per unit
    (:meth:`per_unit`) must therefore be a terminating decimal: an output of 3 with a
    line of 1 is refused (``ValidationError``); state the lines for 3 units in multiples
    of 3, or use an output the quantities divide by.
    """

    number: int
    status: BomStatus
    effective_from: pendulum.Date = field(converter=_from_date)
    effective_to: pendulum.Date | None = field(default=None, converter=_to_date_opt)
    lines: tuple[BomLine, ...] = field(default=(), converter=_lines_tuple)
    revised_from: int | None = None
    output: Decimal = field(default=_ONE, converter=_output)

    def __attrs_post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValidationError(
                f"version {self.number}: effective_to {self.effective_to} must be after "
                f"effective_from {self.effective_from}",
                field="effective_to",
                value=self.effective_to,
                allowed="a date after effective_from, or None for open-ended",
            )
        seen: set[int] = set()
        for line in self.lines:
            if not isinstance(line, BomLine):
                raise ValidationError(
                    f"version {self.number}: lines must be BomLine values, not {line!r}",
                    field="lines",
                    value=line,
                )
            if line.position in seen:
                raise ValidationError(
                    f"version {self.number}: position {line.position} is used twice",
                    field="lines",
                    value=line.position,
                    allowed="unique positions within a version",
                )
            seen.add(line.position)
            if self.output != _ONE and _exact_quotient(line.factor, self.output) is None:
                raise ValidationError(
                    f"version {self.number}: line {line.position} ({line.factor} "
                    f"{line.component} per {self.output} units) is not a terminating "
                    "decimal per unit; explosion quantities are exact",
                    field="output",
                    value=self.output,
                    allowed="an output every line quantity (scrap included) divides by "
                    "exactly, e.g. 1, 2, 4, 5, 10",
                )

    def per_unit(self, line: BomLine) -> Decimal:
        """``line``'s quantity (scrap included) per one unit of the parent: its
        :attr:`BomLine.factor` divided exactly by :attr:`output`."""
        check_type(line, BomLine, "line")
        if self.output == _ONE:
            return line.factor
        found = _exact_quotient(line.factor, self.output)
        if found is None:
            raise ValidationError(
                f"line {line.position}: {line.factor} per {self.output} units does not terminate",
                field="line",
                value=line,
                allowed="a line whose factor divides by the version's output exactly",
            )
        return found

    def effective_on(self, on: _dt.date) -> bool:
        """Whether ``on`` falls inside ``[effective_from, effective_to)``."""
        if type(on) is not pendulum.Date:
            on = to_date(on, "on")
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def overlaps(self, other: BomVersion) -> bool:
        """Whether the two effectivity intervals share a date."""
        check_type(other, BomVersion, "other")
        a_end = _end_ordinal(self)
        b_end = _end_ordinal(other)
        return self.effective_from.toordinal() < b_end and other.effective_from.toordinal() < a_end

    def describe_effectivity(self) -> str:
        end = "open-ended" if self.effective_to is None else f"until {self.effective_to}"
        return f"from {self.effective_from} {end}"


def _end_ordinal(version: BomVersion) -> int:
    return _OPEN_END if version.effective_to is None else version.effective_to.toordinal()


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------


@frozen(kw_only=True)
class BomVersionDrafted(DomainEvent):
    """A draft version was created (new, or revised from ``revised_from``)."""

    number: int
    revised_from: int | None = None


@frozen(kw_only=True)
class BomVersionStatusChanged(DomainEvent):
    """A version moved through the lifecycle (``action`` led to ``status``)."""

    number: int
    action: str
    status: str


# ---------------------------------------------------------------------------------------
# The aggregate
# ---------------------------------------------------------------------------------------


def _coerce_lines(lines: Iterable[BomLine]) -> tuple[BomLine, ...]:
    if isinstance(lines, BomLine | str) or not isinstance(lines, Iterable):
        raise ValidationError(
            f"lines must be an iterable of BomLine, not {type(lines).__name__}",
            field="lines",
            value=lines,
        )
    return tuple(lines)


@frozen(kw_only=True)
class Bom:
    """The versions of one parent item's bill of materials. ``id`` is the parent item id."""

    company_id: str
    id: str
    versions: tuple[BomVersion, ...] = field(default=(), converter=_versions_tuple)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_id(self.id, "item id")
        numbers = [v.number for v in self.versions]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError(
                f"BOM {self.id!r}: versions must be numbered 1..n in order, not {numbers}",
                field="versions",
                value=numbers,
            )
        for v in self.versions:
            for line in v.lines:
                if line.component == self.id:
                    raise BusinessRuleError(
                        f"BOM {self.id!r} version {v.number}: line {line.position} uses the "
                        f"parent item {self.id!r} as its own component (a cycle)",
                        rule="BOM-CYCLE",
                        entity="bom",
                        id=self.id,
                    )
        _check_no_overlap(self.id, self.versions)

    @property
    def item_id(self) -> str:
        """The parent item (same as ``id``)."""
        return self.id

    # -- queries -----------------------------------------------------------------------
    def get_version(self, number: int) -> BomVersion:
        """The version with this number, or ``NotFoundError``."""
        if (
            isinstance(number, int)
            and not isinstance(number, bool)
            and 1 <= number <= len(self.versions)
        ):
            return self.versions[number - 1]
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValidationError(
                f"a BOM version number is an integer, not {number!r}",
                field="number",
                value=number,
                allowed=f"a version number of BOM {self.id!r}: 1..{len(self.versions)}",
            )
        raise NotFoundError(
            f"BOM {self.id!r} has no version {number!r} (versions: 1..{len(self.versions)})",
            entity="bom version",
            id=f"{self.id}#{number}",
        )

    @functools.cached_property
    def _timeline(self) -> tuple[list[int], list[BomVersion]]:
        active = sorted(
            (v for v in self.versions if v.status is BomStatus.ACTIVE),
            key=lambda v: v.effective_from,
        )
        return [v.effective_from.toordinal() for v in active], active

    def effective_version(self, on: _dt.date) -> BomVersion | None:
        """The active version effective on ``on`` (bisection over effective-from), or None."""
        day = to_date(on, "on").toordinal()
        starts, active = self._timeline
        i = bisect_right(starts, day) - 1
        if i >= 0 and day < _end_ordinal(active[i]):
            return active[i]
        return None

    # -- commands ----------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        company_id: str,
        item_id: str,
        *,
        lines: Iterable[BomLine],
        effective_from: _dt.date,
        effective_to: _dt.date | None = None,
        at: _dt.datetime,
        output: Decimal | int | str = 1,
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """A new BOM for ``item_id`` whose version 1 is a draft (making ``output`` units)."""
        when = to_instant(at, "at")
        draft = BomVersion(
            1,
            BomStatus.DRAFT,
            effective_from,
            effective_to,
            _coerce_lines(lines),
            None,
            output=output,
        )
        bom = cls(company_id=company_id, id=item_id, versions=(draft,))
        return bom, (
            BomVersionDrafted(
                aggregate_id=bom.id, company_id=company_id, occurred_at=when, number=1
            ),
        )

    def add_draft(
        self,
        *,
        lines: Iterable[BomLine],
        effective_from: _dt.date,
        effective_to: _dt.date | None = None,
        at: _dt.datetime,
        output: Decimal | int | str = 1,
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Append a new draft version (number = last + 1) making ``output`` units."""
        when = to_instant(at, "at")
        number = len(self.versions) + 1
        draft = BomVersion(
            number,
            BomStatus.DRAFT,
            effective_from,
            effective_to,
            _coerce_lines(lines),
            None,
            output=output,
        )
        return evolve(self, versions=(*self.versions, draft)), (self._drafted(when, number, None),)

    def revise(
        self,
        number: int,
        *,
        at: _dt.datetime,
        effective_from: _dt.date | None = None,
        effective_to: _dt.date | None = None,
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Copy version ``number`` (any status) into a new draft with the next number.

        The copy keeps the lines and the output; its effectivity is the one given, or the
        source's.
        """
        when = to_instant(at, "at")
        source = self.get_version(number)
        new_number = len(self.versions) + 1
        draft = BomVersion(
            new_number,
            BomStatus.DRAFT,
            source.effective_from if effective_from is None else effective_from,
            effective_to
            if effective_from is not None or effective_to is not None
            else source.effective_to,
            source.lines,
            number,
            output=source.output,
        )
        return evolve(self, versions=(*self.versions, draft)), (
            self._drafted(when, new_number, number),
        )

    def edit_draft(
        self,
        number: int,
        *,
        lines: Iterable[BomLine] | None = None,
        effective_from: _dt.date | None = None,
        effective_to: _dt.date | None = None,
        clear_effective_to: bool = False,
        output: Decimal | int | str | None = None,
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Change the lines, dates or output of a draft version (other statuses are
        frozen)."""
        current = self.get_version(number)
        if current.status is not BomStatus.DRAFT:
            raise BusinessRuleError(
                f"BOM {self.id!r} version {number} is {current.status.value}; only drafts can "
                "be edited (revise it into a new draft instead)",
                rule="BOM-FROZEN",
                entity="bom",
                id=self.id,
            )
        changed = BomVersion(
            number,
            BomStatus.DRAFT,
            current.effective_from if effective_from is None else effective_from,
            None
            if clear_effective_to
            else (current.effective_to if effective_to is None else effective_to),
            current.lines if lines is None else _coerce_lines(lines),
            current.revised_from,
            output=current.output if output is None else output,
        )
        return self._replace(changed), ()

    def approve(
        self,
        number: int,
        *,
        catalog: Iterable[Bom],
        at: _dt.datetime,
        items: Mapping[str, Item] | None = None,
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Approve a draft after checking it creates no cycle on any date.

        ``catalog`` holds the other BOMs of the company (this one is taken from ``self``
        whatever the catalog says). Every approved or active version of every BOM whose
        effectivity can coincide is considered, on every elementary date interval between
        effectivity boundaries, pins included; a cycle raises ``BusinessRuleError``
        naming the items of the cycle. With ``items`` (known items by id), each line's
        unit must be its component's unit of measure.
        """
        when = to_instant(at, "at")
        if items is not None and not isinstance(items, Mapping):
            raise ValidationError(
                f"items must be a mapping of item id to Item, not {items!r}",
                field="items",
                value=items,
                allowed="None or a dict {item id: Item}",
            )
        current = self.get_version(number)
        target = self._transition(current, "approve")
        changed = evolve(current, status=target)
        candidate = self._replace(changed)
        for line in changed.lines:
            known = (items or {}).get(line.component)
            if known is not None and known.uom != line.unit:
                raise BusinessRuleError(
                    f"BOM {self.id!r} version {number}: line {line.position} counts "
                    f"{line.component!r} in {line.unit.code!r}, but the item is kept in "
                    f"{known.uom.code!r}; use the item's unit",
                    rule="BOM-UNIT",
                    entity="bom",
                    id=self.id,
                )
        boms = [b for b in _check_boms(catalog, "catalog") if b.id != self.id] + [candidate]
        by_item = {b.id: b for b in boms}
        for line in changed.lines:
            if line.pin is None:
                continue
            pinned_bom = by_item.get(line.component)
            pinned = (
                pinned_bom.versions[line.pin - 1]
                if pinned_bom is not None and line.pin <= len(pinned_bom.versions)
                else None
            )
            if pinned is None or pinned.status in (BomStatus.DRAFT, BomStatus.ARCHIVED):
                raise BusinessRuleError(
                    f"BOM {self.id!r} version {number}: line {line.position} pins version "
                    f"{line.pin} of {line.component!r}, which "
                    + ("does not exist" if pinned is None else f"is {pinned.status.value}")
                    + "; pin an approved or active version",
                    rule="BOM-PIN",
                    entity="bom",
                    id=self.id,
                )
        cycle = find_cycle(boms)
        if cycle is not None:
            raise BusinessRuleError(
                f"approving BOM {self.id!r} version {number} would create a cycle "
                f"{' -> '.join(cycle)} (effective together from {_cycle_from(boms)})",
                rule="BOM-CYCLE",
                entity="bom",
                id=self.id,
            )
        return candidate, (self._status_event(when, number, "approve", target),)

    def activate(self, number: int, *, at: _dt.datetime) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Make an approved version active; refused if it overlaps another active version."""
        when = to_instant(at, "at")
        current = self.get_version(number)
        target = self._transition(current, "activate")
        return self._replace(evolve(current, status=target)), (
            self._status_event(when, number, "activate", target),
        )

    def archive(self, number: int, *, at: _dt.datetime) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """Withdraw an approved or active version: it no longer resolves on any date."""
        when = to_instant(at, "at")
        current = self.get_version(number)
        target = self._transition(current, "archive")
        return self._replace(evolve(current, status=target)), (
            self._status_event(when, number, "archive", target),
        )

    def close(
        self, number: int, *, effective_to: _dt.date, at: _dt.datetime
    ) -> tuple[Bom, tuple[DomainEvent, ...]]:
        """End an approved or active version's effectivity at ``effective_to`` (exclusive).

        Only shortens: the new end must be after ``effective_from`` and not after the
        current end. Use it before activating the version that takes over.
        """
        when = to_instant(at, "at")
        end = to_date(effective_to, "effective_to")
        current = self.get_version(number)
        if current.status not in (BomStatus.APPROVED, BomStatus.ACTIVE):
            raise BusinessRuleError(
                f"BOM {self.id!r} version {number} is {current.status.value}; only approved "
                "or active versions can be closed (edit a draft's dates directly)",
                rule="BOM-CLOSE",
                entity="bom",
                id=self.id,
            )
        if current.effective_to is not None and end > current.effective_to:
            raise BusinessRuleError(
                f"BOM {self.id!r} version {number} already ends on {current.effective_to}; "
                f"closing can only shorten it, not move the end to {end}",
                rule="BOM-CLOSE",
                entity="bom",
                id=self.id,
            )
        changed = evolve(current, effective_to=end)
        return self._replace(changed), (self._status_event(when, number, "close", current.status),)

    # -- helpers -----------------------------------------------------------------------
    def _transition(self, current: BomVersion, action: str) -> BomStatus:
        return BOM_LIFECYCLE.apply(current.status, action, id=f"{self.id}#{current.number}")

    def _replace(self, changed: BomVersion) -> Bom:
        versions = list(self.versions)
        versions[changed.number - 1] = changed
        return evolve(self, versions=tuple(versions))

    def _drafted(self, when: pendulum.DateTime, number: int, source: int | None) -> DomainEvent:
        return BomVersionDrafted(
            aggregate_id=self.id,
            company_id=self.company_id,
            occurred_at=when,
            number=number,
            revised_from=source,
        )

    def _status_event(
        self, when: pendulum.DateTime, number: int, action: str, status: BomStatus
    ) -> DomainEvent:
        return BomVersionStatusChanged(
            aggregate_id=self.id,
            company_id=self.company_id,
            occurred_at=when,
            number=number,
            action=action,
            status=status.value,
        )


def _check_boms(boms: Iterable[Bom], param: str) -> list[Bom]:
    if isinstance(boms, Bom) or not isinstance(boms, Iterable):
        raise ValidationError(
            f"{param} must be an iterable of Bom aggregates, not {type(boms).__name__}",
            field=param,
            value=boms,
            allowed="e.g. uow[BOMS].list_all()",
        )
    found = list(boms)
    for bom in found:
        if not isinstance(bom, Bom):
            raise ValidationError(
                f"{param} must hold Bom aggregates only, not {type(bom).__name__}",
                field=param,
                value=bom,
                allowed="Bom aggregates",
            )
    return found


def _check_no_overlap(item_id: str, versions: Sequence[BomVersion]) -> None:
    active = sorted(
        (v for v in versions if v.status is BomStatus.ACTIVE), key=lambda v: v.effective_from
    )
    for before, after in itertools.pairwise(active):
        if before.overlaps(after):
            raise BusinessRuleError(
                f"BOM {item_id!r}: active versions {before.number} "
                f"({before.describe_effectivity()}) and {after.number} "
                f"({after.describe_effectivity()}) overlap; close version {before.number} "
                f"before {after.effective_from} or change the dates",
                rule="BOM-OVERLAP",
                entity="bom",
                id=item_id,
            )


class BomRepository(Repository[Bom]):
    """:class:`Bom` aggregates (id = parent item id), with the where-used finder."""

    def list_using_component(self, component: str) -> list[Bom]:
        """BOMs with any version (any status) that has a line for ``component``, by id."""
        return self.find("component", check_id(component, "component"))


BOMS: AggregateType[Bom, BomRepository] = AggregateType(
    kind="bom",
    cls=Bom,
    repository=BomRepository,
    indexes=(Index("component", lambda b: {ln.component for v in b.versions for ln in v.lines}),),
)
"""Bills of materials in storage: ``uow[BOMS]``."""


# ---------------------------------------------------------------------------------------
# Cycle detection over every date where versions combine
# ---------------------------------------------------------------------------------------

_Node = tuple[str, int]  # (item, pinned version number or 0 = resolved by date)


def _candidates(boms: Iterable[Bom]) -> list[tuple[str, BomVersion]]:
    return [
        (b.id, v)
        for b in boms
        for v in b.versions
        if v.status in (BomStatus.APPROVED, BomStatus.ACTIVE)
    ]


def _intervals(candidates: Sequence[tuple[str, BomVersion]]) -> list[int]:
    bounds = {v.effective_from.toordinal() for _i, v in candidates}
    bounds.update(v.effective_to.toordinal() for _i, v in candidates if v.effective_to)
    return sorted(bounds)


def _cycle_on(candidates: Sequence[tuple[str, BomVersion]], day: int) -> list[str] | None:
    pinned: dict[_Node, BomVersion] = {(i, v.number): v for i, v in candidates}
    dated: dict[str, list[BomVersion]] = {}
    for item, v in candidates:
        if v.effective_from.toordinal() <= day < _end_ordinal(v):
            dated.setdefault(item, []).append(v)

    def edges(node: _Node) -> list[_Node]:
        item, pin = node
        versions = ([pinned[node]] if node in pinned else []) if pin else dated.get(item, [])
        return [
            (line.component, line.pin or 0)
            for v in versions
            for line in v.lines
            if not line.byproduct  # produced, not exploded: no edge
        ]

    colour: dict[_Node, int] = {}  # 1 = on the stack, 2 = done
    for start in [(i, 0) for i in dated] + list(pinned):
        if start in colour:
            continue
        stack: list[tuple[_Node, Iterable[_Node]]] = [(start, iter(edges(start)))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                state = colour.get(child)
                if state == 1:
                    cycle = [*path[path.index(child) :], child]
                    return [f"{i}" if not p else f"{i}#{p}" for i, p in cycle]
                if state is None:
                    colour[child] = 1
                    stack.append((child, iter(edges(child))))
                    path.append(child)
                    break
            else:
                colour[node] = 2
                stack.pop()
                path.pop()
    return None


def find_cycle(boms: Iterable[Bom]) -> list[str] | None:
    """A cycle among the approved and active versions on some date, or ``None``.

    The timeline is cut at every effectivity boundary; on each elementary interval the
    graph joins every version effective there (a simple cycle uses one version per item,
    so the union is exact) plus pinned versions, which apply whatever the date. The cycle
    is returned as item ids (``"ITEM#n"`` for a pinned version), first item repeated last.
    """
    candidates = _candidates(check_items(boms, Bom, "boms", "a list of Bom"))
    for day in _intervals(candidates):
        cycle = _cycle_on(candidates, day)
        if cycle is not None:
            return cycle
    return None


def _cycle_from(boms: Iterable[Bom]) -> str:
    """The first date on which a cycle exists, as ISO text."""
    candidates = _candidates(boms)
    for day in _intervals(candidates):
        if _cycle_on(candidates, day) is not None:
            return _dt.date.fromordinal(day).isoformat()
    return "?"  # pragma: no cover - only called with a cycle found by find_cycle


# ---------------------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------------------


@frozen
class LineChange:
    """A line present in both versions (same position and component) that changed."""

    before: BomLine
    after: BomLine

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the fields that differ."""
        return tuple(
            a.name
            for a in attrs.fields(BomLine)
            if getattr(self.before, a.name) != getattr(self.after, a.name)
        )


@frozen
class BomDiff:
    """What changed from one version to another: lines, and ``output`` as
    ``(before, after)`` when the number of units the version makes changed."""

    added: tuple[BomLine, ...]
    removed: tuple[BomLine, ...]
    changed: tuple[LineChange, ...]
    output: tuple[Decimal, Decimal] | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.output)


def diff_versions(old: BomVersion, new: BomVersion) -> BomDiff:
    """Lines added, removed and changed from ``old`` to ``new``.

    Lines are matched on (position, component): the same position with another component
    is a removal plus an addition (a different part), the same pair with another
    quantity, unit, scrap, phantom flag, pin or by-product flag is a change. A different
    ``output`` is reported as ``(old, new)``.
    """
    check_type(old, BomVersion, "old")
    check_type(new, BomVersion, "new")
    before = {(line.position, line.component): line for line in old.lines}
    after = {(line.position, line.component): line for line in new.lines}
    return BomDiff(
        added=tuple(line for key, line in after.items() if key not in before),
        removed=tuple(line for key, line in before.items() if key not in after),
        changed=tuple(
            LineChange(before[key], line)
            for key, line in after.items()
            if key in before and before[key] != line
        ),
        output=None if old.output == new.output else (old.output, new.output),
    )


# ---------------------------------------------------------------------------------------
# Use cases (the caller commits)
# ---------------------------------------------------------------------------------------


def create_bom(
    uow: UnitOfWork,
    item_id: str,
    *,
    lines: Iterable[BomLine],
    effective_from: _dt.date,
    effective_to: _dt.date | None = None,
    clock: Clock,
    output: Decimal | int | str = 1,
) -> Bom:
    """Add a new BOM for ``item_id`` with version 1 as a draft making ``output`` units
    (``AlreadyExistsError`` if the item has one: add a version to it instead)."""
    bom, events = Bom.create(
        uow.company_id,
        item_id,
        lines=lines,
        effective_from=effective_from,
        effective_to=effective_to,
        at=read_clock(clock),
        output=output,
    )
    uow[BOMS].add(bom)
    uow.record(events)
    return bom


def approve_bom_version(uow: UnitOfWork, item_id: str, number: int, *, clock: Clock) -> Bom:
    """Approve a draft, checking cycles against every BOM of the company and each line's
    unit against its component item (when the item is stored).

    **Concurrency.** The cycle check reads other BOMs, so the approval also re-saves,
    unchanged, every stored BOM reachable from the new version's components (an optimistic
    read lock, see :func:`_approval_read_set`): a concurrent approval that changed any of
    them makes one of the two commits raise ``ConcurrencyError`` and apply nothing, so
    concurrent approvals can never combine into a cycle. For the same reason the BOM must
    already be stored (committed): ``BusinessRuleError`` for a BOM added in this unit of
    work, which no other unit of work could see, let alone conflict on.
    """
    bom = uow[BOMS].get(item_id)
    version = bom.get_version(number)
    if bom.version == 0:
        raise BusinessRuleError(
            f"commit the new BOM {item_id!r} first, then approve version {number} in a new "
            "unit of work: an approval locks the stored BOMs its cycle check reads, and a "
            "BOM that is not stored yet cannot be locked against a concurrent approval",
            rule="BOM-APPROVE-STORED",
            entity="bom",
            id=item_id,
        )
    items: dict[str, Item] = {}
    for line in version.lines:
        try:
            items[line.component] = uow[ITEMS].get(line.component)
        except NotFoundError:
            continue
    catalog = list(uow[BOMS].list_all())
    changed, events = bom.approve(number, catalog=catalog, at=read_clock(clock), items=items)
    uow[BOMS].save(changed)
    for read in _approval_read_set(catalog, changed, number):
        uow[BOMS].save(read)  # unchanged: the commit now conflicts if it moved meanwhile
    uow.record(events)
    return changed


def _approval_read_set(catalog: Iterable[Bom], approved: Bom, number: int) -> list[Bom]:
    """The BOMs (other than ``approved``) reachable from the components of its version
    ``number``, following every approved or active version of each BOM on any date.

    Why this set suffices: a cycle that two or more concurrent approvals close together
    runs from one approval's new line through BOMs that approval could already see, up to
    the BOM another of them approves; that BOM is reachable here, so both units of work
    write it and the later commit conflicts (see docs/bom.md, "Concurrent approvals").
    Drafts add no edge but are still locked when reached: approving one is the change
    that must conflict.
    """
    by_item = {b.id: b for b in catalog if b.id != approved.id}
    by_item[approved.id] = approved
    seen: set[str] = set()
    todo = [line.component for line in approved.get_version(number).lines]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        bom = by_item.get(item)
        if bom is None:
            continue
        todo.extend(
            line.component
            for v in bom.versions
            if v.status in (BomStatus.APPROVED, BomStatus.ACTIVE)
            for line in v.lines
        )
    return [by_item[i] for i in sorted(seen) if i in by_item and i != approved.id]


def activate_bom_version(uow: UnitOfWork, item_id: str, number: int, *, clock: Clock) -> Bom:
    """Activate an approved version (refused when it overlaps another active one)."""
    bom = uow[BOMS].get(item_id)
    changed, events = bom.activate(number, at=read_clock(clock))
    uow[BOMS].save(changed)
    uow.record(events)
    return changed
