"""Every public use case records its own events, and they reach the plugins after commit.

The use cases are found by walking the public API (every function in a domain module's
``__all__`` that takes a unit of work), not by a hand-kept list; each is run with its valid
call from the bad-input sweep's table. A use case that stages a change must have recorded
events on the unit of work itself (so no host can lose them by forgetting ``uow.record``),
and the commit must hand exactly those events, in order, to the plugins; one that stages
nothing (a query) records nothing.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import servicecore
from servicecore.events import DomainEvent
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl, reset_default_hooks
from tests.bad_input.entries import ENTRIES

NOT_DOMAIN = (
    "servicecore.testing",
    "servicecore.storage",
    "servicecore.plugins",
    "servicecore.cli",
    "servicecore.demo",
    "servicecore.ports",
    "servicecore.uow",
)


def public_use_cases() -> dict[str, Callable[..., Any]]:
    """Qualified public name -> use case, one name per function."""
    found: dict[int, tuple[str, Callable[..., Any]]] = {}
    for info in pkgutil.walk_packages(servicecore.__path__, "servicecore."):
        if info.name.startswith(NOT_DOMAIN) or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and "uow" in inspect.signature(obj).parameters:
                found.setdefault(id(obj), (f"{info.name}.{name}", obj))
    return dict(sorted(found.values()))


def _valid_call(func: Callable[..., Any]) -> Any:
    for entry in ENTRIES:
        prepared = entry.build()
        if prepared.target is func:
            return prepared
        if prepared.uow is not None:
            prepared.uow.__exit__(None, None, None)
    return None


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[DomainEvent, ...]] = []

    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        self.batches.append(tuple(events))


USE_CASES = public_use_cases()


def test_the_walk_finds_use_cases_of_every_area() -> None:
    modules = {name.split(".")[1] for name in USE_CASES}
    assert {"bom", "repairs", "service_objects", "sla", "subscriptions"} <= modules


@pytest.mark.parametrize("name", sorted(USE_CASES))
def test_use_case_events_reach_the_plugins_after_commit(name: str) -> None:
    prepared = _valid_call(USE_CASES[name])
    assert prepared is not None, f"{name} has no valid call in tests/bad_input/entries.py"
    uow = prepared.uow
    recorder = Recorder()
    reset_default_hooks(Hooks(get_plugin_manager(plugins=[recorder], load_entrypoints=False)))
    uow._store._publish = None  # publish through the plugin facade, as a host's store does
    try:
        prepared.target(**prepared.kwargs)
        staged, recorded = dict(uow._staged), list(uow._events)
        uow.commit()
    finally:
        uow.__exit__(None, None, None)
        reset_default_hooks()
    if staged:
        assert recorded, f"{name} staged changes but recorded no event"
        assert recorder.batches == [tuple(recorded)]
    else:
        assert recorded == []
        assert recorder.batches == []
