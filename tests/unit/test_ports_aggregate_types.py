"""Aggregate types and indexes refuse what a store could not use, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen

from servicecore.errors import ValidationError
from servicecore.ports import AggregateType, Index, Repository
from servicecore.storage.memory import InMemoryStore


@frozen
class Gauge:
    company_id: str
    id: str
    site: str = "north"
    version: int = 0


BY_SITE: Index[Gauge] = Index("site", lambda g: (g.site,))
GAUGES: AggregateType[Gauge, Repository[Gauge]] = AggregateType(
    kind="test_gauge", cls=Gauge, repository=Repository, indexes=(BY_SITE,)
)


def test_an_index_needs_a_key_function() -> None:
    with pytest.raises(ValidationError, match="needs a key function") as info:
        Index("site", "site")  # type: ignore[arg-type]
    assert info.value.field == "keys"
    assert info.value.allowed == "a function aggregate -> iterable of str keys"


def test_index_names_are_unique_within_a_type() -> None:
    with pytest.raises(ValidationError, match=r"\['site'\] repeat") as info:
        AggregateType(
            kind="test_gauge_twice",
            cls=Gauge,
            repository=Repository,
            indexes=(BY_SITE, Index("site", lambda g: (g.id,))),
        )
    assert info.value.field == "indexes"


@pytest.mark.parametrize("upcasters", [[lambda doc: doc], "v1", 1])
def test_upcasters_must_be_a_mapping(upcasters: Any) -> None:
    with pytest.raises(ValidationError, match="upcasters must be a mapping") as info:
        AggregateType(kind="test_gauge_v2", cls=Gauge, repository=Repository, upcasters=upcasters)
    assert info.value.field == "upcasters"


def test_each_upcaster_must_be_callable() -> None:
    with pytest.raises(
        ValidationError, match="the upcaster from version 1 is not callable"
    ) as info:
        AggregateType(
            kind="test_gauge_v2",
            cls=Gauge,
            repository=Repository,
            schema_version=2,
            upcasters={1: "rename site"},  # type: ignore[dict-item]
        )
    assert info.value.field == "upcasters"
    assert info.value.value == "rename site"


def test_keys_of_refuses_an_index_of_another_type() -> None:
    elsewhere: Index[Gauge] = Index("site", lambda g: (g.site,))  # same name, not GAUGES'
    with pytest.raises(ValidationError, match="is not one of the indexes of test_gauge") as info:
        GAUGES.keys_of(Gauge("ACME", "G-1"), elsewhere)
    assert info.value.field == "index"
    assert info.value.allowed == "site"
    assert GAUGES.keys_of(Gauge("ACME", "G-1"), BY_SITE) == frozenset({"north"})


def test_a_key_function_giving_non_string_keys_is_refused_and_stages_nothing() -> None:
    numbered: AggregateType[Gauge, Repository[Gauge]] = AggregateType(
        kind="test_gauge_numbered",
        cls=Gauge,
        repository=Repository,
        indexes=(Index("number", lambda g: (len(g.id),)),),  # type: ignore[arg-type, return-value]
    )
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(ValidationError, match="gave the key 3; keys are str") as info:
            uow[numbered].add(Gauge("ACME", "G-1"))
        assert info.value.field == "index"
        assert info.value.allowed == "str keys (use index_key for several parts)"
        assert uow[numbered].list_all() == []


def test_a_repository_exposes_the_records_port_it_is_built_on() -> None:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        repo = uow[GAUGES]
        repo.records.add(Gauge("ACME", "G-1"))  # staged through the port underneath
        assert repo.records.aggregate_type is GAUGES
        assert [g.id for g in repo.list_all()] == ["G-1"]
