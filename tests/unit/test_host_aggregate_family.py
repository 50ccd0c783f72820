"""A host defines a new aggregate family here, touching no file under ``src/``.

Class, repository with one finder, ``AggregateType``, registration through the
``servicecore_aggregate_types`` hook; it then gets storage in the in-memory store, typed
access from a unit of work, the contract suite's round-trip and finder tests, Hypothesis
strategies and the bad-input sweep, all from the registration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore import hookimpl
from servicecore.errors import PluginError, ValidationError
from servicecore.plugins import Hooks, get_plugin_manager
from servicecore.ports import AggregateType, Index, Repository, check_id
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import AggregateTypesContract, StoreFactory
from tests.bad_input.engine import check, hostile
from tests.bad_input.entries import registry_entries


@frozen
class Vehicle:
    company_id: str
    id: str
    depot: str
    seats: int = 2
    version: int = 0


class VehicleRepository(Repository[Vehicle]):
    def list_at_depot(self, depot: str) -> list[Vehicle]:
        return self.find("depot", check_id(depot, "depot"))


VEHICLES: AggregateType[Vehicle, VehicleRepository] = AggregateType(
    kind="fleet_vehicle",
    cls=Vehicle,
    repository=VehicleRepository,
    indexes=(Index("depot", lambda v: (v.depot,)),),
)


class FleetPlugin:
    @hookimpl
    def servicecore_aggregate_types(self) -> list[AggregateType[Any, Any]]:
        return [VEHICLES]


def hooks(*plugins: object) -> Hooks:
    return Hooks(get_plugin_manager(plugins=plugins or [FleetPlugin()], load_entrypoints=False))


def test_the_hook_registers_the_type_beside_servicecores_own() -> None:
    registered = hooks().aggregate_types()
    assert registered["fleet_vehicle"] is VEHICLES
    assert {"sla", "subscription", "repair", "bom"} <= set(registered)


def test_storage_and_typed_access_from_the_unit_of_work() -> None:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        vehicles = uow[VEHICLES]
        assert isinstance(vehicles, VehicleRepository)
        vehicles.add(Vehicle("ACME", "V-1", depot="NORTH"))
        vehicles.add(Vehicle("ACME", "V-2", depot="SOUTH"))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert [v.id for v in uow[VEHICLES].list_at_depot("NORTH")] == ["V-1"]
        assert uow[VEHICLES].get("V-2").version == 1
        with pytest.raises(ValidationError):
            uow[VEHICLES].list_at_depot("")


class TestVehiclesThroughTheContract(AggregateTypesContract):
    """The contract's per-type tests, parametrised over the registry with the plugin."""

    def aggregate_types(self) -> Sequence[AggregateType[Any, Any]]:
        return [hooks().aggregate_types()["fleet_vehicle"]]

    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)


@settings(max_examples=20)
@given(st.from_type(Vehicle))
def test_hypothesis_builds_the_aggregate(vehicle: Vehicle) -> None:
    assert isinstance(vehicle, Vehicle)
    assert isinstance(vehicle.depot, str)


def test_the_bad_input_sweep_covers_the_finders_from_the_registry() -> None:
    entries = registry_entries([VEHICLES])
    keys = {e.key for e in entries}
    assert keys == {
        f"{__name__}.VehicleRepository",
        f"{__name__}.VehicleRepository.list_at_depot",
    }
    finder = next(e for e in entries if e.key.endswith("list_at_depot"))
    assert check(finder.build()) is None  # the baseline call is valid

    @settings(max_examples=40)
    @given(hostile())
    def sweep(value: object) -> None:
        prepared = finder.build()
        prepared.kwargs["depot"] = value
        check(prepared)  # a servicecore error or success; any other exception fails

    sweep()


def test_two_types_under_one_kind_are_refused() -> None:
    impostor: AggregateType[Vehicle, VehicleRepository] = AggregateType(
        kind="repair", cls=Vehicle, repository=VehicleRepository
    )

    class Clashing:
        @hookimpl
        def servicecore_aggregate_types(self) -> list[AggregateType[Any, Any]]:
            return [impostor]

    with pytest.raises(PluginError, match="kinds must be unique"):
        hooks(Clashing()).aggregate_types()


@pytest.mark.parametrize("bad", ["fleet_vehicle", [object()], {"a": VEHICLES}])
def test_a_hook_returning_no_types_is_a_plugin_error(bad: object) -> None:
    class Broken:
        @hookimpl
        def servicecore_aggregate_types(self) -> object:
            return bad

    with pytest.raises(PluginError):
        hooks(Broken()).aggregate_types()
