"""The ``UnitOfWork`` port: one transaction, for one company, over every repository.

A unit of work is opened for one company (the legal entity). Through it nothing of another
company can be read, listed, overwritten or deleted: another company's id reads exactly
as if it did not exist. Leaving the ``with`` block without ``commit()`` rolls back.
Events handed to :meth:`UnitOfWork.record` are published to plugins only after a
successful commit.

Domain issues add one typed repository attribute per aggregate to this protocol; a host
adapter implements the protocol and proves it with ``servicecore.testing.contract``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from servicecore.events import DomainEvent

if TYPE_CHECKING:
    from servicecore.bom import BomRepository, ItemRepository
    from servicecore.repairs import RepairCodesRepository, RepairRepository
    from servicecore.service_objects import ObjectRelationRepository, ServiceObjectRepository
    from servicecore.sla import SlaRepository
    from servicecore.subscriptions import SubscriptionGroupRepository, SubscriptionRepository

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(Protocol):
    """One transaction over the repository ports, scoped to ``company_id``."""

    @property
    def company_id(self) -> str:
        """The company this unit of work reads and writes."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Apply every staged change atomically, then publish the recorded events.

        Raises ``ConcurrencyError`` (or ``AlreadyExistsError``) and applies nothing when
        any aggregate moved on since it was read.
        """
        ...

    def rollback(self) -> None:
        """Drop every staged change and recorded event."""
        ...

    def record(self, events: Iterable[DomainEvent]) -> None:
        """Queue domain events for publication after the next successful commit."""
        ...

    @property
    def slas(self) -> SlaRepository:
        """SLA definitions (``servicecore.sla``)."""
        ...

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """Subscriptions with their fee ledgers (``servicecore.subscriptions``)."""
        ...

    @property
    def subscription_groups(self) -> SubscriptionGroupRepository:
        """Subscription groups (``servicecore.subscriptions``)."""
        # -- BOM, service objects and repairs (issue 5) ---------------------------------------
        ...

    @property
    def items(self) -> ItemRepository:
        """Items and their units of measure."""
        ...

    @property
    def boms(self) -> BomRepository:
        """Versioned bills of materials, one aggregate per parent item."""
        ...

    @property
    def service_objects(self) -> ServiceObjectRepository:
        """Customer equipment with its service BOM."""
        ...

    @property
    def object_relations(self) -> ObjectRelationRepository:
        """Objects attached to agreements and service orders."""
        ...

    @property
    def repairs(self) -> RepairRepository:
        """Repair lines."""
        ...

    @property
    def repair_codes(self) -> RepairCodesRepository:
        """Repair reference code sets."""
        ...


UnitOfWorkFactory = Callable[[str], UnitOfWork]
"""Opens a unit of work for a company id: ``factory("ACME")``."""
