"""A host's own aggregate type for the SQL adapter's tests (importable by child processes)."""

from __future__ import annotations

from attrs import frozen

from servicecore.ports import AggregateType, Index, Repository, index_key


@frozen
class Counter:
    company_id: str
    id: str
    value: int = 0
    generation: int = 0
    label: str = ""
    version: int = 0


class CounterRepository(Repository[Counter]):
    def list_labelled(self, label: str) -> list[Counter]:
        return self.find("label", index_key(label))


COUNTERS: AggregateType[Counter, CounterRepository] = AggregateType(
    kind="test_counter",
    cls=Counter,
    repository=CounterRepository,
    indexes=(Index("label", lambda c: (index_key(c.label),) if c.label else ()),),
)
