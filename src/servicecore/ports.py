"""The generic shape of aggregates and of their repository ports.

Every aggregate is a frozen attrs class carrying ``company_id`` (the legal entity that
owns it), ``id`` and ``version``. ``version`` is the number of commits that stored it:
``0`` for an aggregate that was never stored, ``n`` for one read at stored version ``n``.
Commands keep the version unchanged (``attrs.evolve`` copies it); the store bumps it by
one when a unit of work that changed the aggregate commits.

Each domain module declares its own port as a ``Protocol`` extending :class:`Repository`
with the few finders its use cases need; ``servicecore.uow.UnitOfWork`` composes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar, runtime_checkable

from servicecore.errors import ValidationError

__all__ = ["Aggregate", "Repository", "check_id"]


@runtime_checkable
class Aggregate(Protocol):
    """What the storage layer needs to know of any aggregate."""

    @property
    def company_id(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Aggregate)


class Repository(Protocol[A]):
    """The port every aggregate repository offers.

    All calls are scoped to the unit of work's company: an id of another company behaves
    exactly as if it did not exist.
    """

    def get(self, id: str) -> A:
        """The aggregate with ``id`` as this unit of work sees it; ``NotFoundError`` if none."""
        ...

    def add(self, aggregate: A) -> None:
        """Stage a new aggregate (``version`` 0); ``AlreadyExistsError`` if the id is taken."""
        ...

    def save(self, aggregate: A) -> None:
        """Stage a changed aggregate.

        ``aggregate.version`` must be the version this unit of work read, otherwise
        ``ConcurrencyError``; ``NotFoundError`` if it was never stored.
        """
        ...

    def delete(self, aggregate: A) -> None:
        """Stage the removal of a stored aggregate (same version rule as ``save``)."""
        ...

    def list_all(self) -> Sequence[A]:
        """Every aggregate of this kind of the unit of work's company, ordered by id."""
        ...


def check_id(value: object, field: str = "id") -> str:
    """Validate an identifier: a non-empty string without surrounding white space."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValidationError(
            f"{field} must be a non-empty string without surrounding spaces, not {value!r}",
            field=field,
            value=value,
            allowed="a non-empty string id such as 'SO-0001'",
        )
    return value
