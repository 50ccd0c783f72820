"""Lifecycles as data: an ``Enum`` of states plus a transition table, checked when defined.

A :class:`Lifecycle` refuses to exist unless it is sound: exactly one initial state, every
state reachable from it, no transition out of a final state, no state (other than a final
one) without a way out, and one target per (state, action).

>>> import enum
>>> from servicecore.lifecycle import Lifecycle
>>> class Door(enum.Enum):
...     OPEN = "open"
...     SHUT = "shut"
...     GONE = "gone"
>>> door = Lifecycle.define(
...     "door", Door, initial=Door.OPEN, final=[Door.GONE],
...     transitions=[(Door.OPEN, "shut", Door.SHUT), (Door.SHUT, "open", Door.OPEN),
...                  (Door.SHUT, "remove", Door.GONE)])
>>> door.apply(Door.OPEN, "shut", id="D1")
<Door.SHUT: 'shut'>
>>> door.apply(Door.OPEN, "remove", id="D1")
Traceback (most recent call last):
...
servicecore.errors.InvalidTransitionError: cannot remove door 'D1' in state 'open' ...
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

from attrs import frozen

from servicecore.errors import InvalidTransitionError, ValidationError
from servicecore.ports import check_items, check_iterable

_TRIPLES = "a list of (source state, action name, target state) tuples"


def _action(action: object) -> str:
    if not isinstance(action, str):
        raise ValidationError(
            f"action must be an action name (str), not {action!r}",
            field="action",
            value=action,
            allowed="the name of an action of the lifecycle, e.g. 'approve'",
        )
    return action


__all__ = ["Lifecycle"]

S = TypeVar("S", bound=enum.Enum)


@frozen
class Lifecycle(Generic[S]):
    """A validated state machine over the members of one ``Enum``."""

    entity: str
    states: type[S]
    initial: S
    final: frozenset[S]
    table: Mapping[S, Mapping[str, S]]

    @classmethod
    def define(
        cls,
        entity: str,
        states: type[S],
        *,
        initial: S,
        transitions: Iterable[tuple[S, str, S]],
        final: Iterable[S],
    ) -> Lifecycle[S]:
        """Build and check a lifecycle; ``ValidationError`` says what is unsound."""
        if not (isinstance(states, type) and issubclass(states, enum.Enum)):
            raise ValidationError(
                f"{entity}: states must be an Enum class, not {states!r}",
                field="states",
                value=states,
                allowed="an enum.Enum subclass listing the states",
            )
        members = list(states)
        final_items = check_iterable(final, "final", "an iterable of states")
        for s in (initial, *final_items):
            if not isinstance(s, states):
                what = "initial" if s is initial else "final"
                raise ValidationError(
                    f"{entity}: {what} state {s!r} is not a member of {states.__name__}",
                    field=what,
                    value=s,
                    allowed=", ".join(m.name for m in members),
                )
        finals = frozenset(final_items)
        transitions = check_items(transitions, tuple, "transitions", _TRIPLES)
        table: dict[S, dict[str, S]] = {s: {} for s in members}
        for triple in transitions:
            if len(triple) != 3 or not isinstance(triple[1], str):
                raise ValidationError(
                    f"{entity}: transition {triple!r} is not (source, action, target)",
                    field="transitions",
                    value=triple,
                    allowed=_TRIPLES,
                )
            source, action, target = triple
            for s in (source, target):
                if s not in table:
                    raise ValidationError(
                        f"{entity}: {s!r} is not a member of {states.__name__}",
                        field="transitions",
                        value=s,
                        allowed=", ".join(m.name for m in members),
                    )
            previous = table[source].get(action)
            if previous is not None and previous != target:
                raise ValidationError(
                    f"{entity}: action {action!r} from {source.name} leads both to "
                    f"{previous.name} and {target.name}",
                    field="transitions",
                    value=(source, action),
                    allowed="one target per (state, action)",
                )
            table[source][action] = target
        if initial in finals:
            raise ValidationError(
                f"{entity}: the initial state {initial.name} cannot be final", field="final"
            )
        for s in finals:
            if table[s]:
                raise ValidationError(
                    f"{entity}: final state {s.name} has transitions {sorted(table[s])}",
                    field="final",
                    allowed="no transition out of a final state",
                )
        for s in members:
            if s not in finals and not table[s]:
                raise ValidationError(
                    f"{entity}: state {s.name} has no way out and is not declared final",
                    field="transitions",
                )
        seen = {initial}
        todo = [initial]
        while todo:
            for target in table[todo.pop()].values():
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        unreachable = [s.name for s in members if s not in seen]
        if unreachable:
            raise ValidationError(
                f"{entity}: states {unreachable} cannot be reached from {initial.name}",
                field="transitions",
            )
        frozen_table = MappingProxyType({s: MappingProxyType(dict(t)) for s, t in table.items()})
        return cls(entity, states, initial, finals, frozen_table)

    def _row(self, state: object) -> Mapping[str, S]:
        try:
            row = self.table.get(state)  # type: ignore[call-overload]
        except TypeError:  # unhashable
            row = None
        if row is None:
            raise ValidationError(
                f"{self.entity}: {state!r} is not a state of {self.states.__name__}",
                field="state",
                value=state,
                allowed=", ".join(m.name for m in self.states),
            )
        result: Mapping[str, S] = row
        return result

    def actions(self, state: S) -> tuple[str, ...]:
        """The actions allowed in ``state``, sorted."""
        return tuple(sorted(self._row(state)))

    def can(self, state: S, action: str) -> bool:
        return _action(action) in self._row(state)

    def is_final(self, state: S) -> bool:
        self._row(state)
        return state in self.final

    def apply(self, state: S, action: str, *, id: str) -> S:
        """The state ``action`` leads to, or ``InvalidTransitionError``."""
        target = self._row(state).get(_action(action))
        if target is None:
            raise InvalidTransitionError(
                entity=self.entity,
                id=id,
                state=str(state.value),
                action=action,
                allowed=self.actions(state),
            )
        return target
