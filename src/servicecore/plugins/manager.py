"""Building the plugin manager and the typed facade the library calls hooks through."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
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


def get_plugin_manager(
    *,
    plugins: Iterable[object] = (),
    load_entrypoints: bool | None = None,
) -> pluggy.PluginManager:
    """A new plugin manager with the hook specs, the built-ins, ``plugins`` and entry points.

    Nothing is loaded at import time: only this call loads plugins. Entry points of the
    ``servicecore`` group are loaded unless ``load_entrypoints`` is False or the
    environment variable ``SERVICECORE_DISABLE_PLUGINS`` says so: ``1``/``all`` blocks
    every entry point, a comma-separated list blocks those plugin names. Hook
    implementations that match no spec raise ``PluginError`` (``check_pending``).
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    try:
        for name, plugin in _builtin_plugins():
            pm.register(plugin, name=name)
        for plugin in plugins:
            pm.register(plugin)
        setting = os.environ.get(DISABLE_ENV, "").strip()
        if load_entrypoints is None:
            load_entrypoints = setting.lower() not in _ALL
        if load_entrypoints:
            for blocked in filter(None, (s.strip() for s in setting.split(","))):
                pm.set_blocked(blocked)
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"plugin {exc.plugin!r} is invalid: {exc}; hook implementations must match a "
            "servicecore_ hook spec (see docs/plugins.md)",
            plugin=str(exc.plugin),
        ) from exc
    except ValueError as exc:  # pluggy: a name registered twice
        raise PluginError(f"cannot register plugin: {exc}") from exc
    except ServiceCoreError:
        raise
    except Exception as exc:  # an entry point that fails to import
        raise PluginError(
            f"loading the {ENTRY_POINT_GROUP!r} entry points failed: {exc!r}; set "
            f"{DISABLE_ENV}=<name> to block the faulty plugin"
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
            f"plugin with {DISABLE_ENV}=<name>",
            plugin=failures[0][0],
            hook="servicecore_on_events",
        ) from failures[0][1]

    def aggregate_types(self) -> dict[str, AggregateType[Any, Any]]:
        """Every aggregate type registered through ``servicecore_aggregate_types``, by kind."""
        try:
            results: list[Iterable[AggregateType[Any, Any]]] = (
                self._pm.hook.servicecore_aggregate_types()
            )
        except ServiceCoreError:
            raise
        except Exception as exc:
            raise PluginError(
                f"a servicecore_aggregate_types implementation raised {exc!r}",
                hook="servicecore_aggregate_types",
            ) from exc
        merged: dict[str, AggregateType[Any, Any]] = {}
        for result in results:
            if isinstance(result, str | bytes | Mapping) or not isinstance(result, Iterable):
                raise PluginError(
                    "servicecore_aggregate_types must return a list of AggregateType, not "
                    f"{result!r}",
                    hook="servicecore_aggregate_types",
                )
            for aggregate_type in result:
                if not isinstance(aggregate_type, AggregateType):
                    raise PluginError(
                        f"servicecore_aggregate_types gave {aggregate_type!r}; an "
                        "AggregateType is required",
                        hook="servicecore_aggregate_types",
                    )
                known = merged.setdefault(aggregate_type.kind, aggregate_type)
                if known is not aggregate_type:
                    raise PluginError(
                        f"two aggregate types use the kind {aggregate_type.kind!r} "
                        f"({known.cls.__name__} and {aggregate_type.cls.__name__}); kinds "
                        "must be unique",
                        hook="servicecore_aggregate_types",
                    )
        return dict(sorted(merged.items()))

    def calendars(self) -> dict[str, BusinessCalendar]:
        """Every calendar supplied through ``servicecore_calendars``, by id."""
        try:
            results: list[Mapping[str, BusinessCalendar]] = self._pm.hook.servicecore_calendars()
        except ServiceCoreError:
            raise
        except Exception as exc:
            raise PluginError(
                f"a servicecore_calendars implementation raised {exc!r}",
                hook="servicecore_calendars",
            ) from exc
        merged: dict[str, BusinessCalendar] = {}
        for result in results:
            if not isinstance(result, Mapping):
                raise PluginError(
                    f"servicecore_calendars must return a mapping of id to BusinessCalendar, "
                    f"not {result!r}",
                    hook="servicecore_calendars",
                )
            for key, calendar in result.items():
                if not isinstance(calendar, BusinessCalendar):
                    raise PluginError(
                        f"servicecore_calendars gave {calendar!r} for id {key!r}; a "
                        "BusinessCalendar is required",
                        hook="servicecore_calendars",
                    )
                if key in merged and merged[key] != calendar:
                    raise PluginError(
                        f"two plugins supply different calendars with the id {key!r}; "
                        "calendar ids must be unique",
                        hook="servicecore_calendars",
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
        """The SLA id a ``servicecore_select_sla`` plugin chose for an order, or None."""
        try:
            chosen = self._pm.hook.servicecore_select_sla(context=context)
        except ServiceCoreError:
            raise
        except Exception as exc:
            raise PluginError(
                f"a servicecore_select_sla implementation raised {exc!r}",
                hook="servicecore_select_sla",
            ) from exc
        if chosen is not None and not isinstance(chosen, str):
            raise PluginError(
                f"servicecore_select_sla must return an SLA id string or None, not {chosen!r}",
                hook="servicecore_select_sla",
            )
        return chosen


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
