"""The hooks servicecore_calendars and servicecore_select_sla, through the Hooks facade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from servicecore.calendars import BusinessCalendar, always_open
from servicecore.errors import NotFoundError, PluginError, ValidationError
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl
from servicecore.sla import SlaSelectionContext, applicable_sla_ids

OFFICE = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
CTX = SlaSelectionContext(
    company_id="ACME", order_id="SO-1", priority="high", agreement_sla_id="GOLD"
)


class Calendars:
    @hookimpl
    def servicecore_calendars(self) -> Mapping[str, BusinessCalendar]:
        return {"se-office": OFFICE}


class MoreCalendars:
    @hookimpl
    def servicecore_calendars(self) -> Mapping[str, BusinessCalendar]:
        return {"24x7": always_open()}


class Vip:
    @hookimpl
    def servicecore_select_sla(self, context: SlaSelectionContext) -> str | None:
        return "PLATINUM" if context.priority == "high" else None


def hooks(*plugins: object) -> Hooks:
    return Hooks(get_plugin_manager(plugins=plugins, load_entrypoints=False))


def test_calendars_from_plugins_are_merged_and_found_by_id() -> None:
    h = hooks(Calendars(), MoreCalendars())
    assert h.calendars() == {"se-office": OFFICE, "24x7": always_open()}
    assert h.calendar("se-office") is OFFICE
    with pytest.raises(NotFoundError, match="nope"):
        h.calendar("nope")
    with pytest.raises(ValidationError):
        h.calendar("")
    assert hooks().calendars() == {}


def test_calendar_plugins_must_agree_and_return_calendars() -> None:
    class Clash:
        @hookimpl
        def servicecore_calendars(self) -> Mapping[str, BusinessCalendar]:
            return {"se-office": always_open()}

    class Bad:
        @hookimpl
        def servicecore_calendars(self) -> object:
            return {"x": "office"}

    class NotMapping:
        @hookimpl
        def servicecore_calendars(self) -> object:
            return ["office"]

    class Broken:
        @hookimpl
        def servicecore_calendars(self) -> Mapping[str, BusinessCalendar]:
            raise RuntimeError("database down")

    with pytest.raises(PluginError, match="unique"):
        hooks(Calendars(), Clash()).calendars()
    with pytest.raises(PluginError, match="BusinessCalendar"):
        hooks(Bad()).calendars()
    with pytest.raises(PluginError, match="mapping"):
        hooks(NotMapping()).calendars()
    with pytest.raises(PluginError, match="database down"):
        hooks(Broken()).calendars()


def test_select_sla_hook_chooses_first() -> None:
    h = hooks(Vip())
    assert h.select_sla(CTX) == "PLATINUM"
    assert applicable_sla_ids(CTX, h.select_sla) == ("PLATINUM", "GOLD")
    low = SlaSelectionContext(company_id="ACME", order_id="SO-2", priority="low")
    assert h.select_sla(low) is None
    assert hooks().select_sla(CTX) is None


def test_select_sla_hook_errors_become_plugin_errors() -> None:
    class Broken:
        @hookimpl
        def servicecore_select_sla(self, context: SlaSelectionContext) -> str | None:
            raise KeyError(context.order_id)

    class Wrong:
        @hookimpl
        def servicecore_select_sla(self, context: SlaSelectionContext) -> object:
            return 42

    with pytest.raises(PluginError, match="SO-1"):
        hooks(Broken()).select_sla(CTX)
    with pytest.raises(PluginError, match="string"):
        hooks(Wrong()).select_sla(CTX)
