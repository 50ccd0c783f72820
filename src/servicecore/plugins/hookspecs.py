"""Every hook servicecore calls, typed and ``servicecore_``-prefixed.

Implement a hook in your plugin with :data:`servicecore.hookimpl`; register the plugin
through the ``servicecore`` entry-point group (see ``docs/plugins.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # the domain is imported for typing only: `import servicecore` stays light
    from servicecore.calendars import BusinessCalendar
    from servicecore.events import DomainEvent
    from servicecore.orders import OrderLine, ServiceOrder
    from servicecore.ports import AggregateType
    from servicecore.roles import Grant
    from servicecore.sla import SlaSelectionContext

__all__ = [
    "hookimpl",
    "hookspec",
    "servicecore_aggregate_types",
    "servicecore_calendars",
    "servicecore_configure",
    "servicecore_on_events",
    "servicecore_price_line",
    "servicecore_role_grants",
    "servicecore_select_sla",
    "servicecore_validate_stage_change",
]

hookspec = pluggy.HookspecMarker("servicecore")
hookimpl = pluggy.HookimplMarker("servicecore")


@hookspec
def servicecore_aggregate_types() -> Iterable[AggregateType[Any, Any]]:
    """Aggregate types this plugin stores, each an ``AggregateType`` declared beside its class.

    Every implementation is asked; the results are merged by ``kind``. Two plugins giving
    different types under one kind raise ``PluginError``, as does anything that is not an
    ``AggregateType``. servicecore registers its own types the same way, through the
    built-in plugin ``servicecore.aggregates``. Read through ``Hooks.aggregate_types()``:
    storage adapters create their schema from it and the contract suite tests every type
    in it.
    """
    raise NotImplementedError


@hookspec
def servicecore_configure(settings: Mapping[str, object]) -> None:
    """Receive this plugin's settings from the host, once, when the plugins are loaded.

    The host passes ``get_plugin_manager(config={"<plugin name>": {...}})``; each plugin
    implementing this hook gets its own section (an empty mapping when the host gave none),
    never another plugin's. Raise a ``servicecore.errors`` exception (for example
    ``ValidationError``) to refuse bad settings: the host sees it as it is; anything else
    becomes a ``PluginError`` naming the plugin.
    """


@hookspec
def servicecore_on_events(events: Sequence[DomainEvent]) -> None:
    """Called once per successful commit with the domain events it recorded, in order.

    Never called for a unit of work that rolled back. The data is already committed when
    this runs: an exception raised here reaches the caller as ``PluginError``, but does
    not undo the commit. Use it to feed an outbox, a message bus or an audit log.
    """


@hookspec
def servicecore_calendars() -> Mapping[str, BusinessCalendar]:
    """Business calendars this plugin supplies, by id (e.g. ``{"se-office": calendar}``).

    Every implementation is asked; the results are merged. Two plugins supplying the same
    id raise ``PluginError`` (ids must be unique), as does a value that is not a
    ``BusinessCalendar``. Read through ``Hooks.calendars()`` / ``Hooks.calendar(id)``.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def servicecore_select_sla(context: SlaSelectionContext) -> str | None:
    """Choose the SLA id for an order, or return None to leave the choice to the rules.

    The first implementation returning an id wins. The chosen SLA comes before the
    agreement's own SLA and the agreement group's default (see ``servicecore.sla``).
    Read through ``Hooks.select_sla(context)``.
    """
    raise NotImplementedError


@hookspec
def servicecore_validate_stage_change(
    order: ServiceOrder, to_stage: str, reason: str | None
) -> None:
    """Check that ``order`` may move to ``to_stage`` (with ``reason``); raise to refuse.

    Every implementation is asked, after the stage tree's own rules passed and before
    anything is saved. Raise a ``servicecore.errors`` exception (for example
    ``BusinessRuleError``) to refuse: the caller sees it as it is and nothing changes;
    anything else becomes a ``PluginError`` naming the plugin. Read through
    ``Hooks.validate_stage_change``, which ``servicecore.orders.change_order_stage``
    takes as its ``validator``.
    """


@hookspec(firstresult=True)
def servicecore_price_line(order: ServiceOrder, line: OrderLine) -> OrderLine | None:
    """Price ``line`` for ``order``: return the line with its cost and sales price set, or
    None to keep the prices it has.

    The first implementation returning a line wins; it must keep the line's id and be
    priced in the order currency. Read through ``Hooks.price_line``, which
    ``servicecore.orders.create_order_for_agreement`` takes as its ``pricer``.
    """


@hookspec
def servicecore_role_grants() -> Iterable[Grant]:
    """Grants extending the roles policy (``servicecore.roles.Grant`` values).

    Every implementation is asked; its grants are added after the built-in ones
    (``DEFAULT_GRANTS``). A grant may name a new role, give a role more permissions
    (``scope="all"`` or ``"own lines"``), or take some away (``allow=False`` wins over the
    role's allowing grants). Anything that is not a ``Grant`` raises ``PluginError``. Read
    through ``Hooks.role_grants()``; ``Policy.default()`` includes them.
    """
    raise NotImplementedError
