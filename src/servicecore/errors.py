"""The one exception tree of servicecore.

Every error a public entry point raises on purpose derives from :class:`ServiceCoreError`.
Families also derive from the standard exception a host already catches
(``ValidationError`` is a ``ValueError``, ``NotFoundError`` a ``LookupError``,
``CurrencyMismatchError`` a ``TypeError``, ``PermissionDeniedError`` a ``PermissionError``),
so code that predates servicecore keeps working.

Each error carries structured fields (``entity``, ``id``, ``field``, ``state``,
``action``, versions...) next to a message a person can act on: what was wrong and
what is allowed.

>>> from servicecore.errors import NotFoundError
>>> err = NotFoundError(entity="subscription", id="SUB-1")
>>> str(err)
"subscription 'SUB-1' does not exist"
>>> isinstance(err, LookupError), err.entity, err.id
(True, 'subscription', 'SUB-1')
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AlreadyExistsError",
    "BusinessRuleError",
    "ConcurrencyError",
    "CurrencyMismatchError",
    "InvalidTransitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "PluginError",
    "SchemaError",
    "ServiceCoreError",
    "StorageError",
    "StorageLockedError",
    "StorageUnavailableError",
    "ValidationError",
]


def _rebuild(
    cls: type[ServiceCoreError], args: tuple[object, ...], fields: dict[str, object]
) -> ServiceCoreError:
    """Unpickle an error without calling its ``__init__`` (whose arguments are keywords)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(fields)
    return error


class ServiceCoreError(Exception):
    """Root of every error servicecore raises on purpose.

    Every error survives ``pickle`` with its message and structured fields, so hosts can
    send them across process pools.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ValidationError(ServiceCoreError, ValueError):
    """An input was malformed or out of range.

    ``field`` names the parameter or attribute, ``value`` is what was given and
    ``allowed`` says what would have been accepted.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        allowed: str | None = None,
    ) -> None:
        if allowed and "allowed" not in message.lower():
            message = f"{message} (allowed: {allowed})"
        super().__init__(message)
        self.field = field
        self.value = value
        self.allowed = allowed


class NotFoundError(ServiceCoreError, LookupError):
    """No ``entity`` with this ``id`` exists (for the current company)."""

    def __init__(self, message: str | None = None, *, entity: str, id: str) -> None:
        super().__init__(message or f"{entity} {id!r} does not exist")
        self.entity = entity
        self.id = id


class AlreadyExistsError(ServiceCoreError):
    """An ``entity`` with this ``id`` is already stored."""

    def __init__(self, message: str | None = None, *, entity: str, id: str) -> None:
        super().__init__(
            message
            or f"{entity} {id!r} already exists; load it and save it to change it, "
            "or add it under a new id"
        )
        self.entity = entity
        self.id = id


class ConcurrencyError(ServiceCoreError):
    """The stored version moved on since the aggregate was read (optimistic locking)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        entity: str,
        id: str,
        expected_version: int,
        actual_version: int | None,
    ) -> None:
        if message is None:
            actual = "deleted" if actual_version is None else f"version {actual_version}"
            message = (
                f"{entity} {id!r} was changed by someone else: expected version "
                f"{expected_version}, store has {actual}; reload it and apply the change again"
            )
        super().__init__(message)
        self.entity = entity
        self.id = id
        self.expected_version = expected_version
        self.actual_version = actual_version


class InvalidTransitionError(ServiceCoreError):
    """A lifecycle action is not allowed from the current state."""

    def __init__(
        self,
        message: str | None = None,
        *,
        entity: str,
        id: str,
        state: str,
        action: str,
        allowed: Iterable[str] = (),
    ) -> None:
        allowed_t = tuple(allowed)
        if message is None:
            options = ", ".join(allowed_t) if allowed_t else "none"
            message = (
                f"cannot {action} {entity} {id!r} in state {state!r} "
                f"(actions allowed in that state: {options})"
            )
        super().__init__(message)
        self.entity = entity
        self.id = id
        self.state = state
        self.action = action
        self.allowed = allowed_t


class BusinessRuleError(ServiceCoreError):
    """A well-formed request breaks a business rule (``rule`` names it, e.g. ``"S3"``)."""

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        entity: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.entity = entity
        self.id = id


class PermissionDeniedError(ServiceCoreError, PermissionError):
    """The actor (or the unit of work's company) may not do this.

    ``permission`` names the permission that was missing (see ``servicecore.roles``).
    """

    def __init__(
        self,
        message: str,
        *,
        action: str | None = None,
        role: str | None = None,
        company_id: str | None = None,
        permission: str | None = None,
    ) -> None:
        super().__init__(message)
        self.action = action
        self.role = role
        self.company_id = company_id
        self.permission = permission


class CurrencyMismatchError(ServiceCoreError, TypeError):
    """Two amounts in different currencies met in one operation."""

    def __init__(self, message: str | None = None, *, expected: str, actual: str) -> None:
        super().__init__(
            message
            or f"cannot combine {expected} with {actual}: convert one amount first; "
            "servicecore never mixes currencies"
        )
        self.expected = expected
        self.actual = actual


class StorageError(ServiceCoreError):
    """The storage adapter failed (the driver's error is the ``__cause__``).

    Adapters raise one of the children where the driver says what went wrong, so hosts can
    tell "retry later" from "fix the setup".
    """


class StorageUnavailableError(StorageError):
    """The database could not be reached or dropped the connection; retrying may succeed."""


class StorageLockedError(StorageError):
    """The database is locked by another writer for longer than the busy timeout."""


class SchemaError(StorageError):
    """The database's schema is missing or of another version than this servicecore's."""


class PluginError(ServiceCoreError):
    """A plugin failed to load or a hook implementation raised."""

    def __init__(self, message: str, *, plugin: str | None = None, hook: str | None = None):
        super().__init__(message)
        self.plugin = plugin
        self.hook = hook
