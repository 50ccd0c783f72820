"""The ``ServiceObject`` aggregate (a customer's equipment and its service BOM), its events
and repository."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pendulum
from attrs import evolve, field, frozen

from servicecore.bom import Explosion, UnitOfMeasure, to_quantity
from servicecore.clock import to_date, to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import AggregateType, Index, Repository, check_id, check_type
from servicecore.service_objects.service_bom import (
    ServiceBom,
    ServiceBomAction,
    ServiceBomChange,
    ServiceBomLine,
    _bom_date,
)

__all__ = [
    "SERVICE_OBJECTS",
    "ChargeableLineRequested",
    "ServiceBomChanged",
    "ServiceBomInstantiated",
    "ServiceObject",
    "ServiceObjectRepository",
    "SparePartRequired",
]


def _installed_on(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "installed_on")


def _built_on(value: object) -> pendulum.Date | None:
    return None if value is None else to_date(value, "built_on")


def _opt_str(value: object, name: str) -> str | None:
    return None if value is None else check_id(value, name)


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
