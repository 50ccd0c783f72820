"""Building the plugin manager and the typed facade the library calls hooks through."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import pluggy

from servicecore.calendars import BusinessCalendar
from servicecore.errors import NotFoundError, PluginError, ServiceCoreError
from servicecore.events import DomainEvent
from servicecore.plugins import hookspecs
from servicecore.plugins.builtin import BuiltinAggregateTypes
from servicecore.plugins.hookspecs import hookimpl
from servicecore.ports import AggregateType, check_id, check_items, check_type

if TYPE_CHECKING:  # domain types for annotations only: importing plugins loads no domain module
    from servicecore.orders import OrderLine, ServiceOrder
    from servicecore.roles import Grant
    from servicecore.sla import SlaSelectionContext

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "Hooks",
    "LoggingPlugin",
    "default_hooks",
    "get_plugin_manager",
    "reset_default_hooks",
]

ENTRY_POINT_GROUP = "servicecore"
DISABLE_ENV = "SERVICECORE_DISABLE_PLUGINS"
_ALL = {"1", "true", "yes", "all", "*"}

_log = logging.getLogger("servicecore.events")


class LoggingPlugin:
    """Built-in plugin: logs every published event at DEBUG on ``servicecore.events``."""

    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        for event in check_items(events, DomainEvent, "events", "a list of DomainEvent"):
            _log.debug(
                "%s %s company=%s aggregate=%s",
                event.event_type,
                event.event_id,
                event.company_id,
                event.aggregate_id,
            )


def _builtin_plugins() -> list[tuple[str, object]]:
    return [
        ("servicecore.logging", LoggingPlugin()),
        ("servicecore.aggregates", BuiltinAggregateTypes()),
    ]


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Load the ``servicecore`` entry points one by one, so a failure names its plugin."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} (entry point {ep.value!r}) failed to load: {exc!r}; "
                f"set {DISABLE_ENV}={ep.name} to block it",
                plugin=ep.name,
            ) from exc
        pm.register(plugin, name=ep.name)


def _configure(pm: pluggy.PluginManager, config: Mapping[str, Mapping[str, object]]) -> None:
    """Give each plugin implementing ``servicecore_configure`` its own section of ``config``."""
    if not isinstance(config, Mapping):
        raise PluginError(
            f"config must map plugin names to their settings, not {config!r}",
            hook="servicecore_configure",
        )
    names = {name for name, _ in pm.list_name_plugin()}
    unknown = sorted(str(key) for key in config if key not in names)
    if unknown:
        raise PluginError(
            f"config names plugins that are not registered: {unknown}; registered: {sorted(names)}",
            hook="servicecore_configure",
        )
    for name, section in config.items():
        if not isinstance(section, Mapping):
            raise PluginError(
                f"the settings of plugin {name!r} must be a mapping, not {section!r}",
                plugin=name,
                hook="servicecore_configure",
            )
    for impl in reversed(pm.hook.servicecore_configure.get_hookimpls()):
        section = config.get(impl.plugin_name, {})
        try:
            impl.function(settings=dict(section))
        except Exception as exc:
            raise _plugin_failure("servicecore_configure", impl.plugin_name, exc) from exc


def _plugin_failure(hook: str, plugin: str, exc: BaseException) -> ServiceCoreError:
    """The error for a plugin that raised: a servicecore error stays as it is, anything
    else becomes a ``PluginError`` naming the plugin and how to block it."""
    if isinstance(exc, ServiceCoreError):
        return exc
    return PluginError(
        f"plugin {plugin!r} raised {exc!r} in {hook}; set {DISABLE_ENV}={plugin} to block it",
        plugin=plugin,
        hook=hook,
    )


def get_plugin_manager(
    *,
    plugins: Iterable[object | tuple[str, object]] = (),
    load_entrypoints: bool | None = None,
    config: Mapping[str, Mapping[str, object]] | None = None,
) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, the built-ins, ``plugins`` and entry points.

    Nothing is loaded at import time: only this call loads plugins. ``plugins`` are plugin
    objects, or ``(name, plugin)`` pairs to give one a name. Entry points of the
    ``servicecore`` group are loaded, one by one, unless ``load_entrypoints`` is False or
    the environment variable ``SERVICECORE_DISABLE_PLUGINS`` says so: ``1``/``all`` blocks
    every entry point, a comma-separated list blocks those plugin names. An entry point
    that fails to load raises ``PluginError`` naming it and the setting that blocks it.
    Hook implementations that match no spec raise ``PluginError`` (``check_pending``).

    ``config`` maps plugin names to their settings: every plugin implementing
    ``servicecore_configure`` receives its own section (an empty one when ``config`` has
    none for it); a section naming no registered plugin is a ``PluginError``, so a typo
    never goes unnoticed.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    try:
        for name, plugin in _builtin_plugins():
            pm.register(plugin, name=name)
        for item in plugins:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                pm.register(item[1], name=item[0])
            else:
                pm.register(item)
        setting = os.environ.get(DISABLE_ENV, "").strip()
        if load_entrypoints is None:
            load_entrypoints = setting.lower() not in _ALL
        if load_entrypoints:
            for blocked in filter(None, (s.strip() for s in setting.split(","))):
                pm.set_blocked(blocked)
            _load_entry_points(pm)
        pm.check_pending()
        _configure(pm, {} if config is None else config)
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"plugin {exc.plugin!r} is invalid: {exc}; hook implementations must match a "
            "servicecore_ hook spec (see docs/plugins.md)",
            plugin=str(exc.plugin),
        ) from exc
    except ServiceCoreError:
        raise
    except ValueError as exc:  # pluggy: a name registered twice
        raise PluginError(f"cannot register plugin: {exc}") from exc
    except Exception as exc:  # a plugin object pluggy cannot even inspect
        raise PluginError(
            f"registering the plugins failed: {exc!r}; set {DISABLE_ENV}=<name> to block a "
            "faulty entry point"
        ) from exc
    return pm


class Hooks:
    """The typed facade through which servicecore calls its hooks (never ``pm.hook`` directly)."""

    __slots__ = ("_pm",)

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    @property
    def manager(self) -> pluggy.PluginManager:
        return self._pm

    @staticmethod
    def _each(caller: Any, **kwargs: Any) -> list[tuple[str, Any]]:
        """Each implementation's result, in pluggy's order; one that raises is reported as
        a ``PluginError`` naming the plugin (a servicecore error passes through)."""
        results: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):
            try:
                results.append((impl.plugin_name, impl.function(**kwargs)))
            except Exception as exc:
                raise _plugin_failure(caller.name, impl.plugin_name, exc) from exc
        return results

    def on_events(self, events: Sequence[DomainEvent]) -> None:
        """Publish committed events to every ``servicecore_on_events`` implementation.

        Every plugin gets every batch once, even when another one raises: the failures are
        collected and reported after all plugins ran, as one ``PluginError`` naming each
        failing plugin (a servicecore error raised by a single failing plugin is re-raised
        as it is).
        """
        batch = check_items(events, DomainEvent, "events")
        if not batch:
            return
        failures: list[tuple[str, BaseException]] = []
        caller = self._pm.hook.servicecore_on_events
        # pluggy stops at the first exception; calling each implementation on its own keeps
        # one failing plugin from starving the others. Order as pluggy would call them.
        for impl in reversed(caller.get_hookimpls()):
            try:
                impl.function(events=batch)
            except Exception as exc:
                failures.append((impl.plugin_name, exc))
        if not failures:
            return
        if len(failures) == 1 and isinstance(failures[0][1], ServiceCoreError):
            raise failures[0][1]
        names = ", ".join(name for name, _ in failures)
        details = "; ".join(f"{name}: {exc!r}" for name, exc in failures)
        raise PluginError(
            f"servicecore_on_events failed in {names} ({details}); the commit that produced "
            f"the events was applied and the other plugins received them; block a faulty "
            f"plugin with {DISABLE_ENV}={','.join(name for name, _ in failures)}",
            plugin=failures[0][0],
            hook="servicecore_on_events",
        ) from failures[0][1]

    def aggregate_types(self) -> dict[str, AggregateType[Any, Any]]:
        """Every aggregate type registered through ``servicecore_aggregate_types``, by kind."""
        hook = "servicecore_aggregate_types"
        merged: dict[str, AggregateType[Any, Any]] = {}
        owners: dict[str, str] = {}
        for plugin, result in self._each(self._pm.hook.servicecore_aggregate_types):
            if isinstance(result, str | bytes | Mapping) or not isinstance(result, Iterable):
                raise PluginError(
                    f"plugin {plugin!r}: {hook} must return a list of AggregateType, not "
                    f"{result!r}",
                    plugin=plugin,
                    hook=hook,
                )
            for aggregate_type in result:
                if not isinstance(aggregate_type, AggregateType):
                    raise PluginError(
                        f"plugin {plugin!r}: {hook} gave {aggregate_type!r}; an "
                        "AggregateType is required",
                        plugin=plugin,
                        hook=hook,
                    )
                known = merged.setdefault(aggregate_type.kind, aggregate_type)
                owner = owners.setdefault(aggregate_type.kind, plugin)
                if known is not aggregate_type:
                    raise PluginError(
                        f"two aggregate types use the kind {aggregate_type.kind!r} "
                        f"({known.cls.__name__} from plugin {owner!r} and "
                        f"{aggregate_type.cls.__name__} from plugin {plugin!r}); kinds "
                        "must be unique",
                        plugin=plugin,
                        hook=hook,
                    )
        return dict(sorted(merged.items()))

    def calendars(self) -> dict[str, BusinessCalendar]:
        """Every calendar supplied through ``servicecore_calendars``, by id."""
        hook = "servicecore_calendars"
        merged: dict[str, BusinessCalendar] = {}
        for plugin, result in self._each(self._pm.hook.servicecore_calendars):
            if not isinstance(result, Mapping):
                raise PluginError(
                    f"plugin {plugin!r}: {hook} must return a mapping of id to "
                    f"BusinessCalendar, not {result!r}",
                    plugin=plugin,
                    hook=hook,
                )
            for key, calendar in result.items():
                if not isinstance(calendar, BusinessCalendar):
                    raise PluginError(
                        f"plugin {plugin!r}: {hook} gave {calendar!r} for id {key!r}; a "
                        "BusinessCalendar is required",
                        plugin=plugin,
                        hook=hook,
                    )
                if key in merged and merged[key] != calendar:
                    raise PluginError(
                        f"two plugins supply different calendars with the id {key!r} "
                        f"(the second is {plugin!r}); calendar ids must be unique",
                        plugin=plugin,
                        hook=hook,
                    )
                merged[check_id(key, "calendar id")] = calendar
        return merged

    def calendar(self, calendar_id: str) -> BusinessCalendar:
        """The plugin-supplied calendar ``calendar_id``; ``NotFoundError`` if none."""
        found = self.calendars().get(check_id(calendar_id, "calendar_id"))
        if found is None:
            raise NotFoundError(entity="calendar", id=calendar_id)
        return found

    def select_sla(self, context: SlaSelectionContext) -> str | None:
        """The SLA id a ``servicecore_select_sla`` plugin chose for an order, or None.

        Implementations are asked in turn; the first that returns an id wins.
        """
        hook = "servicecore_select_sla"
        for impl in reversed(self._pm.hook.servicecore_select_sla.get_hookimpls()):
            try:
                chosen = impl.function(context=context)
            except Exception as exc:
                raise _plugin_failure(hook, impl.plugin_name, exc) from exc
            if chosen is None:
                continue
            if not isinstance(chosen, str):
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: {hook} must return an SLA id string or "
                    f"None, not {chosen!r}",
                    plugin=impl.plugin_name,
                    hook=hook,
                )
            return chosen
        return None

    def validate_stage_change(self, order: ServiceOrder, to_stage: str, reason: str | None) -> None:
        """Ask every ``servicecore_validate_stage_change`` implementation; the first that
        raises refuses the move (a servicecore error as it is, anything else as a
        ``PluginError`` naming the plugin)."""
        self._each(
            self._pm.hook.servicecore_validate_stage_change,
            order=order,
            to_stage=to_stage,
            reason=reason,
        )

    def price_line(self, order: ServiceOrder, line: OrderLine) -> OrderLine:
        """The line as the first ``servicecore_price_line`` plugin priced it, or ``line``
        unchanged when none did. A result that is not a line with the same id is a
        ``PluginError``."""
        hook = "servicecore_price_line"
        for impl in reversed(self._pm.hook.servicecore_price_line.get_hookimpls()):
            try:
                priced = impl.function(order=order, line=line)
            except Exception as exc:
                raise _plugin_failure(hook, impl.plugin_name, exc) from exc
            if priced is None:
                continue
            if type(priced) is not type(line) or priced.id != line.id:  # same class
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: {hook} must return the line (same id "
                    f"{line.id!r}) or None, not {priced!r}",
                    plugin=impl.plugin_name,
                    hook=hook,
                )
            return priced
        return line

    def role_grants(self) -> list[Grant]:
        """Every plugin's ``servicecore_role_grants``, in pluggy's order."""
        from servicecore.roles import Grant

        hook = "servicecore_role_grants"
        out: list[Grant] = []
        for plugin, grants in self._each(self._pm.hook.servicecore_role_grants):
            items = list(grants) if isinstance(grants, (list, tuple)) else None
            if items is None or not all(isinstance(g, Grant) for g in items):
                raise PluginError(
                    f"plugin {plugin!r}: {hook} must return a list of servicecore.roles.Grant,"
                    f" not {grants!r}",
                    plugin=plugin,
                    hook=hook,
                )
            out.extend(items)
        return out


_default: Hooks | None = None
_default_lock = threading.Lock()


def default_hooks() -> Hooks:
    """The process-wide facade, built on first use (not at import)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Hooks(get_plugin_manager())
        return _default


def reset_default_hooks(hooks: Hooks | None = None) -> None:
    """Replace (or, with ``None``, forget) the process-wide facade; for hosts and tests."""
    global _default
    if hooks is not None:  # a wrong object here would only fail later, at some commit
        check_type(hooks, Hooks, "hooks", "a Hooks facade, or None to rebuild it on next use")
    with _default_lock:
        _default = hooks
