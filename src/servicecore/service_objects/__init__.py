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

A package of submodules named by what they hold: ``service_bom`` (service BOM lines, their
history and its replay), ``objects`` (the ``ServiceObject`` aggregate, its events and
repository), ``relations`` (object relations) and ``usecases``. Import from
:mod:`servicecore.service_objects`.
"""

from servicecore.service_objects.objects import (
    SERVICE_OBJECTS,
    ChargeableLineRequested,
    ServiceBomChanged,
    ServiceBomInstantiated,
    ServiceObject,
    ServiceObjectRepository,
    SparePartRequired,
)
from servicecore.service_objects.relations import (
    OBJECT_RELATIONS,
    ObjectRelation,
    ObjectRelationRepository,
    OwnerKind,
)
from servicecore.service_objects.service_bom import (
    ServiceBom,
    ServiceBomAction,
    ServiceBomChange,
    ServiceBomLine,
    replay,
)
from servicecore.service_objects.usecases import instantiate_service_bom, replace_service_part

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
