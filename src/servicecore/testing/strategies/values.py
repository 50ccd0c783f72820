"""Strategies for the small values the commands exchange, and for every domain event.

Status and priority changes, targets and credit policies, holiday rules, repair notes,
service-BOM history lines, explosions and lifecycles: the values an aggregate strategy of
another module builds internally, drawable on their own through ``st.from_type``.

Domain events get one generic strategy, :func:`domain_events`, registered for every
``DomainEvent`` subclass of servicecore's registered aggregate families (a new family's
events are covered once its aggregate type is registered). An area that wants a sharper
strategy for its events registers it in its own module: this one is registered first.
"""

from __future__ import annotations

import enum
import importlib
import types
import typing
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from servicecore.bom import BomIndex, Explosion
from servicecore.calendars import HolidayRules
from servicecore.events import DomainEvent
from servicecore.lifecycle import Lifecycle
from servicecore.ports import AggregateType, Index
from servicecore.repairs import RepairNote
from servicecore.service_objects import ServiceBomAction, ServiceBomChange
from servicecore.sla import (
    ClockKind,
    ClockRules,
    PriorityChange,
    PriorityTargets,
    ServiceCreditPolicy,
    StatusChange,
    Target,
)
from servicecore.testing.strategies.bom import bom_forests, bom_quantities, units_of_measure
from servicecore.testing.strategies.kernel import company_ids, dates, ids, instants, money
from servicecore.testing.strategies.sla import SLA_STATUSES, targets

__all__ = [
    "aggregate_types",
    "clock_rules",
    "domain_events",
    "explosions",
    "holiday_rules",
    "indexes",
    "lifecycles",
    "priority_changes",
    "priority_targets",
    "repair_notes",
    "service_bom_changes",
    "service_credit_policies",
    "status_changes",
]

E = TypeVar("E", bound=DomainEvent)

PRIORITIES = ("P1", "P2", "P3", "P4")
"""The priorities drawn for priority changes and per-priority targets."""


def status_changes() -> st.SearchStrategy[StatusChange]:
    """A status change at an aware instant, to one of the usual ticket statuses."""
    return st.builds(
        StatusChange,
        at=instants(),
        status=st.sampled_from(SLA_STATUSES),
        reason=st.none() | st.sampled_from(("customer asked", "waiting for parts")),
    )


def priority_changes() -> st.SearchStrategy[PriorityChange]:
    """A priority change at an aware instant."""
    return st.builds(PriorityChange, at=instants(), priority=st.sampled_from(PRIORITIES))


def clock_rules() -> st.SearchStrategy[ClockRules]:
    """Which statuses pause the clock and which fulfil it (disjoint, never "open")."""

    def build(pause: frozenset[str], fulfil: frozenset[str]) -> ClockRules:
        return ClockRules(
            pause_statuses=tuple(sorted(pause)), fulfil_statuses=tuple(sorted(fulfil))
        )

    others = [s for s in SLA_STATUSES if s != "new"]
    return st.sets(st.sampled_from(others), max_size=2).flatmap(
        lambda pause: st.builds(
            build,
            st.just(frozenset(pause)),
            st.sets(st.sampled_from([s for s in others if s not in pause]), max_size=2).map(
                frozenset
            ),
        )
    )


def priority_targets() -> st.SearchStrategy[PriorityTargets]:
    """Response and resolution targets of one priority (at least one of them)."""
    return st.builds(
        PriorityTargets,
        priority=st.sampled_from(PRIORITIES),
        response=st.none() | targets(),
        resolution=targets(),
    )


def service_credit_policies() -> st.SearchStrategy[ServiceCreditPolicy]:
    """A percentage or a fixed credit, for response, resolution or both."""
    kinds = st.sampled_from(
        [(ClockKind.RESOLUTION,), (ClockKind.RESPONSE,), (ClockKind.RESPONSE, ClockKind.RESOLUTION)]
    )
    percent = st.builds(
        lambda p, k: ServiceCreditPolicy(percent=Decimal(p), kinds=k), st.integers(1, 100), kinds
    )
    fixed = st.builds(
        lambda m, k: ServiceCreditPolicy(fixed=m, kinds=k),
        money(min_units=1, max_units=100_000),
        kinds,
    )
    return percent | fixed


def holiday_rules() -> st.SearchStrategy[HolidayRules]:
    """Public-holiday rules of a few countries, with and without a subdivision."""
    return st.sampled_from(
        [
            HolidayRules("SE"),
            HolidayRules("FR"),
            HolidayRules("DE", "BY"),
            HolidayRules("US", "NY"),
            HolidayRules("GB", "ENG"),
        ]
    )


def repair_notes() -> st.SearchStrategy[RepairNote]:
    """A technician's note on a repair."""
    return st.builds(
        RepairNote,
        at=instants(),
        author=ids("TECH-"),
        text=st.text(st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=40).filter(
            str.strip
        ),
    )


def service_bom_changes() -> st.SearchStrategy[ServiceBomChange]:
    """One history line of a service BOM, of any action (replacements name the new line)."""

    @st.composite
    def build(draw: st.DrawFn) -> ServiceBomChange:
        action = draw(st.sampled_from(ServiceBomAction))
        replace = action is ServiceBomAction.REPLACE
        return ServiceBomChange(
            seq=draw(st.integers(1, 10_000)),
            action=action,
            on=draw(dates()),
            line_id=draw(ids("L-")),
            component=draw(ids("ITEM-")),
            quantity=draw(bom_quantities()),
            unit=draw(units_of_measure()),
            new_line_id=draw(ids("L-")) if replace else None,
            new_component=draw(ids("ITEM-")) if replace else None,
            order_id=draw(st.none() | ids("SO-")),
            recorded_at=draw(instants()),
        )

    return build()


def explosions() -> st.SearchStrategy[Explosion]:
    """The explosion of a generated BOM forest's first item, through the public index."""

    def explode(forest: Any, quantity: Decimal) -> Explosion:
        bom = forest[0]
        version = bom.versions[0]
        return BomIndex.build(forest).explode(bom.id, quantity, as_of=version.effective_from)

    return st.builds(explode, bom_forests(), bom_quantities())


def lifecycles() -> st.SearchStrategy[Lifecycle[Any]]:
    """A sound lifecycle over 2..6 generated states: a chain to a final state plus extra
    forward and backward moves between the non-final states."""

    @st.composite
    def build(draw: st.DrawFn) -> Lifecycle[Any]:
        n = draw(st.integers(2, 6))
        states = enum.Enum("GeneratedState", [f"S{i}" for i in range(n)])  # type: ignore[misc]
        members = list(states)
        transitions = [(members[i], f"to{i + 1}", members[i + 1]) for i in range(n - 1)]
        for i in range(n - 1):
            others = [j for j in range(n - 1) if j != i + 1]  # to{i+1} is the chain's move
            for j in draw(st.sets(st.sampled_from(others), max_size=2)):
                transitions.append((members[i], f"to{j}", members[j]))
        return Lifecycle.define(
            "generated", states, initial=members[0], transitions=transitions, final=[members[-1]]
        )

    return build()


def indexes() -> st.SearchStrategy[Index[Any]]:
    """A secondary index keyed by one string attribute (``id`` or ``company_id``)."""
    return st.builds(
        lambda name, attr: Index(name, lambda aggregate: (str(getattr(aggregate, attr)),)),
        ids("by-"),
        st.sampled_from(("id", "company_id")),
    )


def aggregate_types() -> st.SearchStrategy[AggregateType[Any, Any]]:
    """One of the registered aggregate types (servicecore's own and installed plugins')."""
    from servicecore.uow import aggregate_types as registered

    return st.deferred(lambda: st.sampled_from(sorted(registered().values(), key=_kind)))


def _kind(aggregate_type: AggregateType[Any, Any]) -> str:
    return aggregate_type.kind


def _field_strategy(hint: Any) -> st.SearchStrategy[Any]:
    if hint is str:
        return ids()
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return st.none() | _field_strategy(inner)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(_field_strategy(args[0]), max_size=3).map(tuple)
    return st.from_type(hint)


def domain_events(cls: type[E]) -> st.SearchStrategy[E]:
    """Events of class ``cls``: ids, companies and aware instants, the other fields drawn
    from their annotations (identifiers for ``str`` fields)."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, st.SearchStrategy[Any]] = {
        "aggregate_id": ids(),
        "company_id": company_ids(),
        "occurred_at": instants(),
        "event_id": ids("EV-"),
    }
    for f in attrs.fields(cls):
        if f.name not in fields and f.init:
            fields[f.name] = _field_strategy(hints[f.name])
    return st.builds(cls, **fields)


def _event_classes() -> list[type[DomainEvent]]:
    from servicecore.plugins.builtin import BUILTIN_AGGREGATE_TYPES

    for reference in BUILTIN_AGGREGATE_TYPES:
        importlib.import_module(reference.partition(":")[0])
    found: list[type[DomainEvent]] = [DomainEvent]
    todo = list(DomainEvent.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("servicecore.") and attrs.has(cls):
            found.append(cls)  # type: ignore[arg-type]  # attrs.has narrows to AttrsInstance
        todo.extend(cls.__subclasses__())
    return found


def register() -> None:
    st.register_type_strategy(StatusChange, status_changes())
    st.register_type_strategy(PriorityChange, priority_changes())
    st.register_type_strategy(ClockRules, clock_rules())
    st.register_type_strategy(Target, targets())
    st.register_type_strategy(PriorityTargets, priority_targets())
    st.register_type_strategy(ServiceCreditPolicy, service_credit_policies())
    st.register_type_strategy(HolidayRules, holiday_rules())
    st.register_type_strategy(RepairNote, repair_notes())
    st.register_type_strategy(ServiceBomChange, service_bom_changes())
    st.register_type_strategy(Explosion, explosions())
    st.register_type_strategy(Lifecycle, lifecycles())
    st.register_type_strategy(Index, indexes())
    st.register_type_strategy(AggregateType, aggregate_types())
    for cls in _event_classes():
        st.register_type_strategy(cls, _deferred_events(cls))


def _deferred_events(cls: type[E]) -> st.SearchStrategy[E]:
    # Deferred: the hints of an event class are resolved when first drawn, not at import.
    return st.deferred(lambda: domain_events(cls))
