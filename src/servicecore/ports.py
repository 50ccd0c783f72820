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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from servicecore.errors import ValidationError

__all__ = [
    "Aggregate",
    "Repository",
    "check_id",
    "check_int",
    "check_items",
    "check_iterable",
    "check_type",
]


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
T = TypeVar("T")


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


def _kind_name(kind: type[Any] | tuple[type[Any], ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def check_type(
    value: object,
    kind: type[T] | tuple[type[T], ...],
    field: str,
    allowed: str | None = None,
) -> T:
    """``value`` if it is an instance of ``kind``, else ``ValidationError`` naming ``field``.

    >>> check_type("x", int, "count")
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: count got 'x' (str); allowed: int
    """
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ValidationError(
            f"{field} got {value!r} ({type(value).__name__}); allowed: "
            f"{allowed or _kind_name(kind)}",
            field=field,
            value=value,
            allowed=allowed or _kind_name(kind),
        )
    return value


def _kinds(kind: type[Any] | tuple[type[Any], ...]) -> tuple[type[Any], ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def check_items(
    value: object,
    kind: type[T] | tuple[type[T], ...],
    field: str,
    allowed: str | None = None,
) -> tuple[T, ...]:
    """The items of the iterable ``value`` as a tuple, each checked to be a ``kind``.

    Strings, bytes and mappings are refused (they iterate, but never mean a collection of
    domain values); so is any item of another type.

    >>> check_items(None, int, "parts")
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: parts got None; allowed: a list or tuple of int
    """
    shape = allowed or f"a list or tuple of {_kind_name(kind)}"
    items: tuple[Any, ...] = check_iterable(value, field, shape)  # type: ignore[arg-type]
    for i, item in enumerate(items):
        check_type(item, kind, f"{field}[{i}]", shape)
    return items


def check_iterable(value: Iterable[T], field: str, allowed: str) -> tuple[T, ...]:
    """The items of ``value`` as a tuple; ``ValidationError`` unless it is a collection.

    Strings, bytes and mappings are refused too: they iterate, but never mean a list of
    domain values. The items themselves are the caller's to check.

    >>> check_iterable(None, "lines", "a list of BomLine")  # type: ignore[arg-type]
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: lines got None; allowed: a list of BomLine
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{field} got {value!r}; allowed: {allowed}", field=field, value=value, allowed=allowed
        )
    return tuple(value)


def check_int(
    value: object, field: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` if it is an ``int`` (not a bool) within ``[minimum, maximum]``.

    >>> check_int(0, "parts", minimum=1)
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: parts got 0; allowed: an integer >= 1
    """
    low = "" if minimum is None else f" >= {minimum}"
    high = "" if maximum is None else f" <= {maximum}"
    between = f"{low} and{high}" if low and high else low or high
    allowed = f"an integer{between}"
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        raise ValidationError(
            f"{field} got {value!r}; allowed: {allowed}", field=field, value=value, allowed=allowed
        )
    return value
