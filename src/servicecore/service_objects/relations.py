"""Object relations: a service object attached to an agreement or a service order."""

from __future__ import annotations

import enum

from attrs import frozen

from servicecore.errors import ValidationError
from servicecore.ports import AggregateType, Index, Repository, check_id, check_type, index_key

__all__ = ["OBJECT_RELATIONS", "ObjectRelation", "ObjectRelationRepository", "OwnerKind"]


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
