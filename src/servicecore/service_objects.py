"""Service objects (the customer's equipment), object relations and service BOMs.

A :class:`ServiceObject` is one piece of installed equipment: an item, a serial number, a
customer and the dates it was built and installed. Its **service BOM** is the structure of
the item's BOM version effective on the object's build date (or install date when the build
date is unknown), instantiated for this object: each exploded line becomes a physical
:class:`ServiceBomLine` whose quantity is the explosion's ``rounded_quantity`` (a machine
holds whole screws). The as-built lines never change; every later change (replace a part,
add, remove, change a quantity) **appends** a :class:`ServiceBomChange` to the history, and
the as-maintained structure on any date is the replay of the history up to that date
(:meth:`ServiceBom.structure_on`). Changes are appended in date order, so replaying a prefix
is the past exactly as it was recorded.

A replacement raises :class:`SparePartRequired` (the host reserves or orders the part) and,
when an order id is given, :class:`ChargeableLineRequested` (the host adds an invoiceable
line to that service order).

:class:`ObjectRelation` attaches an object to an owner (an agreement or a service order)
generically, by ``owner_kind`` and ``owner_id``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
from collections.abc import Iterable
from decimal import Decimal

import pendulum
from attrs import evolve, field, frozen

from servicecore.bom import BOMS, BomIndex, Explosion, UnitOfMeasure, to_quantity
from servicecore.clock import Clock, read_clock, to_date, to_instant
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_items,
    check_type,
    index_key,
)

__all__ = [
    "OBJECT_RELATIONS",
    "SERVICE_OBJECTS",
    "ChargeableLineRequested",
    "ObjectRelation",
    "ObjectRelationRepository",
    "OwnerKind",
    "ServiceBom",
    "ServiceBomAction",
    "ServiceBomChange",
    "ServiceBomChanged",
    "ServiceBomInstantiated",
    "ServiceBomLine",
    "ServiceObject",
    "ServiceObjectRepository",
    "SparePartRequired",
    "instantiate_service_bom",
    "replace_service_part",
    "replay",
]


def _installed_on(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "installed_on")


def _built_on(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "built_on")


def _change_on(value: object) -> pendulum.Date:
    return to_date(value, "on")


def _bom_date(value: object) -> pendulum.Date:
    return to_date(value, "bom_date")


def _opt_str(value: object, name: str) -> str | None:
    return None if value is None else check_id(value, name)


@frozen
class ServiceBomLine:
    """A physical part in a service BOM: ``line_id`` (the explosion path, ``"10.20"``, or
    ``"H<n>"`` for a part added by history line n), its parent line (``None`` at the top),
    component, quantity and unit."""

    line_id: str
    parent_line_id: str | None
    component: str
    quantity: Decimal
    unit: UnitOfMeasure


class ServiceBomAction(enum.Enum):
    """What a history line did."""

    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"
    CHANGE_QUANTITY = "change_quantity"


def _recorded_at(value: object) -> pendulum.DateTime:
    return to_instant(value, "recorded_at")


@frozen(kw_only=True)
class ServiceBomChange:
    """One history line (never edited once appended).

    ``line_id`` is the line acted upon (for ``ADD``: the new line); ``quantity`` is the
    added, replaced or new quantity; a ``REPLACE`` takes ``quantity`` out of ``line_id``
    (the line goes when nothing is left) and puts ``new_component`` in as ``new_line_id``.
    """

    seq: int
    action: ServiceBomAction
    on: pendulum.Date = field(converter=_change_on)
    line_id: str
    component: str
    quantity: Decimal
    unit: UnitOfMeasure
    parent_line_id: str | None = None
    new_line_id: str | None = None
    new_component: str | None = None
    order_id: str | None = None
    note: str = ""
    recorded_at: pendulum.DateTime = field(converter=_recorded_at)


def _descendants(lines: dict[str, ServiceBomLine], line_id: str) -> set[str]:
    gone = {line_id}
    changed = True
    while changed:
        changed = False
        for line in lines.values():
            if line.parent_line_id in gone and line.line_id not in gone:
                gone.add(line.line_id)
                changed = True
    return gone


def replay(
    base: Iterable[ServiceBomLine], changes: Iterable[ServiceBomChange]
) -> tuple[ServiceBomLine, ...]:
    """Apply ``changes`` in order to the as-built ``base`` lines; the structure they give.

    Lines keep their as-built order; added lines (and replacements) follow, in history order.
    """
    lines = {line.line_id: line for line in check_items(base, ServiceBomLine, "base")}
    for ch in check_items(changes, ServiceBomChange, "changes"):
        if ch.action is ServiceBomAction.ADD:
            lines[ch.line_id] = ServiceBomLine(
                ch.line_id, ch.parent_line_id, ch.component, ch.quantity, ch.unit
            )
            continue
        current = lines.get(ch.line_id)
        if current is None:
            raise ValidationError(
                f"change {ch.seq} ({ch.action.value}) refers to line {ch.line_id!r}, which is "
                "not in the structure at that point",
                field="changes",
                value=ch,
                allowed="changes recorded on these base lines, in their order",
            )
        if ch.action is ServiceBomAction.CHANGE_QUANTITY:
            lines[ch.line_id] = evolve(current, quantity=ch.quantity)
        elif ch.action is ServiceBomAction.REMOVE:
            for gone in _descendants(lines, ch.line_id):
                del lines[gone]
        else:  # REPLACE
            left = current.quantity - ch.quantity
            if left > 0:
                lines[ch.line_id] = evolve(current, quantity=left)
            else:
                for gone in _descendants(lines, ch.line_id):
                    del lines[gone]
            assert ch.new_line_id is not None
            assert ch.new_component is not None
            lines[ch.new_line_id] = ServiceBomLine(
                ch.new_line_id, current.parent_line_id, ch.new_component, ch.quantity, ch.unit
            )
    return tuple(lines.values())


@frozen(kw_only=True)
class ServiceBom:
    """An object's service BOM: as-built lines from ``source_item`` version
    ``source_version`` as of ``bom_date``, and the append-only ``history``."""

    source_item: str
    source_version: int
    bom_date: pendulum.Date = field(converter=_bom_date)
    as_built: tuple[ServiceBomLine, ...]
    history: tuple[ServiceBomChange, ...] = ()

    @functools.cached_property
    def structure(self) -> tuple[ServiceBomLine, ...]:
        """The as-maintained structure after every history line."""
        return replay(self.as_built, self.history)

    def structure_on(self, on: _dt.date) -> tuple[ServiceBomLine, ...]:
        """The as-maintained structure at the end of ``on`` (history lines dated up to it).

        Before ``bom_date`` the object had no structure yet: an empty tuple.
        """
        day = to_date(on, "on")
        if day < self.bom_date:
            return ()
        return replay(self.as_built, (c for c in self.history if c.on <= day))

    def line(self, line_id: str) -> ServiceBomLine:
        """The current line ``line_id`` or ``NotFoundError``."""
        check_id(line_id, "line_id")
        for line in self.structure:
            if line.line_id == line_id:
                return line
        raise NotFoundError(
            f"the service BOM has no current line {line_id!r} (lines: "
            f"{', '.join(ln.line_id for ln in self.structure) or 'none'})",
            entity="service BOM line",
            id=line_id,
        )


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------


@frozen(kw_only=True)
class ServiceBomInstantiated(DomainEvent):
    """The object's service BOM was created from a BOM version."""

    source_version: int
    bom_date: pendulum.Date = field(converter=_bom_date)


@frozen(kw_only=True)
class ServiceBomChanged(DomainEvent):
    """A history line was appended to the object's service BOM."""

    change: ServiceBomChange


@frozen(kw_only=True)
class SparePartRequired(DomainEvent):
    """A replacement needs ``quantity`` of ``item`` (for the host's stock / item requirement)."""

    object_id: str
    item: str
    quantity: Decimal
    unit: UnitOfMeasure
    needed_on: pendulum.Date
    order_id: str | None = None


@frozen(kw_only=True)
class ChargeableLineRequested(DomainEvent):
    """Add an invoiceable item line for the replacement to service order ``order_id``."""

    order_id: str
    object_id: str
    item: str
    quantity: Decimal
    unit: UnitOfMeasure
    on: pendulum.Date


# ---------------------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------------------


@frozen(kw_only=True)
class ServiceObject:
    """A customer's piece of equipment (an aggregate) with its optional service BOM."""

    company_id: str
    id: str
    item_id: str
    serial: str
    customer_id: str
    installed_on: pendulum.Date | None = field(default=None, converter=_installed_on)
    built_on: pendulum.Date | None = field(default=None, converter=_built_on)
    service_bom: ServiceBom | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_id(self.id, "object id")
        check_id(self.item_id, "item_id")
        check_id(self.serial, "serial")
        check_id(self.customer_id, "customer_id")
        if self.installed_on and self.built_on and self.installed_on < self.built_on:
            raise ValidationError(
                f"object {self.id!r}: installed on {self.installed_on} before it was built on "
                f"{self.built_on}",
                field="installed_on",
                value=self.installed_on,
                allowed="a date on or after built_on",
            )

    @property
    def bom_date(self) -> pendulum.Date | None:
        """The date whose BOM version the service BOM copies: built, else installed."""
        return self.built_on or self.installed_on

    def _bom(self) -> ServiceBom:
        if self.service_bom is None:
            raise BusinessRuleError(
                f"object {self.id!r} has no service BOM yet; instantiate it first",
                rule="SBOM-MISSING",
                entity="service object",
                id=self.id,
            )
        return self.service_bom

    def instantiate_service_bom(
        self, explosion: Explosion, *, at: _dt.datetime
    ) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
        """Create the service BOM from the explosion of one unit of the object's item as
        of its :attr:`bom_date` (only one service BOM per object)."""
        when = to_instant(at, "at")
        if self.service_bom is not None:
            raise BusinessRuleError(
                f"object {self.id!r} already has a service BOM (from version "
                f"{self.service_bom.source_version}); there is one per object",
                rule="SBOM-ONE",
                entity="service object",
                id=self.id,
            )
        if self.bom_date is None:
            raise BusinessRuleError(
                f"object {self.id!r} has neither a build nor an install date; set one to "
                "choose the BOM version",
                rule="SBOM-DATE",
                entity="service object",
                id=self.id,
            )
        if (
            not isinstance(explosion, Explosion)
            or explosion.item != self.item_id
            or explosion.quantity != 1
            or explosion.as_of != self.bom_date
        ):
            raise ValidationError(
                f"object {self.id!r} needs the explosion of 1 {self.item_id!r} as of "
                f"{self.bom_date}",
                field="explosion",
                value=explosion,
                allowed=f"BomIndex.explode({self.item_id!r}, 1, {self.bom_date})",
            )
        lines = tuple(
            ServiceBomLine(
                line.key,
                ".".join(map(str, line.path[:-1])) or None,
                line.component,
                line.rounded_quantity,
                line.unit,
            )
            for line in explosion.lines
        )
        # A phantom's children hang under the phantom's own parent.
        keys = {ln.line_id for ln in lines}
        fixed = []
        for ln in lines:
            parent = ln.parent_line_id
            while parent is not None and parent not in keys:
                parent = parent.rpartition(".")[0] or None
            fixed.append(evolve(ln, parent_line_id=parent))
        bom = ServiceBom(
            source_item=self.item_id,
            source_version=explosion.version,
            bom_date=self.bom_date,
            as_built=tuple(fixed),
        )
        event = ServiceBomInstantiated(
            aggregate_id=self.id,
            company_id=self.company_id,
            occurred_at=when,
            source_version=explosion.version,
            bom_date=self.bom_date,
        )
        return evolve(self, service_bom=bom), (event,)

    # -- history ---------------------------------------------------------------------------
    def _append(self, change: ServiceBomChange) -> tuple[ServiceObject, DomainEvent]:
        bom = self._bom()
        on = change.on
        last = bom.history[-1].on if bom.history else bom.bom_date
        if on < last:
            raise BusinessRuleError(
                f"object {self.id!r}: a change on {on} would come before the last recorded "
                f"one ({last}); history is appended in date order",
                rule="SBOM-ORDER",
                entity="service object",
                id=self.id,
            )
        changed = evolve(self, service_bom=evolve(bom, history=(*bom.history, change)))
        event = ServiceBomChanged(
            aggregate_id=self.id,
            company_id=self.company_id,
            occurred_at=change.recorded_at,
            change=change,
        )
        return changed, event

    def _seq(self) -> int:
        return len(self._bom().history) + 1

    def _quantity(self, value: object, unit: UnitOfMeasure, param: str = "quantity") -> Decimal:
        qty = to_quantity(value, param)
        if unit.round_up(qty) != qty:
            raise ValidationError(
                f"{param} {qty} has more decimals than unit {unit.code!r} allows ({unit.decimals})",
                field=param,
                value=value,
                allowed=f"a multiple of {Decimal(1).scaleb(-unit.decimals)}",
            )
        return qty

    def add_part(
        self,
        component: str,
        quantity: object,
        unit: UnitOfMeasure,
        *,
        on: _dt.date,
        at: _dt.datetime,
        parent_line_id: str | None = None,
        note: str = "",
    ) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
        """Add a part (under ``parent_line_id``, or at the top)."""
        when = to_instant(at, "at")
        bom = self._bom()
        check_id(component, "component")
        check_type(unit, UnitOfMeasure, "unit")
        if parent_line_id is not None:
            bom.line(parent_line_id)
        qty = self._quantity(quantity, unit)
        line_id = f"H{len(bom.history) + 1}"
        changed, event = self._append(
            ServiceBomChange(
                seq=self._seq(),
                recorded_at=when,
                action=ServiceBomAction.ADD,
                on=to_date(on, "on"),
                line_id=line_id,
                component=component,
                quantity=qty,
                unit=unit,
                parent_line_id=parent_line_id,
                note=note,
            )
        )
        return changed, (event,)

    def remove_part(
        self, line_id: str, *, on: _dt.date, at: _dt.datetime, note: str = ""
    ) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
        """Remove a line (and every part under it)."""
        when = to_instant(at, "at")
        line = self._bom().line(line_id)
        changed, event = self._append(
            ServiceBomChange(
                seq=self._seq(),
                recorded_at=when,
                action=ServiceBomAction.REMOVE,
                on=to_date(on, "on"),
                line_id=line_id,
                component=line.component,
                quantity=line.quantity,
                unit=line.unit,
                note=note,
            )
        )
        return changed, (event,)

    def change_quantity(
        self, line_id: str, quantity: object, *, on: _dt.date, at: _dt.datetime, note: str = ""
    ) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
        """Set a line's quantity (lowering it is recorded like any change)."""
        when = to_instant(at, "at")
        line = self._bom().line(line_id)
        qty = self._quantity(quantity, line.unit)
        changed, event = self._append(
            ServiceBomChange(
                seq=self._seq(),
                recorded_at=when,
                action=ServiceBomAction.CHANGE_QUANTITY,
                on=to_date(on, "on"),
                line_id=line_id,
                component=line.component,
                quantity=qty,
                unit=line.unit,
                note=note,
            )
        )
        return changed, (event,)

    def replace_part(
        self,
        line_id: str,
        *,
        new_component: str | None = None,
        quantity: object = None,
        on: _dt.date,
        at: _dt.datetime,
        order_id: str | None = None,
        note: str = "",
    ) -> tuple[ServiceObject, tuple[DomainEvent, ...]]:
        """Exchange ``quantity`` (1..current, default all) of a line for ``new_component``
        (default: the same component, a new physical part).

        Raises :class:`SparePartRequired` and, with ``order_id``,
        :class:`ChargeableLineRequested`.
        """
        when = to_instant(at, "at")
        line = self._bom().line(line_id)
        component = line.component if new_component is None else check_id(new_component)
        qty = line.quantity if quantity is None else self._quantity(quantity, line.unit)
        if qty > line.quantity:
            raise BusinessRuleError(
                f"line {line_id!r} holds {line.quantity} {line.unit.code}; cannot replace {qty}",
                rule="SBOM-REPLACE",
                entity="service object",
                id=self.id,
            )
        order = _opt_str(order_id, "order_id")
        day = to_date(on, "on")
        changed, event = self._append(
            ServiceBomChange(
                seq=self._seq(),
                recorded_at=when,
                action=ServiceBomAction.REPLACE,
                on=day,
                line_id=line_id,
                component=line.component,
                quantity=qty,
                unit=line.unit,
                new_line_id=f"H{len(self._bom().history) + 1}",
                new_component=component,
                order_id=order,
                note=note,
            )
        )
        events: list[DomainEvent] = [
            event,
            SparePartRequired(
                aggregate_id=self.id,
                company_id=self.company_id,
                occurred_at=when,
                object_id=self.id,
                item=component,
                quantity=qty,
                unit=line.unit,
                needed_on=day,
                order_id=order,
            ),
        ]
        if order is not None:
            events.append(
                ChargeableLineRequested(
                    aggregate_id=self.id,
                    company_id=self.company_id,
                    occurred_at=when,
                    order_id=order,
                    object_id=self.id,
                    item=component,
                    quantity=qty,
                    unit=line.unit,
                    on=day,
                )
            )
        return changed, tuple(events)


class ServiceObjectRepository(Repository[ServiceObject]):
    """:class:`ServiceObject` aggregates, with the customer finder."""

    def list_for_customer(self, customer_id: str) -> list[ServiceObject]:
        """The customer's objects, by id."""
        return self.find("customer", check_id(customer_id, "customer_id"))


SERVICE_OBJECTS: AggregateType[ServiceObject, ServiceObjectRepository] = AggregateType(
    kind="service_object",
    cls=ServiceObject,
    repository=ServiceObjectRepository,
    indexes=(Index("customer", lambda o: (o.customer_id,)),),
)
"""Service objects in storage: ``uow[SERVICE_OBJECTS]``."""


class OwnerKind(enum.Enum):
    """What an object relation hangs on."""

    AGREEMENT = "agreement"
    SERVICE_ORDER = "service_order"


@frozen(kw_only=True)
class ObjectRelation:
    """A service object attached to an agreement or a service order (an aggregate)."""

    company_id: str
    id: str
    object_id: str
    owner_kind: OwnerKind
    owner_id: str
    note: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        check_id(self.company_id, "company_id")
        check_id(self.id, "relation id")
        check_id(self.object_id, "object_id")
        check_id(self.owner_id, "owner_id")
        if not isinstance(self.owner_kind, OwnerKind):
            raise ValidationError(
                f"owner_kind must be an OwnerKind, not {self.owner_kind!r}",
                field="owner_kind",
                value=self.owner_kind,
                allowed=", ".join(k.name for k in OwnerKind),
            )

    def belongs_to_order(self, order_id: str) -> bool:
        """Whether this relation is on service order ``order_id``."""
        return self.owner_kind is OwnerKind.SERVICE_ORDER and self.owner_id == order_id


class ObjectRelationRepository(Repository[ObjectRelation]):
    """:class:`ObjectRelation` aggregates, with owner and object finders."""

    def list_for_owner(self, owner_kind: OwnerKind, owner_id: str) -> list[ObjectRelation]:
        """Relations on one agreement or order, by id."""
        kind = check_type(owner_kind, OwnerKind, "owner_kind")
        return self.find("owner", index_key(kind.value, check_id(owner_id, "owner_id")))

    def list_for_object(self, object_id: str) -> list[ObjectRelation]:
        """Relations of one object, by id."""
        return self.find("object", check_id(object_id, "object_id"))


OBJECT_RELATIONS: AggregateType[ObjectRelation, ObjectRelationRepository] = AggregateType(
    kind="object_relation",
    cls=ObjectRelation,
    repository=ObjectRelationRepository,
    indexes=(
        Index("owner", lambda r: (index_key(r.owner_kind.value, r.owner_id),)),
        Index("object", lambda r: (r.object_id,)),
    ),
)
"""Object relations in storage: ``uow[OBJECT_RELATIONS]``."""


# ---------------------------------------------------------------------------------------
# Use cases (the caller commits)
# ---------------------------------------------------------------------------------------


def instantiate_service_bom(uow: UnitOfWork, object_id: str, *, clock: Clock) -> ServiceObject:
    """Give object ``object_id`` its service BOM: one unit of its item exploded as of its
    build (else install) date, over every BOM of the company."""
    obj = uow[SERVICE_OBJECTS].get(object_id)
    if obj.bom_date is None:
        raise BusinessRuleError(
            f"object {obj.id!r} has neither a build nor an install date; set one to choose "
            "the BOM version",
            rule="SBOM-DATE",
            entity="service object",
            id=obj.id,
        )
    explosion = BomIndex.build(uow[BOMS].list_all()).explode(obj.item_id, 1, obj.bom_date)
    changed, events = obj.instantiate_service_bom(explosion, at=read_clock(clock))
    uow[SERVICE_OBJECTS].save(changed)
    uow.record(events)
    return changed


def replace_service_part(
    uow: UnitOfWork,
    object_id: str,
    line_id: str,
    *,
    on: _dt.date,
    clock: Clock,
    new_component: str | None = None,
    quantity: object = None,
    order_id: str | None = None,
    note: str = "",
) -> ServiceObject:
    """Record a part replacement on a stored object (see :meth:`ServiceObject.replace_part`);
    the spare-part and chargeable-line events are recorded for publication on commit."""
    obj = uow[SERVICE_OBJECTS].get(object_id)
    changed, events = obj.replace_part(
        line_id,
        new_component=new_component,
        quantity=quantity,
        on=on,
        at=read_clock(clock),
        order_id=order_id,
        note=note,
    )
    uow[SERVICE_OBJECTS].save(changed)
    uow.record(events)
    return changed
