"""The plugin manager, the typed facade, and the example plugin found by its entry point."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points

import pendulum
import pluggy
import pytest
from attrs import evolve, frozen

from servicecore.errors import PluginError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders import OrderLine, ServiceOrder, Stage, StageTree, new_service_order
from servicecore.plugins import (
    DISABLE_ENV,
    ENTRY_POINT_GROUP,
    Hooks,
    LoggingPlugin,
    default_hooks,
    get_plugin_manager,
    hookimpl,
    reset_default_hooks,
)
from servicecore.ports import AggregateType, Repository
from servicecore.storage.memory import InMemoryStore
from tests.builders.dispatch import hour_line


@frozen(kw_only=True)
class Pinged(DomainEvent):
    pass


def ping(n: int = 1) -> Pinged:
    return Pinged(
        aggregate_id=f"P-{n}", company_id="ACME", occurred_at=pendulum.datetime(2024, 1, 1)
    )


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[DomainEvent, ...]] = []

    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        self.batches.append(tuple(events))


class Exploding:
    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        raise RuntimeError("bus down")


class Refusing:
    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        raise ValidationError("refused by policy")


class Misspelled:
    @hookimpl
    def servicecore_on_event(self, events: Sequence[DomainEvent]) -> None:
        """Not a servicecore hook: check_pending() must catch it."""


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    reset_default_hooks()


def test_builtins_are_registered_as_plugins() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    assert isinstance(pm.get_plugin("servicecore.logging"), LoggingPlugin)
    assert pm.get_plugin("audit_log") is None


def test_entry_point_group_is_loaded() -> None:
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert "audit_log" in names
    pm = get_plugin_manager()
    plugin = pm.get_plugin("audit_log")
    assert plugin is not None
    assert plugin.__name__ == "servicecore_audit_log"


@pytest.mark.parametrize("setting", ["1", "all", "TRUE", "*", "yes"])
def test_disable_all_entry_points(monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv(DISABLE_ENV, setting)
    pm = get_plugin_manager()
    assert pm.get_plugin("audit_log") is None
    assert pm.get_plugin("servicecore.logging") is not None


def test_disable_named_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_ENV, "something_else, audit_log")
    pm = get_plugin_manager()
    assert pm.get_plugin("audit_log") is None
    assert pm.is_blocked("audit_log")
    assert pm.get_plugin("servicecore.logging") is not None


def test_explicit_plugins_are_registered() -> None:
    recorder = Recorder()
    pm = get_plugin_manager(plugins=[recorder], load_entrypoints=False)
    assert pm.is_registered(recorder)


def test_unknown_hook_implementation_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match="must match a servicecore_ hook spec") as info:
        get_plugin_manager(plugins=[Misspelled()], load_entrypoints=False)
    assert isinstance(info.value.__cause__, pluggy.PluginValidationError)


def test_registering_twice_is_a_plugin_error() -> None:
    recorder = Recorder()
    with pytest.raises(PluginError, match="cannot register plugin"):
        get_plugin_manager(plugins=[recorder, recorder], load_entrypoints=False)


class _BrokenEntryPoint:
    name = "audit_log_broken"
    value = "servicecore_audit_log_broken:plugin"

    def load(self) -> object:
        raise ImportError("No module named 'servicecore_audit_log_broken'")


def test_failing_entry_point_names_itself_and_how_to_block_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicecore.plugins import manager

    monkeypatch.setattr(manager, "entry_points", lambda group: [_BrokenEntryPoint()])
    with pytest.raises(PluginError, match=f"set {DISABLE_ENV}=audit_log_broken") as info:
        get_plugin_manager()
    assert info.value.plugin == "audit_log_broken"
    assert "failed to load" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)
    monkeypatch.setenv(DISABLE_ENV, "audit_log_broken")
    assert get_plugin_manager().get_plugin("audit_log_broken") is None


def test_a_plugin_pluggy_cannot_inspect_is_a_plugin_error() -> None:
    class Hostile:
        def __getattr__(self, name: str) -> object:
            raise RuntimeError("no attribute access here")

        def __dir__(self) -> list[str]:
            return ["servicecore_on_events"]

    with pytest.raises(PluginError, match="registering the plugins failed"):
        get_plugin_manager(plugins=[Hostile()], load_entrypoints=False)


class Configurable:
    def __init__(self) -> None:
        self.settings: list[dict[str, object]] = []

    @hookimpl
    def servicecore_configure(self, settings: dict[str, object]) -> None:
        self.settings.append(dict(settings))


def test_servicecore_configure_gives_each_plugin_its_own_section_once() -> None:
    outbox, audit = Configurable(), Configurable()
    get_plugin_manager(
        plugins=[("outbox", outbox), ("audit", audit)],
        load_entrypoints=False,
        config={"outbox": {"url": "pg://x"}},
    )
    assert outbox.settings == [{"url": "pg://x"}]
    assert audit.settings == [{}]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"outbx": {}}, "not registered: \\['outbx'\\]"),
        ({"outbox": "url=x"}, "settings of plugin 'outbox' must be a mapping"),
        (["outbox"], "config must map plugin names"),
    ],
)
def test_bad_plugin_config_is_a_plugin_error(config: object, message: str) -> None:
    outbox = Configurable()
    with pytest.raises(PluginError, match=message):
        get_plugin_manager(
            plugins=[("outbox", outbox)],
            load_entrypoints=False,
            config=config,  # type: ignore[arg-type]
        )
    assert outbox.settings == []


def test_a_plugin_raising_names_itself_in_every_hook() -> None:
    class Faulty:
        @hookimpl
        def servicecore_configure(self, settings: dict[str, object]) -> None:
            raise RuntimeError("cannot parse settings")

    with pytest.raises(PluginError, match=f"plugin 'faulty'.*{DISABLE_ENV}=faulty") as info:
        get_plugin_manager(plugins=[("faulty", Faulty())], load_entrypoints=False)
    assert info.value.plugin == "faulty"
    assert info.value.hook == "servicecore_configure"

    class FaultyTypes:
        @hookimpl
        def servicecore_aggregate_types(self) -> list[object]:
            raise RuntimeError("registry broken")

    hooks = Hooks(get_plugin_manager(plugins=[("types", FaultyTypes())], load_entrypoints=False))
    with pytest.raises(PluginError, match=f"plugin 'types'.*{DISABLE_ENV}=types"):
        hooks.aggregate_types()

    hooks = Hooks(get_plugin_manager(plugins=[("bus", Exploding())], load_entrypoints=False))
    with pytest.raises(PluginError, match=f"{DISABLE_ENV}=bus"):
        hooks.on_events([ping()])


def test_facade_publishes_in_order_and_skips_empty_batches() -> None:
    recorder = Recorder()
    hooks = Hooks(get_plugin_manager(plugins=[recorder], load_entrypoints=False))
    events = [ping(1), ping(2)]
    hooks.on_events(events)
    hooks.on_events([])
    assert recorder.batches == [tuple(events)]
    assert hooks.manager.is_registered(recorder)


@pytest.mark.parametrize("events", [True, None, "ping", [object()]])
def test_facade_refuses_what_is_not_a_list_of_events(events: object) -> None:
    recorder = Recorder()
    hooks = Hooks(get_plugin_manager(plugins=[recorder], load_entrypoints=False))
    with pytest.raises(ValidationError, match="events"):
        hooks.on_events(events)  # type: ignore[arg-type]
    assert recorder.batches == []


def test_facade_wraps_plugin_exceptions() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[Exploding()], load_entrypoints=False))
    with pytest.raises(PluginError, match="was applied") as info:
        hooks.on_events([ping()])
    assert info.value.hook == "servicecore_on_events"
    assert isinstance(info.value.__cause__, RuntimeError)


def test_facade_lets_servicecore_errors_through() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[Refusing()], load_entrypoints=False))
    with pytest.raises(ValidationError, match="refused by policy"):
        hooks.on_events([ping()])


def test_plugin_error_after_commit_does_not_undo_it() -> None:
    @frozen
    class Note:
        company_id: str
        id: str
        version: int = 0

    notes: AggregateType[Note, Repository[Note]] = AggregateType(
        kind="note", cls=Note, repository=Repository
    )
    reset_default_hooks(Hooks(get_plugin_manager(plugins=[Exploding()], load_entrypoints=False)))
    store = InMemoryStore()
    with store("ACME") as uow:
        uow[notes].add(Note("ACME", "N-1"))
        uow.record([ping()])
        with pytest.raises(PluginError):
            uow.commit()
    with store("ACME") as uow:
        assert uow[notes].get("N-1").version == 1


def test_default_hooks_is_built_once_and_can_be_replaced() -> None:
    first = default_hooks()
    assert default_hooks() is first
    replacement = Hooks(get_plugin_manager(load_entrypoints=False))
    reset_default_hooks(replacement)
    assert default_hooks() is replacement
    reset_default_hooks()
    assert default_hooks() is not replacement


def test_example_audit_log_plugin_receives_committed_events() -> None:
    """servicecore_on_events: the installed example plugin is found through its entry point."""
    import servicecore_audit_log

    servicecore_audit_log.AUDIT_LOG.clear()
    store = InMemoryStore()  # publishes through the default facade, entry points loaded
    with store("ACME") as uow:
        uow.record([ping(1)])  # rolled back: never published
    assert servicecore_audit_log.AUDIT_LOG == []
    with store("ACME") as uow:
        uow.record([ping(2), ping(3)])
        uow.commit()
    assert servicecore_audit_log.AUDIT_LOG == [("ACME", "Pinged", "P-2"), ("ACME", "Pinged", "P-3")]


def test_one_failing_plugin_does_not_starve_the_others() -> None:
    """Issue 15 item 13: every plugin gets every committed event once; the failure is
    reported after the others ran, naming the plugin."""
    before, after = Recorder(), Recorder()
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(before, name="before")
    pm.register(Exploding(), name="exploding-bus")
    pm.register(after, name="after")
    hooks = Hooks(pm)
    events = [ping(1), ping(2)]
    with pytest.raises(PluginError, match="exploding-bus") as info:
        hooks.on_events(events)
    assert info.value.plugin == "exploding-bus"
    assert before.batches == [tuple(events)]
    assert after.batches == [tuple(events)]


def test_several_failing_plugins_are_all_named() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(Exploding(), name="bus-a")
    pm.register(Refusing(), name="policy-b")
    with pytest.raises(PluginError, match="bus-a") as info:
        Hooks(pm).on_events([ping()])
    assert "policy-b" in str(info.value)


# -- servicecore_price_line: the first plugin that prices a line wins ----------------------------
def _order_and_line() -> tuple[ServiceOrder, OrderLine]:
    order = new_service_order(
        company_id="ACME",
        id="SO-1",
        customer_id="C-1",
        currency="EUR",
        tree=StageTree.define([Stage(id="new")]),
        at=pendulum.datetime(2024, 3, 1, 9),
    )
    return order, hour_line("L1")


class Abstaining:
    def __init__(self) -> None:
        self.asked: list[str] = []

    @hookimpl
    def servicecore_price_line(self, order: ServiceOrder, line: OrderLine) -> None:
        self.asked.append(line.id)  # prices nothing: the next plugin is asked


class FlatRate:
    @hookimpl
    def servicecore_price_line(self, order: ServiceOrder, line: OrderLine) -> OrderLine:
        return evolve(line, sales_price=Money.of("120", "EUR"))


class CrashingPricer:
    @hookimpl
    def servicecore_price_line(self, order: ServiceOrder, line: OrderLine) -> OrderLine:
        raise KeyError("no rate table")


def test_a_pricing_plugin_returning_none_hands_the_line_to_the_next() -> None:
    order, line = _order_and_line()
    abstaining = Abstaining()
    # pluggy asks the plugin registered last first
    hooks = Hooks(
        get_plugin_manager(
            plugins=[("flat", FlatRate()), ("abstains", abstaining)], load_entrypoints=False
        )
    )
    priced = hooks.price_line(order, line)
    assert abstaining.asked == ["L1"]
    assert priced.sales_price == Money.of("120", "EUR")
    assert (priced.id, priced.cost_price) == ("L1", line.cost_price)


def test_a_pricing_plugin_that_crashes_is_named_in_a_plugin_error() -> None:
    order, line = _order_and_line()
    hooks = Hooks(get_plugin_manager(plugins=[("rates", CrashingPricer())], load_entrypoints=False))
    with pytest.raises(PluginError, match=f"plugin 'rates'.*{DISABLE_ENV}=rates") as info:
        hooks.price_line(order, line)
    assert info.value.plugin == "rates"
    assert info.value.hook == "servicecore_price_line"
