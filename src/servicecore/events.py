"""Domain events: facts the domain raises, published to plugins after a commit.

A command returns the changed aggregate together with the events it raised; the use case
hands them to ``uow.record(...)`` and the unit of work publishes them through the plugin
hook ``servicecore_on_events`` only once the commit succeeded (never after a rollback).

Subclass :class:`DomainEvent` with ``@frozen(kw_only=True)`` and add the fields the event
needs:

>>> import pendulum
>>> from attrs import frozen
>>> from servicecore.events import DomainEvent
>>> @frozen(kw_only=True)
... class Renamed(DomainEvent):
...     new_name: str
>>> e = Renamed(aggregate_id="A-1", company_id="ACME",
...             occurred_at=pendulum.datetime(2024, 1, 1), new_name="B")
>>> e.event_type, e.aggregate_id, len(e.event_id)
('Renamed', 'A-1', 32)
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs
import pendulum
from attrs import frozen

from servicecore.clock import to_instant
from servicecore.errors import ValidationError

__all__ = ["DomainEvent"]


def _instant(value: Any) -> pendulum.DateTime:
    return to_instant(value, "occurred_at")


def _non_empty(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"{type(inst).__name__}.{attribute.name} must be a non-empty string, not {value!r}",
            field=attribute.name,
            value=value,
            allowed="a non-empty string id",
        )


def _new_event_id() -> str:
    return uuid.uuid4().hex


@frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event.

    ``event_id`` is unique (a random UUID unless given: pass one to make replays
    deterministic); ``aggregate_id`` and ``company_id`` say whose event it is;
    ``occurred_at`` is an aware instant taken from the injected clock.
    """

    aggregate_id: str = attrs.field(validator=_non_empty)
    company_id: str = attrs.field(validator=_non_empty)
    occurred_at: pendulum.DateTime = attrs.field(converter=_instant)
    event_id: str = attrs.field(factory=_new_event_id, validator=_non_empty)

    @property
    def event_type(self) -> str:
        """The event's class name, e.g. ``"SubscriptionActivated"``."""
        return type(self).__name__
