"""BOM lines, versions (effectivity, output) and the version lifecycle."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable
from decimal import Decimal

import pendulum
from attrs import field, frozen

from servicecore.bom.model.items import UnitOfMeasure
from servicecore.bom.model.quantities import (
    _EXACT,
    _EXACT_ROUND,
    _ONE,
    _QUANTA,
    _exact_quotient,
    _trim,
    to_quantity,
)
from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.lifecycle import Lifecycle
from servicecore.ports import check_id, check_iterable, check_type

__all__ = ["BOM_LIFECYCLE", "BomLine", "BomStatus", "BomVersion"]

_HUNDRED = Decimal(100)
_OPEN_END = _dt.date.max.toordinal() + 1


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
