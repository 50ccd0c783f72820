"""The ``Bom`` aggregate (every version of one parent item), its events, repository and
cycle check."""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import pendulum
from attrs import evolve, field, frozen

from servicecore.bom.model.cycles import _first_cycle
from servicecore.bom.model.items import Item
from servicecore.bom.model.versions import (
    BOM_LIFECYCLE,
    BomLine,
    BomStatus,
    BomVersion,
    _end_ordinal,
)
from servicecore.clock import to_date, to_instant
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import AggregateType, Index, Repository, check_id, check_items

__all__ = [
    "BOMS",
    "Bom",
    "BomRepository",
    "BomVersionDrafted",
    "BomVersionStatusChanged",
    "find_cycle",
]


def _versions_tuple(value: Iterable[BomVersion]) -> tuple[BomVersion, ...]:
    return check_items(value, BomVersion, "versions", "a list of BomVersion")


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
        found = _first_cycle(boms)
        if found is not None:
            cycle, since = found
            raise BusinessRuleError(
                f"approving BOM {self.id!r} version {number} would create a cycle "
                f"{' -> '.join(cycle)} (effective together from {since.isoformat()})",
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


def find_cycle(boms: Iterable[Bom]) -> list[str] | None:
    """A cycle among the approved and active versions on some date, or ``None``.

    The timeline is cut at every effectivity boundary; on each elementary interval the
    graph joins every version effective there (a simple cycle uses one version per item,
    so the union is exact) plus pinned versions, which apply whatever the date. The cycle
    is returned as item ids (``"ITEM#n"`` for a pinned version), first item repeated last.
    """
    found = _first_cycle(check_items(boms, Bom, "boms", "a list of Bom"))
    return None if found is None else found[0]
