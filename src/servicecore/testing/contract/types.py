"""Per aggregate type: the round trip of generated aggregates and every finder.

Parametrised over the aggregate-type registry (the plugin hook), so the suite grows by two
tests per new type, servicecore's or the host's, with nothing to write. The aggregates come
from ``st.from_type`` (servicecore registers strategies for its own types; register yours
with ``st.register_type_strategy`` or let Hypothesis build your attrs class).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicecore.ports import AggregateType, UnitOfWork
from servicecore.testing.contract.base import StoreFactory, _ContractBase, _Published

__all__ = ["AggregateTypesContract", "aggregates_of"]


def aggregates_of(
    aggregate_type: AggregateType[Any, Any], company_id: str, *, max_size: int = 6
) -> st.SearchStrategy[list[Any]]:
    """Lists of new aggregates of ``aggregate_type`` for ``company_id``, with distinct ids.

    The aggregates come from ``st.from_type``; an id that is no valid id (Hypothesis builds
    any string for a plain ``str`` field) is replaced by a generated one.
    """

    def owned(pair: tuple[Any, int]) -> Any:
        aggregate, n = pair
        changes: dict[str, Any] = {"company_id": company_id, "version": 0}
        ident = aggregate.id
        if not isinstance(ident, str) or not ident or ident != ident.strip():
            changes["id"] = f"GEN-{n}"
        return attrs.evolve(aggregate, **changes)

    return st.lists(
        st.tuples(st.from_type(aggregate_type.cls), st.integers(0, 10_000)).map(owned),
        max_size=max_size,
        unique_by=lambda a: a.id,
    )


class AggregateTypesContract(_ContractBase):
    """Round trip and finders of every registered aggregate type, through the adapter."""

    type_examples: ClassVar[int] = 10
    """Hypothesis examples per type and test."""

    def aggregate_types(self) -> Sequence[AggregateType[Any, Any]]:
        """The types to test: the registry by default. Override to add or narrow."""
        from servicecore.plugins import default_hooks

        return list(default_hooks().aggregate_types().values())

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "aggregate_type" in metafunc.fixturenames:
            types = list(self.aggregate_types())
            metafunc.parametrize("aggregate_type", types, ids=[t.kind for t in types])

    def _settings(self) -> settings:
        return settings(
            max_examples=self.type_examples,
            deadline=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
            ],
        )

    def test_round_trip(
        self, aggregate_type: AggregateType[Any, Any], store_factory: StoreFactory
    ) -> None:
        """What is added comes back equal (at version 1), listed by id, for its company only."""

        @self._settings()
        @given(aggregates_of(aggregate_type, self.COMPANY))
        def check(aggregates: list[Any]) -> None:
            opener: Callable[[str], UnitOfWork] = store_factory(_Published())
            with opener(self.COMPANY) as uow:
                for aggregate in aggregates:
                    uow.records(aggregate_type).add(aggregate)
                uow.commit()
            with opener(self.COMPANY) as uow:
                records = uow.records(aggregate_type)
                for aggregate in aggregates:
                    assert records.get(aggregate.id) == attrs.evolve(aggregate, version=1)
                listed = [a.id for a in records.list_all()]
                assert listed == sorted(a.id for a in aggregates)
            with opener(self.OTHER_COMPANY) as uow:
                assert uow.records(aggregate_type).list_all() == []

        check()

    def test_finders(
        self, aggregate_type: AggregateType[Any, Any], store_factory: StoreFactory
    ) -> None:
        """Each index finds exactly the aggregates its key function files under a key."""
        if not aggregate_type.indexes:
            return

        @self._settings()
        @given(aggregates_of(aggregate_type, self.COMPANY))
        def check(aggregates: list[Any]) -> None:
            opener: Callable[[str], UnitOfWork] = store_factory(_Published())
            with opener(self.COMPANY) as uow:
                for aggregate in aggregates:
                    uow.records(aggregate_type).add(aggregate)
                uow.commit()
            with opener(self.COMPANY) as uow:
                records = uow.records(aggregate_type)
                for index in aggregate_type.indexes:
                    filed: dict[str, list[str]] = {}
                    for aggregate in aggregates:
                        for key in index.keys(aggregate):
                            filed.setdefault(key, []).append(aggregate.id)
                    for key, ids in filed.items():
                        found = [a.id for a in records.find(index.name, key)]
                        assert found == sorted(ids), (index.name, key)
                    assert records.find(index.name, "\\x00 no such key") == []
            with opener(self.OTHER_COMPANY) as uow:
                for index in aggregate_type.indexes:
                    for aggregate in aggregates:
                        for key in index.keys(aggregate):
                            assert uow.records(aggregate_type).find(index.name, key) == []

        check()
