"""The fakes and the opt-in pytest plugin, used as a host would."""

from __future__ import annotations

import pendulum
import pytest

from servicecore.testing.contract import ContractEvent, RepositoryContract, UnitOfWorkContract
from servicecore.testing.fakes import RecordingPublisher


def count_tests(cls: type) -> int:
    return sum(1 for name in dir(cls) if name.startswith("test_"))


def event(n: int) -> ContractEvent:
    return ContractEvent(
        aggregate_id="A-1", company_id="ACME", occurred_at=pendulum.datetime(2024, 1, 1), n=n
    )


def test_recording_publisher() -> None:
    published = RecordingPublisher()
    published([event(1), event(2)])
    published([event(3)])
    assert [e.n for e in published.of_type(ContractEvent)] == [1, 2, 3]
    assert [len(b) for b in published.batches] == [2, 1]
    assert len(published) == 3
    assert repr(published) == "RecordingPublisher(3 events)"
    published.clear()
    assert published.events == []


HOST_TESTS = """
from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from attrs import evolve, frozen

from servicecore.ports import AggregateType, Repository
from servicecore.testing.contract import (
    ContractEvent, RepositoryContract, StoreFactory, UnitOfWorkContract,
)


@frozen
class Ticket:
    company_id: str
    id: str
    title: str = ""
    version: int = 0


TICKETS: AggregateType[Ticket, Repository[Ticket]] = AggregateType(
    kind="ticket", cls=Ticket, repository=Repository
)


def test_uow_and_published_events(uow, published_events, memory_store, company_id):
    assert company_id == "ACME"
    uow[TICKETS].add(Ticket("ACME", "T-1", "printer"))
    uow.record([ContractEvent(aggregate_id="T-1", company_id="ACME",
                              occurred_at=pendulum.datetime(2024, 1, 1), n=1)])
    assert published_events.events == []
    uow.commit()
    assert [e.aggregate_id for e in published_events.events] == ["T-1"]
    with memory_store("ACME") as other:
        assert other[TICKETS].get("T-1").version == 1


def test_uow_rolls_back_at_teardown(memory_store, uow):
    uow[TICKETS].add(Ticket("ACME", "T-2"))


def test_each_test_gets_a_fresh_store(memory_store):
    with memory_store("ACME") as uow:
        assert uow[TICKETS].list_all() == []


class TestAsAnotherCompany:
    @pytest.fixture
    def company_id(self):
        return "GLOBEX"

    def test_company_can_be_overridden(self, uow):
        assert uow.company_id == "GLOBEX"


def test_fixed_clock(fixed_clock):
    assert fixed_clock.now() == pendulum.datetime(2024, 1, 15, 9, tz="UTC")
    assert fixed_clock.now().day_of_week == pendulum.MONDAY
    fixed_clock.advance(dt.timedelta(hours=1))
    assert fixed_clock.now().hour == 10


class TestTicketsInMemory(RepositoryContract[Ticket]):
    @pytest.fixture
    def store_factory(self, memory_store_factory: StoreFactory) -> StoreFactory:
        return memory_store_factory

    def repository(self, uow):
        return uow[TICKETS]

    def make_aggregate(self, company_id, id):
        return Ticket(company_id, id)

    def modify(self, aggregate):
        return evolve(aggregate, title=aggregate.title + "!")


class TestForgotTheFixture(UnitOfWorkContract):
    pass
"""


def test_pytest_plugin_as_a_host_uses_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["servicecore.testing.pytest_plugin"]\n')
    pytester.makepyfile(test_host=HOST_TESTS)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    # 5 fixture tests + the repository contract; without its fixture, each of the
    # unit-of-work contract tests errors out, saying what to do
    result.assert_outcomes(
        passed=5 + count_tests(RepositoryContract), errors=count_tests(UnitOfWorkContract)
    )
    result.stdout.fnmatch_lines(["*define the fixture `store_factory` in your contract subclass*"])
