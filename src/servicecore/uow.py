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

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from servicecore.errors import ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, Repository, check_id

if TYPE_CHECKING:
    from servicecore.bom import BomRepository, ItemRepository
    from servicecore.repairs import RepairCodesRepository, RepairRepository
    from servicecore.service_objects import ObjectRelationRepository, ServiceObjectRepository
    from servicecore.sla import SlaRepository
    from servicecore.subscriptions import SubscriptionGroupRepository, SubscriptionRepository

__all__ = ["Recorder", "UnitOfWork", "UnitOfWorkFactory", "run_command"]

A = TypeVar("A", bound=Aggregate)


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


class Recorder(Protocol):
    """The part of a unit of work :func:`run_command` needs: somewhere to record events."""

    def record(self, events: Iterable[DomainEvent]) -> None: ...


def run_command(
    uow: Recorder,
    repository: Repository[A],
    id: str,
    command: Callable[[A], tuple[A, Sequence[DomainEvent]]],
) -> A:
    """Load ``id``, apply ``command``, save the result and record its events.

    The generic use case: every domain command ``(aggregate, ...) -> (aggregate, events)``
    runs through a unit of work with it, so hosts need no hand-written wrapper per command.
    The caller commits. If the command raises, nothing is staged.

    >>> import datetime as dt
    >>> from servicecore.storage.memory import InMemoryStore
    >>> from servicecore.subscriptions import SubscriptionGroup, create_subscription, activate
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    >>> store = InMemoryStore(publish=lambda events: None)
    >>> sub, _ = create_subscription(company_id="ACME", id="SUB-1",
    ...     group=SubscriptionGroup(company_id="ACME", id="MONTHLY"), customer_id="C-1",
    ...     price=Money.of("10.00", "EUR"), start=dt.date(2024, 1, 1), clock=clock)
    >>> with store.unit_of_work("ACME") as uow:
    ...     uow.subscriptions.add(sub)
    ...     active = run_command(uow, uow.subscriptions, "SUB-1",
    ...                          lambda s: activate(s, clock=clock))
    ...     uow.commit()
    >>> active.status.value
    'active'
    """
    check_id(id)
    if not callable(command):
        raise ValidationError(
            f"command must be callable, not {type(command).__name__}",
            field="command",
            value=command,
            allowed="a function (aggregate) -> (aggregate, events)",
        )
    current = repository.get(id)
    result = command(current)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ValidationError(
            f"the command returned {type(result).__name__}, not (aggregate, events)",
            field="command",
            value=result,
            allowed="a tuple (changed aggregate, sequence of DomainEvent)",
        )
    changed, events = result
    batch = tuple(events)
    if changed.id != current.id or changed.company_id != current.company_id:
        raise ValidationError(
            f"the command turned {current.id!r} into {changed.id!r} of company "
            f"{changed.company_id!r}; a command must keep the id and company",
            field="command",
            value=changed.id,
            allowed="the same id and company_id as the loaded aggregate",
        )
    repository.save(changed)
    uow.record(batch)
    return changed
